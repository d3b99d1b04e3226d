"""sysapi.sched: scheduling attributes and I/O priorities, and the sched/ioprio commands.

Every change of a policy, nice value or I/O priority happens in a forked child or in a
``sleep`` process started for the test; an autouse fixture checks after each test that this
process still has the policy, nice value and I/O priority it started with.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import pickle
import random
import shutil
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sysapi import _syscall, cli, errors, sched
from sysapi._commands import sched as sched_cmd
from sysapi.sched import (
    IOPRIO_CLASS_BE,
    IOPRIO_CLASS_IDLE,
    IOPRIO_CLASS_NONE,
    IOPRIO_CLASS_RT,
    IOPRIO_WHO_PGRP,
    IOPRIO_WHO_PROCESS,
    IOPRIO_WHO_USER,
    SCHED_ATTR_SIZE_VER0,
    SCHED_ATTR_SIZE_VER1,
    SCHED_BATCH,
    SCHED_DEADLINE,
    SCHED_FIFO,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_FLAG_UTIL_CLAMP_MIN,
    SCHED_IDLE,
    SCHED_OTHER,
    SCHED_RESET_ON_FORK,
    SCHED_RR,
    IoPrio,
    IoprioClass,
    SchedAttr,
    SchedFlags,
    SchedPolicy,
)

T = TypeVar("T")
UCLAMP = os.path.exists("/proc/sys/kernel/sched_util_clamp_min")
#: SCHED_DEADLINE needs a CPU affinity that spans the root domain, even for root: the kernel
#: answers EPERM to a process pinned to some CPUs (taskset, as tools/platforms.sh may run it).
_PINNED = sorted(os.sched_getaffinity(0))
needs_full_affinity = pytest.mark.skipif(
    len(_PINNED) < (os.cpu_count() or 1),
    reason=f"SCHED_DEADLINE needs a CPU affinity spanning the root domain; this process is "
    f"pinned to CPUs {_PINNED} of {os.cpu_count()} (the kernel's EPERM)",
)
DL = SchedAttr(
    SCHED_DEADLINE, sched_runtime=10_000_000, sched_deadline=50_000_000, sched_period=100_000_000
)


def _state() -> tuple[Any, ...]:
    return (
        os.sched_getscheduler(0),
        os.sched_getparam(0).sched_priority,
        os.getpriority(os.PRIO_PROCESS, 0),
        sched.ioprio_get(IOPRIO_WHO_PROCESS, 0),
    )


@pytest.fixture(autouse=True)
def _this_process_is_left_alone() -> Iterator[None]:
    before = _state()
    yield
    assert _state() == before


def in_child(func: Callable[[], T]) -> T:
    """Run ``func`` in a forked child and return its result (or raise its exception)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                outcome: tuple[str, Any] = ("ok", func())
            except BaseException as exc:
                outcome = ("err", exc)
            try:
                data = pickle.dumps(outcome)
            except Exception as exc:
                data = pickle.dumps(("err", RuntimeError(f"unpicklable: {exc!r}")))
            os.write(w, data)
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "err":
        raise value
    result: T = value
    return result


