"""Sphinx extension: the page "Behaviour by kernel and filesystem".

``.. sysapi-behaviour::``
    From the committed results of the kernel and filesystem matrices (``behaviour.json``,
    written by ``tools/behaviour.py``): the runs (kernel, filesystem, commit tested, date,
    summary), then per group (kernels, filesystems) one table of every case that differs
    between its runs, with the reason the report gave. Then every condition the reference
    cases declare (``Case.conditions``), read from the installed package.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from sysapi import conformance
from sysapi.errors import errno_name

_SHORT = {
    "as documented": "as documented",
    "differs from the documentation (known)": "known difference",
    "UNEXPECTED": "**UNEXPECTED**",
    "not provoked": "not provoked",
    "absent": "(no such case)",
}
#: group -> (section title, what its runs differ in)
_GROUPS = {
    "kernel": ("By kernel", "kernel"),
    "kernel-tmpfs": ("By kernel, the filesystem cases on tmpfs", "kernel"),
    "filesystem": ("By filesystem, on one kernel", "filesystem"),
}


def _text(text: str) -> str:
    """``text`` with the characters that reStructuredText would read as markup escaped."""
    return re.sub(r"([\\*`_|])", r"\\\1", text)


def _cell(cell: dict[str, Any]) -> str:
    text = _SHORT.get(cell["verdict"], cell["verdict"])
    if cell["observed"]:
        text += f" ({cell['observed']})"
    return text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0] or ' '}")
        lines += [f"     - {c or ' '}" for c in row[1:]]
    return [*lines, ""]


def _runs(data: dict[str, Any]) -> list[str]:
    rows = []
    for run in data["runs"]:
        s = run["summary"]
        rows.append(
            [
                f"``{run['label']}``",
                f"``{run['kernel']}``",
                run["filesystem"],
                _text(run["how"]),
                f"``{run['commit'][:12]}``",
                run["date"],
                f"{s['cases']} cases: {s['as documented']} as documented, "
                f"{s['differs from the documentation (known)']} known differences, "
                f"{s['UNEXPECTED']} unexpected, {s['not provoked']} not provoked",
            ]
        )
    header = ["run", "kernel", "filesystem cases on", "how", "commit", "date", "result"]
    return _table(header, rows)


def _differences(data: dict[str, Any], group: str) -> list[str]:
    runs = [r for r in data["runs"] if r["group"] == group]
    ids = [r["id"] for r in runs]
    # tools/behaviour.py keeps a case's results in the groups where it differs.
    cases = [c for c in data["cases"] if all(i in c["results"] for i in ids)]
    title, noun = _GROUPS.get(group, (group, group))
    lines = [title, "-" * len(title), ""]
    if not cases:
        return [*lines, f"Every case gave the same answer on every {noun}.", ""]
    rows = []
    notes: dict[tuple[str, str], list[str]] = {}
    for c in cases:
        how = _text(c["how"]) + (" (uid 65534)" if c["unprivileged"] else "")
        rows.append([f"``{c['call']}``", c["errno"], how, *(_cell(c["results"][i]) for i in ids)])
        for run in runs:
            note = c["results"][run["id"]]["note"]
            if note:
                notes.setdefault((run["label"], note), []).append(f"``{c['call']}`` {c['errno']}")
    header = ["call", "errno", "provoked by", *(f"``{r['label']}``" for r in runs)]
    lines += [f"{len(cases)} cases do not give the same answer on every {noun}.", ""]
    lines += _table(header, rows)
    if notes:
        lines += ["What the report said, once per reason:", ""]
        for (label, note), which in notes.items():
            lines.append(f"* on ``{label}``: {_text(note)} ({', '.join(which)})")
        lines.append("")
    return lines


def _conditions() -> list[str]:
    lines = ["Conditions in the reference cases", "-" * 33, ""]
    lines += [
        "Where Linux is known to answer differently on some kernels, filesystems or "
        "configurations, the case says so (``Case.conditions``); the report then shows a known "
        "difference, not an unexpected result.",
        "",
    ]
    items = []
    for case in conformance.all_cases():
        for cond in case.conditions:
            expect = "success" if cond.expect == 0 else errno_name(cond.expect)
            who = " (uid 65534)" if case.unprivileged else ""
            items.append(
                f"* ``{case.syscall}`` {errno_name(case.errno)}, {_text(case.how)}{who}: "
                f"{_text(cond.describe())}, {expect}: {_text(cond.why)}."
            )
    return [*lines, *(items or ["None."]), ""]


class Behaviour(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        path = Path(self.config.sysapi_behaviour_data)
        lines: list[str] = []
        data = json.loads(path.read_text()) if path.is_file() else {"runs": []}
        if data["runs"]:
            self.env.note_dependency(str(path))
            lines += ["Runs", "----", ""]
            lines += _runs(data)
            for group in _GROUPS:
                if any(r["group"] == group for r in data["runs"]):
                    lines += _differences(data, group)
        else:
            lines += [
                ".. note::",
                "",
                f"   No runs in ``{path.name}`` when these pages were built.",
                "",
            ]
        lines += _conditions()
        container = nodes.section()
        container.document = self.state.document
        content = StringList()
        for i, line in enumerate(lines):
            content.append(line, f"<generated by {self.name}>", i)
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("sysapi_behaviour_data", "", "env")
    app.add_directive("sysapi-behaviour", Behaviour)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["setup"]
