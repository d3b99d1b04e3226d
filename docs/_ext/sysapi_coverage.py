"""The coverage data: every API the notes' inventories list, and how sysapi covers it.

``docs/coverage.toml`` has one ``[[api]]`` entry per row of the API tables of
``shared/spec/notes-*.md`` (the tables whose first column is "Call" or "#"), keyed by the
spec file's letter and the row's exact first cell, so that a test can check that every row of
the spec has an entry and nothing else does. Each entry names the sysapi calls that bind it
(``sysapi``: names importable from ``sysapi``, as API.md promises them), the stdlib functions
that already do it (``stdlib``: dotted names), and a ``note`` (rst) that says why it is not bound
when both lists are empty.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_SEPARATOR = re.compile(r"^\|[\s:|-]+\|\s*$")


@dataclass(frozen=True)
class Api:
    spec: str
    row: str
    name: str
    sysapi: tuple[str, ...]
    stdlib: tuple[str, ...]
    note: str

    @property
    def status(self) -> str:
        if self.sysapi:
            return "sysapi"
        if self.stdlib:
            return "stdlib"
        return "not bound"


@dataclass(frozen=True)
class Group:
    spec: str
    file: str
    title: str
    apis: tuple[Api, ...]


@dataclass(frozen=True)
class Coverage:
    groups: tuple[Group, ...]

    @property
    def apis(self) -> list[Api]:
        return [api for group in self.groups for api in group.apis]

    def counts(self, available: set[str]) -> dict[str, int]:
        """Totals for the summary line; ``available`` is ``set(sysapi.__all__)``."""
        apis = self.apis
        bound = [a for a in apis if a.sysapi]
        return {
            "total": len(apis),
            "sysapi": len(bound),
            "in_progress": sum(not set(a.sysapi) <= available for a in bound),
            "stdlib": sum(a.status == "stdlib" for a in apis),
            "not_bound": sum(a.status == "not bound" for a in apis),
        }


def load_coverage(path: Path) -> Coverage:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = []
    for spec in data["spec"]:
        apis = tuple(
            Api(
                spec=a["spec"],
                row=a["row"],
                name=a["name"],
                sysapi=tuple(a.get("sysapi", ())),
                stdlib=tuple(a.get("stdlib", ())),
                note=a.get("note", ""),
            )
            for a in data["api"]
            if a["spec"] == spec["letter"]
        )
        groups.append(Group(spec["letter"], spec["file"], spec["title"], apis))
    return Coverage(tuple(groups))


def _cells(line: str) -> list[str]:
    # A cell may contain an escaped pipe (``\\|``).
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def spec_rows(path: Path) -> list[str]:
    """The first cell of every row of the API tables of one spec file (in file order)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|") and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            first = _cells(line)[0]
            is_api = first.startswith("Call") or first == "#"
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                if is_api:
                    rows.append(_cells(lines[i])[0])
                i += 1
        else:
            i += 1
    return rows


def check_against_spec(cov: Coverage, spec_dir: Path) -> list[str]:
    """The differences between the coverage data and the spec files' API tables (none: [])."""
    problems = []
    for group in cov.groups:
        wanted = Counter(spec_rows(spec_dir / group.file))
        have = Counter(api.row for api in group.apis)
        for row in wanted - have:
            problems.append(f"{group.file}: no coverage entry for the row {row!r}")
        for row in have - wanted:
            problems.append(f"{group.file}: coverage entry for no row of the spec: {row!r}")
    files = {p.name for p in spec_dir.glob("notes-*.md")}
    for missing in sorted(files - {g.file for g in cov.groups}):
        problems.append(f"{missing}: spec file without a coverage group")
    return problems
