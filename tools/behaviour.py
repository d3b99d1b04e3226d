"""Turn result directories of the kernel and filesystem matrices into ``docs/behaviour.json``.

Usage::

    python tools/behaviour.py [-o docs/behaviour.json] RESULT_DIR...

Each RESULT_DIR is one run, as ``tools/kernel-matrix.sh`` (``WORK/results/<release>``, its
``tmpfs/`` and ``WORK/results/host``) and ``tools/filesystem-matrix.sh`` (``OUT/<fstype>``)
write it: ``check.json`` (``python -m sysapi check --json``), ``uname`` and ``meta`` (group:
kernel, kernel-tmpfs or filesystem; commit, date, package, how). The output keeps, per run,
where and what was tested and its summary, and every case whose verdict, observed errno or
applied condition is not the same in all runs of its group, or that is unexpected anywhere, with
its results in those groups: the docs page "Behaviour by kernel and filesystem"
(``docs/_ext/sysapi_behaviour.py``) shows that.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

VERDICTS = ("as documented", "differs from the documentation (known)", "UNEXPECTED", "not provoked")


def _meta(directory: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in (directory / "meta").read_text().splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    return meta


def _key(row: dict[str, Any]) -> str:
    return f"{row['call']} {row['errno']} {row['how']}" + (
        " [uid 65534]" if row["unprivileged"] else ""
    )


def load(directory: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the run's description, case key -> row) of one result directory."""
    meta = _meta(directory)
    rows: list[dict[str, Any]] = json.loads((directory / "check.json").read_text())
    release = (directory / "uname").read_text().strip()
    filesystems = sorted({r["filesystem"] for r in rows if r.get("filesystem")})
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    group = meta.get("group", "kernel")
    # The kernel groups compare kernels (the host is one of them), the filesystem group
    # compares filesystems on one kernel.
    label = meta.get("package", "?") if group == "filesystem" else release
    if meta.get("package") == "host":
        label += " (host)"
    run = {
        "id": f"{group}:{label}",
        "group": group,
        "label": label,
        "kernel": release,
        "filesystem": ", ".join(filesystems) or "?",
        "package": meta.get("package", ""),
        "how": meta.get("how", ""),
        "commit": meta.get("commit", ""),
        "date": meta.get("date", ""),
        "summary": {"cases": len(rows), **counts},
    }
    return run, {_key(r): r for r in rows}


# The scratch paths in the reasons (mkdtemp names, pids) change every run: they are not
# differences.
_SCRATCH = re.compile(r"[^\s'\"]*sysapi-check-[^\s'\"]*")


def _cell(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"verdict": "absent", "observed": None, "note": ""}
    return {
        "verdict": row["verdict"],
        "observed": row["observed"],
        "note": _SCRATCH.sub("SCRATCH", row.get("condition") or row["detail"]),
    }


def build(directories: list[Path]) -> dict[str, Any]:
    runs, tables = [], []
    for d in directories:
        run, table = load(d)
        runs.append(run)
        tables.append(table)
    cases: list[dict[str, Any]] = []
    keys = sorted(set().union(*tables)) if tables else []
    for key in keys:
        cells = {run["id"]: _cell(t.get(key)) for run, t in zip(runs, tables, strict=True)}
        # Keep the cells of the groups where the case differs (or is unexpected).
        kept: dict[str, dict[str, Any]] = {}
        for group in sorted({run["group"] for run in runs}):
            mine = {r["id"]: cells[r["id"]] for r in runs if r["group"] == group}
            seen = {json.dumps(c) for c in mine.values()}
            if len(seen) > 1 or any(c["verdict"] == "UNEXPECTED" for c in mine.values()):
                kept.update(mine)
        if not kept:
            continue
        row = next(t[key] for t in tables if key in t)
        cases.append(
            {
                "area": row["area"],
                "call": row["call"],
                "errno": row["errno"],
                "how": row["how"],
                "unprivileged": row["unprivileged"],
                "results": kept,
            }
        )
    return {"generated_by": "tools/behaviour.py", "runs": runs, "cases": cases}


def dump(data: dict[str, Any]) -> str:
    """JSON with one run and one case a line: small, and a rerun diffs line by line."""

    def items(key: str) -> str:
        return ",\n".join(json.dumps(x, ensure_ascii=False) for x in data[key])

    return (
        f'{{"generated_by": {json.dumps(data["generated_by"])},\n'
        f'"runs": [\n{items("runs")}\n],\n"cases": [\n{items("cases")}\n]}}\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/behaviour.json"))
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args()
    data = build(args.results)
    args.output.write_text(dump(data))
    for run in data["runs"]:
        s = run["summary"]
        print(
            f"{run['group']:<10} {run['label']:<24} {s['cases']} cases, "
            f"{s['UNEXPECTED']} unexpected (commit {run['commit'][:12]}, {run['date']})"
        )
    print(f"{len(data['cases'])} cases differ; written to {args.output}")


if __name__ == "__main__":
    main()
