"""Extended attributes: the twelve xattr calls and :class:`Xattrs`, a mapping view of them.

The notes' 扩展属性 section. Names are ``str`` or ``bytes`` (``namespace.attribute``, encoded
as the filesystem encoding does); values are any bytes-like object and come back as ``bytes``.

Reads are race-safe: the size probe and the read happen in one C call, and a value (or name
list) that grew in between (ERANGE) is read again, never returned truncated. The explicit
``size=`` keyword exposes the one-call protocol of the C API, ERANGE included.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping

from sysapi import _enum, _syscall
from sysapi._convert import PathLike, fspath, name_bytes
from sysapi._sysapi import ffi, lib
from sysapi.errors import ErrorSpec, SysapiError, documents, kernel, man, notes, spec
from sysapi.fd import FdLike, fileno

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = [
    "XATTR_CREATE",
    "XATTR_NAME_MAX",
    "XATTR_REPLACE",
    "XATTR_SIZE_MAX",
    "XattrFlags",
    "Xattrs",
    "fgetxattr",
    "flistxattr",
    "fremovexattr",
    "fsetxattr",
    "getxattr",
    "lgetxattr",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lsetxattr",
    "removexattr",
    "setxattr",
]


class XattrFlags(_enum.IntFlag):
    """The ``flags`` of :func:`setxattr`: 0 creates or replaces."""

    XATTR_CREATE = lib.XATTR_CREATE
    XATTR_REPLACE = lib.XATTR_REPLACE


XATTR_CREATE: Final = XattrFlags.XATTR_CREATE
XATTR_REPLACE: Final = XattrFlags.XATTR_REPLACE
#: The longest name the kernel accepts, in bytes (namespace prefix included).
XATTR_NAME_MAX: Final[int] = lib.XATTR_NAME_MAX
#: The largest value the kernel accepts, in bytes (filesystems may allow less: ext4 without
#: the ea_inode feature stores at most about one block).
XATTR_SIZE_MAX: Final[int] = lib.XATTR_SIZE_MAX

# ---- error lists -----------------------------------------------------------------------------

_ENOATTR = "ENOATTR, which Linux does not have: it is ENODATA (61)"
_NO_COMPONENT = "path, or a directory component of it, does not exist (or path is empty)"
_NAME_RANGE = "the name is empty or longer than XATTR_NAME_MAX (255) bytes"
_BARE_PREFIX = "the name is a bare namespace prefix such as 'user.' with nothing after it"
_NOT_LISTED = "nothing: the notes do not list it"
_FD_PERMISSION = "EACCES only for the path variants"


def _path_entries(eacces: str) -> list[Any]:
    """The errnos that resolving a path adds (the notes list them for the path variants)."""
    return [
        notes(errno.EACCES, eacces),
        notes(errno.EFAULT, "path, name or the buffer points outside the address space"),
        notes(errno.ELOOP, "too many symbolic links while resolving path"),
        notes(errno.ENAMETOOLONG, "path, or one of its components, is too long"),
        notes(errno.ENOENT, _NO_COMPONENT),
        notes(errno.ENOMEM, "out of kernel memory"),
        notes(errno.ENOTDIR, "a component of path used as a directory is not a directory"),
    ]


def _fd_entries() -> list[Any]:
    return [
        notes(errno.EBADF, "fd is not an open descriptor (or an O_PATH one)"),
        notes(errno.EFAULT, "name or the buffer points outside the address space"),
        notes(errno.ENOMEM, "out of kernel memory"),
    ]


_SEARCH = "search permission is missing on a directory of path"


def _get_entries() -> list[Any]:
    return [
        kernel(
            errno.ENODATA,
            "the file has no attribute of that name, or the caller may not see it "
            "(trusted.* without CAP_SYS_ADMIN; user.* on a symlink or device file)",
            _ENOATTR,
        ),
        notes(
            errno.ENOTSUP,
            "the filesystem does not support extended attributes (procfs), or the name is in "
            "no namespace Linux knows (system., security., trusted., user.)",
        ),
        notes(
            errno.ERANGE,
            "size= was given and is smaller than the value (without size= a value that grows "
            f"is read again instead); or {_NAME_RANGE}",
        ),
        kernel(errno.EINVAL, _BARE_PREFIX, _NOT_LISTED),
    ]


def _set_entries() -> list[Any]:
    return [
        notes(errno.EDQUOT, "a disk quota prevents storing the attribute"),
        notes(errno.EEXIST, "flags has XATTR_CREATE and the attribute exists"),
        notes(
            errno.EINVAL,
            "flags has a bit other than XATTR_CREATE and XATTR_REPLACE, or " + _BARE_PREFIX,
        ),
        kernel(errno.ENODATA, "flags has XATTR_REPLACE and the attribute does not exist", _ENOATTR),
        notes(
            errno.ENOSPC,
            "no space left to store the attribute: on ext4 without the ea_inode feature a value "
            "must fit in the inode and one block (about 4 KiB), on btrfs in one leaf (node size, "
            "16 KiB by default); XFS and tmpfs store values up to XATTR_SIZE_MAX",
        ),
        notes(
            errno.ENOTSUP,
            "the filesystem does not support extended attributes (procfs, sysfs), or the name "
            "is in no namespace Linux knows",
        ),
        man(errno.E2BIG, "the value is larger than XATTR_SIZE_MAX (64 KiB)"),
        man(
            errno.EPERM,
            "trusted.* or security.* without CAP_SYS_ADMIN (before Linux 6.10, with the BPF LSM "
            "active, security.* needed no capability); user.* on a symlink, device file, FIFO "
            "or socket, or on a sticky directory the caller does not own; or the file is "
            "immutable or append-only",
        ),
        man(errno.ERANGE, _NAME_RANGE),
        man(errno.EROFS, "the file is on a read-only filesystem"),
    ]


def _remove_entries() -> list[Any]:
    return [
        kernel(errno.ENODATA, "the file has no attribute of that name", _ENOATTR),
        notes(
            errno.ENOTSUP,
            "the filesystem does not support extended attributes (procfs, sysfs), or the name "
            "is in no namespace Linux knows",
        ),
        kernel(errno.EINVAL, _BARE_PREFIX, _NOT_LISTED),
        man(
            errno.EPERM,
            "trusted.* or security.* without CAP_SYS_ADMIN; user.* on a symlink or device "
            "file; or the file is immutable or append-only",
        ),
        man(errno.ERANGE, _NAME_RANGE),
        man(errno.EROFS, "the file is on a read-only filesystem"),
    ]


def _list_entries() -> list[Any]:
    return [
        kernel(
            errno.ENOTSUP,
            "a filesystem driver refuses to list (rare: some network filesystems); a "
            "filesystem without extended attributes (procfs, sysfs, vfat) lists nothing",
            "ENOTSUPP (a typo for ENOTSUP) whenever the filesystem has no extended attributes",
        ),
        notes(
            errno.ERANGE,
            "size= was given and is smaller than the name list (without size= a list that "
            "grows is read again instead)",
        ),
        man(errno.E2BIG, "the name list is larger than XATTR_LIST_MAX (64 KiB)"),
    ]


_GET_EACCES = (
    f"{_SEARCH}, or (user.*) the caller lacks read permission on the file "
    "(the notes mention only the first)"
)
_SET_EACCES = (
    f"{_SEARCH}, or (user.*) the caller lacks write permission on the file "
    "(the notes mention only the first)"
)

GETXATTR_SPEC: Final = spec("getxattr", [*_path_entries(_GET_EACCES), *_get_entries()])
LGETXATTR_SPEC: Final = spec("lgetxattr", [*_path_entries(_GET_EACCES), *_get_entries()])
FGETXATTR_SPEC: Final = spec(
    "fgetxattr",
    [
        *_fd_entries(),
        *_get_entries(),
        kernel(
            errno.EACCES,
            "(user.*) the caller lacks read permission on the file: checked on every call, "
            "however fd was opened",
            _FD_PERMISSION,
        ),
    ],
)
SETXATTR_SPEC: Final = spec("setxattr", [*_path_entries(_SET_EACCES), *_set_entries()])
LSETXATTR_SPEC: Final = spec("lsetxattr", [*_path_entries(_SET_EACCES), *_set_entries()])
FSETXATTR_SPEC: Final = spec(
    "fsetxattr",
    [
        *_fd_entries(),
        *_set_entries(),
        kernel(
            errno.EACCES,
            "(user.*) the caller lacks write permission on the file: checked on every call, "
            "however fd was opened",
            _FD_PERMISSION,
        ),
    ],
)
LISTXATTR_SPEC: Final = spec("listxattr", [*_path_entries(_SEARCH), *_list_entries()])
LLISTXATTR_SPEC: Final = spec("llistxattr", [*_path_entries(_SEARCH), *_list_entries()])
FLISTXATTR_SPEC: Final = spec("flistxattr", [*_fd_entries(), *_list_entries()])
REMOVEXATTR_SPEC: Final = spec("removexattr", [*_path_entries(_SET_EACCES), *_remove_entries()])
LREMOVEXATTR_SPEC: Final = spec("lremovexattr", [*_path_entries(_SET_EACCES), *_remove_entries()])
FREMOVEXATTR_SPEC: Final = spec(
    "fremovexattr",
    [
        *_fd_entries(),
        *_remove_entries(),
        kernel(
            errno.EACCES,
            "(user.*) the caller lacks write permission on the file: checked on every call, "
            "however fd was opened",
            _FD_PERMISSION,
        ),
    ],
)

# ---- conversion and errors -------------------------------------------------------------------

_FSENC: Final = sys.getfilesystemencoding()
_FSERR: Final = sys.getfilesystemencodeerrors()
_CAP: Final[int] = lib.SYSAPI_XATTR_CAP
_NAMESPACES: Final = (b"security", b"system", b"trusted", b"user")

# Read buffers of _CAP bytes, reused: allocating (and zeroing) 64 KiB per call would cost more
# than the call. A list is a thread-safe pool under the GIL and without it; a buffer in use is
# out of the pool, so a signal handler or another thread that reads meanwhile takes another.
# Each entry is (buffer, ffi.buffer view of it): slicing the view copies a value out faster
# than ffi.unpack, and both are made once. A buffer lost to an exception between pop and
# append is simply collected.
_POOL: list[tuple[Any, Any]] = []
# str names → encoded names: programs use a few names many times. Bounded.
_NAMES: dict[str, bytes] = {}
_NAMES_MAX: Final = 1024


def _cpath(path: PathLike) -> bytes:
    if type(path) is str and "\0" not in path:
        return path.encode(_FSENC, _FSERR)
    return fspath(path)


def _cname(name: str | bytes) -> bytes:
    if type(name) is str:
        encoded = _NAMES.get(name)
        if encoded is None:
            encoded = name_bytes(name)
            if len(_NAMES) < _NAMES_MAX:
                _NAMES[name] = encoded
        return encoded
    return name_bytes(name)


# ffi.unpack of a char buffer is bytes; the stub types it loosely. Bound once: no cast() per call.
_unpack: Callable[[Any, int], bytes] = ffi.unpack  # type: ignore[assignment]


def _new_entry() -> tuple[Any, Any]:
    buf = ffi.new("char[]", _CAP)
    return buf, ffi.buffer(buf)


def _namespace_note(err: int, name: bytes) -> str | None:
    """Why a namespace refused: the PEP 678 note added to the errors a namespace explains."""
    ns, dot, rest = name.partition(b".")
    label = ns.decode(_FSENC, _FSERR)
    if err == errno.ENOTSUP:
        if not dot or ns not in _NAMESPACES:
            return (
                f"namespace: {name!r} is in no namespace Linux knows; names start with "
                "'security.', 'system.', 'trusted.' or 'user.'"
            )
        return (
            f"namespace: this filesystem does not support {label}.* attributes "
            "(or none at all, as procfs and sysfs)"
        )
    if err == errno.EPERM:
        if ns == b"trusted":
            return (
                "namespace: trusted.* attributes need CAP_SYS_ADMIN to be written or removed "
                "(and an immutable or append-only file refuses any change, even to root)"
            )
        if ns == b"security":
            return (
                "namespace: writing security.* attributes needs CAP_SYS_ADMIN "
                "(or the security module's consent; an immutable file refuses any change)"
            )
        if ns == b"user":
            return (
                "namespace: user.* attributes exist only on regular files and directories "
                "(not on symlinks, device files, FIFOs or sockets); on a sticky directory only "
                "its owner may set them; an immutable or append-only file refuses any change"
            )
        if ns == b"system":
            return (
                "namespace: system.* attributes (ACLs) may be changed only by the file's owner "
                "or with CAP_FOWNER"
            )
    if err == errno.EACCES and ns == b"user":
        return (
            "namespace: user.* attributes follow the file's permission bits: reading needs "
            "read permission and writing needs write permission (or else search permission "
            "is missing on a directory of the path)"
        )
    if err == errno.ENODATA and ns == b"trusted":
        return "namespace: trusted.* attributes are invisible to a process without CAP_SYS_ADMIN"
    if err == errno.EINVAL and dot and not rest:
        return f"namespace: {name!r} has nothing after the namespace prefix"
    if err == errno.ERANGE and not 0 < len(name) <= lib.XATTR_NAME_MAX:
        return f"names are 1 to {lib.XATTR_NAME_MAX} bytes long; this one has {len(name)}"
    return None


def _raise(result: int, syscall: ErrorSpec, filename: object, name: bytes | None) -> SysapiError:
    exc = _syscall.error(-result, syscall, filename)
    if name is not None:
        note = _namespace_note(-result, name)
        if note is not None:
            exc.add_note(note)
    return exc


def _again(
    result: int, syscall: ErrorSpec, func: Any, args: tuple[Any, ...], filename: object, name: Any
) -> int:
    """The slow path after a failed call: retry EINTR (PEP 475), raise anything else."""
    while result == -errno.EINTR:
        result = func(*args)
    if result < 0:
        raise _raise(result, syscall, filename, name)
    return int(result)


def _parse_names(data: bytes) -> list[str]:
    """Split a listxattr buffer (NUL-terminated names, back to back) into names.

    Decoded once as a whole: NUL never occurs inside a UTF-8 sequence, so this equals decoding
    name by name, and surrogateescape keeps undecodable bytes for ``os.fsencode``.
    """
    if not data:
        return []
    if data[-1] == 0:
        data = data[:-1]
    return data.decode(_FSENC, _FSERR).split("\0")


def _sized_buffer(size: int) -> Any:
    if not isinstance(size, int):
        raise TypeError(f"size must be an int, not {type(size).__name__}")
    if size < 1:
        raise ValueError("size must be at least 1 (without size= the size is probed for you)")
    # The kernel never uses more than XATTR_SIZE_MAX / XATTR_LIST_MAX bytes of a larger buffer.
    return ffi.new("char[]", min(size, _CAP))


# ---- get ---------------------------------------------------------------------------------------
# The hot paths are written out in full, without helper calls: each Python call costs about as
# much as a tenth of the system call, and the goal is to stay within 1.25x of os.getxattr.

_getxattr_auto: Final = lib.sysapi_getxattr_auto
_lgetxattr_auto: Final = lib.sysapi_lgetxattr_auto
_fgetxattr_auto: Final = lib.sysapi_fgetxattr_auto
_listxattr_auto: Final = lib.sysapi_listxattr_auto
_llistxattr_auto: Final = lib.sysapi_llistxattr_auto
_flistxattr_auto: Final = lib.sysapi_flistxattr_auto


def _get_sized(
    syscall: ErrorSpec, func: Any, target: Any, n: bytes, size: int, filename: object
) -> bytes:
    """One call of the C protocol with a ``size``-byte buffer (ERANGE when too small)."""
    buf = _sized_buffer(size)
    args = (target, n, buf, len(buf))
    r = func(*args)
    if r < 0:
        r = _again(r, syscall, func, args, filename, n)
    return _unpack(buf, r)


def _is_descriptor(target: object) -> bool:
    """An int or an object with ``fileno()`` (the ``HasFileno`` protocol), not a path."""
    return (isinstance(target, int) or hasattr(target, "fileno")) and not isinstance(
        target, str | bytes
    )


def _from_os(exc: OSError, syscall: ErrorSpec, filename: object, name: str | bytes) -> SysapiError:
    """The sysapi exception for what ``os.getxattr`` raised (the fast path below)."""
    n = name if type(name) is bytes else os.fsencode(name)
    return _raise(-(exc.errno or errno.EIO), syscall, filename, n)


_os_getxattr: Final = os.getxattr


# getxattr, lgetxattr and fgetxattr repeat one body on purpose: a shared helper costs one more
# Python call per read (about 60 ns, 5% of the call), against a goal of 1.25x the stdlib.
#
# Their fast path is os.getxattr, whose C does exactly what these calls document (the path, fd
# and no-follow variants, a value that grows between probe and read read again): for a str or
# bytes name and path (an int fd), errors come out as sysapi's classes all the same. EINTR
# (PEP 475), size= and other argument types take sysapi's own path. (A value over 128 bytes
# costs os.getxattr a second call; small values are the common case it is fastest for.)
@documents(GETXATTR_SPEC)
def getxattr(path: PathLike, name: str | bytes, *, size: int | None = None) -> bytes:
    """The value of attribute ``name`` of the file at ``path`` (symlinks followed).

    A value that grows between the size probe and the read is read again, never truncated.
    With ``size``, one ``getxattr`` call with a buffer of ``size`` bytes: ERANGE when the value
    is longer.
    """
    tp = type(path)
    if size is None and (tp is str or tp is bytes) and (type(name) is str or type(name) is bytes):
        try:
            return _os_getxattr(path, name)
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise _from_os(exc, GETXATTR_SPEC, path, name) from None
    p = path.encode(_FSENC, _FSERR) if type(path) is str and "\0" not in path else fspath(path)
    if type(name) is str:
        try:
            n = _NAMES[name]
        except KeyError:
            n = _cname(name)
    else:
        n = _cname(name)
    if size is not None:
        return _get_sized(GETXATTR_SPEC, lib.sysapi_getxattr, p, n, size, path)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    r = _getxattr_auto(p, n, buf)
    if r < 0:
        r = _again(r, GETXATTR_SPEC, _getxattr_auto, (p, n, buf), path, n)
    value: bytes = view[:r]
    _POOL.append(entry)
    return value


@documents(LGETXATTR_SPEC)
def lgetxattr(path: PathLike, name: str | bytes, *, size: int | None = None) -> bytes:
    """As :func:`getxattr`, but of a symbolic link itself, not of the file it points to."""
    tp = type(path)
    if size is None and (tp is str or tp is bytes) and (type(name) is str or type(name) is bytes):
        try:
            return _os_getxattr(path, name, follow_symlinks=False)
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise _from_os(exc, LGETXATTR_SPEC, path, name) from None
    p = path.encode(_FSENC, _FSERR) if type(path) is str and "\0" not in path else fspath(path)
    if type(name) is str:
        try:
            n = _NAMES[name]
        except KeyError:
            n = _cname(name)
    else:
        n = _cname(name)
    if size is not None:
        return _get_sized(LGETXATTR_SPEC, lib.sysapi_lgetxattr, p, n, size, path)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    r = _lgetxattr_auto(p, n, buf)
    if r < 0:
        r = _again(r, LGETXATTR_SPEC, _lgetxattr_auto, (p, n, buf), path, n)
    value: bytes = view[:r]
    _POOL.append(entry)
    return value


@documents(FGETXATTR_SPEC)
def fgetxattr(fd: FdLike, name: str | bytes, *, size: int | None = None) -> bytes:
    """As :func:`getxattr`, of the open file ``fd``."""
    if size is None and type(fd) is int and (type(name) is str or type(name) is bytes):
        try:
            return _os_getxattr(fd, name)
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise _from_os(exc, FGETXATTR_SPEC, None, name) from None
    if type(name) is str:
        try:
            n = _NAMES[name]
        except KeyError:
            n = _cname(name)
    else:
        n = _cname(name)
    if size is not None:
        return _get_sized(FGETXATTR_SPEC, lib.sysapi_fgetxattr, fileno(fd), n, size, None)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    try:
        r = _fgetxattr_auto(fd, n, buf)  # type: ignore[arg-type]  # cffi checks it
    except TypeError:  # not an int: cffi converts nothing else, so no call was made
        fd = fileno(fd)
        r = _fgetxattr_auto(fd, n, buf)
    if r < 0:
        r = _again(r, FGETXATTR_SPEC, _fgetxattr_auto, (fd, n, buf), None, n)
    value: bytes = view[:r]
    _POOL.append(entry)
    return value


# ---- set ---------------------------------------------------------------------------------------


def _value(value: Any) -> tuple[Any, int]:
    """A bytes-like value as (what the shim takes, length in bytes)."""
    if type(value) is bytes:
        return value, len(value)
    if isinstance(value, str):
        raise TypeError("value must be a bytes-like object, not str (encode it first)")
    try:
        view = ffi.from_buffer(value)
    except TypeError:
        raise TypeError(f"value must be a bytes-like object, not {type(value).__name__}") from None
    except BufferError as exc:  # a non-contiguous view
        raise TypeError(f"value must be a C-contiguous bytes-like object: {exc}") from None
    return view, len(view)


@documents(SETXATTR_SPEC)
def setxattr(path: PathLike, name: str | bytes, value: Any, flags: int = 0) -> None:
    """Set attribute ``name`` of the file at ``path`` (symlinks followed) to ``value``.

    ``value`` is any bytes-like object. ``flags``: 0 creates or replaces, ``XATTR_CREATE``
    fails (EEXIST) if it exists, ``XATTR_REPLACE`` fails (ENODATA) if it does not.
    """
    p, n = _cpath(path), _cname(name)
    v, length = _value(value)
    r = lib.sysapi_setxattr(p, n, v, length, flags)
    if r < 0:
        _again(r, SETXATTR_SPEC, lib.sysapi_setxattr, (p, n, v, length, flags), path, n)


@documents(LSETXATTR_SPEC)
def lsetxattr(path: PathLike, name: str | bytes, value: Any, flags: int = 0) -> None:
    """As :func:`setxattr`, but on a symbolic link itself (user.* is refused there: EPERM)."""
    p, n = _cpath(path), _cname(name)
    v, length = _value(value)
    r = lib.sysapi_lsetxattr(p, n, v, length, flags)
    if r < 0:
        _again(r, LSETXATTR_SPEC, lib.sysapi_lsetxattr, (p, n, v, length, flags), path, n)


@documents(FSETXATTR_SPEC)
def fsetxattr(fd: FdLike, name: str | bytes, value: Any, flags: int = 0) -> None:
    """As :func:`setxattr`, on the open file ``fd``."""
    number = fd if type(fd) is int else fileno(fd)
    n = _cname(name)
    v, length = _value(value)
    r = lib.sysapi_fsetxattr(number, n, v, length, flags)
    if r < 0:
        _again(r, FSETXATTR_SPEC, lib.sysapi_fsetxattr, (number, n, v, length, flags), None, n)


# ---- list --------------------------------------------------------------------------------------


def _list_sized(
    syscall: ErrorSpec, func: Any, target: Any, size: int, filename: object
) -> list[str]:
    buf = _sized_buffer(size)
    args = (target, buf, len(buf))
    r = func(*args)
    if r < 0:
        r = _again(r, syscall, func, args, filename, None)
    return _parse_names(_unpack(buf, r))


@documents(LISTXATTR_SPEC)
def listxattr(path: PathLike, *, size: int | None = None) -> list[str]:
    """The attribute names of the file at ``path`` (symlinks followed), in the kernel's order.

    Only the names the caller may see (trusted.* needs CAP_SYS_ADMIN). A list that grows
    between the size probe and the read is read again. With ``size``, one ``listxattr`` call
    with a buffer of ``size`` bytes: ERANGE when the list is longer.
    """
    p = path.encode(_FSENC, _FSERR) if type(path) is str and "\0" not in path else fspath(path)
    if size is not None:
        return _list_sized(LISTXATTR_SPEC, lib.sysapi_listxattr, p, size, path)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    r = _listxattr_auto(p, buf)
    if r < 0:
        r = _again(r, LISTXATTR_SPEC, _listxattr_auto, (p, buf), path, None)
    data: bytes = view[: r - 1] if r else b""
    _POOL.append(entry)
    # Decoded as a whole: see _parse_names. The kernel ends every name with a NUL.
    return data.decode(_FSENC, _FSERR).split("\0") if r else []


@documents(LLISTXATTR_SPEC)
def llistxattr(path: PathLike, *, size: int | None = None) -> list[str]:
    """As :func:`listxattr`, but of a symbolic link itself."""
    p = path.encode(_FSENC, _FSERR) if type(path) is str and "\0" not in path else fspath(path)
    if size is not None:
        return _list_sized(LLISTXATTR_SPEC, lib.sysapi_llistxattr, p, size, path)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    r = _llistxattr_auto(p, buf)
    if r < 0:
        r = _again(r, LLISTXATTR_SPEC, _llistxattr_auto, (p, buf), path, None)
    data: bytes = view[: r - 1] if r else b""
    _POOL.append(entry)
    return data.decode(_FSENC, _FSERR).split("\0") if r else []


@documents(FLISTXATTR_SPEC)
def flistxattr(fd: FdLike, *, size: int | None = None) -> list[str]:
    """As :func:`listxattr`, of the open file ``fd``."""
    if size is not None:
        return _list_sized(FLISTXATTR_SPEC, lib.sysapi_flistxattr, fileno(fd), size, None)
    try:
        entry = _POOL.pop()
    except IndexError:
        entry = _new_entry()
    buf, view = entry
    try:
        r = _flistxattr_auto(fd, buf)  # type: ignore[arg-type]  # cffi checks it
    except TypeError:  # not an int: cffi converts nothing else, so no call was made
        fd = fileno(fd)
        r = _flistxattr_auto(fd, buf)
    if r < 0:
        r = _again(r, FLISTXATTR_SPEC, _flistxattr_auto, (fd, buf), None, None)
    data: bytes = view[: r - 1] if r else b""
    _POOL.append(entry)
    return data.decode(_FSENC, _FSERR).split("\0") if r else []


# ---- remove ------------------------------------------------------------------------------------


@documents(REMOVEXATTR_SPEC)
def removexattr(path: PathLike, name: str | bytes) -> None:
    """Remove attribute ``name`` of the file at ``path`` (symlinks followed).

    Not the same as setting an empty value: afterwards the name is not listed.
    """
    p, n = _cpath(path), _cname(name)
    r = lib.sysapi_removexattr(p, n)
    if r < 0:
        _again(r, REMOVEXATTR_SPEC, lib.sysapi_removexattr, (p, n), path, n)


@documents(LREMOVEXATTR_SPEC)
def lremovexattr(path: PathLike, name: str | bytes) -> None:
    """As :func:`removexattr`, but of a symbolic link itself."""
    p, n = _cpath(path), _cname(name)
    r = lib.sysapi_lremovexattr(p, n)
    if r < 0:
        _again(r, LREMOVEXATTR_SPEC, lib.sysapi_lremovexattr, (p, n), path, n)


@documents(FREMOVEXATTR_SPEC)
def fremovexattr(fd: FdLike, name: str | bytes) -> None:
    """As :func:`removexattr`, of the open file ``fd``."""
    number = fd if type(fd) is int else fileno(fd)
    n = _cname(name)
    r = lib.sysapi_fremovexattr(number, n)
    if r < 0:
        _again(r, FREMOVEXATTR_SPEC, lib.sysapi_fremovexattr, (number, n), None, n)


# ---- the mapping -------------------------------------------------------------------------------


class Xattrs(MutableMapping[str, bytes]):
    """The extended attributes of one file as a mutable mapping of names to values.

    ``target`` is a path (``str``, ``bytes``, ``os.PathLike``) or an open descriptor (an
    ``int`` or an object with ``fileno()``, borrowed: it must stay open while in use). With
    ``follow_symlinks=False`` a symlink's own attributes are used (the ``l*`` calls); that
    makes no sense for a descriptor (ValueError, as in :mod:`os`).

    ``namespace`` (``"user"``, ``"trusted"``, ``"security"``, ``"system"``) restricts the view
    to that namespace, and its keys are the names without the prefix:
    ``Xattrs(p, namespace="user")["mime_type"]`` is attribute ``user.mime_type``.

    A missing attribute raises ``KeyError`` (chained to the ENODATA error); every other error
    is the call's ``SysapiError``. Iteration walks a snapshot of the names.
    """

    __slots__ = ("_follow", "_prefix", "_target")

    def __init__(
        self,
        target: PathLike | FdLike,
        *,
        follow_symlinks: bool = True,
        namespace: str | None = None,
    ) -> None:
        if _is_descriptor(target):
            if not follow_symlinks:
                raise ValueError("Xattrs: follow_symlinks=False cannot be used with a descriptor")
        elif not isinstance(target, str | bytes | os.PathLike):
            raise TypeError(f"Xattrs: expected a path or a descriptor, not {type(target).__name__}")
        if namespace is not None:
            if not isinstance(namespace, str):
                raise TypeError("namespace must be a str such as 'user'")
            if not namespace or "." in namespace or "\0" in namespace:
                raise ValueError(f"namespace {namespace!r}: give the bare name, such as 'user'")
        self._target = target
        self._follow = follow_symlinks
        self._prefix = "" if namespace is None else namespace + "."

    @property
    def namespace(self) -> str | None:
        return self._prefix[:-1] or None

    def _is_fd(self) -> bool:
        return _is_descriptor(self._target)

    def _full(self, key: str | bytes) -> str | bytes:
        if not self._prefix:
            return key
        if isinstance(key, bytes):
            return self._prefix.encode(_FSENC, _FSERR) + key
        if isinstance(key, str):
            return self._prefix + key
        raise TypeError(f"attribute names are str or bytes, not {type(key).__name__}")

    def get_value(self, key: str | bytes) -> bytes:
        """The value of ``key`` (the errors of ``getxattr``, ENODATA included)."""
        name = self._full(key)
        if self._is_fd():
            return fgetxattr(self._target, name)  # type: ignore[arg-type]
        if self._follow:
            return getxattr(self._target, name)  # type: ignore[arg-type]
        return lgetxattr(self._target, name)  # type: ignore[arg-type]

    def set(self, key: str | bytes, value: Any, flags: int = 0) -> None:
        """Set ``key`` with ``setxattr`` ``flags`` (``XATTR_CREATE``, ``XATTR_REPLACE``)."""
        name = self._full(key)
        if self._is_fd():
            fsetxattr(self._target, name, value, flags)  # type: ignore[arg-type]
        elif self._follow:
            setxattr(self._target, name, value, flags)  # type: ignore[arg-type]
        else:
            lsetxattr(self._target, name, value, flags)  # type: ignore[arg-type]

    def names(self) -> list[str]:
        """The names in this view (without the namespace prefix when one is set)."""
        if self._is_fd():
            found = flistxattr(self._target)  # type: ignore[arg-type]
        elif self._follow:
            found = listxattr(self._target)  # type: ignore[arg-type]
        else:
            found = llistxattr(self._target)  # type: ignore[arg-type]
        prefix = self._prefix
        if not prefix:
            return found
        cut = len(prefix)
        return [n[cut:] for n in found if n.startswith(prefix)]

    def __getitem__(self, key: str | bytes) -> bytes:
        try:
            return self.get_value(key)
        except SysapiError as exc:
            if exc.errno == errno.ENODATA:
                raise KeyError(key) from exc
            raise

    def __setitem__(self, key: str | bytes, value: Any) -> None:
        self.set(key, value)

    def __delitem__(self, key: str | bytes) -> None:
        name = self._full(key)
        try:
            if self._is_fd():
                fremovexattr(self._target, name)  # type: ignore[arg-type]
            elif self._follow:
                removexattr(self._target, name)  # type: ignore[arg-type]
            else:
                lremovexattr(self._target, name)  # type: ignore[arg-type]
        except SysapiError as exc:
            if exc.errno == errno.ENODATA:
                raise KeyError(key) from exc
            raise

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str | bytes):
            return False
        try:
            self.get_value(key)
        except SysapiError as exc:
            if exc.errno == errno.ENODATA:
                return False
            raise
        return True

    def __repr__(self) -> str:
        ns = f", namespace={self.namespace!r}" if self._prefix else ""
        follow = "" if self._follow else ", follow_symlinks=False"
        return f"Xattrs({self._target!r}{follow}{ns})"
