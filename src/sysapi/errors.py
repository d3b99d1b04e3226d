"""The error model: one exception class per errno, and the documented error list of each call.

Every failing system call raises the class named after its errno (``EBADF``, ``EINVAL``, ...).
Each class subclasses :class:`SysapiError` (itself an :class:`OSError`) and, where PEP 3151
defines one, the matching builtin, so ``except PermissionError:`` keeps working.

Each public call declares its documented errors once, as an :class:`ErrorSpec`. The spec feeds
the exception's ``documented`` flag, the "Raises" section of the docstring, the errno tables of
the documentation, :data:`REGISTRY` and the conformance cases.
"""

from __future__ import annotations

import enum
import errno as _errno
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from sysapi._record import record

__all__ = [
    "REGISTRY",
    "ErrnoEntry",
    "ErrorSpec",
    "Source",
    "SysapiError",
    "documents",
    "errno_name",
    "from_errno",
    "kernel",
    "man",
    "notes",
    "spec",
]


class SysapiError(OSError):
    """A failed system call.

    Besides the :class:`OSError` attributes (``errno``, ``strerror``, ``filename``) it carries
    ``syscall``, the C name of the call that failed, and ``documented``, whether the errno is in
    that call's :class:`ErrorSpec`.
    """

    code: ClassVar[int] = 0
    syscall: str
    documented: bool

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.syscall = ""
        self.documented = False

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.syscall}: {text}" if self.syscall else text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep syscall/documented across pickling (multiprocessing, forked conformance children).
        notes = list(getattr(self, "__notes__", ()))
        state = (type(self), self.args, self.filename, self.syscall, self.documented, notes)
        return (_rebuild, state)


def _rebuild(
    cls: type[SysapiError],
    args: tuple[Any, ...],
    filename: Any,
    syscall: str,
    documented: bool,
    notes: list[str] | None = None,
) -> SysapiError:
    exc = cls(*args) if filename is None else cls(args[0], args[1], filename)
    exc.syscall = syscall
    exc.documented = documented
    for note in notes or ():
        exc.add_note(note)
    return exc


class EPERM(SysapiError, PermissionError):
    """errno 1: Operation not permitted."""

    code = 1


class ENOENT(SysapiError, FileNotFoundError):
    """errno 2: No such file or directory."""

    code = 2


class ESRCH(SysapiError, ProcessLookupError):
    """errno 3: No such process."""

    code = 3


class EINTR(SysapiError, InterruptedError):
    """errno 4: Interrupted system call."""

    code = 4


class EIO(SysapiError):
    """errno 5: Input/output error."""

    code = 5


class ENXIO(SysapiError):
    """errno 6: No such device or address."""

    code = 6


class E2BIG(SysapiError):
    """errno 7: Argument list too long."""

    code = 7


class ENOEXEC(SysapiError):
    """errno 8: Exec format error."""

    code = 8


class EBADF(SysapiError):
    """errno 9: Bad file descriptor."""

    code = 9


class ECHILD(SysapiError, ChildProcessError):
    """errno 10: No child processes."""

    code = 10


class EAGAIN(SysapiError, BlockingIOError):
    """errno 11: Resource temporarily unavailable."""

    code = 11


class ENOMEM(SysapiError):
    """errno 12: Cannot allocate memory."""

    code = 12


class EACCES(SysapiError, PermissionError):
    """errno 13: Permission denied."""

    code = 13


class EFAULT(SysapiError):
    """errno 14: Bad address."""

    code = 14


class ENOTBLK(SysapiError):
    """errno 15: Block device required."""

    code = 15


class EBUSY(SysapiError):
    """errno 16: Device or resource busy."""

    code = 16


class EEXIST(SysapiError, FileExistsError):
    """errno 17: File exists."""

    code = 17


class EXDEV(SysapiError):
    """errno 18: Invalid cross-device link."""

    code = 18


class ENODEV(SysapiError):
    """errno 19: No such device."""

    code = 19


class ENOTDIR(SysapiError, NotADirectoryError):
    """errno 20: Not a directory."""

    code = 20


class EISDIR(SysapiError, IsADirectoryError):
    """errno 21: Is a directory."""

    code = 21


class EINVAL(SysapiError):
    """errno 22: Invalid argument."""

    code = 22


