"""The error model: one exception class per errno, and the documented error list of each call.

Every failing system call raises the class named after its errno (``EBADF``, ``EINVAL``, ...).
Each class subclasses :class:`SysapiError` (itself an :class:`OSError`) and, where PEP 3151
defines one, the matching builtin, so ``except PermissionError:`` keeps working.

Each public call declares its documented errors once, as an :class:`ErrorSpec`. The spec feeds
the exception's ``documented`` flag, the "Raises" section of the docstring, the errno tables of
the documentation, :data:`REGISTRY` and the conformance cases.
"""

from __future__ import annotations

import errno as _errno
import operator
import os as _os
import sys as _sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType

from sysapi import _enum
from sysapi._record import builder, record

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Final, TypeVar

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


# One class per errno, named after it, subclassing the PEP 3151 builtin where there is one.
# Creating 131 exception classes cost every import 2 ms: each is made on its first use
# (``errors.EBADF``, ``from sysapi.errors import EBADF``, :func:`from_errno`) by the module's
# ``__getattr__`` (PEP 562). Type checkers read the static view below instead.
if TYPE_CHECKING:

    class EPERM(SysapiError, PermissionError): ...

    class ENOENT(SysapiError, FileNotFoundError): ...

    class ESRCH(SysapiError, ProcessLookupError): ...

    class EINTR(SysapiError, InterruptedError): ...

    class EIO(SysapiError): ...

    class ENXIO(SysapiError): ...

    class E2BIG(SysapiError): ...

    class ENOEXEC(SysapiError): ...

    class EBADF(SysapiError): ...

    class ECHILD(SysapiError, ChildProcessError): ...

    class EAGAIN(SysapiError, BlockingIOError): ...

    class ENOMEM(SysapiError): ...

    class EACCES(SysapiError, PermissionError): ...

    class EFAULT(SysapiError): ...

    class ENOTBLK(SysapiError): ...

    class EBUSY(SysapiError): ...

    class EEXIST(SysapiError, FileExistsError): ...

    class EXDEV(SysapiError): ...

    class ENODEV(SysapiError): ...

    class ENOTDIR(SysapiError, NotADirectoryError): ...

    class EISDIR(SysapiError, IsADirectoryError): ...

    class EINVAL(SysapiError): ...

    class ENFILE(SysapiError): ...

    class EMFILE(SysapiError): ...

    class ENOTTY(SysapiError): ...

    class ETXTBSY(SysapiError): ...

    class EFBIG(SysapiError): ...

    class ENOSPC(SysapiError): ...

    class ESPIPE(SysapiError): ...

    class EROFS(SysapiError): ...

    class EMLINK(SysapiError): ...

    class EPIPE(SysapiError, BrokenPipeError): ...

    class EDOM(SysapiError): ...

    class ERANGE(SysapiError): ...

    class EDEADLK(SysapiError): ...

    class ENAMETOOLONG(SysapiError): ...

    class ENOLCK(SysapiError): ...

    class ENOSYS(SysapiError): ...

    class ENOTEMPTY(SysapiError): ...

    class ELOOP(SysapiError): ...

    class ENOMSG(SysapiError): ...

    class EIDRM(SysapiError): ...

    class ECHRNG(SysapiError): ...

    class EL2NSYNC(SysapiError): ...

    class EL3HLT(SysapiError): ...

    class EL3RST(SysapiError): ...

    class ELNRNG(SysapiError): ...

    class EUNATCH(SysapiError): ...

    class ENOCSI(SysapiError): ...

    class EL2HLT(SysapiError): ...

    class EBADE(SysapiError): ...

    class EBADR(SysapiError): ...

    class EXFULL(SysapiError): ...

    class ENOANO(SysapiError): ...

    class EBADRQC(SysapiError): ...

    class EBADSLT(SysapiError): ...

    class EBFONT(SysapiError): ...

    class ENOSTR(SysapiError): ...

    class ENODATA(SysapiError): ...

    class ETIME(SysapiError): ...

    class ENOSR(SysapiError): ...

    class ENONET(SysapiError): ...

    class ENOPKG(SysapiError): ...

    class EREMOTE(SysapiError): ...

    class ENOLINK(SysapiError): ...

    class EADV(SysapiError): ...

    class ESRMNT(SysapiError): ...

    class ECOMM(SysapiError): ...

    class EPROTO(SysapiError): ...

    class EMULTIHOP(SysapiError): ...

    class EDOTDOT(SysapiError): ...

    class EBADMSG(SysapiError): ...

    class EOVERFLOW(SysapiError): ...

    class ENOTUNIQ(SysapiError): ...

    class EBADFD(SysapiError): ...

    class EREMCHG(SysapiError): ...

    class ELIBACC(SysapiError): ...

    class ELIBBAD(SysapiError): ...

    class ELIBSCN(SysapiError): ...

    class ELIBMAX(SysapiError): ...

    class ELIBEXEC(SysapiError): ...

    class EILSEQ(SysapiError): ...

    class ERESTART(SysapiError): ...

    class ESTRPIPE(SysapiError): ...

    class EUSERS(SysapiError): ...

    class ENOTSOCK(SysapiError): ...

    class EDESTADDRREQ(SysapiError): ...

    class EMSGSIZE(SysapiError): ...

    class EPROTOTYPE(SysapiError): ...

    class ENOPROTOOPT(SysapiError): ...

    class EPROTONOSUPPORT(SysapiError): ...

    class ESOCKTNOSUPPORT(SysapiError): ...

    class EOPNOTSUPP(SysapiError): ...

    class EPFNOSUPPORT(SysapiError): ...

    class EAFNOSUPPORT(SysapiError): ...

    class EADDRINUSE(SysapiError): ...

    class EADDRNOTAVAIL(SysapiError): ...

    class ENETDOWN(SysapiError): ...

    class ENETUNREACH(SysapiError): ...

    class ENETRESET(SysapiError): ...

    class ECONNABORTED(SysapiError, ConnectionAbortedError): ...

    class ECONNRESET(SysapiError, ConnectionResetError): ...

    class ENOBUFS(SysapiError): ...

    class EISCONN(SysapiError): ...

    class ENOTCONN(SysapiError): ...

    class ESHUTDOWN(SysapiError, BrokenPipeError): ...

    class ETOOMANYREFS(SysapiError): ...

    class ETIMEDOUT(SysapiError, TimeoutError): ...

    class ECONNREFUSED(SysapiError, ConnectionRefusedError): ...

    class EHOSTDOWN(SysapiError): ...

    class EHOSTUNREACH(SysapiError): ...

    class EALREADY(SysapiError, BlockingIOError): ...

    class EINPROGRESS(SysapiError, BlockingIOError): ...

    class ESTALE(SysapiError): ...

    class EUCLEAN(SysapiError): ...

    class ENOTNAM(SysapiError): ...

    class ENAVAIL(SysapiError): ...

    class EISNAM(SysapiError): ...

    class EREMOTEIO(SysapiError): ...

    class EDQUOT(SysapiError): ...

    class ENOMEDIUM(SysapiError): ...

    class EMEDIUMTYPE(SysapiError): ...

    class ECANCELED(SysapiError): ...

    class ENOKEY(SysapiError): ...

    class EKEYEXPIRED(SysapiError): ...

    class EKEYREVOKED(SysapiError): ...

    class EKEYREJECTED(SysapiError): ...

    class EOWNERDEAD(SysapiError): ...

    class ENOTRECOVERABLE(SysapiError): ...

    class ERFKILL(SysapiError): ...

    class EHWPOISON(SysapiError): ...

    # Two C names for one errno number on every Linux architecture.
    EWOULDBLOCK = EAGAIN
    ENOTSUP = EOPNOTSUPP
    # EDEADLOCK is EDEADLK except on powerpc, where it is an errno of its own (58).
    EDEADLOCK: type[SysapiError]

