"""Downstream use of sysapi.sched (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import sysapi
from sysapi import sched


def batch_and_idle_io() -> tuple[int, int]:
    attr: sysapi.SchedAttr = sysapi.sched_getattr(0)
    fields = (
        attr.sched_policy,
        attr.sched_flags,
        attr.sched_nice,
        attr.sched_priority,
        attr.sched_runtime,
        attr.sched_deadline,
        attr.sched_period,
    )
    # The utilization clamps are None when the kernel reports none.
    clamps: tuple[int | None, int | None] = (attr.sched_util_min, attr.sched_util_max)
    sysapi.sched_setattr(0, sysapi.SchedAttr(sched_policy=sysapi.SCHED_BATCH))
    sysapi.sched_setattr(0, sched.SchedAttr(sched_policy=sysapi.SCHED_OTHER), 0)
    policies = [
        sysapi.SCHED_FIFO,
        sysapi.SCHED_RR,
        sysapi.SCHED_IDLE,
        sysapi.SCHED_DEADLINE,
        sysapi.SchedPolicy.SCHED_OTHER,
    ]
    prio: sysapi.IoPrio = sysapi.ioprio_get(sysapi.IOPRIO_WHO_PROCESS, 0)
    raw: int = prio.value
    sysapi.ioprio_set(sysapi.IOPRIO_WHO_PGRP, 0, sysapi.IoPrio(sysapi.IOPRIO_CLASS_BE, 4))
    sysapi.ioprio_set(sysapi.IOPRIO_WHO_USER, 0, sysapi.ioprio_value(sysapi.IOPRIO_CLASS_IDLE, 0))
    sysapi.ioprio_set(sysapi.IOPRIO_WHO_PROCESS, 0, raw)
    classes = [sysapi.IOPRIO_CLASS_NONE, sysapi.IOPRIO_CLASS_RT]
    return sum(fields) + len(policies) + len(classes) + len(clamps), raw