class ENFILE(SysapiError):
    """errno 23: Too many open files in system."""

    code = 23


class EMFILE(SysapiError):
    """errno 24: Too many open files."""

    code = 24


class ENOTTY(SysapiError):
    """errno 25: Inappropriate ioctl for device."""

    code = 25


class ETXTBSY(SysapiError):
    """errno 26: Text file busy."""

    code = 26


class EFBIG(SysapiError):
    """errno 27: File too large."""

    code = 27


class ENOSPC(SysapiError):
    """errno 28: No space left on device."""

    code = 28


class ESPIPE(SysapiError):
    """errno 29: Illegal seek."""

    code = 29


class EROFS(SysapiError):
    """errno 30: Read-only file system."""

    code = 30


class EMLINK(SysapiError):
    """errno 31: Too many links."""

    code = 31


class EPIPE(SysapiError, BrokenPipeError):
    """errno 32: Broken pipe."""

    code = 32


class EDOM(SysapiError):
    """errno 33: Numerical argument out of domain."""

    code = 33


class ERANGE(SysapiError):
    """errno 34: Numerical result out of range."""

    code = 34


class EDEADLK(SysapiError):
    """errno 35: Resource deadlock avoided."""

    code = 35


class ENAMETOOLONG(SysapiError):
    """errno 36: File name too long."""

    code = 36


class ENOLCK(SysapiError):
    """errno 37: No locks available."""

    code = 37


class ENOSYS(SysapiError):
    """errno 38: Function not implemented."""

    code = 38


class ENOTEMPTY(SysapiError):
    """errno 39: Directory not empty."""

    code = 39


class ELOOP(SysapiError):
    """errno 40: Too many levels of symbolic links."""

    code = 40


class ENOMSG(SysapiError):
    """errno 42: No message of desired type."""

    code = 42


class EIDRM(SysapiError):
    """errno 43: Identifier removed."""

    code = 43


class ECHRNG(SysapiError):
    """errno 44: Channel number out of range."""

    code = 44


class EL2NSYNC(SysapiError):
    """errno 45: Level 2 not synchronized."""

    code = 45


class EL3HLT(SysapiError):
    """errno 46: Level 3 halted."""

    code = 46


class EL3RST(SysapiError):
    """errno 47: Level 3 reset."""

    code = 47


class ELNRNG(SysapiError):
    """errno 48: Link number out of range."""

    code = 48


class EUNATCH(SysapiError):
    """errno 49: Protocol driver not attached."""

    code = 49


class ENOCSI(SysapiError):
    """errno 50: No CSI structure available."""

    code = 50


class EL2HLT(SysapiError):
    """errno 51: Level 2 halted."""

    code = 51


class EBADE(SysapiError):
    """errno 52: Invalid exchange."""

    code = 52


class EBADR(SysapiError):
    """errno 53: Invalid request descriptor."""

    code = 53


class EXFULL(SysapiError):
    """errno 54: Exchange full."""

    code = 54


class ENOANO(SysapiError):
    """errno 55: No anode."""

    code = 55


class EBADRQC(SysapiError):
    """errno 56: Invalid request code."""

    code = 56


class EBADSLT(SysapiError):
    """errno 57: Invalid slot."""

    code = 57


class EBFONT(SysapiError):
    """errno 59: Bad font file format."""

    code = 59


class ENOSTR(SysapiError):
    """errno 60: Device not a stream."""

    code = 60


class ENODATA(SysapiError):
    """errno 61: No data available."""

    code = 61


class ETIME(SysapiError):
    """errno 62: Timer expired."""

    code = 62


class ENOSR(SysapiError):
    """errno 63: Out of streams resources."""

    code = 63


class ENONET(SysapiError):
    """errno 64: Machine is not on the network."""

    code = 64


class ENOPKG(SysapiError):
    """errno 65: Package not installed."""

    code = 65


class EREMOTE(SysapiError):
    """errno 66: Object is remote."""

    code = 66


class ENOLINK(SysapiError):
    """errno 67: Link has been severed."""

    code = 67


class EADV(SysapiError):
    """errno 68: Advertise error."""

    code = 68


class ESRMNT(SysapiError):
    """errno 69: Srmount error."""

    code = 69


class ECOMM(SysapiError):
    """errno 70: Communication error on send."""

    code = 70


class EPROTO(SysapiError):
    """errno 71: Protocol error."""

    code = 71