# C name -> (the meaning, the PEP 3151 builtin it also subclasses). Each number is the
# platform's, from the errno module: they differ between architectures (mips, sparc, alpha,
# parisc; EDEADLOCK on powerpc).
_ERRNO_CLASSES: dict[str, tuple[str, type[OSError] | None]] = {
    "EPERM": ("Operation not permitted.", PermissionError),
    "ENOENT": ("No such file or directory.", FileNotFoundError),
    "ESRCH": ("No such process.", ProcessLookupError),
    "EINTR": ("Interrupted system call.", InterruptedError),
    "EIO": ("Input/output error.", None),
    "ENXIO": ("No such device or address.", None),
    "E2BIG": ("Argument list too long.", None),
    "ENOEXEC": ("Exec format error.", None),
    "EBADF": ("Bad file descriptor.", None),
    "ECHILD": ("No child processes.", ChildProcessError),
    "EAGAIN": ("Resource temporarily unavailable.", BlockingIOError),
    "ENOMEM": ("Cannot allocate memory.", None),
    "EACCES": ("Permission denied.", PermissionError),
    "EFAULT": ("Bad address.", None),
    "ENOTBLK": ("Block device required.", None),
    "EBUSY": ("Device or resource busy.", None),
    "EEXIST": ("File exists.", FileExistsError),
    "EXDEV": ("Invalid cross-device link.", None),
    "ENODEV": ("No such device.", None),
    "ENOTDIR": ("Not a directory.", NotADirectoryError),
    "EISDIR": ("Is a directory.", IsADirectoryError),
    "EINVAL": ("Invalid argument.", None),
    "ENFILE": ("Too many open files in system.", None),
    "EMFILE": ("Too many open files.", None),
    "ENOTTY": ("Inappropriate ioctl for device.", None),
    "ETXTBSY": ("Text file busy.", None),
    "EFBIG": ("File too large.", None),
    "ENOSPC": ("No space left on device.", None),
    "ESPIPE": ("Illegal seek.", None),
    "EROFS": ("Read-only file system.", None),
    "EMLINK": ("Too many links.", None),
    "EPIPE": ("Broken pipe.", BrokenPipeError),
    "EDOM": ("Numerical argument out of domain.", None),
    "ERANGE": ("Numerical result out of range.", None),
    "EDEADLK": ("Resource deadlock avoided.", None),
    "ENAMETOOLONG": ("File name too long.", None),
    "ENOLCK": ("No locks available.", None),
    "ENOSYS": ("Function not implemented.", None),
    "ENOTEMPTY": ("Directory not empty.", None),
    "ELOOP": ("Too many levels of symbolic links.", None),
    "ENOMSG": ("No message of desired type.", None),
    "EIDRM": ("Identifier removed.", None),
    "ECHRNG": ("Channel number out of range.", None),
    "EL2NSYNC": ("Level 2 not synchronized.", None),
    "EL3HLT": ("Level 3 halted.", None),
    "EL3RST": ("Level 3 reset.", None),
    "ELNRNG": ("Link number out of range.", None),
    "EUNATCH": ("Protocol driver not attached.", None),
    "ENOCSI": ("No CSI structure available.", None),
    "EL2HLT": ("Level 2 halted.", None),
    "EBADE": ("Invalid exchange.", None),
    "EBADR": ("Invalid request descriptor.", None),
    "EXFULL": ("Exchange full.", None),
    "ENOANO": ("No anode.", None),
    "EBADRQC": ("Invalid request code.", None),
    "EBADSLT": ("Invalid slot.", None),
    "EBFONT": ("Bad font file format.", None),
    "ENOSTR": ("Device not a stream.", None),
    "ENODATA": ("No data available.", None),
    "ETIME": ("Timer expired.", None),
    "ENOSR": ("Out of streams resources.", None),
    "ENONET": ("Machine is not on the network.", None),
    "ENOPKG": ("Package not installed.", None),
    "EREMOTE": ("Object is remote.", None),
    "ENOLINK": ("Link has been severed.", None),
    "EADV": ("Advertise error.", None),
    "ESRMNT": ("Srmount error.", None),
    "ECOMM": ("Communication error on send.", None),
    "EPROTO": ("Protocol error.", None),
    "EMULTIHOP": ("Multihop attempted.", None),
    "EDOTDOT": ("RFS specific error.", None),
    "EBADMSG": ("Bad message.", None),
    "EOVERFLOW": ("Value too large for defined data type.", None),
    "ENOTUNIQ": ("Name not unique on network.", None),
    "EBADFD": ("File descriptor in bad state.", None),
    "EREMCHG": ("Remote address changed.", None),
    "ELIBACC": ("Can not access a needed shared library.", None),
    "ELIBBAD": ("Accessing a corrupted shared library.", None),
    "ELIBSCN": (".lib section in a.out corrupted.", None),
    "ELIBMAX": ("Attempting to link in too many shared libraries.", None),
    "ELIBEXEC": ("Cannot exec a shared library directly.", None),
    "EILSEQ": ("Invalid or incomplete multibyte or wide character.", None),
    "ERESTART": ("Interrupted system call should be restarted.", None),
    "ESTRPIPE": ("Streams pipe error.", None),
    "EUSERS": ("Too many users.", None),
    "ENOTSOCK": ("Socket operation on non-socket.", None),
    "EDESTADDRREQ": ("Destination address required.", None),
    "EMSGSIZE": ("Message too long.", None),
    "EPROTOTYPE": ("Protocol wrong type for socket.", None),
    "ENOPROTOOPT": ("Protocol not available.", None),
    "EPROTONOSUPPORT": ("Protocol not supported.", None),
    "ESOCKTNOSUPPORT": ("Socket type not supported.", None),
    "EOPNOTSUPP": ("Operation not supported.", None),
    "EPFNOSUPPORT": ("Protocol family not supported.", None),
    "EAFNOSUPPORT": ("Address family not supported by protocol.", None),
    "EADDRINUSE": ("Address already in use.", None),
    "EADDRNOTAVAIL": ("Cannot assign requested address.", None),
    "ENETDOWN": ("Network is down.", None),
    "ENETUNREACH": ("Network is unreachable.", None),
    "ENETRESET": ("Network dropped connection on reset.", None),
    "ECONNABORTED": ("Software caused connection abort.", ConnectionAbortedError),
    "ECONNRESET": ("Connection reset by peer.", ConnectionResetError),
    "ENOBUFS": ("No buffer space available.", None),
    "EISCONN": ("Transport endpoint is already connected.", None),
    "ENOTCONN": ("Transport endpoint is not connected.", None),
    "ESHUTDOWN": ("Cannot send after transport endpoint shutdown.", BrokenPipeError),
    "ETOOMANYREFS": ("Too many references: cannot splice.", None),
    "ETIMEDOUT": ("Connection timed out.", TimeoutError),
    "ECONNREFUSED": ("Connection refused.", ConnectionRefusedError),
    "EHOSTDOWN": ("Host is down.", None),
    "EHOSTUNREACH": ("No route to host.", None),
    "EALREADY": ("Operation already in progress.", BlockingIOError),
    "EINPROGRESS": ("Operation now in progress.", BlockingIOError),
    "ESTALE": ("Stale file handle.", None),
    "EUCLEAN": ("Structure needs cleaning.", None),
    "ENOTNAM": ("Not a XENIX named type file.", None),
    "ENAVAIL": ("No XENIX semaphores available.", None),
    "EISNAM": ("Is a named type file.", None),
    "EREMOTEIO": ("Remote I/O error.", None),
    "EDQUOT": ("Disk quota exceeded.", None),
    "ENOMEDIUM": ("No medium found.", None),
    "EMEDIUMTYPE": ("Wrong medium type.", None),
    "ECANCELED": ("Operation canceled.", None),
    "ENOKEY": ("Required key not available.", None),
    "EKEYEXPIRED": ("Key has expired.", None),
    "EKEYREVOKED": ("Key has been revoked.", None),
    "EKEYREJECTED": ("Key was rejected by service.", None),
    "EOWNERDEAD": ("Owner died.", None),
    "ENOTRECOVERABLE": ("State not recoverable.", None),
    "ERFKILL": ("Operation not possible due to RF-kill.", None),
    "EHWPOISON": ("Memory page has hardware error.", None),
}
# Other names of those classes.
_ALIASES = {"EWOULDBLOCK": "EAGAIN", "ENOTSUP": "EOPNOTSUPP"}
if _errno.EDEADLOCK == _errno.EDEADLK:
    _ALIASES["EDEADLOCK"] = "EDEADLK"
