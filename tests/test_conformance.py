"""Every reference case runs here as in ``python -m sysapi check``, and every documented
errno has a case or a written reason."""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import sysapi
from sysapi import conformance
from sysapi._sysapi import ffi, lib
from sysapi.conformance import Case, Condition, Environment, Verdict
from sysapi.errors import REGISTRY, errno_name

CASES = conformance.all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reference_case(case: Case) -> None:
    result = conformance.run_case(case)
    if result.verdict is Verdict.NOT_PROVOKED:
        pytest.skip(f"{case.id}: {result.detail}")
    assert result.verdict.ok, result.as_dict()


def test_every_documented_errno_has_a_case_or_a_reason() -> None:
    assert sysapi.__version__  # the whole API is imported, so REGISTRY is complete
    covered = {(c.syscall, c.errno) for c in CASES}
    missing = [
        f"{name} {errno_name(err)}"
        for name, spec in REGISTRY.items()
        for err in [*spec.errors, *spec.notes_only]
        if (name, err) not in covered
    ]
    assert not missing, missing


def test_every_case_names_a_documented_errno() -> None:
    for case in CASES:
        spec = REGISTRY[case.syscall]
        assert case.errno in spec.errors or case.errno in spec.notes_only, case.id


def test_reasons_are_written() -> None:
    for case in CASES:
        if case.provoke is None:
            assert case.reason and len(case.reason) > 10, case.id


def test_a_case_that_gets_the_wrong_errno_is_unexpected() -> None:
    wrong = Case(
        "fs",
        "readahead",
        22,
        "closed fd, expecting EINVAL",
        lambda ctx: sysapi.readahead(ctx.closed_fd(), 0, 1),
    )
    result = conformance.run_case(wrong)
    assert result.verdict is Verdict.UNEXPECTED
    assert result.observed == 9


