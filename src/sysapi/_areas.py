"""The one list of sysapi's areas, and what is derived from it.

An *area* is a public module ``sysapi.<area>``. Everything else that comes per area is found by
name from :data:`AREAS`, never listed again:

- ``sysapi/__init__.py`` loads an area on first use of one of its names (:data:`EXPORTS`);
- ``build_ffi.py`` joins ``_ffi/base.py`` and every ``_ffi/<area>.py`` that exists (read by
  path: this module imports nothing at build time);
- the conformance engine runs the ``CASES`` of every ``sysapi.conformance.<area>`` that exists;
- ``python -m sysapi`` registers the subcommands of every ``sysapi._commands.<area>`` that
  exists, importing only the one a command line names (:data:`COMMANDS`);
- the tests, the fuzz targets and the docs iterate :data:`AREAS`.

What must stay static for type checkers (the re-exports of ``sysapi/__init__.pyi``) and the
generated tables below are checked against this list by ``tests/test_api.py``, whose failure
prints the tables to paste after a change.
"""

from __future__ import annotations

# ``import sysapi`` reads this module: nothing is imported at module level, not even ``typing``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Final

#: The public area modules, in the order the documentation lists them.
AREAS: Final = (
    "fs",
    "xattr",
    "inotify",
    "memory",
    "sched",
    "timers",
    "clock",
    "process",
    "signals",
    "ipc",
)

#: Public names of ``sysapi`` that are not an area's: name → the module defining it.
CORE: Final = {
    "ErrorSpec": "errors",
    "SysapiError": "errors",
    "Fd": "fd",
    "FdLike": "fd",
    "errors": "errors",
}

# ---- generated: tests/test_api.py checks them and prints them when they are stale ----------