else:
    _ERRNO_CLASSES["EDEADLOCK"] = ("File locking deadlock error.", None)

_NAME_BY_ERRNO: dict[int, str] = {_errno_number(name): name for name in _ERRNO_CLASSES}


def _add_unlisted() -> None:
    """An errno that the running Python knows and the table does not (EFTYPE, 134, in Python
    3.14 with newer kernels) gets its class too, named after it, with the C library's message."""
    for number, name in _errno.errorcode.items():
        if number not in _NAME_BY_ERRNO and name not in _ALIASES:
            _ERRNO_CLASSES[name] = (f"{_os.strerror(number)}.", None)
            _NAME_BY_ERRNO[number] = name


_add_unlisted()
_BY_ERRNO: dict[int, type[SysapiError]] = {}


def _errno_class(name: str) -> type[SysapiError]:
    """The class of the C name (or alias) ``name``, made on its first use. Concurrent first
    uses keep one class: the first one stored."""
    target = _ALIASES.get(name, name)
    found = globals().get(target)
    if found is None:
        meaning, builtin = _ERRNO_CLASSES[target]
        code = _errno_number(target)
        bases = (SysapiError,) if builtin is None else (SysapiError, builtin)
        made = type(target, bases, {"__doc__": meaning, "__module__": __name__, "code": code})
        found = globals().setdefault(target, made)
        _BY_ERRNO.setdefault(code, found)
    cls: type[SysapiError] = found
    return cls