class EMULTIHOP(SysapiError):
    """errno 72: Multihop attempted."""

    code = 72


class EDOTDOT(SysapiError):
    """errno 73: RFS specific error."""

    code = 73


class EBADMSG(SysapiError):
    """errno 74: Bad message."""

    code = 74


class EOVERFLOW(SysapiError):
    """errno 75: Value too large for defined data type."""

    code = 75


class ENOTUNIQ(SysapiError):
    """errno 76: Name not unique on network."""

    code = 76


class EBADFD(SysapiError):
    """errno 77: File descriptor in bad state."""

    code = 77


class EREMCHG(SysapiError):
    """errno 78: Remote address changed."""

    code = 78


class ELIBACC(SysapiError):
    """errno 79: Can not access a needed shared library."""

    code = 79


class ELIBBAD(SysapiError):
    """errno 80: Accessing a corrupted shared library."""

    code = 80


class ELIBSCN(SysapiError):
    """errno 81: .lib section in a.out corrupted."""

    code = 81


class ELIBMAX(SysapiError):
    """errno 82: Attempting to link in too many shared libraries."""

    code = 82


class ELIBEXEC(SysapiError):
    """errno 83: Cannot exec a shared library directly."""

    code = 83


class EILSEQ(SysapiError):
    """errno 84: Invalid or incomplete multibyte or wide character."""

    code = 84


class ERESTART(SysapiError):
    """errno 85: Interrupted system call should be restarted."""

    code = 85


class ESTRPIPE(SysapiError):
    """errno 86: Streams pipe error."""

    code = 86


class EUSERS(SysapiError):
    """errno 87: Too many users."""

    code = 87


class ENOTSOCK(SysapiError):
    """errno 88: Socket operation on non-socket."""

    code = 88


class EDESTADDRREQ(SysapiError):
    """errno 89: Destination address required."""

    code = 89


class EMSGSIZE(SysapiError):
    """errno 90: Message too long."""

    code = 90


class EPROTOTYPE(SysapiError):
    """errno 91: Protocol wrong type for socket."""

    code = 91


class ENOPROTOOPT(SysapiError):
    """errno 92: Protocol not available."""

    code = 92


class EPROTONOSUPPORT(SysapiError):
    """errno 93: Protocol not supported."""

    code = 93


class ESOCKTNOSUPPORT(SysapiError):
    """errno 94: Socket type not supported."""

    code = 94


class EOPNOTSUPP(SysapiError):
    """errno 95: Operation not supported."""

    code = 95


class EPFNOSUPPORT(SysapiError):
    """errno 96: Protocol family not supported."""

    code = 96


class EAFNOSUPPORT(SysapiError):
    """errno 97: Address family not supported by protocol."""

    code = 97


class EADDRINUSE(SysapiError):
    """errno 98: Address already in use."""

    code = 98


class EADDRNOTAVAIL(SysapiError):
    """errno 99: Cannot assign requested address."""

    code = 99


class ENETDOWN(SysapiError):
    """errno 100: Network is down."""

    code = 100


class ENETUNREACH(SysapiError):
    """errno 101: Network is unreachable."""

    code = 101


class ENETRESET(SysapiError):
    """errno 102: Network dropped connection on reset."""

    code = 102


class ECONNABORTED(SysapiError, ConnectionAbortedError):
    """errno 103: Software caused connection abort."""

    code = 103


class ECONNRESET(SysapiError, ConnectionResetError):
    """errno 104: Connection reset by peer."""

    code = 104


class ENOBUFS(SysapiError):
    """errno 105: No buffer space available."""

    code = 105


class EISCONN(SysapiError):
    """errno 106: Transport endpoint is already connected."""

    code = 106


class ENOTCONN(SysapiError):
    """errno 107: Transport endpoint is not connected."""

    code = 107


class ESHUTDOWN(SysapiError, BrokenPipeError):
    """errno 108: Cannot send after transport endpoint shutdown."""

    code = 108


class ETOOMANYREFS(SysapiError):
    """errno 109: Too many references: cannot splice."""

    code = 109


class ETIMEDOUT(SysapiError, TimeoutError):
    """errno 110: Connection timed out."""

    code = 110


class ECONNREFUSED(SysapiError, ConnectionRefusedError):
    """errno 111: Connection refused."""

    code = 111


