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

from sysapi._record import record

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    _F = TypeVar("_F", bound=Callable[..., Any])

__all__ = [
    "REGISTRY",
    "ErrnoEntry",
    "ErrorSpec",
    "Source",
    "SysapiError",
    "documented_by",
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The numbers come from the platform (they differ between architectures): so does the
        # docstring's.
        cls.__doc__ = f"errno {cls.code}: {cls.__doc__}"

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


def _errno_number(name: str) -> int:
    """``errno.<name>``; for a name Python's errno module lacks (EHWPOISON in Python 3.11),
    the value of the C headers this extension was built with."""
    number = getattr(_errno, name, None)
    if number is None:
        from sysapi._sysapi import lib

        number = getattr(lib, name)
    return int(number)


# One class per errno. Each number is the platform's, from the errno module: they differ
# between architectures (mips, sparc, alpha, parisc; EDEADLOCK on powerpc).


class EPERM(SysapiError, PermissionError):
    """Operation not permitted."""

    code = _errno.EPERM


class ENOENT(SysapiError, FileNotFoundError):
    """No such file or directory."""

    code = _errno.ENOENT


class ESRCH(SysapiError, ProcessLookupError):
    """No such process."""

    code = _errno.ESRCH


class EINTR(SysapiError, InterruptedError):
    """Interrupted system call."""

    code = _errno.EINTR


class EIO(SysapiError):
    """Input/output error."""

    code = _errno.EIO


class ENXIO(SysapiError):
    """No such device or address."""

    code = _errno.ENXIO


class E2BIG(SysapiError):
    """Argument list too long."""

    code = _errno.E2BIG


class ENOEXEC(SysapiError):
    """Exec format error."""

    code = _errno.ENOEXEC


class EBADF(SysapiError):
    """Bad file descriptor."""

    code = _errno.EBADF


class ECHILD(SysapiError, ChildProcessError):
    """No child processes."""

    code = _errno.ECHILD


class EAGAIN(SysapiError, BlockingIOError):
    """Resource temporarily unavailable."""

    code = _errno.EAGAIN


class ENOMEM(SysapiError):
    """Cannot allocate memory."""

    code = _errno.ENOMEM


class EACCES(SysapiError, PermissionError):
    """Permission denied."""

    code = _errno.EACCES


class EFAULT(SysapiError):
    """Bad address."""

    code = _errno.EFAULT


class ENOTBLK(SysapiError):
    """Block device required."""

    code = _errno.ENOTBLK


class EBUSY(SysapiError):
    """Device or resource busy."""

    code = _errno.EBUSY


class EEXIST(SysapiError, FileExistsError):
    """File exists."""

    code = _errno.EEXIST


class EXDEV(SysapiError):
    """Invalid cross-device link."""

    code = _errno.EXDEV


class ENODEV(SysapiError):
    """No such device."""

    code = _errno.ENODEV


class ENOTDIR(SysapiError, NotADirectoryError):
    """Not a directory."""

    code = _errno.ENOTDIR


class EISDIR(SysapiError, IsADirectoryError):
    """Is a directory."""

    code = _errno.EISDIR


class EINVAL(SysapiError):
    """Invalid argument."""

    code = _errno.EINVAL


class ENFILE(SysapiError):
    """Too many open files in system."""

    code = _errno.ENFILE


class EMFILE(SysapiError):
    """Too many open files."""

    code = _errno.EMFILE


class ENOTTY(SysapiError):
    """Inappropriate ioctl for device."""

    code = _errno.ENOTTY


class ETXTBSY(SysapiError):
    """Text file busy."""

    code = _errno.ETXTBSY


class EFBIG(SysapiError):
    """File too large."""

    code = _errno.EFBIG


class ENOSPC(SysapiError):
    """No space left on device."""

    code = _errno.ENOSPC


class ESPIPE(SysapiError):
    """Illegal seek."""

    code = _errno.ESPIPE


class EROFS(SysapiError):
    """Read-only file system."""

    code = _errno.EROFS


class EMLINK(SysapiError):
    """Too many links."""

    code = _errno.EMLINK


class EPIPE(SysapiError, BrokenPipeError):
    """Broken pipe."""

    code = _errno.EPIPE


class EDOM(SysapiError):
    """Numerical argument out of domain."""

    code = _errno.EDOM


class ERANGE(SysapiError):
    """Numerical result out of range."""

    code = _errno.ERANGE


class EDEADLK(SysapiError):
    """Resource deadlock avoided."""

    code = _errno.EDEADLK


class ENAMETOOLONG(SysapiError):
    """File name too long."""

    code = _errno.ENAMETOOLONG


class ENOLCK(SysapiError):
    """No locks available."""

    code = _errno.ENOLCK


class ENOSYS(SysapiError):
    """Function not implemented."""

    code = _errno.ENOSYS


class ENOTEMPTY(SysapiError):
    """Directory not empty."""

    code = _errno.ENOTEMPTY


class ELOOP(SysapiError):
    """Too many levels of symbolic links."""

    code = _errno.ELOOP


class ENOMSG(SysapiError):
    """No message of desired type."""

    code = _errno.ENOMSG


class EIDRM(SysapiError):
    """Identifier removed."""

    code = _errno.EIDRM


class ECHRNG(SysapiError):
    """Channel number out of range."""

    code = _errno.ECHRNG


class EL2NSYNC(SysapiError):
    """Level 2 not synchronized."""

    code = _errno.EL2NSYNC


class EL3HLT(SysapiError):
    """Level 3 halted."""

    code = _errno.EL3HLT


class EL3RST(SysapiError):
    """Level 3 reset."""

    code = _errno.EL3RST


class ELNRNG(SysapiError):
    """Link number out of range."""

    code = _errno.ELNRNG


class EUNATCH(SysapiError):
    """Protocol driver not attached."""

    code = _errno.EUNATCH


class ENOCSI(SysapiError):
    """No CSI structure available."""

    code = _errno.ENOCSI


class EL2HLT(SysapiError):
    """Level 2 halted."""

    code = _errno.EL2HLT


class EBADE(SysapiError):
    """Invalid exchange."""

    code = _errno.EBADE


class EBADR(SysapiError):
    """Invalid request descriptor."""

    code = _errno.EBADR


class EXFULL(SysapiError):
    """Exchange full."""

    code = _errno.EXFULL


class ENOANO(SysapiError):
    """No anode."""

    code = _errno.ENOANO


class EBADRQC(SysapiError):
    """Invalid request code."""

    code = _errno.EBADRQC


class EBADSLT(SysapiError):
    """Invalid slot."""

    code = _errno.EBADSLT


class EBFONT(SysapiError):
    """Bad font file format."""

    code = _errno.EBFONT


class ENOSTR(SysapiError):
    """Device not a stream."""

    code = _errno.ENOSTR


class ENODATA(SysapiError):
    """No data available."""

    code = _errno.ENODATA


class ETIME(SysapiError):
    """Timer expired."""

    code = _errno.ETIME


class ENOSR(SysapiError):
    """Out of streams resources."""

    code = _errno.ENOSR


class ENONET(SysapiError):
    """Machine is not on the network."""

    code = _errno.ENONET


class ENOPKG(SysapiError):
    """Package not installed."""

    code = _errno.ENOPKG


class EREMOTE(SysapiError):
    """Object is remote."""

    code = _errno.EREMOTE


class ENOLINK(SysapiError):
    """Link has been severed."""

    code = _errno.ENOLINK


class EADV(SysapiError):
    """Advertise error."""

    code = _errno.EADV


class ESRMNT(SysapiError):
    """Srmount error."""

    code = _errno.ESRMNT


class ECOMM(SysapiError):
    """Communication error on send."""

    code = _errno.ECOMM


class EPROTO(SysapiError):
    """Protocol error."""

    code = _errno.EPROTO


class EMULTIHOP(SysapiError):
    """Multihop attempted."""

    code = _errno.EMULTIHOP


class EDOTDOT(SysapiError):
    """RFS specific error."""

    code = _errno.EDOTDOT


class EBADMSG(SysapiError):
    """Bad message."""

    code = _errno.EBADMSG


class EOVERFLOW(SysapiError):
    """Value too large for defined data type."""

    code = _errno.EOVERFLOW


class ENOTUNIQ(SysapiError):
    """Name not unique on network."""

    code = _errno.ENOTUNIQ


class EBADFD(SysapiError):
    """File descriptor in bad state."""

    code = _errno.EBADFD


class EREMCHG(SysapiError):
    """Remote address changed."""

    code = _errno.EREMCHG


class ELIBACC(SysapiError):
    """Can not access a needed shared library."""

    code = _errno.ELIBACC


class ELIBBAD(SysapiError):
    """Accessing a corrupted shared library."""

    code = _errno.ELIBBAD


class ELIBSCN(SysapiError):
    """.lib section in a.out corrupted."""

    code = _errno.ELIBSCN


class ELIBMAX(SysapiError):
    """Attempting to link in too many shared libraries."""

    code = _errno.ELIBMAX


class ELIBEXEC(SysapiError):
    """Cannot exec a shared library directly."""

    code = _errno.ELIBEXEC


class EILSEQ(SysapiError):
    """Invalid or incomplete multibyte or wide character."""

    code = _errno.EILSEQ


class ERESTART(SysapiError):
    """Interrupted system call should be restarted."""

    code = _errno.ERESTART


class ESTRPIPE(SysapiError):
    """Streams pipe error."""

    code = _errno.ESTRPIPE


class EUSERS(SysapiError):
    """Too many users."""

    code = _errno.EUSERS


class ENOTSOCK(SysapiError):
    """Socket operation on non-socket."""

    code = _errno.ENOTSOCK


class EDESTADDRREQ(SysapiError):
    """Destination address required."""

    code = _errno.EDESTADDRREQ


class EMSGSIZE(SysapiError):
    """Message too long."""

    code = _errno.EMSGSIZE


class EPROTOTYPE(SysapiError):
    """Protocol wrong type for socket."""

    code = _errno.EPROTOTYPE


class ENOPROTOOPT(SysapiError):
    """Protocol not available."""

    code = _errno.ENOPROTOOPT


class EPROTONOSUPPORT(SysapiError):
    """Protocol not supported."""

    code = _errno.EPROTONOSUPPORT


class ESOCKTNOSUPPORT(SysapiError):
    """Socket type not supported."""

    code = _errno.ESOCKTNOSUPPORT


class EOPNOTSUPP(SysapiError):
    """Operation not supported."""

    code = _errno.EOPNOTSUPP


class EPFNOSUPPORT(SysapiError):
    """Protocol family not supported."""

    code = _errno.EPFNOSUPPORT


class EAFNOSUPPORT(SysapiError):
    """Address family not supported by protocol."""

    code = _errno.EAFNOSUPPORT


class EADDRINUSE(SysapiError):
    """Address already in use."""

    code = _errno.EADDRINUSE


class EADDRNOTAVAIL(SysapiError):
    """Cannot assign requested address."""

    code = _errno.EADDRNOTAVAIL


class ENETDOWN(SysapiError):
    """Network is down."""

    code = _errno.ENETDOWN


class ENETUNREACH(SysapiError):
    """Network is unreachable."""

    code = _errno.ENETUNREACH


class ENETRESET(SysapiError):
    """Network dropped connection on reset."""

    code = _errno.ENETRESET


class ECONNABORTED(SysapiError, ConnectionAbortedError):
    """Software caused connection abort."""

    code = _errno.ECONNABORTED


class ECONNRESET(SysapiError, ConnectionResetError):
    """Connection reset by peer."""

    code = _errno.ECONNRESET


class ENOBUFS(SysapiError):
    """No buffer space available."""

    code = _errno.ENOBUFS


class EISCONN(SysapiError):
    """Transport endpoint is already connected."""

    code = _errno.EISCONN


class ENOTCONN(SysapiError):
    """Transport endpoint is not connected."""

    code = _errno.ENOTCONN


class ESHUTDOWN(SysapiError, BrokenPipeError):
    """Cannot send after transport endpoint shutdown."""

    code = _errno.ESHUTDOWN


class ETOOMANYREFS(SysapiError):
    """Too many references: cannot splice."""

    code = _errno.ETOOMANYREFS


class ETIMEDOUT(SysapiError, TimeoutError):
    """Connection timed out."""

    code = _errno.ETIMEDOUT


class ECONNREFUSED(SysapiError, ConnectionRefusedError):
    """Connection refused."""

    code = _errno.ECONNREFUSED


class EHOSTDOWN(SysapiError):
    """Host is down."""

    code = _errno.EHOSTDOWN


class EHOSTUNREACH(SysapiError):
    """No route to host."""

    code = _errno.EHOSTUNREACH


class EALREADY(SysapiError, BlockingIOError):
    """Operation already in progress."""

    code = _errno.EALREADY


class EINPROGRESS(SysapiError, BlockingIOError):
    """Operation now in progress."""

    code = _errno.EINPROGRESS


class ESTALE(SysapiError):
    """Stale file handle."""

    code = _errno.ESTALE


class EUCLEAN(SysapiError):
    """Structure needs cleaning."""

    code = _errno.EUCLEAN


class ENOTNAM(SysapiError):
    """Not a XENIX named type file."""

    code = _errno.ENOTNAM


class ENAVAIL(SysapiError):
    """No XENIX semaphores available."""

    code = _errno.ENAVAIL


class EISNAM(SysapiError):
    """Is a named type file."""

    code = _errno.EISNAM


class EREMOTEIO(SysapiError):
    """Remote I/O error."""

    code = _errno.EREMOTEIO


class EDQUOT(SysapiError):
    """Disk quota exceeded."""

    code = _errno.EDQUOT


class ENOMEDIUM(SysapiError):
    """No medium found."""

    code = _errno.ENOMEDIUM


class EMEDIUMTYPE(SysapiError):
    """Wrong medium type."""

    code = _errno.EMEDIUMTYPE


class ECANCELED(SysapiError):
    """Operation canceled."""

    code = _errno.ECANCELED


class ENOKEY(SysapiError):
    """Required key not available."""

    code = _errno.ENOKEY


class EKEYEXPIRED(SysapiError):
    """Key has expired."""

    code = _errno.EKEYEXPIRED


class EKEYREVOKED(SysapiError):
    """Key has been revoked."""

    code = _errno.EKEYREVOKED


class EKEYREJECTED(SysapiError):
    """Key was rejected by service."""

    code = _errno.EKEYREJECTED


class EOWNERDEAD(SysapiError):
    """Owner died."""

    code = _errno.EOWNERDEAD


class ENOTRECOVERABLE(SysapiError):
    """State not recoverable."""

    code = _errno.ENOTRECOVERABLE


class ERFKILL(SysapiError):
    """Operation not possible due to RF-kill."""

    code = _errno.ERFKILL


class EHWPOISON(SysapiError):
    """Memory page has hardware error."""

    code = _errno_number("EHWPOISON")


# Two C names for one errno number on every Linux architecture.
EWOULDBLOCK = EAGAIN
ENOTSUP = EOPNOTSUPP
# EDEADLOCK is EDEADLK except on powerpc, where it is an errno of its own (58).
EDEADLOCK: type[SysapiError] = (
    EDEADLK
    if _errno.EDEADLOCK == _errno.EDEADLK
    else type(
        "EDEADLOCK",
        (SysapiError,),
        {
            "code": _errno.EDEADLOCK,
            "__doc__": "File locking deadlock error.",
            "__module__": __name__,
        },
    )
)


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
    #: The C library the call needs when not every C library the wheels support has it, e.g.
    #: ``"glibc 2.33 or later"``: its shim looks the function up at run time and returns ENOSYS
    #: when it is absent, which ``sysapi._syscall`` turns into an error naming this.
    libc: str | None = None

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
    libc: str | None = None,
) -> ErrorSpec:
    """Shorthand for :class:`ErrorSpec` used by the area modules."""
    return ErrorSpec(syscall, tuple(entries), dict(notes_only or {}), dict(hints or {}), libc)


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