if not TYPE_CHECKING:  # type checkers read the static view above, and flag a misspelled name

    def __getattr__(name: str) -> type[SysapiError]:
        if name in _ERRNO_CLASSES or name in _ALIASES:
            cls = _errno_class(name)
            globals()[name] = cls
            return cls
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *_ERRNO_CLASSES, *_ALIASES})


def from_errno(errno: int) -> type[SysapiError]:
    """The exception class for ``errno``; :class:`SysapiError` for an errno sysapi does not know."""
    cls = _BY_ERRNO.get(errno)
    if cls is None:
        name = _NAME_BY_ERRNO.get(errno)
        if name is None:
            return SysapiError
        cls = _errno_class(name)
    return cls


def errno_name(errno: int) -> str:
    """The C name of ``errno`` (``"ENOENT"``), or ``"errno N"`` when it has none."""
    name = _NAME_BY_ERRNO.get(errno)
    if name is not None:
        return name
    return _errno.errorcode.get(errno, f"errno {errno}")


class Source(_enum.Enum):
    """Where a documented errno comes from."""

    NOTES = "notes"  # the study notes list it, and Linux 6.x agrees
    MAN = "man page"  # the notes omit it; the man page documents it
    KERNEL = "kernel"  # the notes are wrong here; the entry follows what Linux really does


