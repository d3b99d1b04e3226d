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

    # ---- memory ----

    # ---- sched ----

    # ---- timers ----
    CLOCK_REALTIME: int
    CLOCK_MONOTONIC: int
    CLOCK_PROCESS_CPUTIME_ID: int
    CLOCK_THREAD_CPUTIME_ID: int
    CLOCK_MONOTONIC_RAW: int
    CLOCK_REALTIME_COARSE: int
    CLOCK_MONOTONIC_COARSE: int
    CLOCK_BOOTTIME: int
    CLOCK_REALTIME_ALARM: int
    CLOCK_BOOTTIME_ALARM: int
    CLOCK_TAI: int
    TIMER_ABSTIME: int
    DELAYTIMER_MAX: int
    SIGEV_SIGNAL: int
    SIGEV_NONE: int
    SIGEV_THREAD: int
    SIGEV_THREAD_ID: int
    ADJ_OFFSET: int
    ADJ_FREQUENCY: int
    ADJ_MAXERROR: int
    ADJ_ESTERROR: int
    ADJ_STATUS: int
    ADJ_TIMECONST: int
    ADJ_TAI: int
    ADJ_SETOFFSET: int
    ADJ_MICRO: int
    ADJ_NANO: int
    ADJ_TICK: int
    ADJ_OFFSET_SINGLESHOT: int
    ADJ_OFFSET_SS_READ: int
    STA_PLL: int
    STA_PPSFREQ: int
    STA_PPSTIME: int
    STA_FLL: int
    STA_INS: int
    STA_DEL: int
    STA_UNSYNC: int
    STA_FREQHOLD: int
    STA_PPSSIGNAL: int
    STA_PPSJITTER: int
    STA_PPSWANDER: int
    STA_PPSERROR: int
    STA_CLOCKERR: int
    STA_NANO: int
    STA_MODE: int
    STA_CLK: int
    TIME_OK: int
    TIME_INS: int
    TIME_DEL: int
    TIME_OOP: int
    TIME_WAIT: int
    TIME_ERROR: int
    def sysapi_timer_create(
        self,
        clockid: int,
        notify: int,
        signo: int,
        value: int,
        key: int,
        tid: int,
        timerid: cffi.FFI.CData,
        /,
    ) -> int: ...
    def sysapi_timer_settime(
        self,
        timerid: cffi.FFI.CData,
        flags: int,
        value_sec: int,
        value_nsec: int,
        interval_sec: int,
        interval_nsec: int,
        old: cffi.FFI.CData,
        /,
    ) -> int: ...
    def sysapi_timer_gettime(self, timerid: cffi.FFI.CData, cur: cffi.FFI.CData, /) -> int: ...
    def sysapi_timer_getoverrun(self, timerid: cffi.FFI.CData, /) -> int: ...
    def sysapi_timer_delete(self, timerid: cffi.FFI.CData, /) -> int: ...
    def sysapi_timers_close_gate(self, timeout_ms: int, /) -> int: ...
    def sysapi_timers_after_fork(self) -> None: ...
    def sysapi_timers_inflight(self) -> int: ...
    def sysapi_timers_dispatch_tid(self) -> int: ...
    def sysapi_clock_nanosleep(
        self, clockid: int, flags: int, sec: int, nsec: int, out: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_adjtimex(self, tx: cffi.FFI.CData, /) -> int: ...
    def sysapi_clock_adjtime(self, clockid: int, tx: cffi.FFI.CData, /) -> int: ...

    # ---- process ----

lib: _Lib
