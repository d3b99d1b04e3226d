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
    def sysapi_fibmap(self, fd: int, block: int, /) -> int: ...
    def sysapi_figetbsz(self, fd: int, /) -> int: ...
    def sysapi_block_map(self, fd: int, blocks: cffi.FFI.CData, count: int, /) -> int: ...
    def sysapi_sync_file_range(self, fd: int, offset: int, nbytes: int, flags: int, /) -> int: ...
    def sysapi_tee(self, fd_in: int, fd_out: int, len: int, flags: int, /) -> int: ...
    def sysapi_vmsplice(
        self, fd: int, bases: cffi.FFI.CData, lens: cffi.FFI.CData, count: int, flags: int, /
    ) -> int: ...

    # ---- xattr ----

    # ---- inotify ----

    # ---- memory ----

    # ---- sched ----

    # ---- timers ----

    # ---- process ----

lib: _Lib