_SOURCE_TEXT: Final = {source: source.value for source in Source}
_by_errno: Final = operator.attrgetter("errno")


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
        # Made for every documented function at import: Source.value and ErrnoEntry.name are
        # Python-level descriptors, too slow for that.
        lines = []
        for e in sorted(self.entries, key=_by_errno):
            src = _SOURCE_TEXT[e.source]
            if e.notes_claim:
                src += f"; the notes claim {e.notes_claim}"
            name = _NAME_BY_ERRNO.get(e.errno) or errno_name(e.errno)
            lines.append(f"    {name}: from ``{self.syscall}``: {e.meaning} ({src}).")
        return lines


# The areas make about 90 specs and 450 entries at import: built as the hot paths build their
# results (sysapi._record.builder: slot stores, then the class), they cost no compiling of the
# records' __init__ (0.15 ms each) and no __init__ frame. ErrnoEntry(...) and ErrorSpec(...)
# work as before.
_SpecBuilder: Final = builder(ErrorSpec, ("syscall", "entries", "notes_only", "hints", "libc"))
_EntryBuilder: Final = builder(ErrnoEntry, ("errno", "meaning", "source", "notes_claim"))
_new: Final = object.__new__


def spec(
    syscall: str,
    entries: Iterable[ErrnoEntry],
    *,
    notes_only: Mapping[int, str] | None = None,
    hints: Mapping[int, Callable[[], str]] | None = None,
    libc: str | None = None,
) -> ErrorSpec:
    """Shorthand for :class:`ErrorSpec` used by the area modules."""
    made = _new(_SpecBuilder)
    made.syscall = syscall
    made.entries = tuple(entries)
    made.notes_only = dict(notes_only or {})
    made.hints = dict(hints or {})
    made.libc = libc
    made.__class__ = ErrorSpec
    made.__post_init__()
    return made  # type: ignore[no-any-return]


