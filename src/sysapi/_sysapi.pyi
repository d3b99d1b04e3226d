# Typed stub of the compiled cffi module (built by build_ffi.py from src/sysapi/_ffi/).
# One section per area, in the order of _ffi.AREAS; keep each in step with its _ffi module.
# Shims return a non-negative result or -errno.

import cffi

ffi: cffi.FFI

class _Lib:
    # ---- fs ----
    FIBMAP: int
    FIGETBSZ: int
    SYNC_FILE_RANGE_WAIT_BEFORE: int
    SYNC_FILE_RANGE_WRITE: int
    SYNC_FILE_RANGE_WAIT_AFTER: int
    SPLICE_F_MOVE: int
    SPLICE_F_NONBLOCK: int
    SPLICE_F_MORE: int
    SPLICE_F_GIFT: int
    def sysapi_readahead(self, fd: int, offset: int, count: int, /) -> int: ...
    def sysapi_fibmap(self, fd: int, block: cffi.FFI.CData, /) -> int: ...
    def sysapi_figetbsz(self, fd: int, size: cffi.FFI.CData, /) -> int: ...
    def sysapi_block_map(self, fd: int, blocks: cffi.FFI.CData, count: int, /) -> int: ...
    def sysapi_sync_file_range(self, fd: int, offset: int, nbytes: int, flags: int, /) -> int: ...
    def sysapi_tee(self, fd_in: int, fd_out: int, len: int, flags: int, /) -> int: ...
    def sysapi_vmsplice(
        self, fd: int, bases: cffi.FFI.CData, lens: cffi.FFI.CData, count: int, flags: int, /
    ) -> int: ...

    # ---- xattr ----

    # ---- inotify ----
    IN_ACCESS: int
    IN_MODIFY: int
    IN_ATTRIB: int
    IN_CLOSE_WRITE: int
    IN_CLOSE_NOWRITE: int
    IN_CLOSE: int
    IN_OPEN: int
    IN_MOVED_FROM: int
    IN_MOVED_TO: int
    IN_MOVE: int
    IN_CREATE: int
    IN_DELETE: int
    IN_DELETE_SELF: int
    IN_MOVE_SELF: int
    IN_UNMOUNT: int
    IN_Q_OVERFLOW: int
    IN_IGNORED: int
    IN_ONLYDIR: int
    IN_DONT_FOLLOW: int
    IN_EXCL_UNLINK: int
    IN_MASK_CREATE: int
    IN_MASK_ADD: int
    IN_ISDIR: int
    IN_ONESHOT: int
    IN_ALL_EVENTS: int
    IN_CLOEXEC: int
    IN_NONBLOCK: int
    SYSAPI_INOTIFY_EVENT_SIZE: int
    def sysapi_inotify_init1(self, flags: int, /) -> int: ...
    def sysapi_inotify_add_watch(self, fd: int, path: bytes, mask: int, /) -> int: ...
    def sysapi_inotify_rm_watch(self, fd: int, wd: int, /) -> int: ...
    def sysapi_inotify_fionread(self, fd: int, count: cffi.FFI.CData, /) -> int: ...
    def sysapi_inotify_wait_read(
        self,
        fd: int,
        wakefd: int,
        timeout_ns: int,
        buf: cffi.FFI.CData,
        size: int,
        woken: cffi.FFI.CData,
        /,
    ) -> int: ...
    def sysapi_inotify_scan(
        self,
        buf: cffi.FFI.CData | bytes,
        size: int,
        max_events: int,
        wd: cffi.FFI.CData,
        mask: cffi.FFI.CData,
        cookie: cffi.FFI.CData,
        names: cffi.FFI.CData,
        names_len: cffi.FFI.CData,
        mask_or: cffi.FFI.CData,
        bad_offset: cffi.FFI.CData,
        /,
    ) -> int: ...

    # ---- memory ----

    # ---- sched ----

    # ---- timers ----

    # ---- process ----

lib: _Lib
