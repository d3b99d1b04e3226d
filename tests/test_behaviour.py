"""The committed results of the kernel and filesystem matrices (docs/behaviour.json) and the
tool that writes them (tools/behaviour.py)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "behaviour.json"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("behaviour", ROOT / "tools" / "behaviour.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_committed_run_names_its_commit_and_date_and_found_nothing_unexpected() -> None:
    data = json.loads(DATA.read_text())
    assert {"kernel", "filesystem"} <= {run["group"] for run in data["runs"]}
    for run in data["runs"]:
        assert re.fullmatch(r"[0-9a-f]{40}(\+changes)?", run["commit"]), run
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run["date"]), run
        assert run["summary"]["UNEXPECTED"] == 0, run
    assert not [
        c for c in data["cases"] for r in c["results"].values() if r["verdict"] == "UNEXPECTED"
    ]


def _row(verdict: str, observed: str | None, detail: str = "") -> dict[str, Any]:
    return {
        "area": "xattr",
        "call": "setxattr",
        "errno": "ENOSPC",
        "how": "64 KiB value",
        "unprivileged": False,
        "observed": observed,
        "verdict": verdict,
        "detail": detail,
        "condition": None,
        "filesystem": "x",
    }


def _result(tmp: Path, name: str, group: str, rows: list[dict[str, Any]]) -> Path:
    d = tmp / name
    d.mkdir()
    (d / "check.json").write_text(json.dumps(rows))
    (d / "uname").write_text("6.18.0\n")
    meta = f"group={group}\ncommit={'a' * 40}\ndate=2026-12-05\npackage={name}\nhow=test\n"
    (d / "meta").write_text(meta)
    return d


def test_only_the_cases_that_differ_within_a_group_are_kept(tmp_path: Path) -> None:
    same = {**_row("as documented", "EPERM"), "errno": "EPERM", "how": "same everywhere"}
    dirs = [
        _result(tmp_path, "ext4", "filesystem", [same, _row("as documented", "ENOSPC")]),
        _result(tmp_path, "xfs", "filesystem", [same, _row("not provoked", None, "stores it")]),
    ]
    data = _tool().build(dirs)
    assert [r["id"] for r in data["runs"]] == ["filesystem:ext4", "filesystem:xfs"]
    assert [c["how"] for c in data["cases"]] == ["64 KiB value"]
    cells = data["cases"][0]["results"]
    assert cells["filesystem:xfs"] == {
        "verdict": "not provoked",
        "observed": None,
        "note": "stores it",
    }
