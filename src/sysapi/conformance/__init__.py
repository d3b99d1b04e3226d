"""Reference cases: one provocation per documented errno, run on this kernel.

A :class:`Case` provokes one documented errno of one call through sysapi's public API. The
engine runs it (in a forked child when it must drop privileges, lower limits or may disturb the
process), observes the errno, and compares it with what the spec expects on Linux. The same
cases run in the test suite and in ``python -m sysapi check``.

A case separates its preparation from the call it provokes: what runs under :class:`setup`
(and the :class:`Context` helpers, which do) may fail without a verdict on the call — the case
is then "not provoked here", with the set-up's error as the reason — while any other failure is
judged. Where Linux answers differently on some kernels, filesystems or with some security
module, the case carries :class:`Condition` objects, and the :class:`Environment` (kernel
release, the scratch filesystem, the active LSMs) decides which applies. The filesystem cases
(:data:`FILESYSTEM_AREAS`, :data:`FILESYSTEM_CALLS`) make their scratch directories in the
directory given to :func:`run` (``check --dir``).
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sysapi import _areas
from sysapi.errors import REGISTRY, ErrorSpec, SysapiError, errno_name

__all__ = [
    "NOBODY",
    "Case",
    "Condition",
    "Context",
    "Environment",
    "NotProvokable",
    "Result",
    "SetupFailed",
    "Verdict",
    "all_cases",
    "areas",
    "environment",
    "filesystem_of",
    "run",
    "run_case",
    "setup",
    "user_mode_emulator",
]

#: The unprivileged uid/gid the forked children drop to.
NOBODY = 65534
#: How the cases create their files: never through a planted symlink, never into an old file.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
#: A case that has not finished by then is killed and reported as unexpected.
CASE_TIMEOUT = 20.0


class NotProvokable(Exception):
    """Raised by a case that cannot provoke its errno here (say, no suitable filesystem)."""


class SetupFailed(NotProvokable):
    """The case's own preparation failed, so the call it provokes was never made."""


class setup(contextlib.ContextDecorator):
    """Marks a case's preparation: an :class:`OSError` inside is :class:`SetupFailed`.

    ``with setup("tmpfs remounted read-only"):`` around the preparing steps, or ``@setup("...")``
    on a helper. The provoking call stays outside, so its errors are judged: only what happens
    before it is "not provoked here". Programming errors (``TypeError``...) are not caught:
    they stay unexpected.
    """

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> setup:
        return self

    def __exit__(
        self,
        typ: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, OSError):
            raise SetupFailed(f"set-up failed ({self.what}): {exc}") from exc


