from __future__ import annotations

import errno
import pickle

import pytest

from sysapi import _syscall, errors
from sysapi.errors import SysapiError


@pytest.mark.parametrize(
    ("name", "builtin"),
    [
        ("EPERM", PermissionError),
        ("EACCES", PermissionError),
        ("ENOENT", FileNotFoundError),
        ("ESRCH", ProcessLookupError),
        ("ECHILD", ChildProcessError),
        ("EAGAIN", BlockingIOError),
        ("EEXIST", FileExistsError),
        ("EINTR", InterruptedError),
        ("ETIMEDOUT", TimeoutError),
        ("ENOTDIR", NotADirectoryError),
        ("EISDIR", IsADirectoryError),
    ],
)
def test_classes_subclass_the_pep3151_builtin(name: str, builtin: type[OSError]) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, SysapiError) and issubclass(cls, builtin)
    assert errors.from_errno(getattr(errno, name)) is cls


def test_every_errno_of_the_platform_has_its_class() -> None:
    for number, name in errno.errorcode.items():
        cls = errors.from_errno(number)
        assert cls is not SysapiError, name
        assert cls.code == number
        assert getattr(errors, name) is cls  # aliases (EWOULDBLOCK, ENOTSUP) included


def test_unknown_errno_still_raises_sysapi_error() -> None:
    exc = _syscall.error(4000, "readahead")
    assert type(exc) is SysapiError and exc.errno == 4000 and exc.syscall == "readahead"
    assert not exc.documented


def test_error_carries_syscall_documented_and_filename() -> None:
    exc = _syscall.error(errno.EBADF, "readahead", "/x")
    assert isinstance(exc, errors.EBADF)
    assert exc.syscall == "readahead" and exc.documented and exc.filename == "/x"
    assert "readahead" in str(exc)
    assert not _syscall.error(errno.ENOENT, "readahead").documented


def test_pickle_round_trip_keeps_attributes() -> None:
    exc = _syscall.error(errno.EACCES, "readahead", "/x")
    exc.add_note("the live limit")
    back = pickle.loads(pickle.dumps(exc))
    assert back.__notes__ == ["the live limit"]
    assert type(back) is errors.EACCES
    assert (back.errno, back.filename, back.syscall, back.documented) == (
        13,
        "/x",
        "readahead",
        False,
    )


def test_call_retries_eintr_and_raises_others() -> None:
    results = iter([-errno.EINTR, -errno.EINTR, 7])
    assert _syscall.call("readahead", lambda: next(results)) == 7
    with pytest.raises(errors.EINVAL):
        _syscall.call("readahead", lambda: -errno.EINVAL)


def test_spec_hint_becomes_a_note() -> None:
    spec = errors.spec(
        "test_hint_call",
        [errors.man(errno.ENOSPC, "full")],
        hints={errno.ENOSPC: lambda: "limit is 3"},
    )
    try:
        exc = _syscall.error(errno.ENOSPC, "test_hint_call")
        assert exc.__notes__ == ["limit is 3"]
        assert spec.errors == {errno.ENOSPC: "full"}
    finally:
        del errors._SPECS["test_hint_call"]


def test_docstrings_have_a_generated_raises_section() -> None:
    import sysapi

    assert sysapi.readahead.__doc__ is not None
    assert "Raises:" in sysapi.readahead.__doc__ and "EBADF" in sysapi.readahead.__doc__