class EHOSTDOWN(SysapiError):
    """errno 112: Host is down."""

    code = 112


class EHOSTUNREACH(SysapiError):
    """errno 113: No route to host."""

    code = 113


class EALREADY(SysapiError, BlockingIOError):
    """errno 114: Operation already in progress."""

    code = 114


class EINPROGRESS(SysapiError, BlockingIOError):
    """errno 115: Operation now in progress."""

    code = 115


class ESTALE(SysapiError):
    """errno 116: Stale file handle."""

    code = 116


class EUCLEAN(SysapiError):
    """errno 117: Structure needs cleaning."""

    code = 117


class ENOTNAM(SysapiError):
    """errno 118: Not a XENIX named type file."""

    code = 118


class ENAVAIL(SysapiError):
    """errno 119: No XENIX semaphores available."""

    code = 119


class EISNAM(SysapiError):
    """errno 120: Is a named type file."""

    code = 120


class EREMOTEIO(SysapiError):
    """errno 121: Remote I/O error."""

    code = 121


class EDQUOT(SysapiError):
    """errno 122: Disk quota exceeded."""

    code = 122


class ENOMEDIUM(SysapiError):
    """errno 123: No medium found."""

    code = 123


class EMEDIUMTYPE(SysapiError):
    """errno 124: Wrong medium type."""

    code = 124


class ECANCELED(SysapiError):
    """errno 125: Operation canceled."""

    code = 125


class ENOKEY(SysapiError):
    """errno 126: Required key not available."""

    code = 126


class EKEYEXPIRED(SysapiError):
    """errno 127: Key has expired."""

    code = 127


class EKEYREVOKED(SysapiError):
    """errno 128: Key has been revoked."""

    code = 128


class EKEYREJECTED(SysapiError):
    """errno 129: Key was rejected by service."""

    code = 129


class EOWNERDEAD(SysapiError):
    """errno 130: Owner died."""

    code = 130


class ENOTRECOVERABLE(SysapiError):
    """errno 131: State not recoverable."""

    code = 131


class ERFKILL(SysapiError):
    """errno 132: Operation not possible due to RF-kill."""

    code = 132


class EHWPOISON(SysapiError):
    """errno 133: Memory page has hardware error."""

    code = 133


# Linux aliases: one errno number, two C names.
EWOULDBLOCK = EAGAIN
EDEADLOCK = EDEADLK
ENOTSUP = EOPNOTSUPP


_BY_ERRNO: dict[int, type[SysapiError]] = {cls.code: cls for cls in SysapiError.__subclasses__()}


def from_errno(errno: int) -> type[SysapiError]:
    """The exception class for ``errno``; :class:`SysapiError` for an errno sysapi does not know."""
    return _BY_ERRNO.get(errno, SysapiError)


def errno_name(errno: int) -> str:
    """The C name of ``errno`` (``"ENOENT"``), or ``"errno N"`` when it has none."""
    cls = _BY_ERRNO.get(errno)
    if cls is not None:
        return cls.__name__
    return _errno.errorcode.get(errno, f"errno {errno}")


class Source(enum.Enum):
    """Where a documented errno comes from."""

    NOTES = "notes"  # the study notes list it, and Linux 6.x agrees
    MAN = "man page"  # the notes omit it; the man page documents it
    KERNEL = "kernel"  # the notes are wrong here; the entry follows what Linux really does


@record
class ErrnoEntry:
    """One documented errno of one call."""

    errno: int
    meaning: str
    source: Source = Source.NOTES
    #: What the notes claim where the kernel differs (``Source.KERNEL`` entries).
    notes_claim: str | None = None

    @property
    def name(self) -> str:
        return errno_name(self.errno)


_NOTHING: Mapping[Any, Any] = MappingProxyType({})