def _kernel_version(release: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", release)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def _unescape_mountinfo(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def filesystem_of(path: str | os.PathLike[str]) -> tuple[str, str, str]:
    """(type, source, mount point) of the mount holding ``path``, from /proc/self/mountinfo.

    The deepest mount point that contains the resolved path wins; of several mounts at one
    point, the last (the visible one). ``("unknown", "", "")`` when mountinfo is unreadable.
    """
    real = os.path.realpath(path)
    best = ("unknown", "", "")
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return best
    depth = -1
    for line in lines:
        # id parent maj:min root mountpoint options [optional...] - type source superoptions
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 2:
            continue
        point = _unescape_mountinfo(fields[4])
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= depth:
            depth = len(point)
            best = (tail[0], _unescape_mountinfo(tail[1]), point)
    return best


#: (kernel, process) machine names of native compat modes: a 64-bit kernel running 32-bit code.
_COMPAT = frozenset(
    {
        ("x86_64", "i386"),
        ("x86_64", "i686"),
        ("aarch64", "armv7l"),
        ("aarch64", "armv8l"),
        ("ppc64", "ppc"),
        ("s390x", "s390"),
    }
)


def user_mode_emulator() -> str:
    """How this process is emulated, or "" when it runs natively.

    A user-mode emulator (qemu-user through binfmt_misc) translates a foreign architecture's
    system calls for the host kernel and answers uname with the architecture it emulates; the
    ``kernel.arch`` sysctl still names the kernel's own. It translates each call by its own
    rules, so some answers are the emulator's, not the kernel's (see ``Case.emulator``).
    """
    try:
        kernel = Path("/proc/sys/kernel/arch").read_text().strip()
    except OSError:  # Linux < 6.1, or no /proc
        return ""
    machine = platform.machine()
    if not kernel or kernel == machine or (kernel, machine) in _COMPAT:
        return ""
    return f"{machine} emulated on an {kernel} kernel (qemu-user)"


def _searchable(directory: Path | None) -> bool:
    """Whether others (uid 65534) may search ``directory`` and every directory above it."""
    if directory is None:
        return True
    real = Path(os.path.realpath(directory))
    try:
        return all(os.stat(d).st_mode & 0o001 for d in (real, *real.parents))
    except OSError:
        return False


@dataclass(frozen=True)
class Environment:
    """What the verdicts depend on: the kernel, the scratch filesystem, the active LSMs."""

    release: str
    #: The type of the filesystem holding the scratch directories of the filesystem cases.
    filesystem: str
    #: The active Linux security modules, from /sys/kernel/security/lsm; None where unknown
    #: (securityfs not mounted, as in many containers).
    lsm: tuple[str, ...] | None = ()
    #: Where the filesystem cases run (``check --dir``); None: the system's temporary directory.
    directory: Path | None = None
    #: The source and mount point of that filesystem, for the report.
    mount: tuple[str, str] = ("", "")
    #: uid 65534 may search every directory down to ``directory`` (the children look in).
    reachable: bool = True
    #: glibc's version ("2.36"); "" with another C library.
    glibc: str = ""
    #: :func:`user_mode_emulator`: "" natively.
    emulator: str = ""

    @property
    def kernel(self) -> tuple[int, int]:
        return _kernel_version(self.release)

    @property
    def glibc_version(self) -> tuple[int, int] | None:
        return _kernel_version(self.glibc) if self.glibc else None

    @classmethod
    def probe(cls, directory: str | os.PathLike[str] | None = None) -> Environment:
        base = Path(directory) if directory is not None else None
        fstype, source, point = filesystem_of(base or tempfile.gettempdir())
        lsm: tuple[str, ...] | None
        try:
            lsm = tuple(Path("/sys/kernel/security/lsm").read_text().strip().split(","))
        except OSError:
            lsm = None
        try:
            libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (OSError, ValueError):
            libc = ""
        glibc = libc.split()[1] if libc.startswith("glibc ") else ""
        return cls(
            platform.release(),
            fstype,
            lsm,
            base,
            (source, point),
            _searchable(base),
            glibc,
            user_mode_emulator(),
        )

    def describe(self) -> str:
        source, point = self.mount
        where = f"{self.filesystem} ({source} at {point})" if point else self.filesystem
        emulated = f"; {self.emulator}" if self.emulator else ""
        return f"Linux {self.release}; filesystem cases on {where}{emulated}"


@dataclass(frozen=True)
class Condition:
    """Where Linux answers a case differently, and since or until which kernel.

    It applies when every given part matches: the kernel is older than ``below``, the scratch
    filesystem is one of ``filesystems``, the LSM ``lsm`` is active, the C library is a glibc
    older than ``glibc_below``. There the case expects ``expect`` (an errno, 0 for success) and
    the report explains it with ``why``.
    """

    expect: int
    why: str
    below: tuple[int, int] | None = None
    filesystems: tuple[str, ...] = ()
    lsm: str | None = None
    glibc_below: tuple[int, int] | None = None

    def applies(self, env: Environment) -> bool:
        """Whether it applies in ``env``; where the active LSMs are unknown, whether it may."""
        glibc = env.glibc_version
        return (
            (self.below is None or env.kernel < self.below)
            and (not self.filesystems or env.filesystem in self.filesystems)
            and (self.lsm is None or env.lsm is None or self.lsm in env.lsm)
            and (self.glibc_below is None or (glibc is not None and glibc < self.glibc_below))
        )

    def certain(self, env: Environment) -> bool:
        """False where it applies only perhaps (it needs an LSM, and they are unknown)."""
        return self.lsm is None or env.lsm is not None

    def describe(self) -> str:
        parts = []
        if self.below is not None:
            parts.append(f"Linux < {self.below[0]}.{self.below[1]}")
        if self.filesystems:
            parts.append(" or ".join(self.filesystems))
        if self.lsm is not None:
            parts.append(f"the {self.lsm} LSM active")
        if self.glibc_below is not None:
            parts.append(f"glibc < {self.glibc_below[0]}.{self.glibc_below[1]}")
        return "on " + ", ".join(parts) if parts else "always"


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
    """What a case gets: a scratch directory and, in a forked child, a way to drop privileges.

    ``file``, ``open``, ``pipe`` and ``drop_privileges`` are set-up steps: their failures make
    the case "not provoked here" (:class:`SetupFailed`), never unexpected.
    """

    tmp: Path
    forked: bool = False
    env: Environment | None = None
    _cleanups: list[Callable[[], object]] = field(default_factory=list)

    def file(
        self, name: str = "file", data: bytes = b"", mode: int = 0o644, *, dir: Path | None = None
    ) -> Path:
        """Create ``name`` in ``dir`` (default: ``tmp``) with ``data`` and ``mode``; return its
        path. The file must not exist yet, and a symlink in its place is never followed: a case
        runs as root, and whatever it writes must be the file it made."""
        path = (self.tmp if dir is None else dir) / name
        with setup(f"create {name}"):
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
        with setup(f"a private directory in {parent}"):
            path = Path(tempfile.mkdtemp(prefix="sysapi-check-", dir=parent))
        self.defer(shutil.rmtree, path, True)
        return path

    def open(
        self, path: str | os.PathLike[str], flags: int = os.O_RDONLY, mode: int = 0o644
    ) -> int:
        """``os.open`` whose descriptor is closed when the case ends."""
        with setup(f"open {os.fsdecode(path)}"):
            fd = os.open(path, flags | os.O_CLOEXEC, mode)
        self.defer(os.close, fd)
        return fd

    def pipe(self) -> tuple[int, int]:
        """``os.pipe`` whose ends are closed when the case ends."""
        with setup("pipe"):
            r, w = os.pipe()
        self.defer(os.close, r)
        self.defer(os.close, w)
        return r, w

    def limit_address_space(self, room: int) -> None:
        """Lower the soft RLIMIT_AS to this process's size plus ``room`` bytes (in a forked case).

        Not provokable where the limit does not take: qemu-user accepts RLIMIT_AS (and
        RLIMIT_DATA, RLIMIT_STACK) but keeps it from the kernel, since it would limit the
        emulator's own memory, and getrlimit then reads the old value back.
        """
        if not self.forked:
            raise RuntimeError("limit_address_space() outside a forked case")
        with open("/proc/self/status", "rb") as f:
            vmsize = next(int(line.split()[1]) * 1024 for line in f if line.startswith(b"VmSize:"))
        limit = vmsize + room
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
        now = resource.getrlimit(resource.RLIMIT_AS)[0]
        if now != limit:
            raise NotProvokable(
                f"RLIMIT_AS set to {limit} reads back as {now}: the limit did not reach the "
                "kernel (qemu-user keeps RLIMIT_AS from it)"
            )

    def closed_fd(self) -> int:
        """A descriptor number that cannot be open: at or above RLIMIT_NOFILE."""
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return 0x7FFFFFFF if soft == resource.RLIM_INFINITY else min(soft, 0x7FFFFFFF)

    @property
    def filesystem(self) -> str:
        """The type of the filesystem holding ``tmp``."""
        return filesystem_of(self.tmp)[0]

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
        with setup("drop privileges"):
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
    Linux differs from the notes; ``expect=0`` means Linux lets the call succeed). Where one
    kernel, filesystem or configuration answers otherwise, ``conditions`` say where and what
    (the first that applies wins). A case without ``provoke`` carries ``reason``: why it cannot
    be provoked for real.
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
    conditions: tuple[Condition, ...] = ()
    #: Why a user-mode emulator (qemu-user) keeps the kernel from giving the documented answer.
    #: Only where :attr:`Environment.emulator` says the process is emulated, and only when the
    #: answer is not the documented one, the case is then "not provoked" with this reason.
    emulator: str | None = None

    def __post_init__(self) -> None:
        if (self.provoke is None) == (self.reason is None):
            raise ValueError(f"{self.id}: give provoke or reason, not both or neither")

    @property
    def expected(self) -> int:
        return self.errno if self.expect is None else self.expect

    @property
    def on_filesystem(self) -> bool:
        """Its answer depends on the filesystem of the scratch directory (``check --dir``)."""
        return self.area in FILESYSTEM_AREAS or self.syscall in FILESYSTEM_CALLS

    def condition(self, env: Environment) -> Condition | None:
        """The condition that applies in ``env``, if any."""
        return next((c for c in self.conditions if c.applies(env)), None)

    @property
    def id(self) -> str:
        return f"{self.syscall}-{errno_name(self.errno)}-{self.how}"

    @property
    def spec(self) -> ErrorSpec:
        return REGISTRY[self.syscall]


