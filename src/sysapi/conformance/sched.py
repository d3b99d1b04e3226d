"""Reference cases of the sched area: sched_getattr, sched_setattr, ioprio_get, ioprio_set.

Every case that could change a scheduling policy or an I/O priority runs in a forked child
(``fork=True`` or ``unprivileged=True``), so the process running the check never ends up in a
real-time or deadline policy, or with another I/O priority, even on a kernel that accepts
what this one refuses.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import struct

from sysapi import sched
from sysapi._sysapi import lib
from sysapi.conformance import Case, Context, NotProvokable
from sysapi.conformance._support import bad, shim_in_child
from sysapi.sched import (
    IOPRIO_CLASS_BE,
    IOPRIO_CLASS_NONE,
    IOPRIO_CLASS_RT,
    IOPRIO_WHO_PGRP,
    IOPRIO_WHO_PROCESS,
    IOPRIO_WHO_USER,
    SCHED_ATTR_SIZE_VER0,
    SCHED_ATTR_SIZE_VER1,
    SCHED_DEADLINE,
    SCHED_FIFO,
    SCHED_OTHER,
    IoPrio,
    IoprioWho,
    SchedAttr,
    SchedFlags,
)

AREA = "sched"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: 10 ms of every 10 ms: a whole CPU's bandwidth.
_FULL_CPU = SchedAttr(
    SCHED_DEADLINE, sched_runtime=10_000_000, sched_deadline=10_000_000, sched_period=10_000_000
)
#: A valid, modest reservation: 1 ms every 100 ms.
_SMALL_DL = SchedAttr(
    SCHED_DEADLINE, sched_runtime=1_000_000, sched_deadline=100_000_000, sched_period=100_000_000
)
_UNUSED_WHO = max(IoprioWho) + 1
_UNKNOWN_FLAG = max(SchedFlags) << 1


def _free_pid() -> int:
    """A pid no process can have: pids stay below pid_max."""
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def _free_uid() -> int:
    """A uid that owns no process."""
    used = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):  # the process exited meanwhile
                used.add(os.stat(f"/proc/{entry}").st_uid)
    uid = 0x7FFF_0000
    while uid in used:
        uid += 1
    return uid


def _root_process(ctx: Context) -> int:
    """Fork a child that sleeps until the case ends; call before dropping privileges.

    It waits for EOF on a pipe, which comes when the case closes the write end or exits, so
    an unprivileged case need not (and could not) kill it.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(w)
            os.read(r, 1)
        finally:
            os._exit(0)
    os.close(r)
    ctx.defer(os.waitpid, pid, 0)
    ctx.defer(os.close, w)
    return pid


def _hold_deadline(ctx: Context, attr: SchedAttr) -> int:
    """Fork a child that enters SCHED_DEADLINE with ``attr`` and sleeps holding the bandwidth
    until the case ends. Return 0 when it got in, else the errno it got."""
    report_r, report_w = os.pipe()
    release_r, release_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(report_r)
            os.close(release_w)
            try:
                sched.sched_setattr(0, attr)
            except OSError as exc:
                os.write(report_w, str(exc.errno).encode())
            else:
                os.write(report_w, b"0")
                os.read(release_r, 1)  # a sleeping deadline task keeps its reservation
        finally:
            os._exit(0)
    os.close(report_w)
    os.close(release_r)
    answer = os.read(report_r, 16)
    os.close(report_r)
    ctx.defer(os.waitpid, pid, 0)
    ctx.defer(os.close, release_w)
    return int(answer or b"-1")


def _deadline_admission(ctx: Context) -> None:
    if os.geteuid() != 0:
        raise NotProvokable("SCHED_DEADLINE needs CAP_SYS_NICE")
    with open("/proc/sys/kernel/sched_rt_runtime_us") as f:
        if int(f.read()) < 0:
            raise NotProvokable("sched_rt_runtime_us is -1: deadline admission control is off")
    # Each holder reserves a whole CPU; the root domain admits at most 95% of its CPUs.
    for _ in range(len(os.sched_getaffinity(0)) + 2):
        err = _hold_deadline(ctx, _FULL_CPU)
        if err == errno.EBUSY:
            sched.sched_setattr(0, _FULL_CPU)  # refused for this process as well
            return
        if err != 0:
            raise NotProvokable(f"a holder could not enter SCHED_DEADLINE: {os.strerror(err)}")
    raise NotProvokable("admission control admitted a whole CPU per CPU")


def _deadline_narrow_affinity(ctx: Context) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise NotProvokable("one CPU: any affinity spans the root domain")
    os.sched_setaffinity(0, cpus[:1])
    sched.sched_setattr(0, _SMALL_DL)


def _fifo_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges(rlimits={resource.RLIMIT_RTPRIO: 0})
    sched.sched_setattr(0, SchedAttr(SCHED_FIFO, sched_priority=1))


