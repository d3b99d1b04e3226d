# Typed stub of the compiled cffi module (built by build_ffi.py from src/sysapi/_ffi/).
# One section per C area, in the order of sysapi._areas.AREAS; keep each in step with its _ffi
# module.
# Shims return a non-negative result or -errno.

from collections.abc import Callable
from typing import Any

import cffi

ffi: cffi.FFI

class _Lib:
    # ---- base ----
    EHWPOISON: int
    SYSAPI_FFI_STAMP: int
    def sysapi_libc_has(self, name: bytes, /) -> int: ...
    def sysapi_native_install(self) -> int: ...
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
    IOV_MAX: int
    FS_IOC_GETFLAGS: int
    FS_IOC_SETFLAGS: int
    FS_IMMUTABLE_FL: int
    FS_APPEND_FL: int
    def sysapi_readahead(self, fd: int, offset: int, count: int, /) -> int: ...
    def sysapi_fibmap(self, fd: int, block: int, /) -> int: ...
    def sysapi_figetbsz(self, fd: int, /) -> int: ...
    def sysapi_block_map(self, fd: int, blocks: cffi.FFI.CData, count: int, /) -> int: ...
    def sysapi_sync_file_range(self, fd: int, offset: int, nbytes: int, flags: int, /) -> int: ...
    def sysapi_tee(self, fd_in: int, fd_out: int, len: int, flags: int, /) -> int: ...
    def sysapi_vmsplice(
        self, fd: int, bases: cffi.FFI.CData, lens: cffi.FFI.CData, count: int, flags: int, /
    ) -> int: ...
    def sysapi_vmsplice_copy(
        self, fd: int, bases: cffi.FFI.CData, lens: cffi.FFI.CData, count: int, flags: int, /
    ) -> int: ...

    # ---- xattr ----
    XATTR_CREATE: int
    XATTR_REPLACE: int
    XATTR_NAME_MAX: int
    XATTR_SIZE_MAX: int
    XATTR_LIST_MAX: int
    SYSAPI_XATTR_CAP: int
    def sysapi_getxattr(
        self, path: bytes, name: bytes, value: cffi.FFI.CData, size: int, /
    ) -> int: ...
    def sysapi_lgetxattr(
        self, path: bytes, name: bytes, value: cffi.FFI.CData, size: int, /
    ) -> int: ...
    def sysapi_fgetxattr(
        self, fd: int, name: bytes, value: cffi.FFI.CData, size: int, /
    ) -> int: ...
    def sysapi_setxattr(
        self, path: bytes, name: bytes, value: bytes | cffi.FFI.CData, size: int, flags: int, /
    ) -> int: ...
    def sysapi_lsetxattr(
        self, path: bytes, name: bytes, value: bytes | cffi.FFI.CData, size: int, flags: int, /
    ) -> int: ...
    def sysapi_fsetxattr(
        self, fd: int, name: bytes, value: bytes | cffi.FFI.CData, size: int, flags: int, /
    ) -> int: ...
    def sysapi_listxattr(self, path: bytes, list: cffi.FFI.CData, size: int, /) -> int: ...
    def sysapi_llistxattr(self, path: bytes, list: cffi.FFI.CData, size: int, /) -> int: ...
    def sysapi_flistxattr(self, fd: int, list: cffi.FFI.CData, size: int, /) -> int: ...
    def sysapi_removexattr(self, path: bytes, name: bytes, /) -> int: ...
    def sysapi_lremovexattr(self, path: bytes, name: bytes, /) -> int: ...
    def sysapi_fremovexattr(self, fd: int, name: bytes, /) -> int: ...
    def sysapi_getxattr_auto(self, path: bytes, name: bytes, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_lgetxattr_auto(self, path: bytes, name: bytes, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_fgetxattr_auto(self, fd: int, name: bytes, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_listxattr_auto(self, path: bytes, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_llistxattr_auto(self, path: bytes, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_flistxattr_auto(self, fd: int, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_xattr_lost_races(self) -> int: ...

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

    # ---- memory ----
    MLOCK_ONFAULT: int
    MCL_CURRENT: int
    MCL_FUTURE: int
    MCL_ONFAULT: int
    PROT_NONE: int
    PROT_READ: int
    PROT_WRITE: int
    PROT_EXEC: int
    PROT_GROWSDOWN: int
    PROT_GROWSUP: int
    MAP_SHARED: int
    MAP_PRIVATE: int
    MAP_ANONYMOUS: int
    MAP_LOCKED: int
    M_MXFAST: int
    M_TRIM_THRESHOLD: int
    M_TOP_PAD: int
    M_MMAP_THRESHOLD: int
    M_MMAP_MAX: int
    M_CHECK_ACTION: int
    M_PERTURB: int
    M_ARENA_TEST: int
    M_ARENA_MAX: int
    SYSAPI_MINCORE_NATIVE_PAGES: int
    SYSAPI_FINCORE_NATIVE_PAGES: int
    def sysapi_mlock(self, addr: int, len: int, /) -> int: ...
    def sysapi_mlock2(self, addr: int, len: int, flags: int, /) -> int: ...
    def sysapi_munlock(self, addr: int, len: int, /) -> int: ...
    def sysapi_mlockall(self, flags: int, /) -> int: ...
    def sysapi_munlockall(self) -> int: ...
    def sysapi_mincore(self, addr: int, len: int, vec: cffi.FFI.CData, /) -> int: ...
    def sysapi_mincore_probe(self, addr: int, len: int, /) -> int: ...
    def sysapi_mprotect(self, addr: int, len: int, prot: int, /) -> int: ...
    def sysapi_mmap(
        self,
        addr: int,
        len: int,
        prot: int,
        flags: int,
        fd: int,
        offset: int,
        out: cffi.FFI.CData,
        /,
    ) -> int: ...
    def sysapi_munmap(self, addr: int, len: int, /) -> int: ...
    def sysapi_fincore(self, fd: int, size: int, vec: cffi.FFI.CData, npages: int, /) -> int: ...
    def sysapi_malloc_trim(self, pad: int, /) -> int: ...
    def sysapi_mallinfo2(self, out: cffi.FFI.CData, /) -> int: ...
    def sysapi_mallopt(self, param: int, value: int, /) -> int: ...

    # ---- sched ----
    SCHED_OTHER: int
    SCHED_FIFO: int
    SCHED_RR: int
    SCHED_BATCH: int
    SCHED_IDLE: int
    SCHED_DEADLINE: int
    SCHED_RESET_ON_FORK: int
    SCHED_FLAG_RESET_ON_FORK: int
    SCHED_FLAG_RECLAIM: int
    SCHED_FLAG_DL_OVERRUN: int
    SCHED_FLAG_KEEP_POLICY: int
    SCHED_FLAG_KEEP_PARAMS: int
    SCHED_FLAG_UTIL_CLAMP_MIN: int
    SCHED_FLAG_UTIL_CLAMP_MAX: int
    SYSAPI_SCHED_ATTR_SIZE_VER0: int
    SYSAPI_SCHED_ATTR_SIZE_VER1: int
    IOPRIO_WHO_PROCESS: int
    IOPRIO_WHO_PGRP: int
    IOPRIO_WHO_USER: int
    IOPRIO_CLASS_NONE: int
    IOPRIO_CLASS_RT: int
    IOPRIO_CLASS_BE: int
    IOPRIO_CLASS_IDLE: int
    IOPRIO_CLASS_SHIFT: int
    IOPRIO_CLASS_MASK: int
    IOPRIO_PRIO_MASK: int
    IOPRIO_NORM: int
    def sysapi_sched_getattr(
        self, pid: int, buf: cffi.FFI.CData, size: int, flags: int, /
    ) -> int: ...
    def sysapi_sched_getattr_self(self, attr: cffi.FFI.CData, /) -> int: ...
    def sysapi_sched_setattr(self, pid: int, buf: cffi.FFI.CData, flags: int, /) -> int: ...
    def sysapi_ioprio_get(self, which: int, who: int, /) -> int: ...
    def sysapi_ioprio_set(self, which: int, who: int, ioprio: int, /) -> int: ...

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
    # extern "Python": the dispatch thread calls it; timers.py supplies it with ffi.def_extern.
    def sysapi_timer_fire(self, key: int, overrun: int, /) -> None: ...
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
    def sysapi_timer_gettime_ns(self, timerid: cffi.FFI.CData, ns: cffi.FFI.CData, /) -> int: ...
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
    P_ALL: int
    P_PID: int
    P_PGID: int
    P_PIDFD: int
    WEXITED: int
    WSTOPPED: int
    WCONTINUED: int
    WNOHANG: int
    WNOWAIT: int
    CLD_EXITED: int
    CLD_KILLED: int
    CLD_DUMPED: int
    CLD_TRAPPED: int
    CLD_STOPPED: int
    CLD_CONTINUED: int
    SI_USER: int
    SI_KERNEL: int
    SI_QUEUE: int
    SI_TIMER: int
    SI_MESGQ: int
    SI_ASYNCIO: int
    SI_SIGIO: int
    SI_TKILL: int
    IPC_PRIVATE: int
    IPC_CREAT: int
    IPC_EXCL: int
    IPC_NOWAIT: int
    IPC_RMID: int
    IPC_SET: int
    IPC_STAT: int
    IPC_INFO: int
    SHM_RDONLY: int
    SHM_RND: int
    SHM_REMAP: int
    SHM_EXEC: int
    SHM_LOCK: int
    SHM_UNLOCK: int
    SHM_STAT: int
    SHM_INFO: int
    SHM_STAT_ANY: int
    SHM_HUGETLB: int
    SHM_NORESERVE: int
    SHM_DEST: int
    SHM_LOCKED: int
    PIDFD_NONBLOCK: int
    PIDFD_THREAD: int
    PIDFD_SIGNAL_THREAD: int
    PIDFD_SIGNAL_THREAD_GROUP: int
    PIDFD_SIGNAL_PROCESS_GROUP: int
    SFD_CLOEXEC: int
    SFD_NONBLOCK: int
    SYSAPI_SIGNALFD_BATCH: int
    def sysapi_waitid(self, idtype: int, id: int, options: int, out: cffi.FFI.CData, /) -> int: ...
    def sysapi_sigqueue(self, pid: int, sig: int, value: int, /) -> int: ...
    def sysapi_sigwaitinfo(self, lo: int, hi: int, info: cffi.FFI.CData, /) -> int: ...
    def sysapi_sigtimedwait(
        self, lo: int, hi: int, sec: int, nsec: int, info: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_ftok(self, path: bytes, proj_id: int, key: cffi.FFI.CData, /) -> int: ...
    def sysapi_shmget(self, key: int, size: int, shmflg: int, /) -> int: ...
    def sysapi_shmat(
        self, shmid: int, shmaddr: int, shmflg: int, addr: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_shmdt(self, shmaddr: int, /) -> int: ...
    def sysapi_shmctl(self, shmid: int, cmd: int, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_pidfd_open(self, pid: int, flags: int, /) -> int: ...
    def sysapi_pidfd_send_signal(
        self, pidfd: int, sig: int, queue: int, value: int, flags: int, /
    ) -> int: ...
    def sysapi_pidfd_getfd(self, pidfd: int, targetfd: int, flags: int, /) -> int: ...
    def sysapi_signalfd(self, fd: int, lo: int, hi: int, flags: int, /) -> int: ...
    def sysapi_signalfd_wait_read(
        self,
        fd: int,
        wakefd: int,
        timeout_ns: int,
        buf: cffi.FFI.CData,
        changed: cffi.FFI.CData,
        woken: cffi.FFI.CData,
        /,
    ) -> int: ...

    # ---- ipc: SysV msg and sem ----
    MSG_NOERROR: int
    MSG_EXCEPT: int
    MSG_COPY: int
    MSG_STAT: int
    MSG_STAT_ANY: int
    MSG_INFO: int
    SEM_UNDO: int
    GETPID: int
    GETVAL: int
    GETALL: int
    GETNCNT: int
    GETZCNT: int
    SETVAL: int
    SETALL: int
    SEM_STAT: int
    SEM_STAT_ANY: int
    SEM_INFO: int
    USHRT_MAX: int
    SYSAPI_MSG_POOL: int
    def sysapi_msgget(self, key: int, msgflg: int, /) -> int: ...
    def sysapi_msgsnd(
        self, msqid: int, mtype: int, data: bytes | cffi.FFI.CData, size: int, msgflg: int, /
    ) -> int: ...
    def sysapi_msgrcv(
        self, msqid: int, buf: cffi.FFI.CData, msgsz: int, msgtyp: int, msgflg: int, /
    ) -> int: ...
    def sysapi_msgctl(self, msqid: int, cmd: int, buf: cffi.FFI.CData, /) -> int: ...
    def sysapi_semget(self, key: int, nsems: int, semflg: int, /) -> int: ...
    def sysapi_semop(self, semid: int, sops: bytes, nsops: int, /) -> int: ...
    def sysapi_semtimedop(self, semid: int, sops: bytes, nsops: int, timeout_ns: int, /) -> int: ...
    def sysapi_semctl(
        self,
        semid: int,
        semnum: int,
        cmd: int,
        val: int,
        array: cffi.FFI.CData,
        buf: cffi.FFI.CData,
        /,
    ) -> int: ...

    # ---- ipc: POSIX mq and sem ----
    MQ_PRIO_MAX: int
    SEM_VALUE_MAX: int
    SYSAPI_SEM_CLOSED: int
    SYSAPI_SEM_RELEASED: int
    def sysapi_mq_open(
        self, name: bytes, oflag: int, mode: int, attr: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_mq_unlink(self, name: bytes, /) -> int: ...
    def sysapi_mq_send(
        self, fd: int, msg: bytes | cffi.FFI.CData, len: int, prio: int, /
    ) -> int: ...
    def sysapi_mq_timedsend(
        self, fd: int, msg: bytes | cffi.FFI.CData, len: int, prio: int, sec: int, nsec: int, /
    ) -> int: ...
    def sysapi_mq_receive(
        self, fd: int, buf: cffi.FFI.CData, len: int, prio: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_mq_timedreceive(
        self,
        fd: int,
        buf: cffi.FFI.CData,
        len: int,
        prio: cffi.FFI.CData,
        sec: int,
        nsec: int,
        /,
    ) -> int: ...
    def sysapi_mq_send_until(
        self, fd: int, msg: bytes | cffi.FFI.CData, len: int, prio: int, deadline_ns: int, /
    ) -> int: ...
    def sysapi_mq_receive_until(
        self, fd: int, buf: cffi.FFI.CData, len: int, prio: cffi.FFI.CData, deadline_ns: int, /
    ) -> int: ...
    def sysapi_mq_getattr(self, fd: int, attr: cffi.FFI.CData, /) -> int: ...
    def sysapi_mq_setattr(
        self, fd: int, newattr: cffi.FFI.CData, oldattr: cffi.FFI.CData, /
    ) -> int: ...
    def sysapi_mq_notify(self, fd: int, remove: int, signo: int, value: int, /) -> int: ...
    def sysapi_sem_open(
        self, h: cffi.FFI.CData, name: bytes, oflag: int, mode: int, value: int, /
    ) -> int: ...
    def sysapi_sem_init(self, h: cffi.FFI.CData, addr: cffi.FFI.CData, value: int, /) -> int: ...
    def sysapi_sem_unlink(self, name: bytes, /) -> int: ...
    def sysapi_sem_wait(self, h: cffi.FFI.CData, /) -> int: ...
    def sysapi_sem_trywait(self, h: cffi.FFI.CData, /) -> int: ...
    def sysapi_sem_clockwait(self, h: cffi.FFI.CData, deadline_ns: int, /) -> int: ...
    def sysapi_sem_post(self, h: cffi.FFI.CData, /) -> int: ...
    def sysapi_sem_getvalue(self, h: cffi.FFI.CData, /) -> int: ...
    def sysapi_sem_close(self, h: cffi.FFI.CData, /) -> int: ...
    def sysapi_sem_clockwait_available(self) -> int: ...
    def sysapi_sem_clockwait_disable(self, disable: int, /) -> None: ...

lib: _Lib

# ---- native functions: module functions that sysapi._native installs (see _ffi/base.py) ----
# A failed call returns its errno (an int result: -errno). Any: an instance of the record class
# the area bound, or the errno; the area annotates the function it keeps with the precise type
# (this stub imports no area: the areas import it).

# inotify
def inotify_bind(event: type, mask: type, masks: dict[int, Any], masks_max: int, /) -> None: ...
def inotify_events(buffer: object, size: int, /) -> Any: ...

# memory
def memory_bind(file_residency: type, mallinfo2: type, /) -> None: ...
def mallinfo2() -> Any: ...
def mincore(addr: object, length: object, /) -> bytes | int | None: ...
def fincore(fd: int, /) -> Any: ...

# process (SysV shm; the shims are the process area's)
def shm_bind(ipc_perm: type, shmid_ds: type, /) -> None: ...
def shm_stat(shmid: int, cmd: int, /) -> Any: ...

# process (waitid)
def waitid_bind(
    result: type,
    signals: dict[int, Any],
    cld_codes: dict[int, Any],
    cld_code: type,
    struct_rusage: Callable[[tuple[float, ...]], object],
    /,
) -> None: ...
def waitid_result(buffer: object, rusage: bool, /) -> Any: ...
def waitid(idtype: int, id: int, options: int, rusage: bool, /) -> Any: ...

# process (sigwaitinfo, sigtimedwait)
def signals_bind(
    siginfo: type,
    signals: dict[int, Any],
    si_codes: dict[int, Any],
    sigchld_codes: dict[int, Any],
    valid_lo: int,
    valid_hi: int,
    /,
) -> None: ...
def sigwait(
    sigset: object, ns: int | None, lo: int | None = None, hi: int | None = None, /
) -> Any: ...

# timers
def timers_bind(itimerspec: type, /) -> None: ...
def timer_gettime(timerid: int, /) -> Any: ...
def timer_getoverrun(timerid: int, /) -> int: ...
def timex_bind(
    timex: type,
    adjtimex_result: type,
    adj_mode: type,
    modes: dict[int, Any],
    timex_status: type,
    statuses: dict[int, Any],
    clock_state: type,
    states: dict[int, Any],
    /,
) -> None: ...
def timex_result(state: int, buffer: object, /) -> Any: ...
