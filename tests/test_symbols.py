"""The compiled module loads on every C library the wheels claim (glibc 2.28 and later, musl).

The module's C source (every shim of every area, as build_ffi.py joins them) is compiled here by
zig cc for glibc 2.28 on x86_64 and aarch64 and for musl, and ``tools/symbols.py`` reads what it
imports with ``objdump -T``: a call added later (a newer glibc function, one musl lacks) fails
here until its shim looks it up at run time (``SYSAPI_LIBC_BIND``).
"""

from __future__ import annotations

import errno
import platform
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from sysapi import _syscall, errors, memory
from sysapi._sysapi import lib

ROOT = Path(__file__).resolve().parents[1]
SYMBOLS = ROOT / "tools" / "symbols.py"

ziglang = pytest.importorskip("ziglang", reason="zig cc comes from the ziglang test extra")
pytestmark = pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils objdump")


def zig_cc(target: str, source: Path, out: Path) -> None:
    zig = Path(ziglang.__file__).parent / "zig"
    include = sysconfig.get_paths()["include"]
    # The same macros (the limited API's version) and libraries as build_ffi.py, as the wheel
    # build uses them.
    macros = runpy.run_path(str(ROOT / "build_ffi.py"))["_limited_api"]()
    cmd = [str(zig), "cc", "-target", target, "-shared", "-fPIC", "-O1", f"-I{include}"]
    cmd += [f"-D{name}={value}" for name, value in macros]
    cmd += [str(source), "-lrt", "-lpthread", "-ldl", "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, f"zig cc -target {target}:\n{result.stderr}"


def check(libc: str, module: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SYMBOLS), "--libc", libc, str(module)]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("symbols") / "_sysapi.c"
    builder: Any = runpy.run_path(str(ROOT / "build_ffi.py"))["ffibuilder"]
    builder.emit_c_code(str(path))
    return path


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_fallback_system_call_numbers_are_the_kernels(arch: str, tmp_path: Path) -> None:
    # _ffi/process.py names the pidfd calls itself where the headers of the wheel build do not:
    # the numbers must be those of the headers that have them (zig's, of a recent kernel).
    text = (ROOT / "src" / "sysapi" / "_ffi" / "process.py").read_text()
    numbers = re.findall(r"#define (SYS_\w+) (\d+)\n", text)
    assert {name for name, _ in numbers} >= {"SYS_pidfd_open", "SYS_pidfd_getfd"}
    probe = tmp_path / "numbers.c"
    probe.write_text(
        "#include <sys/syscall.h>\n"
        + "".join(f"#if {name} != {n}\n#error {name}\n#endif\n" for name, n in numbers)
    )
    zig = Path(ziglang.__file__).parent / "zig"
    out = tmp_path / "numbers.o"
    cmd = [str(zig), "cc", "-target", f"{arch}-linux-gnu", "-c", str(probe), "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_no_symbol_is_newer_than_glibc_2_28(arch: str, source: Path) -> None:
    module = source.with_name(f"{arch}-gnu.so")
    zig_cc(f"{arch}-linux-gnu.2.28", source, module)
    result = check("glibc-2.28", module)
    assert result.returncode == 0, result.stdout


def test_compiles_and_links_against_musl(source: Path) -> None:
    module = source.with_name("x86_64-musl.so")
    zig_cc("x86_64-linux-musl", source, module)
    result = check("musl", module)
    assert result.returncode == 0, result.stdout


MUSL_LOADER = Path("/lib/ld-musl-x86_64.so.1")


@pytest.mark.skipif(
    not MUSL_LOADER.exists() or platform.machine() != "x86_64",
    reason="needs Debian's musl package (apt-get install musl: the dynamic loader) on x86_64",
)
def test_the_shims_run_on_musl(source: Path) -> None:
    """The shims at run time on musl, without Python (no musl CPython here): the module's C
    source with tests/musl_smoke.c, linked dynamically against musl as the extension would be,
    run natively. It shows the C layer on musl's libc, not cffi nor the Python layer."""
    zig = Path(ziglang.__file__).parent / "zig"
    both = source.with_name("musl_smoke_all.c")
    # The cffi wrappers need Python.h: only the shims (INCLUDES and CUSTOMIZATIONS) are taken.
    builder = runpy.run_path(str(ROOT / "build_ffi.py"))
    shims = "".join(
        str(m["INCLUDES"]) + "\n" + str(m["CUSTOMIZATIONS"]) for m in builder["_area_modules"]()
    )
    both.write_text(shims + (ROOT / "tests" / "musl_smoke.c").read_text())
    program = source.with_name("musl_smoke")
    cmd = [str(zig), "cc", "-target", "x86_64-linux-musl", "-dynamic", "-D_GNU_SOURCE", "-O1"]
    cmd += ["-Wall", "-Wextra", "-Wno-unused-function", "-Werror=implicit-function-declaration"]
    cmd += [str(both), "-lrt", "-lpthread", "-ldl", "-o", str(program)]
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert MUSL_LOADER.name.encode() in program.read_bytes()  # dynamic, musl's loader
    ran = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.splitlines()[-1] == "ok", ran.stdout + ran.stderr


def test_the_check_catches_a_call_newer_than_the_floor(tmp_path: Path) -> None:
    # mallinfo2 called directly, as 0.1.0 did: glibc 2.33.
    source = tmp_path / "late.c"
    source.write_text(
        "#include <malloc.h>\nsize_t late(void) { return mallinfo2().arena; }\n"
        "int old(void) { return malloc_trim(0); }\n"
    )
    gnu = tmp_path / "gnu.so"
    zig_cc("x86_64-linux-gnu.2.28", source, gnu)
    result = check("glibc-2.28", gnu)
    assert result.returncode == 1
    assert "mallinfo2" in result.stdout
    assert "malloc_trim" not in result.stdout  # GLIBC_2.2.5
    assert check("glibc-2.34", gnu).returncode == 1  # unversioned: never resolved at link time


def test_libc_has_looks_up_the_running_c_library() -> None:
    assert lib.sysapi_libc_has(b"mallinfo2") == 1  # glibc 2.36 here
    assert lib.sysapi_libc_has(b"sysapi_no_such_function") == 0


def test_a_missing_late_call_names_the_c_library_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    def old_libc() -> int:  # what the native call answers when dlsym finds no mallinfo2
        return errno.ENOSYS

    monkeypatch.setattr(memory, "_mallinfo2", old_libc)
    monkeypatch.setattr(_syscall, "_libc_has", lambda name: False)
    with pytest.raises(errors.ENOSYS) as info:
        memory.mallinfo2()
    assert info.value.syscall == "mallinfo2"
    assert "needs glibc 2.33 or later" in str(info.value)
    assert _syscall.running_libc() in str(info.value)


def test_a_kernel_enosys_keeps_its_message() -> None:
    # ENOSYS from a present function (a kernel without the system call) is not a libc matter.
    exc = _syscall.error(errno.ENOSYS, memory.MALLINFO2_SPEC)
    assert exc.strerror == "Function not implemented"


def test_every_spec_that_names_a_c_library_is_bound_at_run_time() -> None:
    shims = "".join(
        str(runpy.run_path(str(path)).get("CUSTOMIZATIONS", ""))
        for path in (ROOT / "src" / "sysapi" / "_ffi").glob("*.py")
    )
    late = [spec.syscall for spec in errors.REGISTRY.values() if spec.libc is not None]
    assert "mallinfo2" in late
    for name in late:
        assert f'SYSAPI_LIBC_BIND(sysapi_libc_{name}, "{name}")' in shims, name
