from __future__ import annotations

import array
import contextlib
import errno
import mmap
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sysapi
from sysapi import errors, xattr
from sysapi._commands.xattr import decode, encode, escape, unescape
from sysapi._sysapi import lib
from sysapi.xattr import Xattrs, _parse_names

pytestmark = pytest.mark.requires_xattr_fs


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "file"
    path.write_bytes(b"data")
    return path


@pytest.fixture
def shm_dir() -> Iterator[Path]:
    """A directory on tmpfs, which stores values up to XATTR_SIZE_MAX (ext4 here: ~4 KiB)."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no tmpfs at /dev/shm")
    path = Path(tempfile.mkdtemp(prefix="sysapi-test-", dir="/dev/shm"))
    try:
        os.setxattr(path, "user.probe", b"x" * 60000)
    except OSError as exc:
        shutil.rmtree(path)
        pytest.skip(f"tmpfs has no large user.* values here: {exc}")
    try:
        yield path
    finally:
        shutil.rmtree(path)


# ---- the twelve calls ---------------------------------------------------------------------


def test_round_trip_every_variant(file: Path) -> None:
    xattr.setxattr(file, "user.a", b"1")
    xattr.lsetxattr(file, b"user.b", b"22")
    with file.open("rb") as f:
        xattr.fsetxattr(f, "user.c", b"333")
        assert xattr.fgetxattr(f, b"user.a") == b"1"
        assert xattr.fgetxattr(f.fileno(), "user.c") == b"333"
        assert sorted(xattr.flistxattr(f)) == ["user.a", "user.b", "user.c"]
        xattr.fremovexattr(f, "user.c")
    assert xattr.getxattr(file, "user.b") == b"22"
    assert xattr.lgetxattr(str(file), "user.b") == b"22"
    assert sorted(xattr.listxattr(bytes(file))) == ["user.a", "user.b"]
    assert sorted(xattr.llistxattr(file)) == ["user.a", "user.b"]
    xattr.removexattr(file, "user.a")
    xattr.lremovexattr(file, "user.b")
    assert xattr.listxattr(file) == [] == os.listxattr(file)


def test_agrees_with_the_stdlib(file: Path) -> None:
    os.setxattr(file, "user.std", b"from os")
    xattr.setxattr(file, "user.ours", b"from sysapi")
    assert xattr.getxattr(file, "user.std") == b"from os"
    assert os.getxattr(file, "user.ours") == b"from sysapi"
    assert sorted(xattr.listxattr(file)) == sorted(os.listxattr(file))


def test_exported_from_sysapi() -> None:
    for name in xattr.__all__:
        assert getattr(sysapi, name) is getattr(xattr, name)
    assert sysapi.XATTR_CREATE == os.XATTR_CREATE and sysapi.XATTR_REPLACE == os.XATTR_REPLACE
    assert xattr.XATTR_CREATE in xattr.XattrFlags and xattr.XATTR_SIZE_MAX == 65536


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"\0",
        bytearray(b"bytearray"),
        memoryview(b"xxmemoryviewxx")[2:-2],
        array.array("i", [1, 2, 3]),
    ],
    ids=["empty", "nul", "bytearray", "memoryview-slice", "array"],
)
def test_values_are_any_bytes_like(file: Path, value: Any) -> None:
    xattr.setxattr(file, "user.v", value)
    assert xattr.getxattr(file, "user.v") == bytes(memoryview(value).cast("B"))


def test_mmap_value(file: Path) -> None:
    with mmap.mmap(-1, 100) as m:
        m[:5] = b"hello"
        xattr.setxattr(file, "user.m", m)
    assert xattr.getxattr(file, "user.m") == b"hello" + b"\0" * 95


def test_empty_value_differs_from_missing(file: Path) -> None:
    xattr.setxattr(file, "user.empty", b"")
    assert xattr.getxattr(file, "user.empty") == b""
    assert "user.empty" in xattr.listxattr(file)
    xattr.removexattr(file, "user.empty")
    with pytest.raises(errors.ENODATA):
        xattr.getxattr(file, "user.empty")


def test_flags(file: Path) -> None:
    xattr.setxattr(file, "user.k", b"1", xattr.XATTR_CREATE)
    with pytest.raises(FileExistsError) as info:
        xattr.setxattr(file, "user.k", b"2", xattr.XATTR_CREATE)
    assert isinstance(info.value, errors.EEXIST) and info.value.syscall == "setxattr"
    xattr.setxattr(file, "user.k", b"3", xattr.XattrFlags.XATTR_REPLACE)
    assert xattr.getxattr(file, "user.k") == b"3"
    with pytest.raises(errors.ENODATA):
        xattr.setxattr(file, "user.new", b"x", xattr.XATTR_REPLACE)
    with pytest.raises(errors.EINVAL) as inval:
        xattr.setxattr(file, "user.k", b"x", 4)
    assert inval.value.documented


def test_undecodable_names_round_trip(file: Path) -> None:
    raw = b"user.\xff\xfe-not-utf8"
    xattr.setxattr(file, raw, b"v")
    (name,) = xattr.listxattr(file)
    assert os.fsencode(name) == raw
    assert xattr.getxattr(file, name) == b"v" == xattr.getxattr(file, raw)


def test_symlink_variants(tmp_path: Path, file: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(file)
    xattr.setxattr(link, "user.through", b"followed")
    assert xattr.getxattr(file, "user.through") == b"followed"
    assert xattr.llistxattr(link) == []
    with pytest.raises(errors.ENODATA):
        xattr.lgetxattr(link, "user.through")
    with pytest.raises(PermissionError) as info:
        xattr.lsetxattr(link, "user.k", b"v")
    assert info.value.errno == errno.EPERM
    assert any("symlinks" in note for note in info.value.__notes__)


# ---- errors ---------------------------------------------------------------------------------


def test_error_attributes(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(FileNotFoundError) as info:
        xattr.getxattr(missing, "user.k")
    exc = info.value
    assert isinstance(exc, errors.ENOENT)
    assert exc.syscall == "getxattr" and exc.documented and exc.filename == missing
    with pytest.raises(errors.EBADF) as bad:
        xattr.fgetxattr(2**30, "user.k")
    assert bad.value.syscall == "fgetxattr" and bad.value.documented


def test_namespace_notes(file: Path) -> None:
    with pytest.raises(errors.ENOTSUP) as info:
        xattr.getxattr(file, "bogus.k")
    assert "no namespace" in info.value.__notes__[0]
    with pytest.raises(errors.ENOTSUP) as proc:
        xattr.setxattr("/proc/self/status", "user.k", b"v")
    assert "does not support user.*" in proc.value.__notes__[0]
    with pytest.raises(errors.ERANGE) as long:
        xattr.setxattr(file, "user." + "n" * 300, b"v")
    assert "305" in long.value.__notes__[0]
    with pytest.raises(errors.EINVAL) as bare:
        xattr.getxattr(file, "user.")
    assert "nothing after" in bare.value.__notes__[0]


def _in_child_as_nobody(func: Callable[[], object]) -> tuple[int, list[str]]:
    """Run ``func`` in a forked child as uid 65534; return (errno or 0, the error's notes)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            try:
                func()
                result: tuple[int, list[str]] = (0, [])
            except OSError as exc:
                result = (exc.errno or -1, getattr(exc, "__notes__", []))
            os.write(w, repr(result).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    assert data, "the child died"
    value: tuple[int, list[str]] = eval(data)  # our own repr of (int, list[str])
    return value


@pytest.mark.requires_root
def test_unprivileged_namespace_notes() -> None:
    tmp = Path(tempfile.mkdtemp())  # pytest's tmp_path is inside a 0700 directory
    tmp.chmod(0o755)
    try:
        _check_unprivileged_notes(tmp / "root-file")
    finally:
        shutil.rmtree(tmp)


def _check_unprivileged_notes(path: Path) -> None:
    path.write_bytes(b"")
    path.chmod(0o600)
    os.setxattr(path, "user.k", b"v")
    os.setxattr(path, "trusted.k", b"v")
    err, notes = _in_child_as_nobody(lambda: xattr.setxattr(path, "trusted.k", b"v"))
    assert err == errno.EPERM and "CAP_SYS_ADMIN" in notes[0]
    err, notes = _in_child_as_nobody(lambda: xattr.getxattr(path, "trusted.k"))
    assert err == errno.ENODATA and "invisible" in notes[0]
    err, notes = _in_child_as_nobody(lambda: xattr.getxattr(path, "user.k"))
    assert err == errno.EACCES and "permission bits" in notes[0]


def test_bad_input_never_reaches_the_kernel(file: Path) -> None:
    with pytest.raises(ValueError):
        xattr.getxattr(str(file) + "\0x", "user.k")
    with pytest.raises(ValueError):
        xattr.getxattr(file, "user.k\0")
    with pytest.raises(ValueError):
        xattr.setxattr(file, b"user.\0k", b"v")
    with pytest.raises(TypeError):
        xattr.getxattr(file, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        xattr.setxattr(file, "user.k", "text")
    with pytest.raises(TypeError):
        xattr.setxattr(file, "user.k", 42)
    with pytest.raises(TypeError):
        xattr.getxattr(42, "user.k")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        xattr.fgetxattr("not a descriptor", "user.k")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        xattr.fgetxattr(2**40, "user.k")
    with pytest.raises(ValueError):
        xattr.getxattr(file, "user.k", size=0)
    with pytest.raises(ValueError):
        xattr.listxattr(file, size=-1)
    with pytest.raises(OverflowError):
        xattr.setxattr(file, "user.k", b"v", 2**40)


# ---- the explicit size protocol -------------------------------------------------------------


def test_explicit_size(file: Path) -> None:
    xattr.setxattr(file, "user.k", b"12345")
    assert xattr.getxattr(file, "user.k", size=5) == b"12345"
    assert xattr.getxattr(file, "user.k", size=10**9) == b"12345"  # clamped, no 1 GB buffer
    with pytest.raises(errors.ERANGE) as info:
        xattr.getxattr(file, "user.k", size=4)
    assert info.value.documented
    assert xattr.listxattr(file, size=7) == ["user.k"]
    with pytest.raises(errors.ERANGE):
        xattr.llistxattr(file, size=6)
    with file.open("rb") as f:
        with pytest.raises(errors.ERANGE):
            xattr.fgetxattr(f, "user.k", size=1)
        assert xattr.flistxattr(f, size=100) == ["user.k"]


def test_large_values(shm_dir: Path) -> None:
    path = shm_dir / "f"
    path.write_bytes(b"")
    for size in (0, 1, 255, 256, 257, 4096, 60 * 1024, xattr.XATTR_SIZE_MAX):
        value = os.urandom(size)
        xattr.setxattr(path, "user.big", value)
        assert xattr.getxattr(path, "user.big") == value
    with pytest.raises(errors.E2BIG):
        xattr.setxattr(path, "user.big", b"x" * (xattr.XATTR_SIZE_MAX + 1))


def test_long_name_list(shm_dir: Path) -> None:
    path = shm_dir / "f"
    path.write_bytes(b"")
    names = [f"user.{i:03d}" + "n" * 100 for i in range(200)]  # ~21 KiB of names
    for name in names:
        xattr.setxattr(path, name, b"")
    assert sorted(xattr.listxattr(path)) == names


# ---- races ----------------------------------------------------------------------------------

RACE_READS = 200
#: Rounds after which a run that never lost a race gives up (skips): a very busy machine.
RACE_LIMIT = 20000


def _pattern(size: int) -> bytes:
    """A value whose every byte says how long the whole value is: a truncated read shows."""
    return bytes([size % 251]) * size


@contextlib.contextmanager
def _writer_process(step: Callable[[], None]) -> Iterator[None]:
    """Run ``step`` over and over in a forked child until the block ends: a process, not a
    thread, so that the GIL does not take turns with the reader."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            while True:
                step()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"the writer failed (wait status {status:#x})"


def test_reads_never_lose_a_race(shm_dir: Path) -> None:
    """A writer process resizes the value between 10 B and 60 KiB while reads run: every read
    is one whole value written, and the reads must have lost (and recovered from) at least one
    race, counted by the C shim, for the run to prove anything."""
    path = shm_dir / "f"
    path.write_bytes(b"")
    sizes = [10, 60 * 1024, 300, 40 * 1024, 10, 257, 60 * 1024, 4000]
    written = {_pattern(s) for s in sizes}
    os.setxattr(path, "user.race", _pattern(10))

    def resize() -> None:
        for size in sizes:
            os.setxattr(path, "user.race", _pattern(size))

    lost_before = lib.sysapi_xattr_lost_races()
    rounds = 0
    with _writer_process(resize), path.open("rb") as f:
        while rounds < RACE_READS or (
            lib.sysapi_xattr_lost_races() == lost_before and rounds < RACE_LIMIT
        ):
            rounds += 1
            assert xattr.getxattr(path, "user.race") in written
            assert xattr.lgetxattr(path, "user.race") in written
            assert xattr.fgetxattr(f, "user.race") in written
            assert Xattrs(path)["user.race"] in written
    lost = lib.sysapi_xattr_lost_races() - lost_before
    print(f"{rounds} rounds, {lost} lost races recovered")
    if not lost:
        pytest.skip(f"the writer never won a race against the reads in {rounds} rounds")


def test_name_lists_never_lose_a_race(shm_dir: Path) -> None:
    path = shm_dir / "f"
    path.write_bytes(b"")
    names = [f"user.{i:03d}" + "n" * 200 for i in range(40)]

    def grow_and_shrink() -> None:
        for name in names:
            os.setxattr(path, name, b"")
        for name in names:
            os.removexattr(path, name)

    lost_before = lib.sysapi_xattr_lost_races()
    rounds = 0
    with _writer_process(grow_and_shrink), path.open("rb") as f:
        while rounds < RACE_READS or (
            lib.sysapi_xattr_lost_races() == lost_before and rounds < RACE_LIMIT
        ):
            rounds += 1
            for listed in (xattr.listxattr(path), xattr.llistxattr(path), xattr.flistxattr(f)):
                # Every name is whole: a truncated list would cut the last one short.
                assert all(len(n) == 208 for n in listed), listed
    lost = lib.sysapi_xattr_lost_races() - lost_before
    print(f"{rounds} rounds, {lost} lost races recovered")
    if not lost:
        pytest.skip(f"the writer never won a race against the reads in {rounds} rounds")


# ---- the mapping ----------------------------------------------------------------------------


def test_xattrs_mapping(file: Path) -> None:
    attrs = Xattrs(file)
    attrs["user.a"] = b"1"
    attrs[b"user.b"] = bytearray(b"2")
    assert dict(attrs) == {"user.a": b"1", "user.b": b"2"}
    assert len(attrs) == 2 and "user.a" in attrs and "user.zz" not in attrs
    assert not attrs.__contains__(3)
    assert attrs.get("user.zz") is None
    with pytest.raises(KeyError):
        attrs["user.zz"]
    with pytest.raises(KeyError):
        del attrs["user.zz"]
    del attrs["user.a"]
    assert list(attrs) == ["user.b"]
    attrs.set("user.b", b"3", xattr.XATTR_REPLACE)
    with pytest.raises(errors.EEXIST):
        attrs.set("user.b", b"4", xattr.XATTR_CREATE)
    attrs.update({"user.c": b"5"})
    assert attrs.pop("user.c") == b"5"
    with pytest.raises(errors.ENOTSUP):  # other errors are not KeyError
        attrs["bogus.k"]


def test_xattrs_namespace_view(file: Path) -> None:
    xattr.setxattr(file, "user.mime_type", b"text/plain")
    if os.geteuid() == 0:
        os.setxattr(file, "trusted.k", b"t")
    user = Xattrs(file, namespace="user")
    assert dict(user) == {"mime_type": b"text/plain"}
    user["md5_sum"] = b"d41d8"
    assert xattr.getxattr(file, "user.md5_sum") == b"d41d8"
    assert user.namespace == "user" and "namespace='user'" in repr(user)
    if os.geteuid() == 0:
        assert dict(Xattrs(file, namespace="trusted")) == {"k": b"t"}
        assert set(Xattrs(file)) == {"user.mime_type", "user.md5_sum", "trusted.k"}
    with pytest.raises(ValueError):
        Xattrs(file, namespace="user.")
    with pytest.raises(TypeError):
        Xattrs(file, namespace=1)  # type: ignore[arg-type]


def test_xattrs_on_descriptors_and_links(tmp_path: Path, file: Path) -> None:
    with file.open("rb") as f:
        Xattrs(f)["user.k"] = b"by fd"
        assert Xattrs(f.fileno())["user.k"] == b"by fd"
        with pytest.raises(ValueError):
            Xattrs(f, follow_symlinks=False)
    with pytest.raises(ValueError):
        Xattrs(f)["user.k"]  # closed file object: fileno() raises ValueError
    link = tmp_path / "link"
    link.symlink_to(file)
    assert Xattrs(link)["user.k"] == b"by fd"
    assert dict(Xattrs(link, follow_symlinks=False)) == {}
    with pytest.raises(TypeError):
        Xattrs(1.5)  # type: ignore[arg-type]


# ---- Hypothesis ------------------------------------------------------------------------------

NAME_BYTES = st.binary(min_size=1, max_size=60).filter(lambda b: b"\0" not in b)


@given(st.lists(NAME_BYTES, max_size=20))
def test_parse_names_matches_per_name_decoding(raw_names: list[bytes]) -> None:
    data = b"".join(n + b"\0" for n in raw_names)
    assert _parse_names(data) == [os.fsdecode(n) for n in raw_names]
    assert [os.fsencode(n) for n in _parse_names(data)] == raw_names


@given(st.binary(max_size=200))
def test_parse_names_any_buffer(data: bytes) -> None:
    names = _parse_names(data)
    # Whatever the bytes, joining the encoded names back gives the buffer (minus one final NUL).
    assert b"\0".join(os.fsencode(n) for n in names) == (data[:-1] if data[-1:] == b"\0" else data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(suffix=NAME_BYTES.filter(lambda b: len(b) <= 250), value=st.binary(max_size=2000))
def test_arbitrary_names_and_values_round_trip(file: Path, suffix: bytes, value: bytes) -> None:
    name = b"user." + suffix
    xattr.setxattr(file, name, value)
    try:
        assert xattr.getxattr(file, name) == value
        assert os.fsencode(xattr.listxattr(file)[0]) == name
        assert xattr.getxattr(file, os.fsdecode(name)) == value
    finally:
        xattr.removexattr(file, name)


ANY_NAME = st.one_of(st.text(max_size=300), st.binary(max_size=300), st.integers(), st.none())
ANY_VALUE = st.one_of(st.binary(max_size=70000), st.text(max_size=10), st.integers(), st.none())
ANY_FLAGS = st.one_of(st.integers(min_value=-(2**40), max_value=2**40), st.sampled_from([0, 1, 2]))
CALLS = st.sampled_from(
    ["get", "lget", "fget", "set", "lset", "fset", "list", "llist", "flist", "rm", "lrm", "frm"]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    call=CALLS,
    name=ANY_NAME,
    value=ANY_VALUE,
    flags=ANY_FLAGS,
    size=st.none() | st.integers(-5, 70000),
)
def test_arbitrary_input_returns_or_raises_a_documented_type(
    file: Path, call: str, name: Any, value: Any, flags: int, size: int | None
) -> None:
    with file.open("rb") as f:
        funcs: dict[str, Callable[[], object]] = {
            "get": lambda: xattr.getxattr(file, name, size=size),
            "lget": lambda: xattr.lgetxattr(file, name, size=size),
            "fget": lambda: xattr.fgetxattr(f, name, size=size),
            "set": lambda: xattr.setxattr(file, name, value, flags),
            "lset": lambda: xattr.lsetxattr(file, name, value, flags),
            "fset": lambda: xattr.fsetxattr(f, name, value, flags),
            "list": lambda: xattr.listxattr(file, size=size),
            "llist": lambda: xattr.llistxattr(file, size=size),
            "flist": lambda: xattr.flistxattr(f, size=size),
            "rm": lambda: xattr.removexattr(file, name),
            "lrm": lambda: xattr.lremovexattr(file, name),
            "frm": lambda: xattr.fremovexattr(f, name),
        }
        try:
            funcs[call]()
        except errors.SysapiError as exc:
            assert exc.documented, (call, exc)
        except (TypeError, ValueError, OverflowError):
            pass
    for n in os.listxattr(file):
        os.removexattr(file, n)


# ---- the command line ------------------------------------------------------------------------


def _cli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "sysapi", "xattr", *args], capture_output=True, input=input
    )


@given(st.binary(max_size=300), st.sampled_from(["text", "hex", "base64", None]))
def test_value_encodings_round_trip(value: bytes, encoding: str | None) -> None:
    assert decode(encode(value, encoding)) == value


@given(st.binary(max_size=100))
def test_escape_round_trips(data: bytes) -> None:
    text = escape(data, b"=")
    assert "=" not in text and "\n" not in text and text.isprintable()
    assert unescape(text) == data


def test_cli_round_trips_every_byte(file: Path, tmp_path: Path) -> None:
    values = {
        "user.all": bytes(range(256)),
        "user.random": os.urandom(1000),
        "user.empty": b"",
        "user.trailing-nul": b"text\0",
        "user.quotes": b'"\\"',
    }
    for encoding in ("text", "hex", "base64"):
        for name, value in values.items():
            xattr.setxattr(file, name, b"stale")  # overwritten by the CLI below
            encoded = encode(value, encoding)
            assert _cli("set", "-n", name, "-v", encoded, str(file)).returncode == 0
            assert xattr.getxattr(file, name) == value, (encoding, name)
        dump = _cli("get", "--dump", "-e", encoding, str(file))
        assert dump.returncode == 0, dump.stderr
        for name in values:
            xattr.removexattr(file, name)
        restored = _cli("set", "--restore", "-", input=dump.stdout)
        assert restored.returncode == 0, restored.stderr
        assert {n: xattr.getxattr(file, n) for n in values} == values
    raw = _cli("get", "--only-values", "-n", "user.all", str(file))
    assert raw.stdout == bytes(range(256))


def test_cli_json_and_list(file: Path) -> None:
    import json

    xattr.setxattr(file, "user.a", b"\xff\x00x")
    xattr.setxattr(file, "user.b", b"plain")
    (report,) = json.loads(_cli("get", "--json", str(file)).stdout)
    assert report["file"] == str(file)
    assert {a["name"]: decode(a["value"]) for a in report["attributes"]} == {
        "user.a": b"\xff\x00x",
        "user.b": b"plain",
    }
    (listed,) = json.loads(_cli("list", "--json", str(file)).stdout)
    assert sorted(listed["names"]) == ["user.a", "user.b"]
    text = _cli("get", str(file)).stdout.decode()
    assert 'user.b="plain"' in text and "user.a=0s/wB4" in text
    assert _cli("list", str(file)).stdout.decode().splitlines()[1:3] == ["user.a", "user.b"]


def test_cli_rm_no_dereference_and_errors(tmp_path: Path, file: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(file)
    assert _cli("set", "-n", "user.k", "-v", "v", str(link)).returncode == 0
    assert xattr.getxattr(file, "user.k") == b"v"
    failed = _cli("set", "-h", "-n", "user.k", "-v", "v", str(link))
    assert failed.returncode == 1 and b"Operation not permitted" in failed.stderr
    assert _cli("rm", "-n", "user.k", str(file)).returncode == 0
    missing = _cli("rm", "-x", "user.k", str(file))
    assert missing.returncode == 1 and b"No data available" in missing.stderr
    assert _cli("get", "-n", "user.k", str(file)).returncode == 1
    created = _cli("set", "--create", "-n", "user.c", "-v", "1", str(file))
    assert created.returncode == 0
    again = _cli("set", "--create", "-n", "user.c", "-v", "1", str(file))
    assert again.returncode == 1 and b"File exists" in again.stderr


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attrs=st.dictionaries(
        NAME_BYTES.filter(lambda b: len(b) <= 100), st.binary(max_size=400), max_size=4
    ),
    encoding=st.sampled_from(["text", "hex", "base64"]),
)
def test_cli_dump_and_restore_arbitrary_bytes(
    file: Path, attrs: dict[bytes, bytes], encoding: str
) -> None:
    """Arbitrary names and values (any byte but NUL in names) survive get --dump and
    set --restore through the real command line."""
    wanted = {b"user." + suffix: value for suffix, value in attrs.items()}
    try:
        for name, value in wanted.items():
            xattr.setxattr(file, name, value)
        dump = _cli("get", "--dump", "-m", "-", "-e", encoding, str(file))
        assert dump.returncode == 0, dump.stderr
        for name in wanted:
            xattr.removexattr(file, name)
        restored = _cli("set", "--restore", "-", input=dump.stdout)
        assert restored.returncode == 0, restored.stderr
        assert {os.fsencode(n): xattr.getxattr(file, n) for n in xattr.listxattr(file)} == wanted
    finally:
        for n in xattr.listxattr(file):
            xattr.removexattr(file, n)