#: The areas, and the calls of other areas, whose cases run on the ``check --dir`` filesystem.
FILESYSTEM_AREAS = frozenset({"fs", "xattr", "inotify"})
FILESYSTEM_CALLS = frozenset({"fincore"})


@dataclass(frozen=True)
class Result:
    case: Case
    #: The errno observed (0: the call succeeded); None when the case did not run.
    observed: int | None
    verdict: Verdict
    detail: str = ""
    #: The condition under which this kernel answers differently, when one applied.
    condition: Condition | None = None
    #: The filesystem type the case ran on, for the filesystem cases.
    filesystem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        case, spec, cond = self.case, self.case.spec, self.condition
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
            "expected": _name(case.expected if cond is None else cond.expect),
            "observed": None if self.observed is None else _name(self.observed),
            "verdict": self.verdict.value,
            "detail": self.detail,
            "condition": None if cond is None else f"{cond.describe()}: {cond.why}",
            "filesystem": self.filesystem,
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


_ENV: dict[Path | None, Environment] = {}


def environment(directory: str | os.PathLike[str] | None = None) -> Environment:
    """The :class:`Environment` of the cases run with ``directory`` (probed once)."""
    key = Path(directory) if directory is not None else None
    if key not in _ENV:
        _ENV[key] = Environment.probe(key)
    return _ENV[key]