def _entry(errno: int, meaning: str, source: Source, notes_claim: str | None) -> ErrnoEntry:
    made = _new(_EntryBuilder)
    made.errno = errno
    made.meaning = meaning
    made.source = source
    made.notes_claim = notes_claim
    made.__class__ = ErrnoEntry
    return made  # type: ignore[no-any-return]


def notes(errno: int, meaning: str) -> ErrnoEntry:
    """An errno the notes document and Linux 6.x returns for that reason."""
    return _entry(errno, meaning, Source.NOTES, None)


def man(errno: int, meaning: str) -> ErrnoEntry:
    """An errno the notes omit and the man page documents."""
    return _entry(errno, meaning, Source.MAN, None)


def kernel(errno: int, meaning: str, notes_claim: str) -> ErrnoEntry:
    """An entry where the notes are wrong: ``meaning`` is what Linux does, ``notes_claim``
    what the notes say."""
    return _entry(errno, meaning, Source.KERNEL, notes_claim)


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


# What inspect.cleandoc strips as indentation: any whitespace up to Python 3.12, spaces only
# from 3.13 on (tabs are expanded first in both).
_INDENT = " " if _sys.version_info >= (3, 13) else None


def _cleandoc(doc: str) -> str:
    """What ``inspect.cleandoc`` returns (importing ``inspect`` would cost milliseconds): the
    first line without its indentation, the others dedented by their common indentation, the
    empty lines at both ends removed."""
    lines = doc.expandtabs().split("\n")
    margin = min(
        (len(ln) - len(ln.lstrip(_INDENT)) for ln in lines[1:] if ln.lstrip(_INDENT)), default=0
    )
    lines = [lines[0].lstrip(_INDENT), *(line[margin:] for line in lines[1:])]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def _with_raises(doc: str, specs: Iterable[ErrorSpec]) -> str:
    """``doc`` with the "Raises" section of ``specs`` appended, which ``help``
    (``inspect.cleandoc``) and Sphinx read flush left after one empty line."""
    section = ["Raises:"]
    for s in specs:
        section.extend(s.raises_lines())
    lines = doc.expandtabs().split("\n")
    if not lines[0].strip():  # no summary line: dedented here (cleandoc's leading lines)
        cleaned = _cleandoc(doc)
        return f"{cleaned}\n\n" + "\n".join(section) if cleaned else "\n".join(section)
    # Appended at the docstring's own indentation, which cleandoc then removes from every line
    # alike: half the cost of dedenting every docstring here (0.15 ms of importing every area).
    margin = min(
        (len(ln) - len(ln.lstrip(_INDENT)) for ln in lines[1:] if ln.lstrip(_INDENT)), default=0
    )
    while len(lines) > 1 and not lines[-1][margin:]:
        lines.pop()  # the empty lines cleandoc drops at the end
    pad = " " * margin
    return "\n".join(lines) + "\n\n" + pad + ("\n" + pad).join(section)


#: C call name → the functions (and methods) that :func:`documents` it, in definition order.
_DOCUMENTED_BY: dict[str, list[Callable[..., Any]]] = {}


def documents(*specs: ErrorSpec) -> Callable[[_F], _F]:
    """Append the generated "Raises" section of ``specs`` to the decorated function's docstring,
    and record the function as documenting those calls (:func:`documented_by`)."""

    def decorate(func: _F) -> _F:
        func.__doc__ = _with_raises(func.__doc__ or "", specs)
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