def _cleandoc(doc: str) -> str:
    """What ``inspect.cleandoc`` returns (importing ``inspect`` would cost milliseconds): the
    first line without its indentation, the others dedented by their common indentation, the
    empty lines at both ends removed."""
    lines = doc.expandtabs().split("\n")
    margin = min((len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.lstrip()), default=0)
    lines = [lines[0].lstrip(), *(line[margin:] for line in lines[1:])]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def _raises_section(specs: Iterable[ErrorSpec]) -> list[str]:
    lines = ["Raises:"]
    for s in specs:
        lines.extend(s.raises_lines())
    return ["\n".join(lines)]


#: C call name → the functions (and methods) that :func:`documents` it, in definition order.
_DOCUMENTED_BY: dict[str, list[Callable[..., Any]]] = {}


def documents(*specs: ErrorSpec) -> Callable[[_F], _F]:
    """Append the generated "Raises" section of ``specs`` to the decorated function's docstring,
    and record the function as documenting those calls (:func:`documented_by`)."""

    def decorate(func: _F) -> _F:
        # Dedented first: the section is appended flush left, as napoleon reads it.
        doc = _cleandoc(func.__doc__ or "")
        sections = "\n\n".join(_raises_section(specs))
        func.__doc__ = f"{doc}\n\n{sections}\n" if doc else sections
        for s in specs:
            _DOCUMENTED_BY.setdefault(s.syscall, []).append(func)
        return func

    return decorate


def documented_by(syscall: str) -> list[Callable[..., Any]]:
    """The functions and methods whose "Raises" section documents the C call ``syscall``
    (those decorated with :func:`documents` and its spec), in the order they were defined.
    Imports every area first, as :data:`REGISTRY` does for a question about all calls."""
    from sysapi import _areas

    _areas.load_all()
    return list(_DOCUMENTED_BY.get(syscall, ()))
