"""python -m sysapi: errors on stderr in the classic tool's wording and with its exit status;
--help in plain text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sysapi import _areas, cli, clock, errors

SUBCOMMANDS = ["check", *_areas.COMMANDS]


def sysapi(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sysapi", *map(str, argv)], capture_output=True, text=True
    )


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help_is_plain_text(command: str | None) -> None:
    """0.1.0 printed the module docstrings' reStructuredText (``python -m sysapi``)."""
    proc = sysapi(*([command] if command else []), "--help")
    assert proc.returncode == 0 and proc.stdout
    assert "``" not in proc.stdout and ":func:" not in proc.stdout


@pytest.fixture
def tmpfs_dir() -> Iterator[Path]:
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no tmpfs at /dev/shm")
    path = Path(tempfile.mkdtemp(prefix="sysapi-test-", dir="/dev/shm"))
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_fibmap_reports_a_missing_file_on_stderr_as_filefrag(tmp_path: Path) -> None:
    """0.1.0 printed the error on stdout, with status 1; filefrag says "open: ..." on stderr
    and exits with the errno."""
    missing = tmp_path / "missing"
    ours = sysapi("fibmap", missing)
    assert ours.stdout == ""
    assert ours.stderr == "sysapi fibmap: open: No such file or directory\n"
    assert ours.returncode == 2
    if shutil.which("filefrag") is not None:
        theirs = subprocess.run(["filefrag", "-B", "-v", missing], capture_output=True, text=True)
        assert theirs.returncode == ours.returncode
        assert "open: No such file or directory" in theirs.stderr


def test_fibmap_without_fibmap_support(tmpfs_dir: Path) -> None:
    ours = sysapi("fibmap", tmpfs_dir)
    assert ours.stdout == ""
    assert ours.stderr == f"sysapi fibmap: {tmpfs_dir}: FIBMAP unsupported\n"
    assert ours.returncode == 25  # ENOTTY, as filefrag
    if shutil.which("filefrag") is not None:
        theirs = subprocess.run(["filefrag", "-B", "-v", tmpfs_dir], capture_output=True)
        assert theirs.returncode == ours.returncode


def test_fibmap_status_is_the_first_failure(tmp_path: Path, tmpfs_dir: Path) -> None:
    ours = sysapi("fibmap", tmp_path / "missing", tmpfs_dir)
    assert ours.returncode == 2 and ours.stderr.count("sysapi fibmap: ") == 2


def test_timex_reports_a_failure_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail() -> clock.AdjtimexResult:
        raise errors.EPERM(1, os.strerror(1))

    monkeypatch.setattr(clock, "adjtimex", fail)
    assert cli.main(["timex"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "sysapi timex: adjtimex: Operation not permitted\n"


def test_watch_reports_a_missing_path_as_inotifywait(tmp_path: Path) -> None:
    ours = sysapi("watch", tmp_path / "missing")
    assert ours.returncode == 1 and ours.stdout == ""
    assert f"sysapi watch: Couldn't watch {tmp_path / 'missing'}: No such file" in ours.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["fincore", "{missing}"],
        ["xattr", "get", "-n", "user.x", "{missing}"],
        ["xattr", "list", "{missing}"],
        ["sched", "-p", "2147483647"],
        ["ioprio", "-p", "2147483647"],
        ["check", "--area", "no-such-area"],
    ],
)
def test_every_error_goes_to_stderr(argv: list[str], tmp_path: Path) -> None:
    proc = sysapi(*(a.format(missing=tmp_path / "missing") for a in argv))
    assert proc.returncode != 0
    assert proc.stdout == "" and proc.stderr.startswith(f"sysapi {argv[0]}: ")


def test_a_test_needing_a_missing_tool_is_skipped_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The comparisons with fincore, filefrag, chrt and ionice skip where the tool is not
    installed (0.1.0 failed with FileNotFoundError)."""
    import conftest

    class Item:
        def iter_markers(self, name: str) -> list[pytest.Mark]:
            return [pytest.mark.requires_tool("fincore").mark] if name == "requires_tool" else []

        def get_closest_marker(self, name: str) -> None:
            return None

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.skip.Exception, match="needs the fincore command"):
        conftest.pytest_runtest_setup(Item())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "argv",
    [
        ["fincore", "a"],
        ["fincore", "a", "b", ""],
        ["fincore", "-J", "a", "--json"],
        ["fincore", "a", "-b", "--noheadings"],
        ["fincore", "--bytes", "-n", "a"],
    ],
)
def test_fincore_quick_path_parses_as_argparse(argv: list[str]) -> None:
    """`fincore FILE...` skips argparse (a third of its start-up): its arguments must be the
    ones argparse would have produced."""
    quick = cli._quick_args(argv)
    assert quick is not None
    assert vars(quick) == vars(cli.build_parser(argv).parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["fincore"],
        ["fincore", "-h"],
        ["fincore", "--help"],
        ["fincore", "-o", "RES", "a"],
        ["fincore", "-bn", "a"],
        ["fincore", "--js", "a"],
        ["fincore", "--", "-a"],
        ["fincore", "-"],
        ["fincore", "a", "--output=RES"],
        ["fincore", "a", "-x"],
        ["xattr", "a"],
        [],
    ],
)
def test_fincore_quick_path_leaves_the_rest_to_argparse(argv: list[str]) -> None:
    assert cli._quick_args(argv) is None


def test_fincore_command_imports_no_argparse(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from sysapi import cli\n"
        f"status = cli.main(['fincore', '-b', {str(tmp_path)!r}])\n"
        "print(status, ' '.join(m for m in ('argparse', 're', 'gettext') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["0"], out.stdout


def test_fincore_command_imports_only_what_it_uses(tmp_path: Path) -> None:
    """What the memory area and the command import only for other calls stays out (each was
    imported at module level once): a short command's start-up is most of its run."""
    unused = (
        "weakref", "threading", "contextlib", "resource", "signal", "json", "warnings", "math",
    )  # fmt: skip
    (tmp_path / "f").write_bytes(b"x" * 5000)
    code = (
        "import sys\n"
        "from sysapi import cli\n"
        f"status = cli.main(['fincore', {str(tmp_path / 'f')!r}])\n"
        f"print(status, *(m for m in {unused!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.splitlines()[-1].split() == ["0"], out.stdout


def test_python_m_sysapi_exits_with_the_command_status(tmp_path: Path) -> None:
    """__main__ freezes the objects before exit (gc.freeze): the status is the command's."""
    (tmp_path / "f").write_bytes(b"x")
    ok = subprocess.run([sys.executable, "-m", "sysapi", "fincore", str(tmp_path / "f")])
    missing = subprocess.run(
        [sys.executable, "-m", "sysapi", "fincore", str(tmp_path / "none")], stderr=subprocess.PIPE
    )
    assert (ok.returncode, missing.returncode) == (0, 1)