def test_a_case_that_succeeds_is_unexpected() -> None:
    def provoke(ctx: conformance.Context) -> None:
        sysapi.readahead(ctx.open(ctx.file("f", b"x")), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", 9, "no error", provoke))
    assert result.verdict is Verdict.UNEXPECTED and result.observed == 0


def test_forked_case_reports_through_the_pipe() -> None:
    def provoke(ctx: conformance.Context) -> None:
        ctx.drop_privileges()
        sysapi.readahead(ctx.closed_fd(), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", 9, "child", provoke, unprivileged=True))
    assert result.verdict is Verdict.AS_DOCUMENTED, result.detail


def test_check_output_into_a_closed_pipe_is_quiet() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        f"{sys.executable} -m sysapi check --area fs | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in proc.stderr


def test_a_bad_pointer_reaches_the_kernel_through_a_shim() -> None:
    from sysapi.conformance._support import bad, shim_in_child

    def provoke(ctx: conformance.Context) -> None:
        shim_in_child(
            sysapi.errors.REGISTRY["getxattr"],
            lambda: lib.sysapi_getxattr(bad("char *"), b"user.k", ffi.NULL, 0),
        )

    result = conformance.run_case(Case("xattr", "getxattr", 14, "bad path", provoke))
    assert result.verdict is Verdict.AS_DOCUMENTED and result.observed == 14, result.detail


def test_a_crash_in_a_shim_is_contained_and_judged() -> None:
    from sysapi.conformance._support import bad, shim_in_child

    spec = sysapi.errors.REGISTRY["adjtimex"]

    def crash(reason: str | None) -> conformance.Result:
        def provoke(ctx: conformance.Context) -> None:
            shim_in_child(
                spec, lambda: lib.sysapi_adjtimex(bad("struct sysapi_timex *")), crashes=reason
            )

        return conformance.run_case(Case("clock", "adjtimex", 14, "bad buf", provoke))

    expected = crash("the shim reads buf first")
    assert expected.verdict is Verdict.NOT_PROVOKED
    assert "reads buf first" in expected.detail and "SIGSEGV" in expected.detail
    surprise = crash(None)
    assert surprise.verdict is Verdict.UNEXPECTED and "SIGSEGV" in surprise.detail


def test_efault_reaches_the_kernel_for_at_least_14_calls() -> None:
    # Issue 18: the report shows EFAULT as documented, through the C shims, for at least 14
    # calls (those whose shim hands the pointer to the kernel).
    results = conformance.run(cases=[c for c in CASES if c.errno == errno.EFAULT and c.provoke])
    provoked = {r.case.syscall for r in results if r.verdict is Verdict.AS_DOCUMENTED}
    assert len(provoked) >= 14, sorted(provoked)
    assert all(r.verdict.ok for r in results), [r.as_dict() for r in results if not r.verdict.ok]


def _setup_fails(ctx: conformance.Context) -> None:
    with conformance.setup("user.* on a filesystem without them"):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")
    sysapi.readahead(ctx.closed_fd(), 0, 1)  # never reached


def test_a_failed_setup_is_not_provoked_with_its_error_as_the_reason() -> None:
    result = conformance.run_case(Case("fs", "readahead", 9, "setup fails", _setup_fails))
    assert result.verdict is Verdict.NOT_PROVOKED
    assert result.observed is None
    assert "user.* on a filesystem without them" in result.detail
    assert "Operation not supported" in result.detail


def test_a_failed_setup_in_a_forked_child_is_not_provoked() -> None:
    case = Case("fs", "readahead", 9, "setup fails in a child", _setup_fails, fork=True)
    result = conformance.run_case(case)
    assert result.verdict is Verdict.NOT_PROVOKED, result.as_dict()
    assert "Operation not supported" in result.detail


def test_context_helpers_are_setup_steps() -> None:
    def provoke(ctx: conformance.Context) -> None:
        sysapi.readahead(ctx.open(ctx.tmp / "missing"), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", 9, "open fails", provoke))
    assert result.verdict is Verdict.NOT_PROVOKED
    assert "open" in result.detail and "No such file" in result.detail


def test_the_provoking_call_after_a_setup_is_still_judged() -> None:
    def provoke(ctx: conformance.Context) -> None:
        with conformance.setup("a descriptor that is not open"):
            fd = ctx.closed_fd()
        sysapi.readahead(fd, 0, 1)

    # EBADF observed where the case expects EINVAL: the provoked call's errno stays unexpected.
    result = conformance.run_case(Case("fs", "readahead", 22, "closed fd", provoke))
    assert result.verdict is Verdict.UNEXPECTED and result.observed == errno.EBADF


def test_a_programming_error_in_a_setup_stays_unexpected() -> None:
    def provoke(ctx: conformance.Context) -> None:
        with conformance.setup("a bug"):
            raise TypeError("not an OSError")

    result = conformance.run_case(Case("fs", "readahead", 9, "bug", provoke))
    assert result.verdict is Verdict.UNEXPECTED and result.observed == -1


def _env(release: str, filesystem: str = "ext4", lsm: tuple[str, ...] = ()) -> Environment:
    return Environment(release, filesystem, lsm)


def _succeeds(ctx: conformance.Context) -> None:
    sysapi.readahead(ctx.open(ctx.file("f", b"x")), 0, 1)


def test_condition_applies_by_kernel_filesystem_and_lsm() -> None:
    cond = Condition(0, "why", below=(6, 10), filesystems=("btrfs", "xfs"), lsm="bpf")
    assert cond.applies(_env("6.1.0-57-amd64", "xfs", ("capability", "bpf")))
    assert not cond.applies(_env("6.10.0", "xfs", ("bpf",)))
    assert not cond.applies(_env("6.1.0", "ext4", ("bpf",)))
    assert not cond.applies(_env("6.1.0", "btrfs", ("capability", "apparmor")))
    assert cond.describe() == "on Linux < 6.10, btrfs or xfs, the bpf LSM active"


def test_a_case_under_its_condition_is_a_known_difference() -> None:
    cond = Condition(0, "this kernel lets it succeed", below=(6, 10))
    case = Case("fs", "readahead", 9, "succeeds on old kernels", _succeeds, conditions=(cond,))
    old = conformance.run_case(case, _env("6.1.0"))
    assert old.verdict is Verdict.KNOWN_DIFFERENCE and old.condition is cond
    assert old.as_dict()["condition"] == "on Linux < 6.10: this kernel lets it succeed"
    assert old.as_dict()["expected"] == "success"
    new = conformance.run_case(case, _env("6.12.1"))
    assert new.verdict is Verdict.UNEXPECTED and new.condition is None


def test_kernel_version_of_a_release() -> None:
    assert _env("6.12.118+deb13-amd64").kernel == (6, 12)
    assert _env("7.2.13+deb14-amd64").kernel == (7, 2)
    assert _env("weird").kernel == (0, 0)


def test_filesystem_of_names_the_mount() -> None:
    assert conformance.filesystem_of("/proc/self")[0] == "proc"
    if os.path.ismount("/dev/shm"):
        assert conformance.filesystem_of("/dev/shm")[:3:2] == ("tmpfs", "/dev/shm")


@pytest.fixture
def shm_dir() -> Iterator[str]:
    if conformance.filesystem_of("/dev/shm")[0] != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm")
    path = tempfile.mkdtemp(prefix="sysapi-test-", dir="/dev/shm")
    os.chmod(path, 0o755)  # the report's unprivileged children look into it
    yield path
    shutil.rmtree(path)


def test_filesystem_cases_run_in_the_given_directory(shm_dir: str) -> None:
    seen: list[str] = []

    def provoke(ctx: conformance.Context) -> None:
        seen.append(str(ctx.tmp))
        sysapi.readahead(ctx.closed_fd(), 0, 1)

    env = conformance.environment(shm_dir)
    assert env.filesystem == "tmpfs"
    inside = conformance.run_case(Case("fs", "readahead", 9, "fs case", provoke), env)
    outside = conformance.run_case(Case("sched", "sched_getattr", 9, "other", provoke), env)
    assert seen[0].startswith(shm_dir + "/") and not seen[1].startswith(shm_dir)
    assert inside.filesystem == "tmpfs" and outside.filesystem is None
    assert os.listdir(shm_dir) == []  # the scratch directories are gone


def test_check_dir_names_the_filesystem_and_finds_nothing_unexpected(shm_dir: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sysapi", "check", "--area", "fs", "--dir", shm_dir],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "filesystem cases on tmpfs" in proc.stdout
    assert " 0 unexpected" in proc.stdout.splitlines()[-1]


def test_check_dir_must_be_a_directory() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sysapi", "check", "--dir", "/nonexistent/sysapi"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not a writable directory" in proc.stderr


def test_a_condition_on_an_unknown_lsm_list_accepts_both_answers() -> None:
    cond = Condition(0, "succeeds with the bpf LSM", below=(6, 10), lsm="bpf")
    documented = Case(
        "fs",
        "readahead",
        9,
        "closed fd",
        lambda ctx: sysapi.readahead(ctx.closed_fd(), 0, 1),
        conditions=(cond,),
    )
    succeeds = Case("fs", "readahead", 9, "succeeds", _succeeds, conditions=(cond,))
    unknown = Environment("6.1.0", "ext4", None)
    assert conformance.run_case(documented, unknown).verdict is Verdict.AS_DOCUMENTED
    assert conformance.run_case(succeeds, unknown).verdict is Verdict.KNOWN_DIFFERENCE
    known = Environment("6.1.0", "ext4", ("capability", "bpf"))
    assert conformance.run_case(documented, known).verdict is Verdict.UNEXPECTED
    assert conformance.run_case(succeeds, known).verdict is Verdict.KNOWN_DIFFERENCE


@pytest.mark.parametrize("area", ["fs", "xattr"])
def test_check_writes_through_no_planted_symlink(area: str, tmp_path: Path) -> None:
    """0.1.0 opened /dev/shm/sysapi-check-<pid> without O_EXCL|O_NOFOLLOW: a local user who
    planted symlinks under the next pids made root truncate (fs) or empty and decorate with
    attributes (xattr) any file."""
    import os
    import subprocess
    import sys

    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    target = tmp_path / "victim"
    target.write_bytes(b"precious")
    first = int(Path("/proc/sys/kernel/ns_last_pid").read_text()) + 1
    links = [Path(f"/dev/shm/sysapi-check-{pid}") for pid in range(first, first + 1000)]
    planted = []
    try:
        for link in links:
            with contextlib.suppress(FileExistsError):
                link.symlink_to(target)
                planted.append(link)
        proc = subprocess.run(
            [sys.executable, "-m", "sysapi", "check", "--area", area],
            capture_output=True,
            text=True,
        )
    finally:
        for link in planted:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
    assert target.read_bytes() == b"precious"
    assert os.listxattr(target) == []
    assert not [link for link in planted if link.exists() and not link.is_symlink()]
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_condition_on_the_glibc_version() -> None:
    cond = Condition(errno.EINVAL, "older glibc", glibc_below=(2, 38))
    assert cond.applies(Environment("6.1.0", "ext4", glibc="2.36"))
    assert not cond.applies(Environment("6.1.0", "ext4", glibc="2.41"))
    assert not cond.applies(Environment("6.1.0", "ext4", glibc=""))  # musl, say
    assert cond.describe() == "on glibc < 2.38"
    assert conformance.environment().glibc  # this test suite runs on glibc


def test_a_condition_that_brings_back_the_documented_errno_is_as_documented() -> None:
    cond = Condition(errno.EBADF, "old kernels give the documented errno", below=(6, 15))
    case = Case(
        "fs",
        "readahead",
        errno.EBADF,
        "closed fd; new kernels differ",
        lambda ctx: sysapi.readahead(ctx.closed_fd(), 0, 1),
        expect=errno.EINVAL,
        conditions=(cond,),
    )
    result = conformance.run_case(case, Environment("6.12.0", "ext4"))
    assert result.verdict is Verdict.AS_DOCUMENTED and result.condition is cond
    assert conformance.run_case(case, Environment("6.18.0", "ext4")).verdict is Verdict.UNEXPECTED


def test_user_mode_emulation_is_told_by_the_kernels_own_architecture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    native = conformance.user_mode_emulator()
    if Path("/proc/sys/kernel/arch").exists():
        # This suite runs natively unless the kernel names another architecture than uname.
        kernel = Path("/proc/sys/kernel/arch").read_text().strip()
        assert (native == "") == (kernel == os.uname().machine)
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    real_read = Path.read_text
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *a, **k: (
            "x86_64\n" if str(self) == "/proc/sys/kernel/arch" else real_read(self, *a, **k)
        ),
    )
    assert conformance.user_mode_emulator() == "aarch64 emulated on an x86_64 kernel (qemu-user)"
    monkeypatch.setattr(platform, "machine", lambda: "i686")  # native compat mode
    assert conformance.user_mode_emulator() == ""


def test_an_emulators_answer_is_not_provoked_only_when_emulated() -> None:
    case = Case(
        "fs",
        "readahead",
        errno.EBADF,
        "succeeds where the emulator drops the call",
        _succeeds,
        emulator="the emulator answers for the kernel",
    )
    emulated = Environment("6.18.0", "ext4", emulator="aarch64 emulated on an x86_64 kernel")
    result = conformance.run_case(case, emulated)
    assert result.verdict is Verdict.NOT_PROVOKED and result.observed is None
    assert result.detail == (
        "aarch64 emulated on an x86_64 kernel: the emulator answers for the kernel "
        "(observed success)"
    )
    # Natively the same answer stays unexpected; emulated, the documented answer is judged.
    assert conformance.run_case(case, Environment("6.18.0", "ext4")).verdict is Verdict.UNEXPECTED
    closed = Case(
        "fs",
        "readahead",
        errno.EBADF,
        "closed fd",
        lambda ctx: sysapi.readahead(ctx.closed_fd(), 0, 1),
        emulator="never needed",
    )
    assert conformance.run_case(closed, emulated).verdict is Verdict.AS_DOCUMENTED


def test_an_address_space_limit_that_does_not_take_is_not_provoked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def provoke(ctx: conformance.Context) -> None:
        # As qemu-user does: setrlimit(RLIMIT_AS) succeeds and changes nothing.
        monkeypatch.setattr(resource, "setrlimit", lambda which, limits: None)
        ctx.limit_address_space(1 << 20)
        sysapi.readahead(ctx.closed_fd(), 0, 1)

    result = conformance.run_case(Case("fs", "readahead", errno.EBADF, "limit", provoke, fork=True))
    assert result.verdict is Verdict.NOT_PROVOKED
    assert "did not reach the kernel (qemu-user keeps RLIMIT_AS from it)" in result.detail

    def limited(ctx: conformance.Context) -> None:
        ctx.limit_address_space(1 << 20)
        sysapi.readahead(ctx.closed_fd(), 0, 1)

    real = conformance.run_case(Case("fs", "readahead", errno.EBADF, "limit", limited, fork=True))
    # Natively the limit takes; under qemu-user it does not, and the case says so.
    took = Verdict.NOT_PROVOKED if conformance.user_mode_emulator() else Verdict.AS_DOCUMENTED
    assert real.verdict is took