#: Each area's ``__all__``: ``sysapi.<name>`` imports the one area that defines it.
EXPORTS: Final[dict[str, str]] = {
    "fs": """
        SPLICE_F_GIFT SPLICE_F_MORE SPLICE_F_MOVE SPLICE_F_NONBLOCK
        SYNC_FILE_RANGE_WAIT_AFTER SYNC_FILE_RANGE_WAIT_BEFORE SYNC_FILE_RANGE_WRITE
        SpliceFlags SyncFileRangeFlags block_map fibmap figetbsz readahead sync_file_range
        tee vmsplice vmsplice_zero_copy
    """,
    "xattr": """
        XATTR_CREATE XATTR_NAME_MAX XATTR_REPLACE XATTR_SIZE_MAX XattrFlags Xattrs
        fgetxattr flistxattr fremovexattr fsetxattr getxattr lgetxattr listxattr llistxattr
        lremovexattr lsetxattr removexattr setxattr
    """,
    "inotify": """
        IN_ACCESS IN_ALL_EVENTS IN_ATTRIB IN_CLOEXEC IN_CLOSE IN_CLOSE_NOWRITE
        IN_CLOSE_WRITE IN_CREATE IN_DELETE IN_DELETE_SELF IN_DONT_FOLLOW IN_EXCL_UNLINK
        IN_IGNORED IN_ISDIR IN_MASK_ADD IN_MASK_CREATE IN_MODIFY IN_MOVE IN_MOVED_FROM
        IN_MOVED_TO IN_MOVE_SELF IN_NONBLOCK IN_ONESHOT IN_ONLYDIR IN_OPEN IN_Q_OVERFLOW
        IN_UNMOUNT Inotify InotifyEvent InotifyInitFlags InotifyMask Move inotify_add_watch
        inotify_init1 inotify_rm_watch pair_moves parse_events
    """,
    "memory": """
        FileResidency MCL_CURRENT MCL_FUTURE MCL_ONFAULT MLOCK_ONFAULT M_ARENA_MAX
        M_ARENA_TEST M_CHECK_ACTION M_MMAP_MAX M_MMAP_THRESHOLD M_MXFAST M_PERTURB
        M_TOP_PAD M_TRIM_THRESHOLD Mallinfo2 MallocParam Mlock2Flags MlockallFlags
        PAGE_SIZE PROT_EXEC PROT_GROWSDOWN PROT_GROWSUP PROT_NONE PROT_READ PROT_WRITE
        ProtFlags fincore mallinfo2 malloc_trim mallopt mincore mlock mlock2 mlockall
        mprotect munlock munlockall
    """,
    "sched": """
        IOPRIO_CLASS_BE IOPRIO_CLASS_IDLE IOPRIO_CLASS_NONE IOPRIO_CLASS_RT IOPRIO_WHO_PGRP
        IOPRIO_WHO_PROCESS IOPRIO_WHO_USER IoPrio IoprioClass IoprioWho
        SCHED_ATTR_SIZE_VER0 SCHED_ATTR_SIZE_VER1 SCHED_BATCH SCHED_DEADLINE SCHED_FIFO
        SCHED_FLAG_DL_OVERRUN SCHED_FLAG_KEEP_PARAMS SCHED_FLAG_KEEP_POLICY
        SCHED_FLAG_RECLAIM SCHED_FLAG_RESET_ON_FORK SCHED_FLAG_UTIL_CLAMP_MAX
        SCHED_FLAG_UTIL_CLAMP_MIN SCHED_IDLE SCHED_OTHER SCHED_RESET_ON_FORK SCHED_RR
        SchedAttr SchedFlags SchedPolicy ioprio_get ioprio_set ioprio_value sched_getattr
        sched_setattr sched_setattr_raw
    """,
    "timers": """
        CALLBACK_SIGNAL DELAYTIMER_MAX ItimerSpec PosixTimer SIGEV_NONE SIGEV_SIGNAL
        SIGEV_THREAD SIGEV_THREAD_ID SigevNotify timer_create timer_delete timer_getoverrun
        timer_gettime timer_settime
    """,
    "clock": """
        ADJ_ESTERROR ADJ_FREQUENCY ADJ_MAXERROR ADJ_MICRO ADJ_NANO ADJ_OFFSET
        ADJ_OFFSET_SINGLESHOT ADJ_OFFSET_SS_READ ADJ_SETOFFSET ADJ_STATUS ADJ_TAI ADJ_TICK
        ADJ_TIMECONST AdjMode AdjtimexResult CLOCK_BOOTTIME CLOCK_BOOTTIME_ALARM
        CLOCK_MONOTONIC CLOCK_MONOTONIC_COARSE CLOCK_MONOTONIC_RAW CLOCK_PROCESS_CPUTIME_ID
        CLOCK_REALTIME CLOCK_REALTIME_ALARM CLOCK_REALTIME_COARSE CLOCK_TAI
        CLOCK_THREAD_CPUTIME_ID ClockId ClockState STA_CLK STA_CLOCKERR STA_DEL STA_FLL
        STA_FREQHOLD STA_INS STA_MODE STA_NANO STA_PLL STA_PPSERROR STA_PPSFREQ
        STA_PPSJITTER STA_PPSSIGNAL STA_PPSTIME STA_PPSWANDER STA_UNSYNC TIMER_ABSTIME
        TIME_BAD TIME_DEL TIME_ERROR TIME_INS TIME_OK TIME_OOP TIME_WAIT TimerFlags Timex
        TimexStatus adjtimex clock_adjtime clock_nanosleep
    """,
    "process": """
        CLD_CONTINUED CLD_DUMPED CLD_EXITED CLD_KILLED CLD_STOPPED CLD_TRAPPED CldCode
        IdType PIDFD_NONBLOCK PIDFD_SIGNAL_PROCESS_GROUP PIDFD_SIGNAL_THREAD
        PIDFD_SIGNAL_THREAD_GROUP PIDFD_THREAD P_ALL P_PGID P_PID P_PIDFD PidFd PidfdFlags
        PidfdSignalFlags WCONTINUED WEXITED WNOHANG WNOWAIT WSTOPPED WaitidOptions
        WaitidResult pidfd_getfd pidfd_open pidfd_send_signal waitid
    """,
    "signals": """
        SFD_CLOEXEC SFD_NONBLOCK SI_ASYNCIO SI_KERNEL SI_MESGQ SI_QUEUE SI_SIGIO SI_TIMER
        SI_TKILL SI_USER SiCode SigInfo SignalFd SignalfdFlags block_signals signalfd
        sigqueue sigtimedwait sigwaitinfo
    """,
    "ipc": """
        GETALL GETNCNT GETPID GETVAL GETZCNT IPC_CREAT IPC_EXCL IPC_INFO IPC_NOWAIT
        IPC_PRIVATE IPC_RMID IPC_SET IPC_STAT IpcCtl IpcFlags IpcPerm MQ_PRIO_MAX MSG_COPY
        MSG_EXCEPT MSG_INFO MSG_NOERROR MSG_STAT MSG_STAT_ANY MessageQueue MqAttr MsgCtl
        MsgFlags MsqidDs NamedSemaphore SEM_INFO SEM_SIZE SEM_STAT SEM_STAT_ANY SEM_UNDO
        SEM_VALUE_MAX SETALL SETVAL SHM_DEST SHM_EXEC SHM_HUGETLB SHM_INFO SHM_LOCK
        SHM_LOCKED SHM_NORESERVE SHM_RDONLY SHM_REMAP SHM_RND SHM_STAT SHM_STAT_ANY
        SHM_UNLOCK SemBuf SemCtl SemFlags Semaphore SemidDs ShmAttachment ShmFlags ShmidDs
        ftok mq_getattr mq_notify mq_open mq_receive mq_send mq_setattr mq_timedreceive
        mq_timedsend mq_unlink msgctl msgget msgrcv msgsnd sem_open sem_unlink semctl
        semget semop semtimedop shmat shmctl shmdt shmget
    """,
}