@record
class ErrorSpec:
    """The documented error list of one C call, keyed by errno number.

    Creating a spec registers it in :data:`REGISTRY` under ``syscall``.
    """

    syscall: str
    entries: tuple[ErrnoEntry, ...]
    #: The errnos the notes list for this call that Linux never returns, with why.
    notes_only: Mapping[int, str] = _NOTHING
    #: errno → a function that returns a note (PEP 678) added to that error, for example the
    #: live resource limit that explains an ENOSPC or EMFILE.
    hints: Mapping[int, Callable[[], str]] = _NOTHING

    def __post_init__(self) -> None:
        seen = [e.errno for e in self.entries]
        if len(seen) != len(set(seen)):
            raise ValueError(f"{self.syscall}: an errno is listed twice")
        if self.syscall in _SPECS:
            raise ValueError(f"{self.syscall}: a spec is registered already")
        _SPECS[self.syscall] = self

    @property
    def errors(self) -> dict[int, str]:
        """errno number → its meaning for this call."""
        return {e.errno: e.meaning for e in self.entries}

    def entry(self, errno: int) -> ErrnoEntry | None:
        for e in self.entries:
            if e.errno == errno:
                return e
        return None

    def __contains__(self, errno: object) -> bool:
        return any(e.errno == errno for e in self.entries)

    def raises_lines(self) -> list[str]:
        """One "Raises" line per documented errno, for the generated docstrings."""
        lines = []
        for e in sorted(self.entries, key=lambda e: e.errno):
            src = e.source.value
            if e.notes_claim:
                src += f"; the notes claim {e.notes_claim}"
            lines.append(f"    {e.name}: from ``{self.syscall}``: {e.meaning} ({src}).")
        return lines


def spec(
    syscall: str,
    entries: Iterable[ErrnoEntry],
    *,
    notes_only: Mapping[int, str] | None = None,
    hints: Mapping[int, Callable[[], str]] | None = None,
) -> ErrorSpec:
    """Shorthand for :class:`ErrorSpec` used by the area modules."""
    return ErrorSpec(syscall, tuple(entries), dict(notes_only or {}), dict(hints or {}))


def notes(errno: int, meaning: str) -> ErrnoEntry:
    """An errno the notes document and Linux 6.x returns for that reason."""
    return ErrnoEntry(errno, meaning, Source.NOTES)


def man(errno: int, meaning: str) -> ErrnoEntry:
    """An errno the notes omit and the man page documents."""
    return ErrnoEntry(errno, meaning, Source.MAN)


def kernel(errno: int, meaning: str, notes_claim: str) -> ErrnoEntry:
    """An entry where the notes are wrong: ``meaning`` is what Linux does, ``notes_claim``
    what the notes say."""
    return ErrnoEntry(errno, meaning, Source.KERNEL, notes_claim)


_SPECS: dict[str, ErrorSpec] = {}


class _Registry(Mapping[str, ErrorSpec]):
    """The specs of every area. The area modules register theirs as they are imported, and
    ``import sysapi`` imports none: a question about a call not registered yet, or about all of
    them, imports every area first."""

    def _all(self) -> dict[str, ErrorSpec]:
        from sysapi import _areas

        _areas.load_all()
        return _SPECS

    def __getitem__(self, syscall: str) -> ErrorSpec:
        found = _SPECS.get(syscall)
        return found if found is not None else self._all()[syscall]

    def __contains__(self, syscall: object) -> bool:
        return syscall in _SPECS or syscall in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"REGISTRY({self._all()!r})"


#: C call name → its :class:`ErrorSpec`, for every call of every area.
REGISTRY: Mapping[str, ErrorSpec] = _Registry()

_F = TypeVar("_F", bound=Callable[..., Any])


def _cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` (which would cost importing ``inspect``): the first line stripped,
    the others dedented by their common indentation, blank lines around removed."""
    lines = doc.expandtabs().split("\n")
    rest = [line for line in lines[1:] if line.strip()]
    margin = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    cleaned = [lines[0].strip(), *(line[margin:].rstrip() for line in lines[1:])]
    return "\n".join(cleaned).strip("\n")


def _raises_section(specs: Iterable[ErrorSpec]) -> list[str]:
    lines = ["Raises:"]
    for s in specs:
        lines.extend(s.raises_lines())
    return ["\n".join(lines)]


def documents(*specs: ErrorSpec) -> Callable[[_F], _F]:
    """Append the generated "Raises" section of ``specs`` to the decorated function's docstring."""

    def decorate(func: _F) -> _F:
        # Dedented first: the section is appended flush left, as napoleon reads it.
        doc = _cleandoc(func.__doc__ or "")
        sections = "\n\n".join(_raises_section(specs))
        func.__doc__ = f"{doc}\n\n{sections}\n" if doc else sections
        return func

    return decorate