@pytest.fixture
def sleeper() -> Iterator[int]:
    """A process of our own to change and inspect from the outside."""
    proc = subprocess.Popen(["sleep", "60"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


# ---- constants and types ----


def test_policies_match_the_os_module() -> None:
    assert SCHED_OTHER == os.SCHED_OTHER
    assert SCHED_FIFO == os.SCHED_FIFO
    assert SCHED_RR == os.SCHED_RR
    assert SCHED_BATCH == os.SCHED_BATCH
    assert SCHED_IDLE == os.SCHED_IDLE
    assert SCHED_RESET_ON_FORK == os.SCHED_RESET_ON_FORK
    assert SCHED_DEADLINE not in {SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE}
    assert SCHED_ATTR_SIZE_VER0 == 48 and SCHED_ATTR_SIZE_VER1 == 56


def test_unknown_values_survive_decoding() -> None:
    assert SchedPolicy(7) == 7 and SchedPolicy(7).name == "SCHED_7"
    assert int(SchedFlags(0x1000 | 1)) == 0x1001
    prio = IoPrio.from_value(5 << 13 | 3)
    assert isinstance(prio.ioclass, IoprioClass) and prio.ioclass.name == "IOPRIO_CLASS_5"
    assert prio.ioclass == 5 and prio.level == 3
    assert prio.value == 5 << 13 | 3
    assert SchedAttr.from_bytes(SchedAttr(9).to_bytes()).sched_policy == 9


def test_sched_attr_defaults_and_shape() -> None:
    attr = SchedAttr(sched_policy=SCHED_BATCH)
    assert attr.sched_policy is SCHED_BATCH and attr.sched_flags == 0
    assert isinstance(attr.sched_flags, SchedFlags)
    assert (attr.sched_nice, attr.sched_priority, attr.sched_runtime) == (0, 0, 0)
    assert attr.sched_util_min is None and attr.sched_util_max is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        attr.sched_nice = 3  # type: ignore[misc]
    assert not hasattr(attr, "__dict__")
    assert [f.name for f in dataclasses.fields(SchedAttr)] == [
        "sched_policy",
        "sched_flags",
        "sched_nice",
        "sched_priority",
        "sched_runtime",
        "sched_deadline",
        "sched_period",
        "sched_util_min",
        "sched_util_max",
    ]


def test_reset_on_fork_in_the_policy_becomes_the_flag() -> None:
    attr = SchedAttr(SCHED_FIFO | SCHED_RESET_ON_FORK, sched_priority=3)
    assert attr.sched_policy is SCHED_FIFO
    assert attr.sched_flags == SCHED_FLAG_RESET_ON_FORK


def test_sched_attr_rejects_bad_python_input() -> None:
    with pytest.raises(TypeError):
        SchedAttr("fifo")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SchedAttr(SCHED_OTHER, sched_nice=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SchedAttr(SCHED_OTHER, sched_util_min="1")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        SchedAttr(-1).to_bytes()
    with pytest.raises(OverflowError):
        SchedAttr(SCHED_OTHER, sched_runtime=1 << 64).to_bytes()
    with pytest.raises(OverflowError):
        SchedAttr(SCHED_OTHER, sched_nice=1 << 31).to_bytes()
    with pytest.raises(ValueError):
        SchedAttr().to_bytes(40)
    with pytest.raises(ValueError):
        SchedAttr.from_bytes(b"\0" * 47)
    with pytest.raises(TypeError):
        sched.sched_setattr(0, (SCHED_OTHER,))  # type: ignore[arg-type]


def test_ioprio_types() -> None:
    assert IoPrio(IOPRIO_CLASS_BE, 4).value == sched.ioprio_value(IOPRIO_CLASS_BE, 4) == 2 << 13 | 4
    assert IoPrio(2).ioclass is IOPRIO_CLASS_BE and IoPrio(2).level == 0
    for bad in [(-1, 0), (8, 0), (2, -1), (2, 1 << 13)]:
        with pytest.raises(ValueError):
            IoPrio(*bad)
        with pytest.raises(ValueError):
            sched.ioprio_value(*bad)
    with pytest.raises(TypeError):
        IoPrio("be", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        IoPrio.from_value(1 << 16)


@given(st.integers(0, 0xFFFF))
def test_ioprio_value_round_trip(value: int) -> None:
    prio = IoPrio.from_value(value)
    assert prio.value == value
    assert prio.ioclass == value >> 13 and prio.level == value & 0x1FFF
    assert IoPrio(prio.ioclass, prio.level) == prio


@given(
    st.tuples(
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**64 - 1),
        st.integers(-(2**31), 2**31 - 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**32 - 1),
    )
)
def test_sched_attr_bytes_round_trip(fields: tuple[int, ...]) -> None:
    attr = SchedAttr(*fields)
    policy = fields[0] & ~SCHED_RESET_ON_FORK
    assert attr.sched_policy == policy
    data = attr.to_bytes()
    assert len(data) == SCHED_ATTR_SIZE_VER1
    assert struct.unpack_from("=I", data)[0] == SCHED_ATTR_SIZE_VER1
    assert SchedAttr.from_bytes(data) == attr
    old = SchedAttr.from_bytes(attr.to_bytes(SCHED_ATTR_SIZE_VER0))
    assert old == dataclasses.replace(attr, sched_util_min=None, sched_util_max=None)


# ---- reading ----


def test_sched_getattr_agrees_with_the_os_module() -> None:
    attr = sched.sched_getattr()
    assert attr.sched_policy == os.sched_getscheduler(0) & ~SCHED_RESET_ON_FORK
    assert attr.sched_priority == os.sched_getparam(0).sched_priority
    assert attr.sched_nice == os.getpriority(os.PRIO_PROCESS, 0)
    assert sched.sched_getattr(os.getpid()).sched_policy == attr.sched_policy
    assert sched.sched_getattr(flags=0) == attr


def test_own_attributes_follow_every_change() -> None:
    # sched_getattr() reuses the last result while the kernel reports the same bytes: a change
    # must show at once, in the thread that made it only, and agree with the general path.
    def body() -> list[tuple[int, int]]:
        seen = []
        for _ in range(3):
            attr = sched.sched_getattr()
            general = sched.sched_getattr(threading.get_native_id())
            assert attr == general == sched.sched_getattr(False)
            seen.append((attr.sched_nice, os.getpriority(os.PRIO_PROCESS, 0)))
            os.nice(1)

        def other() -> None:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            seen.append((sched.sched_getattr().sched_nice, 19))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen.append((sched.sched_getattr().sched_nice, os.getpriority(os.PRIO_PROCESS, 0)))
        return seen

    seen = in_child(body)
    assert all(got == want for got, want in seen), seen
    assert [nice for nice, _ in seen[:3]] == [seen[0][0], seen[0][0] + 1, seen[0][0] + 2]


def test_only_exact_default_arguments_take_the_one_argument_call() -> None:
    attr = sched.sched_getattr()
    with pytest.raises(TypeError):
        sched.sched_getattr(0.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sched.sched_getattr(0, 0, size=56.0)  # type: ignore[arg-type]
    assert sched.sched_getattr(0, 0, size=SCHED_ATTR_SIZE_VER1) == attr
    assert sched.sched_getattr(int("0"), 0) == attr


def test_clamps_are_none_unless_the_kernel_reports_them() -> None:
    assert sched.sched_getattr(size=SCHED_ATTR_SIZE_VER0).sched_util_min is None
    attr = sched.sched_getattr()
    if UCLAMP:
        assert attr.sched_util_max is not None and attr.sched_util_max <= 1024
    else:
        assert attr.sched_util_min is None and attr.sched_util_max is None
    # A bigger buffer than the struct: the kernel fills its struct, nothing more.
    assert sched.sched_getattr(size=1024) == attr


@settings(max_examples=200)
@given(st.integers(-(2**31), 2**31 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_sched_getattr_arbitrary_input(pid: int, flags: int, size: int) -> None:
    try:
        attr = sched.sched_getattr(pid, flags, size=size)
    except errors.SysapiError as exc:
        assert exc.syscall == "sched_getattr" and exc.documented, exc
    else:
        assert isinstance(attr, SchedAttr)


@settings(max_examples=200)
@given(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1))
def test_ioprio_get_arbitrary_input(which: int, who: int) -> None:
    try:
        prio = sched.ioprio_get(which, who)
    except errors.SysapiError as exc:
        assert exc.syscall == "ioprio_get" and exc.documented, exc
    else:
        assert isinstance(prio, IoPrio) and isinstance(prio.ioclass, IoprioClass)


def test_out_of_range_integers_never_reach_the_kernel() -> None:
    with pytest.raises(OverflowError):
        sched.ioprio_get(IOPRIO_WHO_PROCESS, 1 << 40)
    with pytest.raises(OverflowError):
        sched.sched_getattr(0, -1)
    with pytest.raises(OverflowError):
        sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, 1 << 40)


def test_ioprio_get_targets() -> None:
    for which, who in [
        (IOPRIO_WHO_PROCESS, 0),
        (IOPRIO_WHO_PROCESS, os.getpid()),
        (IOPRIO_WHO_PGRP, 0),
        (IOPRIO_WHO_USER, os.getuid()),
    ]:
        assert isinstance(sched.ioprio_get(which, who), IoPrio)


def test_errors_are_typed_and_documented() -> None:
    with open("/proc/sys/kernel/pid_max") as f:
        free = int(f.read())
    with pytest.raises(ProcessLookupError) as info:
        sched.sched_getattr(free)
    assert isinstance(info.value, errors.ESRCH)
    assert info.value.syscall == "sched_getattr" and info.value.documented
    with pytest.raises(errors.EINVAL) as inval:
        sched.ioprio_get(99, 0)
    assert inval.value.syscall == "ioprio_get" and inval.value.documented
    assert "Raises:" in (sched.sched_setattr.__doc__ or "")
    assert errors.REGISTRY["sched_setattr"] is sched.SCHED_SETATTR_SPEC


# ---- changing, in children ----


def _set_and_get(attr: SchedAttr) -> tuple[SchedAttr, int, int]:
    sched.sched_setattr(0, attr)
    return sched.sched_getattr(0), os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.requires_root
@pytest.mark.parametrize(
    "attr",
    [
        SchedAttr(SCHED_BATCH, sched_nice=5),
        SchedAttr(SCHED_IDLE),
        SchedAttr(SCHED_FIFO, sched_priority=10),
        SchedAttr(SCHED_RR, sched_priority=3),
        SchedAttr(SCHED_OTHER, SCHED_FLAG_RESET_ON_FORK, sched_nice=-3),
    ],
    ids=["batch-nice5", "idle", "fifo10", "rr3", "other-reset-on-fork-nice-3"],
)
def test_sched_setattr_round_trip(attr: SchedAttr) -> None:
    got, policy, nice = in_child(lambda: _set_and_get(attr))
    assert got.sched_policy is attr.sched_policy
    assert got.sched_flags == attr.sched_flags
    assert got.sched_priority == attr.sched_priority
    expected_policy = attr.sched_policy
    if attr.sched_flags & SCHED_FLAG_RESET_ON_FORK:
        expected_policy |= SCHED_RESET_ON_FORK
    assert policy == expected_policy
    if attr.sched_policy in (SCHED_OTHER, SCHED_BATCH):
        assert got.sched_nice == nice == attr.sched_nice


@pytest.mark.requires_root
@needs_full_affinity
def test_sched_deadline_round_trip() -> None:
    got, policy, _ = in_child(lambda: _set_and_get(DL))
    assert got.sched_policy is SCHED_DEADLINE and policy == SCHED_DEADLINE
    assert (got.sched_runtime, got.sched_deadline, got.sched_period) == (
        DL.sched_runtime,
        DL.sched_deadline,
        DL.sched_period,
    )


def _raw_e2big() -> tuple[int, list[str]]:
    buf = bytearray(64)
    buf[:SCHED_ATTR_SIZE_VER1] = SchedAttr().to_bytes()
    struct.pack_into("=I", buf, 0, 64)
    buf[60] = 1
    try:
        sched.sched_setattr_raw(0, buf)
    except errors.E2BIG as exc:
        return struct.unpack_from("=I", buf)[0], list(exc.__notes__)
    raise AssertionError("no E2BIG")


def test_size_protocol_writes_the_kernel_size_back() -> None:
    size, notes = in_child(_raw_e2big)
    assert size == SCHED_ATTR_SIZE_VER1  # this kernel's struct
    assert notes == [f"this kernel's struct sched_attr has {size} bytes"]


def _raw_zero_tail() -> SchedAttr:
    buf = bytearray(128)
    buf[:SCHED_ATTR_SIZE_VER1] = SchedAttr(SCHED_BATCH).to_bytes()
    struct.pack_into("=I", buf, 0, 128)
    sched.sched_setattr_raw(0, buf)
    return sched.sched_getattr(0)


def test_a_larger_struct_with_a_zero_tail_is_accepted() -> None:
    assert in_child(_raw_zero_tail).sched_policy is SCHED_BATCH


def test_sched_setattr_raw_checks_the_buffer() -> None:
    with pytest.raises(ValueError):
        sched.sched_setattr_raw(0, bytearray(3))
    short = bytearray(SchedAttr().to_bytes())
    struct.pack_into("=I", short, 0, 64)
    with pytest.raises(ValueError):
        sched.sched_setattr_raw(0, short)
    with pytest.raises(TypeError):
        sched.sched_setattr_raw(0, SchedAttr().to_bytes())  # type: ignore[arg-type]


@pytest.mark.skipif(UCLAMP, reason="this kernel has utilization clamping")
def test_missing_util_clamping_is_a_clear_error() -> None:
    attr = SchedAttr(SCHED_OTHER, SCHED_FLAG_UTIL_CLAMP_MIN, sched_util_min=512)

    def provoke() -> list[str]:
        try:
            sched.sched_setattr(0, attr)
        except errors.EOPNOTSUPP as exc:
            return list(exc.__notes__)  # notes do not survive pickling: return them
        return []

    notes = in_child(provoke)
    assert any("CONFIG_UCLAMP_TASK" in note for note in notes), notes


def _set_ioprio(prio: IoPrio | int) -> IoPrio:
    sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, prio)
    return sched.ioprio_get(IOPRIO_WHO_PROCESS, 0)


@pytest.mark.parametrize(
    "prio",
    [
        IoPrio(IOPRIO_CLASS_BE, 0),
        IoPrio(IOPRIO_CLASS_BE, 7),
        IoPrio(IOPRIO_CLASS_IDLE, 0),
        IoPrio(IOPRIO_CLASS_NONE, 0),
        pytest.param(IoPrio(IOPRIO_CLASS_RT, 2), marks=pytest.mark.requires_root),
    ],
    ids=str,
)
def test_ioprio_round_trip(prio: IoPrio) -> None:
    assert in_child(lambda: _set_ioprio(prio)) == prio
    assert in_child(lambda: _set_ioprio(prio.value)) == prio


def _ioprio_sweep() -> list[tuple[int, str]]:
    seen = []
    for ioclass in range(8):
        for level in (0, 1, 7, 8, 0x1FFF):
            value = ioclass << 13 | level
            try:
                sched.ioprio_set(IOPRIO_WHO_PROCESS, 0, value)
            except errors.SysapiError as exc:
                assert exc.documented and exc.errno == errno.EINVAL, exc
                seen.append((value, "EINVAL"))
            else:
                got = sched.ioprio_get(IOPRIO_WHO_PROCESS, 0)
                assert got.value == value or ioclass == IOPRIO_CLASS_NONE, (value, got)
                seen.append((value, "ok"))
    return seen


def _random_setattr_as_nobody() -> dict[str, int]:
    # Unprivileged, so that no random attr can make this child real-time or deadline.
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    rng = random.Random(6)
    outcomes: dict[str, int] = {}
    for _ in range(400):
        attr = SchedAttr(
            rng.choice([*range(8), rng.randrange(2**32)]),
            rng.choice([0, 1, 2, 4, 8, 16, 0x80, rng.randrange(2**64)]),
            rng.randrange(-40, 40),
            rng.choice([0, 1, 50, 99, 100, rng.randrange(2**32)]),
            *(rng.choice([0, 1024, 10**6, 10**9, rng.randrange(2**64)]) for _ in range(3)),
        )
        try:
            sched.sched_setattr(0, attr, rng.choice([0, 0, 0, 1]))
        except errors.SysapiError as exc:
            assert exc.syscall == "sched_setattr" and exc.documented, (attr, exc)
            key = errors.errno_name(exc.errno or 0)
        else:
            key = "ok"
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


@pytest.mark.requires_root
def test_sched_setattr_arbitrary_attrs_return_or_raise_documented_errors() -> None:
    outcomes = in_child(_random_setattr_as_nobody)
    assert {"EINVAL", "EPERM"} <= outcomes.keys(), outcomes


def test_ioprio_set_any_value_returns_or_raises_einval() -> None:
    seen = dict(in_child(_ioprio_sweep))
    assert seen[IoPrio(5, 0).value] == "EINVAL"
    assert seen[IoPrio(IOPRIO_CLASS_BE, 7).value] == "ok"


# ---- the commands agree with chrt and ionice ----


needs_chrt = pytest.mark.requires_tool("chrt")
needs_ionice = pytest.mark.requires_tool("ionice")


def _ours(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


def _tool(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


@needs_chrt
@pytest.mark.requires_root
@pytest.mark.parametrize(
    "attr",
    [
        SchedAttr(SCHED_OTHER),
        SchedAttr(SCHED_BATCH, SCHED_FLAG_RESET_ON_FORK),
        SchedAttr(SCHED_IDLE),
        SchedAttr(SCHED_FIFO, sched_priority=10),
        SchedAttr(SCHED_RR, SCHED_FLAG_RESET_ON_FORK, sched_priority=99),
        pytest.param(DL, marks=needs_full_affinity),
    ],
    ids=["other", "batch-reset-on-fork", "idle", "fifo10", "rr99-reset-on-fork", "deadline"],
)
def test_sched_command_agrees_with_chrt(
    capsys: pytest.CaptureFixture[str], sleeper: int, attr: SchedAttr
) -> None:
    sched.sched_setattr(sleeper, attr)
    ours = _ours(capsys, "sched", "-p", str(sleeper))
    # util-linux 2.41 added a line for the fair policies ("pid N's current runtime parameter:
    # NS", the EEVDF slice) that the chrt of Debian 12, which ours follows, does not print.
    theirs = [
        line
        for line in _tool("chrt", "-p", str(sleeper)).splitlines(keepends=True)
        if "current runtime parameter:" not in line
    ]
    assert ours == "".join(theirs)
    assert ours.splitlines() == sched_cmd.chrt_lines(sleeper, attr)


@needs_chrt
@pytest.mark.requires_root
@needs_full_affinity
def test_sched_command_sets_what_chrt_reads(
    capsys: pytest.CaptureFixture[str], sleeper: int
) -> None:
    os.setpriority(os.PRIO_PROCESS, sleeper, 7)
    _ours(capsys, "sched", "-p", str(sleeper), "--policy", "batch", "-R")
    assert "SCHED_BATCH|SCHED_RESET_ON_FORK" in _tool("chrt", "-p", str(sleeper))
    assert os.getpriority(os.PRIO_PROCESS, sleeper) == 7  # the nice value is kept, as chrt does
    _ours(capsys, "sched", "-p", str(sleeper), "--policy", "SCHED_FIFO", "--priority", "20")
    assert _tool("chrt", "-p", str(sleeper)).splitlines()[1].endswith("priority: 20")
    _ours(capsys, "sched", "-p", str(sleeper), "--deadline", "1000000,2000000,3000000")
    assert "1000000/2000000/3000000" in _tool("chrt", "-p", str(sleeper))
    _ours(capsys, "sched", "-p", str(sleeper), "--priority", "9")
    ours = sched.sched_getattr(sleeper)
    subprocess.run(["chrt", "-p", "9", str(sleeper)], check=True)
    assert sched.sched_getattr(sleeper) == ours
    assert ours.sched_policy is SCHED_RR and ours.sched_priority == 9
    data = _ours(capsys, "sched", "-p", str(sleeper), "--policy", "other", "--json")
    assert '"policy": "SCHED_OTHER"' in data and f'"pid": {sleeper}' in data


@needs_ionice
@pytest.mark.parametrize(
    "prio",
    [
        IoPrio(IOPRIO_CLASS_NONE, 0),
        IoPrio(IOPRIO_CLASS_BE, 0),
        IoPrio(IOPRIO_CLASS_BE, 6),
        IoPrio(IOPRIO_CLASS_IDLE, 7),
        pytest.param(IoPrio(IOPRIO_CLASS_RT, 1), marks=pytest.mark.requires_root),
    ],
    ids=str,
)
def test_ioprio_command_agrees_with_ionice(
    capsys: pytest.CaptureFixture[str], sleeper: int, prio: IoPrio
) -> None:
    sched.ioprio_set(IOPRIO_WHO_PROCESS, sleeper, prio)
    ours = _ours(capsys, "ioprio", "-p", str(sleeper), str(os.getpid()))
    assert ours == _tool("ionice", "-p", str(sleeper), str(os.getpid()))
    assert ours.splitlines()[0] == sched_cmd.ionice_line(prio)


@needs_ionice
@pytest.mark.parametrize(
    "argv",
    [["-c", "2", "-n", "3"], ["-n", "5"], ["-c", "idle"], ["-c", "3", "-n", "1"], ["-c", "none"]],
)
def test_ioprio_command_sets_what_ionice_sets(
    capsys: pytest.CaptureFixture[str], sleeper: int, argv: list[str]
) -> None:
    _ours(capsys, "ioprio", "-p", str(sleeper), *argv)
    ours = sched.ioprio_get(IOPRIO_WHO_PROCESS, sleeper)
    subprocess.run(["ionice", "-p", str(sleeper), *argv], check=True, capture_output=True)
    assert sched.ioprio_get(IOPRIO_WHO_PROCESS, sleeper) == ours


def test_commands_fail_like_the_tools(capsys: pytest.CaptureFixture[str]) -> None:
    with open("/proc/sys/kernel/pid_max") as f:
        free = f.read().strip()
    assert cli.main(["sched", "-p", free]) == 1
    assert capsys.readouterr().err == (
        f"sysapi sched: failed to get pid {free}'s policy: No such process\n"
    )
    assert cli.main(["ioprio", "-p", free]) == 1
    assert capsys.readouterr().err == "sysapi ioprio: ioprio_get failed: No such process\n"


def test_commands_default_to_this_process(capsys: pytest.CaptureFixture[str]) -> None:
    out = _ours(capsys, "sched")
    assert out.splitlines() == sched_cmd.chrt_lines(os.getpid(), sched.sched_getattr())
    assert _ours(capsys, "ioprio") == sched_cmd.ionice_line(sched.ioprio_get(1, 0)) + "\n"


def test_sched_flags_are_never_zero_with_older_headers(tmp_path: Path) -> None:
    """0.1.0 defined each SCHED_FLAG_* the headers lacked as 0: built against kernel headers
    before 5.3, the flag was silently no bit at all. Compile the shims without
    <linux/sched.h> and read the values they would use."""
    import runpy

    if shutil.which("gcc") is None:
        pytest.skip("no gcc to compile with")
    ffi_dir = Path(sched.__file__).parent / "_ffi"
    base = runpy.run_path(str(ffi_dir / "base.py"))
    area = runpy.run_path(str(ffi_dir / "sched.py"))
    names = [name for name in sched.__all__ if name.startswith("SCHED_FLAG_")]
    prints = "".join(f'printf("%ld\\n", (long){name});' for name in names)
    source = (
        "#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n"
        + base["INCLUDES"]
        + area["INCLUDES"].replace("#include <linux/sched.h>", "")
        + base["CUSTOMIZATIONS"]
        + area["CUSTOMIZATIONS"]
        + f"\nint main(void) {{ {prints} return 0; }}\n"
    )
    (tmp_path / "flags.c").write_text(source)
    exe = tmp_path / "flags"
    # -ldl: base's sysapi_libc_has calls dlsym, in libdl before glibc 2.34.
    subprocess.run(["gcc", "-o", str(exe), str(tmp_path / "flags.c"), "-ldl"], check=True)
    values = [
        int(v) for v in subprocess.run([str(exe)], capture_output=True, text=True).stdout.split()
    ]
    assert values == [int(getattr(sched, name)) for name in names]
    assert all(values) and len(set(values)) == len(values)


def test_eperm_names_a_pinned_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    """SCHED_DEADLINE's EPERM that root gets too: the note says the process is pinned."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {1})
    (note,) = _syscall.error(errno.EPERM, sched.SCHED_SETATTR_SPEC).__notes__
    assert note.startswith("RLIMIT_RTPRIO is")
    assert "may run only on CPUs [1] of 2: SCHED_DEADLINE needs an affinity" in note
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    (note,) = _syscall.error(errno.EPERM, sched.SCHED_SETATTR_SPEC).__notes__
    assert "may run only on" not in note