COMMANDS: Final[dict[str, str]] = {
    "fibmap": "fs",
    "xattr": "xattr",
    "watch": "inotify",
    "fincore": "memory",
    "ioprio": "sched",
    "sched": "sched",
    "timex": "timers",
    "ipcs": "ipc",
}

# ---- end of the generated tables -----------------------------------------------------------


_owners: dict[str, str] | None = None


def owner_table() -> dict[str, str]:
    """Every public name of ``sysapi`` (areas, their names, :data:`CORE`) → the module that
    defines it, from the tables (no import)."""
    global _owners
    if _owners is None:
        table: dict[str, str] = {}
        for area, names in EXPORTS.items():
            table.update(dict.fromkeys(names.split(), area))
        table.update({area: area for area in AREAS}, **CORE)
        _owners = table  # complete before another thread can see it
    return _owners


def owner(name: str) -> str | None:
    """The module (an area, ``errors`` or ``fd``) that defines the public ``sysapi.<name>``."""
    return owner_table().get(name)


def load(module: str) -> ModuleType:
    """Import ``sysapi.<module>``, with the cyclic garbage collector paused.

    An area's import makes thousands of objects (functions, classes, enum members, error
    specs) that all live as long as the module: the collector, run every 700 allocations,
    would only walk them again and again, a tenth of the cost of importing every area. The
    pause ends with the import, and only a collector that was enabled is paused.

    Resuming alone would still walk them all once more: they are in the youngest generation,
    whose count is far past its threshold, and the next allocation collects it (then an older
    generation again), 1.5 ms for every area. ``gc.freeze()`` then ``gc.unfreeze()`` moves
    every tracked object to the oldest generation without walking any and resets that count:
    what surviving those collections would have done, the process's other objects included
    (a cycle of garbage among those waits for the next full collection). Skipped when the
    program has frozen objects itself: ``unfreeze()`` would release them."""
    import gc
    import sys

    name = f"sysapi.{module}"
    paused = name not in sys.modules and gc.isenabled()
    if paused:
        gc.disable()
    try:
        # __import__, not importlib.import_module: only the former shows in -X importtime.
        __import__(name)
    finally:
        if paused:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
    return sys.modules[name]


def load_all() -> list[ModuleType]:
    """Import every area (cheap once done). A process that will drop privileges calls this
    first: after the drop it may not be able to read the installation."""
    return [load(area) for area in AREAS]


def submodules(package: str) -> list[ModuleType]:
    """``sysapi.<package>.<area>`` for every area that has one, in :data:`AREAS` order."""
    import importlib.util

    return [
        load(f"{package}.{area}")
        for area in AREAS
        if importlib.util.find_spec(f"sysapi.{package}.{area}") is not None
    ]