def _deadline_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    sched.sched_setattr(0, _SMALL_DL)


def _setattr_other_user(ctx: Context) -> None:
    target = _root_process(ctx)
    ctx.drop_privileges()
    sched.sched_setattr(target, SchedAttr(SCHED_OTHER))


def _uclamp(ctx: Context) -> None:
    if os.path.exists("/proc/sys/kernel/sched_util_clamp_min"):
        raise NotProvokable("this kernel has utilization clamping (CONFIG_UCLAMP_TASK)")
    flags = sched.SCHED_FLAG_UTIL_CLAMP_MIN
    sched.sched_setattr(0, SchedAttr(SCHED_OTHER, flags, sched_util_min=100, sched_util_max=1024))


def _raw(size_field: int, length: int, tail_byte: int | None = None) -> bytearray:
    buf = bytearray(max(length, 4))
    buf[:SCHED_ATTR_SIZE_VER0] = SchedAttr().to_bytes(SCHED_ATTR_SIZE_VER0)[: len(buf)]
    struct.pack_into("=I", buf, 0, size_field)
    if tail_byte is not None:
        buf[tail_byte] = 1
    return buf


def _e2big_tail(ctx: Context) -> None:
    buf = _raw(SCHED_ATTR_SIZE_VER1 + 8, SCHED_ATTR_SIZE_VER1 + 8, SCHED_ATTR_SIZE_VER1 + 4)
    try:
        sched.sched_setattr_raw(0, buf)
    finally:
        # The size protocol: the kernel has written its struct size back.
        written = struct.unpack_from("=I", buf)[0]
        if not SCHED_ATTR_SIZE_VER0 <= written <= SCHED_ATTR_SIZE_VER1:
            raise AssertionError(f"the kernel wrote back size {written}")


def _ioprio_rt_unprivileged(ctx: Context) -> None:
    ctx.drop_privileges()
    sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, IoPrio(IOPRIO_CLASS_RT, 4))


def _ioprio_other_user(ctx: Context) -> None:
    target = _root_process(ctx)
    ctx.drop_privileges()
    sched.ioprio_set(IOPRIO_WHO_PROCESS, target, IoPrio(IOPRIO_CLASS_BE, 4))


