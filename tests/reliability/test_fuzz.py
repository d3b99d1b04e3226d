"""Every public function and method, called with arbitrary arguments in a sandboxed child.

Each call must return or raise TypeError, ValueError, OverflowError or a SysapiError (with its
``syscall`` and ``errno`` set); a crash (the child dies of a signal), a hang (the child outlives
its timeout) or any other exception fails the example, which Hypothesis then shrinks to the
smallest input that still fails. The children are forked, drop to uid/gid 65534 and only see
values that cannot reach outside them (see ``_values`` and ``_sandbox``).
"""

from __future__ import annotations

import collections
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import _budget
from ._sandbox import Sandbox, run_in_child
from ._targets import AREAS, REVIEWED, Call, Target, calls, discover, execute
from ._values import Env

TARGETS = discover(tuple(a for a in AREAS if a in REVIEWED))
FUZZED = [t for t in TARGETS if t.covered]
EXAMPLES = _budget.scaled(25, 600)
TIMEOUT = 10.0

#: Outcomes of every fuzzed call of this run, per target (for the figures).
OUTCOMES: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)


def _run(batch: list[Call]) -> list[tuple[str, str]]:
    def body(sandbox: Sandbox) -> list[tuple[str, str]]:
        env = Env(sandbox.scratch)
        results = []
        for index, call in enumerate(batch):
            sandbox.step(index)
            results.append(execute(call, env))
            env.release()
        return results

    child = run_in_child(body, timeout=TIMEOUT)
    if not child.ok:
        culprit = batch[child.in_flight] if 0 <= child.in_flight < len(batch) else None
        pytest.fail(f"{culprit!r}: {child.describe()}\nbatch: {batch!r}", pytrace=False)
    report: list[tuple[str, str]] = child.report
    return report


def _fuzz(target: Target) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(calls(target), min_size=1, max_size=target.batch))
    def run(batch: list[Call]) -> None:
        for call, (outcome, detail) in zip(batch, _run(batch), strict=True):
            OUTCOMES[target.qualname][outcome] += 1
            assert outcome != "FAIL", f"{call!r} -> {detail}"

    run()


@pytest.mark.parametrize("target", FUZZED, ids=[f"{t.area}.{t.qualname}" for t in FUZZED])
def test_fuzz(target: Target) -> None:
    _fuzz(target)
    counts = OUTCOMES[target.qualname]
    _budget.record(
        "fuzz",
        **{
            f"{target.area}.{target.qualname}": {
                "calls": sum(counts.values()),
                "outcomes": dict(counts),
            }
        },
    )


def test_every_reviewed_target_is_fuzzed() -> None:
    """Every public function and method of a reviewed area has a strategy for every
    parameter (an area becomes reviewed when it lands on main and its calls were checked
    for safety)."""
    uncovered = [f"{t.area}.{t.qualname}: {t.missing}" for t in TARGETS if not t.covered]
    assert not uncovered, uncovered
    for area in REVIEWED:
        assert any(t.area == area for t in FUZZED), f"{area}: no target found"


def test_the_sandbox_catches_a_crash() -> None:
    """A segfault in the child is reported as a crash with the step that was running."""

    def body(sandbox: Sandbox) -> None:
        sandbox.step(3)
        os.kill(os.getpid(), 11)

    child = run_in_child(body, timeout=TIMEOUT)
    assert child.crashed and child.in_flight == 3
    assert "SIGSEGV" in child.describe()


def test_the_sandbox_catches_a_hang() -> None:
    def body(sandbox: Sandbox) -> None:
        sandbox.step(1)
        r, _w = os.pipe()
        os.read(r, 1)  # the write end stays open and silent: blocks for ever

    child = run_in_child(body, timeout=2.0)
    assert child.timed_out and child.in_flight == 1
    assert "os.read" in child.traceback or "body" in child.traceback


def test_the_sandbox_drops_privileges() -> None:
    def body(sandbox: Sandbox) -> tuple[int, int, list[int], str, int]:
        return (
            os.geteuid(),
            os.getegid(),
            os.getgroups(),
            os.getcwd(),
            len(os.listdir("/proc/self/fd")),
        )

    child = run_in_child(body, timeout=TIMEOUT)
    assert child.ok, child.describe()
    uid, gid, groups, cwd, nfds = child.report
    if os.geteuid() == 0:
        assert (uid, gid, groups) == (65534, 65534, [])
    assert "sysapi-reliability-" in cwd
    # stdio, sys.stdout's /dev/null, the faulthandler file, and the listing's own descriptor.
    assert nfds <= 6
