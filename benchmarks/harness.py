"""Side-by-side benchmark harness: every row of a table is measured in the same run, and the
table prints ratios against a reference row. Never used to assert a time.

- :func:`per_call_ns` times a Python callable (best of several repeats, ns per call).
- :func:`interleaved_ns` times several callables in alternation: the median of the rounds.
- :func:`c_loop_ns` compiles a C loop of the same syscall with gcc and returns ns per call.
- :class:`Table` collects rows and prints them with ratios and the goals they are held to.

The tracked results under ``results/`` (read by the docs' performance page) are written only
when a benchmark runs with ``--save`` (or ``SYSAPI_BENCH_SAVE=1``); each records the machine it
ran on (:func:`metadata`). ``SYSAPI_BENCH_RESULTS`` points the results elsewhere.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("SYSAPI_BENCH_RESULTS", Path(__file__).parent / "results"))


def saving() -> bool:
    """Whether this run writes its results: ``--save`` on the command line, or
    ``SYSAPI_BENCH_SAVE=1``. Without it nothing under ``results/`` changes."""
    return "--save" in sys.argv[1:] or os.environ.get("SYSAPI_BENCH_SAVE") == "1"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def metadata() -> dict[str, Any]:
    """What a saved result records about where it was measured."""
    return {
        "kernel": platform.release(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "commit": _commit(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def save_result(name: str, data: dict[str, Any]) -> Path | None:
    """Write ``results/<name>.json`` (with :func:`metadata`) when :func:`saving`; else nothing.
    For benchmarks that do not fit a :class:`Table`."""
    if not saving():
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**data, **metadata()}, indent=2) + "\n")
    return path


def per_call_ns(func: Callable[[], object], number: int = 20000, repeat: int = 7) -> float:
    """Best-of-``repeat`` time per call of ``func``, in ns, over ``number`` calls each."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter_ns() - start) / number)
    return best


def interleaved_ns(
    funcs: Mapping[str, Callable[[], object]], number: int = 20000, rounds: int = 9
) -> dict[str, float]:
    """Time several callables in alternation (round-robin, the median round of each), so that a
    busy machine slows every row alike instead of whichever happened to run during the noise."""
    times: dict[str, list[float]] = {label: [] for label in funcs}
    for _ in range(rounds):
        for label, func in funcs.items():
            start = time.perf_counter_ns()
            for _ in range(number):
                func()
            times[label].append((time.perf_counter_ns() - start) / number)
    return {label: statistics.median(values) for label, values in times.items()}


_C_TEMPLATE = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
%(includes)s

static long long now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = atol(argv[1]);
    int repeat = atoi(argv[2]);
    %(setup)s
    double best = 1e30;
    for (int r = 0; r < repeat; r++) {
        long long t0 = now();
        for (long i = 0; i < n; i++) {
            %(body)s
        }
        double per = (double)(now() - t0) / n;
        if (per < best) best = per;
    }
    printf("%%.3f\n", best);
    return 0;
}
"""


def c_loop_ns(
    body: str,
    *,
    setup: str = "",
    includes: str = "",
    args: list[str] | None = None,
    number: int = 20000,
    repeat: int = 7,
) -> float:
    """Compile a C loop running ``body`` (with ``setup`` before it; ``argv[3:]`` = ``args``)
    and return its best time per iteration in ns."""
    source = _C_TEMPLATE % {"includes": includes, "setup": setup, "body": body}
    with tempfile.TemporaryDirectory() as tmp:
        c_file, exe = Path(tmp, "loop.c"), Path(tmp, "loop")
        c_file.write_text(source)
        subprocess.run(["gcc", "-O2", "-o", str(exe), str(c_file), "-lrt"], check=True)
        out = subprocess.run(
            [str(exe), str(number), str(repeat), *(args or [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return float(out)


@dataclass
class Table:
    """Rows measured side by side; ratios are against ``reference`` (a row label)."""

    title: str
    reference: str
    rows: dict[str, float] = field(default_factory=dict)
    goals: list[tuple[str, str, float]] = field(default_factory=list)
    #: What the row values are (``ns/call`` unless the table says otherwise).
    unit: str = "ns/call"

    def add(self, label: str, ns: float) -> None:
        self.rows[label] = ns

    def measure(self, funcs: Mapping[str, Callable[[], object]], number: int = 20000) -> None:
        """Add one row per callable, timed in alternation (:func:`interleaved_ns`)."""
        self.rows.update(interleaved_ns(funcs, number))

    def goal(self, label: str, against: str, at_most: float) -> None:
        """Record the goal ``label <= at_most * against`` (checked and printed, not asserted)."""
        self.goals.append((label, against, at_most))

    def ratio(self, label: str, against: str) -> float:
        return self.rows[label] / self.rows[against]

    def print(self) -> bool:
        """Print the table and the goals; return True when every goal is met."""
        ref = self.rows[self.reference]
        print(f"\n{self.title}")
        width = max(len(k) for k in self.rows)
        for label, ns in self.rows.items():
            print(f"  {label:<{width}}  {ns:10.1f} {self.unit}  {ns / ref:6.2f}x {self.reference}")
        met = True
        for label, against, at_most in self.goals:
            r = self.ratio(label, against)
            ok = r <= at_most
            met &= ok
            state = "met" if ok else f"NOT met (gap {r / at_most:.2f}x)"
            print(f"  goal: {label} <= {at_most}x {against}: {r:.2f}x, {state}")
        self.save()
        return met

    def save(self) -> None:
        """Write the rows to ``results/<title>.json`` for the docs' performance page, when the
        run was asked to (:func:`saving`)."""
        name = "".join(c if c.isalnum() else "_" for c in self.title.lower()).strip("_")
        data = {
            "title": self.title,
            "reference": self.reference,
            "unit": self.unit,
            "rows": self.rows,
            "goals": [
                {"label": a, "against": b, "at_most": m, "ratio": self.ratio(a, b)}
                for a, b, m in self.goals
            ],
        }
        save_result(name, data)
