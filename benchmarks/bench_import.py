"""Import cost, side by side (python benchmarks/bench_import.py [--save]).

Each row runs a fresh interpreter; the rounds alternate between the rows and each row reports
the median of its rounds. Bytecode caches are written and used, as after a pip install (a
``PYTHONDONTWRITEBYTECODE`` in the environment would time the compiler instead), and a first
round that warms them is not counted.

- ``import sysapi``: the cumulative time ``python -X importtime`` reports for the package.
- ``import sysapi`` and touching every name of ``sysapi.__all__``, against ``import
  inotify_simple`` (a small pure-Python binding), both timed inside the interpreter.
- ``python -m sysapi fincore FILE`` as a whole process, against ``python -c pass`` and
  util-linux ``fincore``.
- A name's lookup, ``sysapi.mincore`` in a loop (ns per iteration, loop included), while some
  areas are still to load (the PEP 562 ``__getattr__`` is there: CPython up to 3.14 does not
  specialize the lookup) and once every name is served (it is gone), against ``os.getpid``.

Goals (issue 13, printed, never asserted): ``import sysapi`` at most 5 ms; every name at most
15 ms and at most 1.1x ``import inotify_simple``; ``python -m sysapi fincore`` at most 2.0x
``python -c pass``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table

ROUNDS = 15
PY = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

_TIMED = (
    "import time; t = time.perf_counter_ns(); {body}; "
    "print((time.perf_counter_ns() - t) / 1000, flush=True)"
)


def _importtime_us(module: str) -> float:
    """The cumulative import time of ``module`` (µs), as -X importtime reports it."""
    err = subprocess.run(
        [PY, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    ).stderr
    for line in err.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) == 3 and fields[2] == module:
            return float(fields[1])
    raise RuntimeError(f"no importtime line for {module}")


def _inside_us(body: str) -> float:
    out = subprocess.run(
        [PY, "-c", _TIMED.format(body=body)], check=True, capture_output=True, text=True, env=ENV
    ).stdout
    return float(out)


_LOOKUP = (
    "import os, time, sysapi; {prepare}; n = 200_000; t = time.perf_counter_ns()\n"
    "for _ in range(n): {expr}\n"
    "print((time.perf_counter_ns() - t) / n, flush=True)"
)


def _lookup_ns(prepare: str, expr: str) -> float:
    code = _LOOKUP.format(prepare=prepare, expr=expr)
    out = subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True, env=ENV)
    return float(out.stdout)


def _process_us(argv: list[str]) -> float:
    start = time.perf_counter_ns()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return (time.perf_counter_ns() - start) / 1000


def _median_rounds(rows: dict[str, object]) -> dict[str, float]:
    for measure in rows.values():  # warm the bytecode caches
        measure()  # type: ignore[operator]
    times: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(ROUNDS):
        for label, measure in rows.items():
            times[label].append(measure())  # type: ignore[operator]
    return {label: statistics.median(v) for label, v in times.items()}


def main() -> int:
    ok = True
    every_name = "import sysapi; [getattr(sysapi, n) for n in sysapi.__all__]"
    rows: dict[str, object] = {
        "import sysapi (-X importtime, cumulative)": lambda: _importtime_us("sysapi"),
        "import sysapi + every name of __all__": lambda: _inside_us(every_name),
        "import inotify_simple": lambda: _inside_us("import inotify_simple"),
    }
    inside = _median_rounds(rows)
    t = Table("import sysapi", "import inotify_simple", unit="µs")
    for label, us in inside.items():
        t.add(label, us)
    t.goal("import sysapi + every name of __all__", "import inotify_simple", 1.1)
    ok &= t.print()
    for label, limit_ms in (
        ("import sysapi (-X importtime, cumulative)", 5.0),
        ("import sysapi + every name of __all__", 15.0),
    ):
        ms = inside[label] / 1000
        state = "met" if ms <= limit_ms else "NOT met"
        print(f"  goal: {label} <= {limit_ms} ms: {ms:.1f} ms, {state}")
        ok &= ms <= limit_ms

    with tempfile.NamedTemporaryFile() as f:
        f.write(os.urandom(1 << 20))
        f.flush()
        processes: dict[str, object] = {
            "python -m sysapi fincore FILE": lambda: _process_us(
                [PY, "-m", "sysapi", "fincore", f.name]
            ),
            "python -c pass": lambda: _process_us([PY, "-c", "pass"]),
        }
        if shutil.which("fincore"):
            processes["util-linux fincore FILE"] = lambda: _process_us(["fincore", f.name])
        whole = _median_rounds(processes)
    t = Table("python -m sysapi fincore FILE, whole process", "python -c pass", unit="µs")
    for label, us in whole.items():
        t.add(label, us)
    t.goal("python -m sysapi fincore FILE", "python -c pass", 2.0)
    ok &= t.print()
    lookups: dict[str, object] = {
        "sysapi.mincore, other areas still to load": lambda: _lookup_ns(
            "sysapi.mincore", "sysapi.mincore"
        ),
        "sysapi.mincore, every name served": lambda: _lookup_ns(
            "sysapi.__all__; assert '__getattr__' not in vars(sysapi)", "sysapi.mincore"
        ),
        "os.getpid (a plain module)": lambda: _lookup_ns("pass", "os.getpid"),
    }
    looked = _median_rounds(lookups)
    t = Table("a name's lookup in a loop", "os.getpid (a plain module)", unit="ns/iteration")
    for label, ns in looked.items():
        t.add(label, ns)
    t.print()

    print("\nall goals met" if ok else "\nsome goals not met: the gaps are printed above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