def _not_here(case: Case, env: Environment) -> str | None:
    """Why ``case`` cannot run in ``env`` at all, or None."""
    if case.provoke is None:
        return case.reason or ""
    if case.root and os.geteuid() != 0:
        return "needs root"
    if case.unprivileged and os.geteuid() != 0:
        # The case prepares as root (files, segments owned by root) and then drops to 65534;
        # started unprivileged, that set-up is not what the case describes.
        return "run as root: the case drops from root to uid 65534"
    if case.unprivileged and case.on_filesystem and not env.reachable:
        return f"uid 65534 cannot search every directory down to {env.directory}"
    return None


def run_case(case: Case, env: Environment | None = None) -> Result:
    """Run one case in ``env`` (by default: this kernel, the temporary directory) and judge it."""
    env = env or environment()
    fstype = env.filesystem if case.on_filesystem else None
    why = _not_here(case, env)
    if why is not None:
        return Result(case, None, Verdict.NOT_PROVOKED, why, filesystem=fstype)
    base = env.directory if case.on_filesystem else None
    # mkdtemp creates it 0700 under an unpredictable name; opened to 0755 only after that,
    # since the unprivileged children look into it.
    tmp = Path(tempfile.mkdtemp(prefix="sysapi-check-", dir=base))
    tmp.chmod(0o755)
    ctx = Context(tmp, env=env)
    try:
        if case.unprivileged or case.fork:
            observed, detail = _observe_in_child(case, ctx)
        else:
            observed, detail = _observe(case, ctx)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if observed is None:
        return Result(case, None, Verdict.NOT_PROVOKED, detail, filesystem=fstype)
    verdict, cond = _judge(case, env, observed, detail)
    if verdict is Verdict.UNEXPECTED and env.emulator and case.emulator is not None:
        seen = detail or f"observed {_name(observed)}"
        why = f"{env.emulator}: {case.emulator} ({seen})"
        return Result(case, None, Verdict.NOT_PROVOKED, why, filesystem=fstype)
    return Result(case, observed, verdict, detail, cond, fstype)


def _judge(
    case: Case, env: Environment, observed: int, detail: str
) -> tuple[Verdict, Condition | None]:
    """The verdict on ``observed``, and the condition that explains it (if one applies)."""
    if detail:  # a wrong call failed, the child died, or the case crashed
        return Verdict.UNEXPECTED, None
    cond = case.condition(env)
    if cond is not None and observed == cond.expect:
        # Where the condition brings back the documented errno, it is as documented there.
        known = observed != case.errno
        return (Verdict.KNOWN_DIFFERENCE if known else Verdict.AS_DOCUMENTED), cond
    if observed == case.expected and (cond is None or not cond.certain(env)):
        verdict = Verdict.AS_DOCUMENTED if observed == case.errno else Verdict.KNOWN_DIFFERENCE
        return verdict, None
    return Verdict.UNEXPECTED, cond


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


def run(
    area: str | None = None,
    cases: Iterable[Case] | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> list[Result]:
    """Run the reference cases (of one ``area``) and return one :class:`Result` each.

    ``directory``: the filesystem cases (:attr:`Case.on_filesystem`) make their scratch
    directories there, so they test the filesystem that holds it.
    """
    selected = list(cases) if cases is not None else all_cases()
    return list(iter_run(area, selected, directory))


def iter_run(
    area: str | None = None,
    cases: Iterable[Case] | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> Iterator[Result]:
    env = environment(directory)
    for case in all_cases() if cases is None else cases:
        if area is None or case.area == area:
            yield run_case(case, env)