CASES: list[Case] = [
    # sched_getattr: it changes nothing, so it runs in this process.
    Case(AREA, "sched_getattr", errno.EINVAL, "pid -1", lambda ctx: sched.sched_getattr(-1)),
    Case(AREA, "sched_getattr", errno.EINVAL, "flags 1", lambda ctx: sched.sched_getattr(0, 1)),
    Case(
        AREA,
        "sched_getattr",
        errno.EINVAL,
        "size 47, below SCHED_ATTR_SIZE_VER0",
        lambda ctx: sched.sched_getattr(size=SCHED_ATTR_SIZE_VER0 - 1),
    ),
    Case(
        AREA,
        "sched_getattr",
        errno.EINVAL,
        "size one byte above the page size",
        lambda ctx: sched.sched_getattr(size=_PAGE_SIZE + 1),
        emulator="qemu-user lowers the size to its own struct sched_attr's before the kernel "
        "sees it",
    ),
    Case(
        AREA,
        "sched_getattr",
        errno.ESRCH,
        "pid equal to pid_max",
        lambda ctx: sched.sched_getattr(_free_pid()),
    ),
    Case(
        AREA,
        "sched_getattr",
        errno.E2BIG,
        "size 48, below this kernel's 56-byte struct: Linux fills 48 bytes",
        lambda ctx: sched.sched_getattr(size=SCHED_ATTR_SIZE_VER0),
        expect=0,
    ),
    Case(
        AREA,
        "sched_getattr",
        errno.EFAULT,
        "attr (void *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            sched.SCHED_GETATTR_SPEC,
            lambda: lib.sysapi_sched_getattr(0, bad(), SCHED_ATTR_SIZE_VER1, 0),
        ),
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EFAULT,
        "attr (void *)-1, to the shim in a forked child",
        lambda ctx: shim_in_child(
            sched.SCHED_SETATTR_SPEC, lambda: lib.sysapi_sched_setattr(0, bad(), 0)
        ),
    ),
    # sched_setattr: forked, so that nothing it could change touches this process.
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "policy 99",
        lambda ctx: sched.sched_setattr(0, SchedAttr(99)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "an unknown sched_flags bit",
        lambda ctx: sched.sched_setattr(0, SchedAttr(SCHED_OTHER, _UNKNOWN_FLAG)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "SCHED_FIFO priority 100",
        lambda ctx: sched.sched_setattr(0, SchedAttr(SCHED_FIFO, sched_priority=100)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "SCHED_OTHER priority 5",
        lambda ctx: sched.sched_setattr(0, SchedAttr(SCHED_OTHER, sched_priority=5)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "SCHED_DEADLINE runtime above deadline",
        lambda ctx: sched.sched_setattr(
            0,
            SchedAttr(
                SCHED_DEADLINE,
                sched_runtime=2_000_000,
                sched_deadline=1_000_000,
                sched_period=1_000_000,
            ),
        ),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "pid -1",
        lambda ctx: sched.sched_setattr(-1, SchedAttr()),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EINVAL,
        "flags 1",
        lambda ctx: sched.sched_setattr(0, SchedAttr(), 1),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.ESRCH,
        "pid equal to pid_max",
        lambda ctx: sched.sched_setattr(_free_pid(), SchedAttr()),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.E2BIG,
        "size 64 with a non-zero byte past the kernel's struct",
        _e2big_tail,
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.E2BIG,
        "size field 20, below SCHED_ATTR_SIZE_VER0",
        lambda ctx: sched.sched_setattr_raw(0, _raw(20, SCHED_ATTR_SIZE_VER0)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.E2BIG,
        "size field one byte above the page size",
        lambda ctx: sched.sched_setattr_raw(0, _raw(_PAGE_SIZE + 1, SCHED_ATTR_SIZE_VER1)),
        fork=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EBUSY,
        "SCHED_DEADLINE holders reserving a whole CPU each until one is refused",
        _deadline_admission,
        fork=True,
        root=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EPERM,
        "SCHED_FIFO with RLIMIT_RTPRIO 0",
        _fifo_unprivileged,
        unprivileged=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EPERM,
        "SCHED_DEADLINE without CAP_SYS_NICE",
        _deadline_unprivileged,
        unprivileged=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EPERM,
        "a root-owned process",
        _setattr_other_user,
        unprivileged=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EPERM,
        "SCHED_DEADLINE with the affinity narrowed to one CPU",
        _deadline_narrow_affinity,
        fork=True,
        root=True,
    ),
    Case(
        AREA,
        "sched_setattr",
        errno.EOPNOTSUPP,
        "SCHED_FLAG_UTIL_CLAMP_MIN on a kernel without CONFIG_UCLAMP_TASK",
        _uclamp,
        fork=True,
    ),
    # ioprio_get
    Case(
        AREA,
        "ioprio_get",
        errno.EINVAL,
        f"which {_UNUSED_WHO}",
        lambda ctx: sched.ioprio_get(_UNUSED_WHO, 0),
    ),
    Case(
        AREA,
        "ioprio_get",
        errno.ESRCH,
        "IOPRIO_WHO_PROCESS pid_max",
        lambda ctx: sched.ioprio_get(IOPRIO_WHO_PROCESS, _free_pid()),
    ),
    Case(
        AREA,
        "ioprio_get",
        errno.ESRCH,
        "IOPRIO_WHO_PGRP pid_max",
        lambda ctx: sched.ioprio_get(IOPRIO_WHO_PGRP, _free_pid()),
    ),
    Case(
        AREA,
        "ioprio_get",
        errno.ESRCH,
        "IOPRIO_WHO_USER of a uid without processes",
        lambda ctx: sched.ioprio_get(IOPRIO_WHO_USER, _free_uid()),
    ),
    # ioprio_set: forked, so this process keeps its I/O priority whatever the kernel does.
    Case(
        AREA,
        "ioprio_set",
        errno.EINVAL,
        f"which {_UNUSED_WHO}",
        lambda ctx: sched.ioprio_set(_UNUSED_WHO, 0, IoPrio(IOPRIO_CLASS_BE, 4)),
        fork=True,
    ),
    Case(
        AREA,
        "ioprio_set",
        errno.EINVAL,
        "class 5",
        lambda ctx: sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, IoPrio(5, 0)),
        fork=True,
    ),
    Case(
        AREA,
        "ioprio_set",
        errno.EINVAL,
        "IOPRIO_CLASS_NONE with level 1",
        lambda ctx: sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, IoPrio(IOPRIO_CLASS_NONE, 1)),
        fork=True,
    ),
    Case(
        AREA,
        "ioprio_set",
        errno.ESRCH,
        "IOPRIO_WHO_PROCESS pid_max",
        lambda ctx: sched.ioprio_set(IOPRIO_WHO_PROCESS, _free_pid(), IoPrio(IOPRIO_CLASS_BE, 4)),
        fork=True,
    ),
    Case(
        AREA,
        "ioprio_set",
        errno.EPERM,
        "IOPRIO_CLASS_RT without CAP_SYS_ADMIN/CAP_SYS_NICE",
        _ioprio_rt_unprivileged,
        unprivileged=True,
    ),
    Case(
        AREA,
        "ioprio_set",
        errno.EPERM,
        "a root-owned process",
        _ioprio_other_user,
        unprivileged=True,
    ),
]
