"""Reference cases of the xattr area: every documented errno of the twelve calls.

The path (``""``), no-follow (``"l"``) and descriptor (``"f"``) variants are generated from one
table, since most provocations differ only in how the file is named.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sysapi import xattr
from sysapi._sysapi import ffi, lib
from sysapi.conformance import NOBODY, Case, Condition, Context, NotProvokable, setup
from sysapi.conformance._support import bad, by_call, shim_in_child
from sysapi.errors import REGISTRY

AREA = "xattr"
_NOMEM = "needs the kernel to run out of memory"
_QUOTA = "needs a filesystem with disk quotas enabled and a user over its quota"
# mount(2) and unshare(2) flags from <sys/mount.h> and <sched.h>, for _read_only_file.
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x1, 0x20, 0x1000, 0x4000, 0x40000
_SHM = "/dev/shm"

_BPF_LSM_SECURITY = Condition(
    0,
    "the BPF LSM's default inode_setxattr hook answers 0, which skips the CAP_SYS_ADMIN check "
    "that guards security.* (the VFS leaves that namespace to the LSMs), so any user sets it, "
    "even on root's file; Linux 6.10 made the capability check unconditional "
    "('lsm: fixup the inode xattr capability handling')",
    below=(6, 10),
    lsm="bpf",
)

# variant prefix → the four calls
_GET: dict[str, Callable[..., bytes]] = {
    "": xattr.getxattr,
    "l": xattr.lgetxattr,
    "f": xattr.fgetxattr,
}
_SET: dict[str, Callable[..., None]] = {
    "": xattr.setxattr,
    "l": xattr.lsetxattr,
    "f": xattr.fsetxattr,
}
_LIST: dict[str, Callable[..., list[str]]] = {
    "": xattr.listxattr,
    "l": xattr.llistxattr,
    "f": xattr.flistxattr,
}
_REMOVE: dict[str, Callable[..., None]] = {
    "": xattr.removexattr,
    "l": xattr.lremovexattr,
    "f": xattr.fremovexattr,
}


def _target(ctx: Context, kind: str, path: str | os.PathLike[str]) -> Any:
    """``path`` itself for the path variants, an open descriptor of it for the f variants."""
    return ctx.open(path) if kind == "f" else path


@setup("a root file with user.* attributes: tmpfs has them since Linux 6.6")
def _file(ctx: Context, attrs: dict[str, bytes] | None = None, mode: int = 0o644) -> Path:
    """A root-owned regular file with ``attrs`` set.

    The scratch filesystem must store user.* attributes (tmpfs does since Linux 6.6, "tmpfs,xattr:
    enable limited user extended attributes"): else the cases are not provoked there, rather
    than answering ENOTSUP to every question.
    """
    path = ctx.file("file", b"data", mode)
    os.setxattr(path, "user.sysapi-probe", b"")
    os.removexattr(path, "user.sysapi-probe")
    for name, value in (attrs or {}).items():
        os.setxattr(path, name, value)
    return path


@setup("a file of uid 65534")
def _own_file(ctx: Context, attrs: dict[str, bytes] | None = None) -> Path:
    """A file owned by uid 65534 (who may then write its user.* attributes)."""
    path = _file(ctx, attrs)
    os.chown(path, NOBODY, NOBODY)
    return path


def _device(ctx: Context) -> Path:
    """A character device node (1:3, like /dev/null) made in the scratch directory: root only."""
    path = ctx.tmp / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        raise NotProvokable("mknod needs CAP_MKNOD") from None
    return path


@setup("a symlink")
def _symlink(ctx: Context) -> Path:
    link = ctx.tmp / "link"
    link.symlink_to(_file(ctx))
    return link


@setup("a tmpfs file")
def _shm_file(ctx: Context) -> Path:
    return ctx.file(dir=ctx.private_dir(_SHM))


def _long_list(ctx: Context) -> Path:
    """A tmpfs file whose name list is longer than XATTR_LIST_MAX (64 KiB)."""
    path = _shm_file(ctx)
    try:
        for i in range(300):
            os.setxattr(path, f"user.{i:04d}" + "n" * 240, b"")
    except OSError as exc:
        raise NotProvokable(f"tmpfs refused 300 long names: {exc}") from None
    return path


#: On these filesystems a value of XATTR_SIZE_MAX is stored (see _VALUE_STORED).
_LARGE_VALUES = ("xfs", "tmpfs")
_VALUE_STORED = (
    Condition(
        0,
        "XFS keeps a value that does not fit in the inode in remote attribute blocks, up to "
        "XATTR_SIZE_MAX",
        filesystems=("xfs",),
    ),
    Condition(0, "tmpfs keeps values in memory, up to XATTR_SIZE_MAX", filesystems=("tmpfs",)),
)


@setup("a file whose filesystem cannot store a 64 KiB value")
def _large_value_file(ctx: Context) -> Path:
    """A file on a filesystem that cannot store a value of XATTR_SIZE_MAX (64 KiB): ext4 keeps
    a value in one block (4 KiB) unless it has ea_inode, btrfs in one leaf (16 KiB)."""
    path = _file(ctx)
    if ctx.filesystem in _LARGE_VALUES:
        return path  # the case's conditions say what happens there
    try:
        os.setxattr(path, "user.probe", b"x" * xattr.XATTR_SIZE_MAX)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            return path
        raise
    extra = " (ext4 with the ea_inode feature)" if ctx.filesystem == "ext4" else ""
    raise NotProvokable(f"the scratch filesystem, {ctx.filesystem}{extra}, stores 64 KiB values")


def _read_only_file(ctx: Context) -> Path:
    """A file with ``user.k`` in the scratch directory, seen through a read-only bind mount.

    The bind mount is made in a private mount namespace, so it tests whatever filesystem holds
    the scratch directory (``check --dir``). Only in a forked child run as root: the namespace,
    and the mount, end with the child.
    """
    if not ctx.forked:
        raise RuntimeError("_read_only_file() outside a forked case")
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    target = ctx.tmp / "ro"
    path = target / "file"
    with setup("a file with user.k behind a read-only bind mount"):
        target.mkdir()
        path.write_bytes(b"")
        os.setxattr(path, "user.k", b"v")
        check(libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        # Private first, so that nothing mounted here propagates to the machine's namespace.
        check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
        check(libc.mount(bytes(target), bytes(target), None, _MS_BIND, None), "mount --bind")
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        check(libc.mount(None, bytes(target), None, flags, None), "remount,bind,ro")
    return path


def _unprivileged(ctx: Context, kind: str, path: Any, call: Callable[[Any], object]) -> None:
    """Open ``path`` first for the f variants (as root), then drop privileges and call."""
    target = _target(ctx, kind, path)
    ctx.drop_privileges()
    call(target)


@setup("a file in a 0700 directory")
def _search_denied(ctx: Context) -> Path:
    """A file inside a 0700 root directory: uid 65534 cannot reach it."""
    private = ctx.tmp / "private"
    private.mkdir(mode=0o700)
    path = private / "file"
    path.write_bytes(b"")
    os.setxattr(path, "user.k", b"v")
    return path


@setup("a symlink loop")
def _loop(ctx: Context) -> Path:
    (ctx.tmp / "a").symlink_to(ctx.tmp / "b")
    (ctx.tmp / "b").symlink_to(ctx.tmp / "a")
    return ctx.tmp / "a" / "x"


def _path_cases(call: str, kind: str, op: Callable[[Any], object], how: str) -> list[Case]:
    """The path-resolution errnos of one path variant; ``op(path)`` makes the call."""
    return [
        Case(AREA, call, errno.EACCES, "search permission missing on a directory",
             lambda ctx: _unprivileged(ctx, "", _search_denied(ctx), op),
             unprivileged=True),
        Case(AREA, call, errno.ELOOP, f"symlink loop as a directory ({how})",
             lambda ctx: op(_loop(ctx))),
        Case(AREA, call, errno.ENAMETOOLONG, "300-byte component",
             lambda ctx: op(ctx.tmp / ("x" * 300))),
        Case(AREA, call, errno.ENOENT, "missing file", lambda ctx: op(ctx.tmp / "missing")),
        Case(AREA, call, errno.ENOENT, "empty path", lambda ctx: op("")),
        Case(AREA, call, errno.ENOENT, "missing file, as uid 65534",
             lambda ctx: _unprivileged(ctx, kind, ctx.tmp / "missing", op), unprivileged=True),
        Case(AREA, call, errno.ENOMEM, "out of memory", reason=_NOMEM),
        Case(AREA, call, errno.ENOTDIR, "a regular file used as a directory",
             lambda ctx: op(_file(ctx) / "x")),
    ]  # fmt: skip


def _fd_cases(call: str, op: Callable[[Any], object]) -> list[Case]:
    """The descriptor errnos of one f variant; ``op(fd)`` makes the call."""
    return [
        Case(AREA, call, errno.EBADF, "closed fd", lambda ctx: op(ctx.closed_fd())),
        Case(AREA, call, errno.EBADF, "closed fd, as uid 65534",
             lambda ctx: _unprivileged(ctx, "", ctx.closed_fd(), op), unprivileged=True),
        Case(AREA, call, errno.EBADF, "O_PATH fd",
             lambda ctx: op(ctx.open(_file(ctx), os.O_PATH))),
        Case(AREA, call, errno.ENOMEM, "out of memory", reason=_NOMEM),
    ]  # fmt: skip


def _get_cases(kind: str) -> list[Case]:
    call, get = f"{kind}getxattr", _GET[kind]
    cases = (
        _fd_cases(call, lambda fd: get(fd, "user.k"))
        if kind == "f"
        else _path_cases(call, kind, lambda p: get(p, "user.k"), "user.k")
    )
    cases += [
        Case(AREA, call, errno.ENODATA, "no such attribute",
             lambda ctx: get(_target(ctx, kind, _file(ctx)), "user.missing")),
        Case(AREA, call, errno.ENODATA, "no such attribute, as uid 65534",
             lambda ctx: _unprivileged(ctx, kind, _file(ctx), lambda t: get(t, "user.missing")),
             unprivileged=True),
        Case(AREA, call, errno.ENODATA, "trusted.* is invisible",
             lambda ctx: _unprivileged(ctx, kind, _file(ctx, {"trusted.k": b"v"}),
                                       lambda t: get(t, "trusted.k")),
             unprivileged=True),
        Case(AREA, call, errno.ENOTSUP, "procfs file",
             lambda ctx: get(_target(ctx, kind, "/proc/self/status"), "user.k")),
        Case(AREA, call, errno.ENOTSUP, "name in no namespace ('bogus.k')",
             lambda ctx: get(_target(ctx, kind, _file(ctx)), "bogus.k")),
        Case(AREA, call, errno.ERANGE, "size=2 for a 5-byte value",
             lambda ctx: get(_target(ctx, kind, _file(ctx, {"user.k": b"12345"})), "user.k",
                             size=2)),
        Case(AREA, call, errno.ERANGE, "256-byte name",
             lambda ctx: get(_target(ctx, kind, _file(ctx)), "user." + "n" * 251)),
        Case(AREA, call, errno.EINVAL, "bare prefix 'user.'",
             lambda ctx: get(_target(ctx, kind, _file(ctx)), "user.")),
    ]  # fmt: skip
    if kind == "f":
        cases.append(
            Case(AREA, call, errno.EACCES, "user.* of a 0600 root file opened before dropping",
                 lambda ctx: _unprivileged(ctx, kind, _file(ctx, {"user.k": b"v"}, 0o600),
                                           lambda t: get(t, "user.k")),
                 unprivileged=True)
        )  # fmt: skip
    else:
        cases.append(
            Case(AREA, call, errno.EACCES, "user.* of a 0600 root file",
                 lambda ctx: _unprivileged(ctx, kind, _file(ctx, {"user.k": b"v"}, 0o600),
                                           lambda t: get(t, "user.k")),
                 unprivileged=True)
        )  # fmt: skip
    if kind == "l":
        cases.append(
            Case(AREA, call, errno.ENODATA, "user.* of a symlink",
                 lambda ctx: get(_symlink(ctx), "user.k"))
        )  # fmt: skip
    return cases


def _set_cases(kind: str) -> list[Case]:
    call, put = f"{kind}setxattr", _SET[kind]
    cases = (
        _fd_cases(call, lambda fd: put(fd, "user.k", b"v"))
        if kind == "f"
        else _path_cases(call, kind, lambda p: put(p, "user.k", b"v"), "user.k")
    )

    def on_file(
        name: str, value: bytes = b"v", flags: int = 0, attrs: dict[str, bytes] | None = None
    ) -> Any:
        return lambda ctx: put(_target(ctx, kind, _file(ctx, attrs)), name, value, flags)

    cases += [
        Case(AREA, call, errno.EDQUOT, "over quota", reason=_QUOTA),
        Case(AREA, call, errno.EEXIST, "XATTR_CREATE of an existing attribute",
             on_file("user.k", flags=xattr.XATTR_CREATE, attrs={"user.k": b"old"})),
        Case(AREA, call, errno.EEXIST, "XATTR_CREATE of an existing attribute, as uid 65534",
             lambda ctx: _unprivileged(ctx, kind, _own_file(ctx, {"user.k": b"old"}),
                                       lambda t: put(t, "user.k", b"v", xattr.XATTR_CREATE)),
             unprivileged=True),
        Case(AREA, call, errno.EINVAL, "flags=4", on_file("user.k", flags=4)),
        Case(AREA, call, errno.EINVAL, "bare prefix 'user.'", on_file("user.")),
        Case(AREA, call, errno.ENODATA, "XATTR_REPLACE of a missing attribute",
             on_file("user.k", flags=xattr.XATTR_REPLACE)),
        Case(AREA, call, errno.ENOSPC, "64 KiB value: more than an ext4 block or a btrfs leaf",
             lambda ctx: put(_target(ctx, kind, _large_value_file(ctx)), "user.k",
                             b"x" * xattr.XATTR_SIZE_MAX),
             conditions=_VALUE_STORED),
        Case(AREA, call, errno.ENOTSUP, "procfs file",
             lambda ctx: put(_target(ctx, kind, "/proc/self/status"), "user.k", b"v")),
        Case(AREA, call, errno.ENOTSUP, "name in no namespace ('bogus.k')", on_file("bogus.k")),
        Case(AREA, call, errno.E2BIG, "value of XATTR_SIZE_MAX + 1 bytes",
             on_file("user.k", b"x" * (xattr.XATTR_SIZE_MAX + 1))),
        Case(AREA, call, errno.EPERM, "trusted.*",
             lambda ctx: _unprivileged(ctx, kind, _file(ctx), lambda t: put(t, "trusted.k", b"v")),
             unprivileged=True),
        Case(AREA, call, errno.EPERM, "security.*",
             lambda ctx: _unprivileged(ctx, kind, _file(ctx),
                                       lambda t: put(t, "security.sysapi", b"v")),
             unprivileged=True, conditions=(_BPF_LSM_SECURITY,)),
        Case(AREA, call, errno.ERANGE, "256-byte name", on_file("user." + "n" * 251)),
        Case(AREA, call, errno.EROFS, "read-only bind mount in a private namespace",
             lambda ctx: put(_target(ctx, kind, _read_only_file(ctx)), "user.k", b"v"),
             fork=True, root=True),
        Case(AREA, call, errno.EACCES,
             "user.* of a 0644 root file"
             + (" opened before dropping" if kind == "f" else ""),
             lambda ctx: _unprivileged(ctx, kind, _file(ctx), lambda t: put(t, "user.k", b"v")),
             unprivileged=True),
    ]  # fmt: skip
    if kind == "l":
        cases.append(
            Case(AREA, call, errno.EPERM, "user.* on a symlink",
                 lambda ctx: put(_symlink(ctx), "user.k", b"v"))
        )  # fmt: skip
    else:
        cases.append(
            Case(AREA, call, errno.EPERM, "user.* on a character device",
                 lambda ctx: put(_target(ctx, kind, _device(ctx)), "user.k", b"v"), root=True)
        )  # fmt: skip
    return cases


def _list_cases(kind: str) -> list[Case]:
    call, names = f"{kind}listxattr", _LIST[kind]
    cases = _fd_cases(call, names) if kind == "f" else _path_cases(call, kind, names, "")
    cases += [
        Case(AREA, call, errno.ENOTSUP, "procfs file: Linux lists nothing",
             lambda ctx: names(_target(ctx, kind, "/proc/self/status")), expect=0),
        Case(AREA, call, errno.ERANGE, "size=3 for 'user.k\\0'",
             lambda ctx: names(_target(ctx, kind, _file(ctx, {"user.k": b"v"})), size=3)),
        Case(AREA, call, errno.E2BIG, "tmpfs file with 75 KiB of names",
             lambda ctx: names(_target(ctx, kind, _long_list(ctx)))),
    ]  # fmt: skip
    return cases


def _remove_cases(kind: str) -> list[Case]:
    call, rm = f"{kind}removexattr", _REMOVE[kind]
    cases = (
        _fd_cases(call, lambda fd: rm(fd, "user.k"))
        if kind == "f"
        else _path_cases(call, kind, lambda p: rm(p, "user.k"), "user.k")
    )

    def on_file(name: str, attrs: dict[str, bytes] | None = None) -> Any:
        return lambda ctx: rm(_target(ctx, kind, _file(ctx, attrs)), name)

    cases += [
        Case(AREA, call, errno.ENODATA, "no such attribute", on_file("user.missing")),
        Case(AREA, call, errno.ENODATA, "no such attribute, as uid 65534",
             lambda ctx: _unprivileged(ctx, kind, _own_file(ctx), lambda t: rm(t, "user.missing")),
             unprivileged=True),
        Case(AREA, call, errno.ENOTSUP, "procfs file",
             lambda ctx: rm(_target(ctx, kind, "/proc/self/status"), "user.k")),
        Case(AREA, call, errno.ENOTSUP, "name in no namespace ('bogus.k')", on_file("bogus.k")),
        Case(AREA, call, errno.EINVAL, "bare prefix 'user.'", on_file("user.")),
        Case(AREA, call, errno.EPERM, "trusted.*",
             lambda ctx: _unprivileged(ctx, kind, _file(ctx, {"trusted.k": b"v"}),
                                       lambda t: rm(t, "trusted.k")),
             unprivileged=True),
        Case(AREA, call, errno.ERANGE, "256-byte name", on_file("user." + "n" * 251)),
        Case(AREA, call, errno.EROFS, "read-only bind mount in a private namespace",
             lambda ctx: rm(_target(ctx, kind, _read_only_file(ctx)), "user.k"),
             fork=True, root=True),
        Case(AREA, call, errno.EACCES,
             "user.* of a 0644 root file"
             + (" opened before dropping" if kind == "f" else ""),
             lambda ctx: _unprivileged(ctx, kind, _file(ctx, {"user.k": b"v"}),
                                       lambda t: rm(t, "user.k")),
             unprivileged=True),
    ]  # fmt: skip
    if kind == "l":
        cases.append(
            Case(AREA, call, errno.EPERM, "user.* on a symlink",
                 lambda ctx: rm(_symlink(ctx), "user.k"))
        )  # fmt: skip
    else:
        cases.append(
            Case(AREA, call, errno.EPERM, "user.* on a character device",
                 lambda ctx: rm(_target(ctx, kind, _device(ctx)), "user.k"), root=True)
        )  # fmt: skip
    return cases


# ---- bad pointers through the shims; chattr flags, empty names, FIFOs, long paths -----------

_BAD = bad("char *")
_BAD_PATH = "path (char *)-1"

#: call → (how, the shim given a bad pointer). A path variant gets it as its path; an f
#: variant gets the descriptor of a file that has ``user.k`` and the bad pointer as its name or
#: buffer (so that get and list have a value or a name to copy out).
_FAULTS: dict[str, tuple[str, Callable[[Any], int]]] = {
    "getxattr": (_BAD_PATH, lambda p: lib.sysapi_getxattr(p, b"user.k", ffi.NULL, 0)),
    "lgetxattr": (_BAD_PATH, lambda p: lib.sysapi_lgetxattr(p, b"user.k", ffi.NULL, 0)),
    "fgetxattr": ("value buffer (char *)-1 of 16 bytes",
                  lambda fd: lib.sysapi_fgetxattr(fd, b"user.k", _BAD, 16)),
    "setxattr": (_BAD_PATH, lambda p: lib.sysapi_setxattr(p, b"user.k", b"v", 1, 0)),
    "lsetxattr": (_BAD_PATH, lambda p: lib.sysapi_lsetxattr(p, b"user.k", b"v", 1, 0)),
    "fsetxattr": ("value (char *)-1 of 1 byte",
                  lambda fd: lib.sysapi_fsetxattr(fd, b"user.k", _BAD, 1, 0)),
    "listxattr": (_BAD_PATH, lambda p: lib.sysapi_listxattr(p, ffi.NULL, 0)),
    "llistxattr": (_BAD_PATH, lambda p: lib.sysapi_llistxattr(p, ffi.NULL, 0)),
    "flistxattr": ("list buffer (char *)-1 of 64 bytes",
                   lambda fd: lib.sysapi_flistxattr(fd, _BAD, 64)),
    "removexattr": (_BAD_PATH, lambda p: lib.sysapi_removexattr(p, b"user.k")),
    "lremovexattr": (_BAD_PATH, lambda p: lib.sysapi_lremovexattr(p, b"user.k")),
    "fremovexattr": ("name (char *)-1", lambda fd: lib.sysapi_fremovexattr(fd, _BAD)),
}  # fmt: skip


def _fault_case(call: str, how: str, shim: Callable[[Any], int]) -> Case:
    def provoke(ctx: Context) -> None:
        target = ctx.open(_file(ctx, {"user.k": b"v"})) if call.startswith("f") else _BAD
        shim_in_child(REGISTRY[call], lambda: shim(target))

    return Case(AREA, call, errno.EFAULT, f"{how}, to the shim in a forked child", provoke)


def _flagged_file(ctx: Context, flag: int) -> Path:
    """A file with ``user.k``, made immutable or append-only (``chattr +i``/``+a``, which needs
    CAP_LINUX_IMMUTABLE); the flag is cleared when the case ends, before the file is removed."""
    path = _file(ctx, {"user.k": b"v"})
    fd = ctx.open(path)
    try:
        (old,) = struct.unpack("i", fcntl.ioctl(fd, lib.FS_IOC_GETFLAGS, bytes(4)))
        fcntl.ioctl(fd, lib.FS_IOC_SETFLAGS, struct.pack("i", old | flag))
    except OSError as exc:
        raise NotProvokable(
            f"the scratch filesystem cannot set the flag (FS_IOC_SETFLAGS: {exc.strerror})"
        ) from None
    ctx.defer(fcntl.ioctl, fd, lib.FS_IOC_SETFLAGS, struct.pack("i", old))
    return path


def _fifo(ctx: Context, kind: str) -> Any:
    """A FIFO: its path, or for the f variants a descriptor (opened without blocking)."""
    path = ctx.tmp / "fifo"
    os.mkfifo(path)
    return ctx.open(path, os.O_RDONLY | os.O_NONBLOCK) if kind == "f" else path


_FLAGS = {"immutable (chattr +i)": lib.FS_IMMUTABLE_FL, "append-only (chattr +a)": lib.FS_APPEND_FL}


def _long_path(ctx: Context) -> str:
    """A path over PATH_MAX (4096 bytes) whose every component is short."""
    return f"{ctx.tmp}/" + "d/" * 2100 + "x"


def _flag_cases(kind: str, what: str, flag: int) -> list[Case]:
    """set and remove on a file with ``flag`` (immutable or append-only): EPERM even for root."""
    put, rm = _SET[kind], _REMOVE[kind]

    def target(ctx: Context) -> Any:
        return _target(ctx, kind, _flagged_file(ctx, flag))

    return [
        Case(AREA, f"{kind}setxattr", errno.EPERM, f"user.* of an {what} file, as root",
             lambda ctx: put(target(ctx), "user.k", b"w"), root=True),
        Case(AREA, f"{kind}removexattr", errno.EPERM, f"user.* of an {what} file, as root",
             lambda ctx: rm(target(ctx), "user.k"), root=True),
    ]  # fmt: skip


def _condition_cases(kind: str) -> list[Case]:
    """The conditions that reach other kernel branches than the cases above."""
    get, put, names, rm = _GET[kind], _SET[kind], _LIST[kind], _REMOVE[kind]
    call = {op: f"{kind}{op}xattr" for op in ("get", "set", "list", "remove")}
    cases: list[Case] = []
    for what, flag in _FLAGS.items():
        cases += _flag_cases(kind, what, flag)
    cases += [
        Case(AREA, call["get"], errno.ERANGE, "empty name ''",
             lambda ctx: get(_target(ctx, kind, _file(ctx)), "")),
        Case(AREA, call["set"], errno.ERANGE, "empty name ''",
             lambda ctx: put(_target(ctx, kind, _file(ctx)), "", b"v")),
        Case(AREA, call["remove"], errno.ERANGE, "empty name ''",
             lambda ctx: rm(_target(ctx, kind, _file(ctx)), "")),
        Case(AREA, call["get"], errno.ENODATA, "user.* of a FIFO",
             lambda ctx: get(_fifo(ctx, kind), "user.k")),
        Case(AREA, call["set"], errno.EPERM, "user.* of a FIFO",
             lambda ctx: put(_fifo(ctx, kind), "user.k", b"v")),
        Case(AREA, call["remove"], errno.EPERM, "user.* of a FIFO",
             lambda ctx: rm(_fifo(ctx, kind), "user.k")),
    ]  # fmt: skip
    if kind != "f":
        cases += [
            Case(AREA, call["list"], errno.ENAMETOOLONG, "whole path over PATH_MAX",
                 lambda ctx: names(_long_path(ctx))),
            Case(AREA, call["get"], errno.ENAMETOOLONG, "whole path over PATH_MAX",
                 lambda ctx: get(_long_path(ctx), "user.k")),
        ]  # fmt: skip
    return cases


CASES: list[Case] = by_call(
    [
        *(
            case
            for make in (_get_cases, _set_cases, _list_cases, _remove_cases, _condition_cases)
            for kind in ("", "l", "f")
            for case in make(kind)
        ),
        *(_fault_case(call, how, shim) for call, (how, shim) in _FAULTS.items()),
    ]
)
