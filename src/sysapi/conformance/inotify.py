"""Reference cases of the inotify area.

The limit cases never touch the global sysctls in /proc/sys/fs/inotify: inotify's limits are
counted per user namespace (ucounts), so a forked child enters a user namespace of its own and
lowers /proc/sys/user/max_inotify_{instances,watches} there, or lowers its RLIMIT_NOFILE.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource

from sysapi import inotify
from sysapi._sysapi import ffi, lib
from sysapi.conformance import Case, Context, NotProvokable
from sysapi.conformance._support import bad, shim_in_child

AREA = "inotify"
_EXHAUSTION = "needs the kernel to run out of memory; not provokable without harming the machine"
_BIG_BUFFER = (
    "Inotify reads into a 64 KiB buffer, larger than the largest event (16 + NAME_MAX + 1 bytes)"
)
_CLONE_NEWUSER = 0x10000000
_PR_SET_DUMPABLE = 4
# Loaded now: the forked unprivileged children cannot read the Python installation.
_libc = ctypes.CDLL(None, use_errno=True)


def _own_user_namespace(limit: str, value: int) -> None:
    """Enter a new user namespace (this child only), become its root, and set the
    per-namespace inotify ``limit`` (a file of /proc/sys/user) to ``value``."""
    uid, gid = os.geteuid(), os.getegid()
    # Changing uid made the process non-dumpable, which makes /proc/self/* root's: undo that
    # so that this process may write its own uid_map.
    _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    if _libc.unshare(_CLONE_NEWUSER) != 0:
        err = ctypes.get_errno()
        raise NotProvokable(f"unshare(CLONE_NEWUSER) failed: {os.strerror(err)}")
    try:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
        with open(f"/proc/sys/user/{limit}", "w") as f:
            f.write(str(value))
    except OSError as exc:
        raise NotProvokable(f"cannot lower {limit} in a user namespace: {exc}") from exc


def _init_rlimit_exhausted(ctx: Context) -> None:
    lowest_free = os.open("/dev/null", os.O_RDONLY)
    os.close(lowest_free)
    # Every descriptor below lowest_free is open: a limit equal to it leaves no room.
    ctx.drop_privileges(rlimits={resource.RLIMIT_NOFILE: lowest_free})
    inotify.inotify_init1()


def _init_instances_exhausted(ctx: Context) -> None:
    ctx.drop_privileges()
    _own_user_namespace("max_inotify_instances", 0)
    inotify.inotify_init1(inotify.IN_CLOEXEC)


def _watches_exhausted(ctx: Context) -> None:
    ctx.drop_privileges()
    # The instance's watches are charged to the namespace it was created in: create it inside.
    _own_user_namespace("max_inotify_watches", 0)
    inotify.inotify_add_watch(_instance(ctx), ctx.tmp, inotify.IN_CREATE)


def _instance(ctx: Context) -> int:
    fd = inotify.inotify_init1(inotify.IN_CLOEXEC)
    ctx.defer(os.close, fd)
    return fd


def _unreadable_file(ctx: Context) -> None:
    path = ctx.file("secret", b"x", mode=0o600)
    ctx.drop_privileges()
    inotify.inotify_add_watch(_instance(ctx), path, inotify.IN_MODIFY)


def _unsearchable_dir(ctx: Context) -> None:
    locked = ctx.tmp / "locked"
    locked.mkdir(mode=0o700)
    (locked / "file").write_bytes(b"x")
    ctx.drop_privileges()
    inotify.inotify_add_watch(_instance(ctx), locked / "file", inotify.IN_MODIFY)


def _watch_twice_with_mask_create(ctx: Context) -> None:
    fd = _instance(ctx)
    inotify.inotify_add_watch(fd, ctx.tmp, inotify.IN_CREATE)
    inotify.inotify_add_watch(fd, ctx.tmp, inotify.IN_CREATE | inotify.IN_MASK_CREATE)


def _symlink_loop(ctx: Context) -> None:
    (ctx.tmp / "a").symlink_to("b")
    (ctx.tmp / "b").symlink_to("a")
    inotify.inotify_add_watch(_instance(ctx), ctx.tmp / "a", inotify.IN_CREATE)


def _rm_after_ignored(ctx: Context) -> None:
    path = ctx.file("doomed")
    with inotify.Inotify() as ino:
        wd = ino.add_watch(path, inotify.IN_DELETE_SELF)
        os.unlink(path)
        events = ino.read(timeout=5)
        if not any(e.mask & inotify.IN_IGNORED for e in events):
            raise NotProvokable(f"no IN_IGNORED after the unlink: {events}")
        ino.rm_watch(wd)


def _read_fault(ctx: Context) -> None:
    fd = _instance(ctx)
    inotify.inotify_add_watch(fd, ctx.tmp, inotify.IN_CREATE)
    ctx.file("new")  # one event queued: read has something to copy out
    woken = ffi.new("int *")
    shim_in_child(
        inotify.READ_SPEC,
        lambda: lib.sysapi_inotify_wait_read(fd, -1, 0, bad("char *"), 4096, woken),
    )


def _fionread_fault(ctx: Context) -> None:
    fd = _instance(ctx)
    shim_in_child(inotify.FIONREAD_SPEC, lambda: lib.sysapi_inotify_fionread(fd, bad("int *")))


def _add_watch_fault(ctx: Context) -> None:
    fd = _instance(ctx)
    shim_in_child(
        inotify.INOTIFY_ADD_WATCH_SPEC,
        lambda: lib.sysapi_inotify_add_watch(fd, bad("char *"), inotify.IN_CREATE),
    )


def _closed_behind_its_back(ctx: Context) -> inotify.Inotify:
    """An open Inotify whose descriptor number was closed with os.close (not Inotify.close)."""
    ino = inotify.Inotify()
    os.close(ino.fileno())
    ctx.defer(ino.detach)
    return ino


CASES: list[Case] = [
    # inotify_init1
    Case(
        AREA,
        "inotify_init1",
        errno.EMFILE,
        "RLIMIT_NOFILE exhausted",
        _init_rlimit_exhausted,
        unprivileged=True,
    ),
    Case(
        AREA,
        "inotify_init1",
        errno.EMFILE,
        "max_inotify_instances = 0 in the child's own user namespace",
        _init_instances_exhausted,
        unprivileged=True,
    ),
    Case(
        AREA,
        "inotify_init1",
        errno.ENFILE,
        "system-wide file table full",
        reason="needs fs.file-max exhausted for the whole machine; never done by a test",
    ),
    Case(AREA, "inotify_init1", errno.ENOMEM, "out of memory", reason=_EXHAUSTION),
    Case(
        AREA,
        "inotify_init1",
        errno.EINVAL,
        "flags bit 0x1",
        lambda ctx: inotify.inotify_init1(0x1),
    ),
    # inotify_add_watch
    Case(
        AREA,
        "inotify_add_watch",
        errno.EACCES,
        "file mode 0600 owned by root",
        _unreadable_file,
        unprivileged=True,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EACCES,
        "file in a directory mode 0700 owned by root",
        _unsearchable_dir,
        unprivileged=True,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EBADF,
        "closed fd",
        lambda ctx: inotify.inotify_add_watch(ctx.closed_fd(), ctx.tmp, inotify.IN_CREATE),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EBADF,
        "open fd that is not an inotify instance (a pipe), as the notes read",
        lambda ctx: inotify.inotify_add_watch(ctx.pipe()[0], ctx.tmp, inotify.IN_CREATE),
        expect=errno.EINVAL,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EFAULT,
        "path (char *)-1, to the shim in a forked child",
        _add_watch_fault,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EINVAL,
        "mask 0",
        lambda ctx: inotify.inotify_add_watch(_instance(ctx), ctx.tmp, 0),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EINVAL,
        "unknown mask bit 0x1000",
        lambda ctx: inotify.inotify_add_watch(_instance(ctx), ctx.tmp, 0x1000 | inotify.IN_CREATE),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EINVAL,
        "IN_MASK_ADD | IN_MASK_CREATE",
        lambda ctx: inotify.inotify_add_watch(
            _instance(ctx),
            ctx.tmp,
            inotify.IN_CREATE | inotify.IN_MASK_ADD | inotify.IN_MASK_CREATE,
        ),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EINVAL,
        "fd is a pipe",
        lambda ctx: inotify.inotify_add_watch(ctx.pipe()[0], ctx.tmp, inotify.IN_CREATE),
    ),
    Case(AREA, "inotify_add_watch", errno.ENOMEM, "out of memory", reason=_EXHAUSTION),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENOSPC,
        "max_inotify_watches = 0 in the child's own user namespace",
        _watches_exhausted,
        unprivileged=True,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENOENT,
        "missing path",
        lambda ctx: inotify.inotify_add_watch(_instance(ctx), ctx.tmp / "nope", inotify.IN_CREATE),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENOTDIR,
        "regular file with IN_ONLYDIR",
        lambda ctx: inotify.inotify_add_watch(
            _instance(ctx), ctx.file(), inotify.IN_CREATE | inotify.IN_ONLYDIR
        ),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENOTDIR,
        "a prefix component is a regular file",
        lambda ctx: inotify.inotify_add_watch(_instance(ctx), ctx.file() / "x", inotify.IN_CREATE),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.EEXIST,
        "IN_MASK_CREATE on a watched directory",
        _watch_twice_with_mask_create,
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENAMETOOLONG,
        "a 300-byte file name",
        lambda ctx: inotify.inotify_add_watch(
            _instance(ctx), ctx.tmp / ("x" * 300), inotify.IN_CREATE
        ),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ENAMETOOLONG,
        "a path longer than PATH_MAX",
        lambda ctx: inotify.inotify_add_watch(_instance(ctx), "x/" * 3000, inotify.IN_CREATE),
    ),
    Case(
        AREA,
        "inotify_add_watch",
        errno.ELOOP,
        "two symlinks pointing at each other",
        _symlink_loop,
    ),
    # inotify_rm_watch
    Case(
        AREA,
        "inotify_rm_watch",
        errno.EBADF,
        "closed fd",
        lambda ctx: inotify.inotify_rm_watch(ctx.closed_fd(), 1),
    ),
    Case(
        AREA,
        "inotify_rm_watch",
        errno.EINVAL,
        "wd never added",
        lambda ctx: inotify.inotify_rm_watch(_instance(ctx), 12345),
    ),
    Case(
        AREA,
        "inotify_rm_watch",
        errno.EINVAL,
        "Inotify.rm_watch after the kernel removed the watch (IN_IGNORED read)",
        _rm_after_ignored,
    ),
    Case(
        AREA,
        "inotify_rm_watch",
        errno.EINVAL,
        "fd is a pipe",
        lambda ctx: inotify.inotify_rm_watch(ctx.pipe()[0], 1),
    ),
    # Inotify.read (read) and Inotify.queued_bytes (ioctl(FIONREAD))
    Case(
        AREA,
        "read",
        errno.EBADF,
        "descriptor closed behind the instance's back",
        lambda ctx: _closed_behind_its_back(ctx).read(timeout=0),
    ),
    Case(AREA, "read", errno.EINVAL, "buffer smaller than an event", reason=_BIG_BUFFER),
    Case(
        AREA,
        "read",
        errno.EFAULT,
        "buf (char *)-1 with an event queued, to the shim in a forked child",
        _read_fault,
    ),
    Case(AREA, "read", errno.ENOMEM, "out of kernel memory", reason=_EXHAUSTION),
    Case(
        AREA,
        "ioctl(FIONREAD)",
        errno.EBADF,
        "descriptor closed behind the instance's back",
        lambda ctx: _closed_behind_its_back(ctx).queued_bytes(),
    ),
    Case(
        AREA,
        "ioctl(FIONREAD)",
        errno.EFAULT,
        "result (int *)-1, to the shim in a forked child",
        _fionread_fault,
    ),
]
