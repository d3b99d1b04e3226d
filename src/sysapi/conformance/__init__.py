"""Reference cases: one provocation per documented errno, run on this kernel.

A :class:`Case` provokes one documented errno of one call through sysapi's public API. The
engine runs it (in a forked child when it must drop privileges, lower limits or may disturb the
process), observes the errno, and compares it with what the spec expects on Linux. The same
cases run in the test suite and in ``python -m sysapi check``.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import resource
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sysapi import _areas
from sysapi.errors import REGISTRY, ErrorSpec, SysapiError, errno_name

__all__ = [
    "NOBODY",
    "Case",
    "Context",
    "NotProvokable",
    "Result",
    "Verdict",
    "all_cases",
    "areas",
    "run",
    "run_case",
]

#: The unprivileged uid/gid the forked children drop to.
NOBODY = 65534
#: How the cases create their files: never through a planted symlink, never into an old file.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
#: A case that has not finished by then is killed and reported as unexpected.
CASE_TIMEOUT = 20.0


class NotProvokable(Exception):
    """Raised by a case that cannot provoke its errno here (say, no suitable filesystem)."""


class Verdict(enum.Enum):
    AS_DOCUMENTED = "as documented"
    #: The kernel differs from the notes or the man page exactly as the spec records.
    KNOWN_DIFFERENCE = "differs from the documentation (known)"
    UNEXPECTED = "UNEXPECTED"
    NOT_PROVOKED = "not provoked"

    @property
    def ok(self) -> bool:
        return self is not Verdict.UNEXPECTED


@dataclass
class Context:
    """What a case gets: a scratch directory and, in a forked child, a way to drop privileges."""

    tmp: Path
    forked: bool = False
    _cleanups: list[Callable[[], object]] = field(default_factory=list)

    def file(
        self, name: str = "file", data: bytes = b"", mode: int = 0o644, *, dir: Path | None = None
    ) -> Path:
        """Create ``name`` in ``dir`` (default: ``tmp``) with ``data`` and ``mode``; return its
        path. The file must not exist yet, and a symlink in its place is never followed: a case
        runs as root, and whatever it writes must be the file it made."""
        path = (self.tmp if dir is None else dir) / name
        fd = os.open(path, _NEW_FILE, mode)
        try:
            os.fchmod(fd, mode)  # whatever the umask
            os.write(fd, data)
        finally:
            os.close(fd)
        return path

    def private_dir(self, parent: str) -> Path:
        """A new directory of mode 0700 in ``parent`` (say ``/dev/shm``, for a case that needs
        a tmpfs), removed with its contents when the case ends. Never a name built from a pid or
        a time in a world-writable directory: anyone could plant a symlink there first."""
        if not os.path.isdir(parent):
            raise NotProvokable(f"no {parent} here")
        path = Path(tempfile.mkdtemp(prefix="sysapi-check-", dir=parent))
        self.defer(shutil.rmtree, path, True)
        return path

    def open(
        self, path: str | os.PathLike[str], flags: int = os.O_RDONLY, mode: int = 0o644
    ) -> int:
        """``os.open`` whose descriptor is closed when the case ends."""
        fd = os.open(path, flags | os.O_CLOEXEC, mode)
        self.defer(os.close, fd)
        return fd

    def pipe(self) -> tuple[int, int]:
        """``os.pipe`` whose ends are closed when the case ends."""
        r, w = os.pipe()
        self.defer(os.close, r)
        self.defer(os.close, w)
        return r, w

    def closed_fd(self) -> int:
        """A descriptor number that cannot be open: at or above RLIMIT_NOFILE."""
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return 0x7FFFFFFF if soft == resource.RLIM_INFINITY else min(soft, 0x7FFFFFFF)

    def defer(self, func: Callable[..., object], *args: Any) -> None:
        """Run ``func(*args)`` when the case ends (last registered, first run)."""
        self._cleanups.append(lambda: func(*args))

    def drop_privileges(self, rlimits: dict[int, int] | None = None) -> None:
        """Lower ``rlimits`` (soft and hard), then become uid/gid 65534 with no groups.

        Only in a forked child (``Case(unprivileged=True)`` or ``fork=True``): it cannot be
        undone. Everything the rest of the case needs must already be imported.
        """
        if not self.forked:
            raise RuntimeError("drop_privileges() outside a forked case")
        for which, value in (rlimits or {}).items():
            resource.setrlimit(which, (value, value))
        if os.geteuid() == 0:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)

    def cleanup(self) -> None:
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()


@dataclass(frozen=True)
class Case:
    """One provocation of one documented errno.

    ``provoke`` calls sysapi so that ``syscall`` fails with ``errno`` (or with ``expect`` where
    Linux differs from the notes; ``expect=0`` means Linux lets the call succeed). A case without
    ``provoke`` carries ``reason``: why it cannot be provoked for real.
    """

    area: str
    syscall: str
    errno: int
    how: str
    provoke: Callable[[Context], object] | None = None
    expect: int | None = None
    #: Run in a forked child that calls ``ctx.drop_privileges()`` (as root: uid 65534).
    unprivileged: bool = False
    #: Run in a forked child (rlimits, signals, anything that must not touch this process).
    fork: bool = False
    #: Needs uid 0 (for example to show that root gets no EPERM): not provokable otherwise.
    root: bool = False
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.provoke is None) == (self.reason is None):
            raise ValueError(f"{self.id}: give provoke or reason, not both or neither")

    @property
    def expected(self) -> int:
        return self.errno if self.expect is None else self.expect

    @property
    def id(self) -> str:
        return f"{self.syscall}-{errno_name(self.errno)}-{self.how}"

    @property
    def spec(self) -> ErrorSpec:
        return REGISTRY[self.syscall]


@dataclass(frozen=True)
class Result:
    case: Case
    #: The errno observed (0: the call succeeded); None when the case did not run.
    observed: int | None
    verdict: Verdict
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        case, spec = self.case, self.case.spec
        entry = spec.entry(case.errno)
        if entry is not None:
            meaning, source, claim = entry.meaning, entry.source.value, entry.notes_claim
        else:
            meaning, source = spec.notes_only.get(case.errno, ""), "notes"
            claim = "the notes list it; Linux never returns it for this reason"
        return {
            "area": case.area,
            "call": case.syscall,
            "errno": errno_name(case.errno),
            "meaning": meaning,
            "source": source,
            "notes_claim": claim,
            "how": case.how,
            "unprivileged": case.unprivileged,
            "expected": _name(case.expected),
            "observed": None if self.observed is None else _name(self.observed),
            "verdict": self.verdict.value,
            "detail": self.detail,
        }


def _name(err: int) -> str:
    return "success" if err == 0 else errno_name(err)


def _observe(case: Case, ctx: Context) -> tuple[int | None, str]:
    """Run ``case.provoke``: (errno or 0, detail), or (None, reason) when not provokable."""
    assert case.provoke is not None
    try:
        case.provoke(ctx)
    except NotProvokable as exc:
        return None, str(exc)
    except SysapiError as exc:
        if exc.syscall != case.syscall:
            return exc.errno, f"raised by {exc.syscall}, not {case.syscall}: {exc}"
        return exc.errno, ""
    except Exception as exc:
        return -1, f"{type(exc).__name__}: {exc}"
    finally:
        ctx.cleanup()
    return 0, ""


def _observe_in_child(case: Case, ctx: Context) -> tuple[int | None, str]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into the caller's stack
        code = 0
        try:
            os.close(r)
            ctx.forked = True
            observed, detail = _observe(case, ctx)
            os.write(w, json.dumps([observed, detail]).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    data = b""
    deadline = time.monotonic() + CASE_TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return -1, f"timed out after {CASE_TIMEOUT:.0f} s"
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    if not data:
        return -1, f"the child died without a result (wait status {status:#x})"
    observed, detail = json.loads(data)
    return observed, detail


def run_case(case: Case) -> Result:
    """Run one case and judge it."""
    if case.provoke is None:
        return Result(case, None, Verdict.NOT_PROVOKED, case.reason or "")
    if case.root and os.geteuid() != 0:
        return Result(case, None, Verdict.NOT_PROVOKED, "needs root")
    if case.unprivileged and os.geteuid() != 0:
        # The case prepares as root (files, segments owned by root) and then drops to 65534;
        # started unprivileged, that set-up is not what the case describes.
        return Result(
            case, None, Verdict.NOT_PROVOKED, "run as root: the case drops from root to uid 65534"
        )
    tmp = Path(tempfile.mkdtemp(prefix="sysapi-check-"))
    tmp.chmod(0o755)  # the unprivileged children look into it
    ctx = Context(tmp)
    try:
        if case.unprivileged or case.fork:
            observed, detail = _observe_in_child(case, ctx)
        else:
            observed, detail = _observe(case, ctx)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if observed is None:
        return Result(case, None, Verdict.NOT_PROVOKED, detail)
    if observed == case.expected and not detail:
        verdict = Verdict.AS_DOCUMENTED if observed == case.errno else Verdict.KNOWN_DIFFERENCE
    else:
        verdict = Verdict.UNEXPECTED
    return Result(case, observed, verdict, detail)


def _case_modules() -> list[Any]:
    # Imported here, not at module import: the case modules import the whole public API. Every
    # area is loaded too, before any child drops privileges (it could not read them after).
    _areas.load_all()
    return _areas.submodules("conformance")


def all_cases() -> list[Case]:
    """Every reference case, in a stable order."""
    return [case for module in _case_modules() for case in module.CASES]


def areas() -> list[str]:
    return sorted({case.area for case in all_cases()})


def run(area: str | None = None, cases: Iterable[Case] | None = None) -> list[Result]:
    """Run the reference cases (of one ``area``) and return one :class:`Result` each."""
    selected = list(cases) if cases is not None else all_cases()
    return [run_case(c) for c in selected if area is None or c.area == area]


def iter_run(area: str | None = None) -> Iterator[Result]:
    for case in all_cases():
        if area is None or case.area == area:
            yield run_case(case)
