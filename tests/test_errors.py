from __future__ import annotations

import ast
import errno
import inspect
import os
import pathlib
import pickle
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysapi import _syscall, errors
from sysapi.errors import SysapiError
from sysapi.fs import READAHEAD_SPEC


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
    exc = _syscall.error(4000, READAHEAD_SPEC)
    assert type(exc) is SysapiError and exc.errno == 4000 and exc.syscall == "readahead"
    assert not exc.documented


def test_error_carries_syscall_documented_and_filename() -> None:
    exc = _syscall.error(errno.EBADF, READAHEAD_SPEC, "/x")
    assert isinstance(exc, errors.EBADF)
    assert exc.syscall == "readahead" and exc.documented and exc.filename == "/x"
    assert "readahead" in str(exc)
    assert not _syscall.error(errno.ENOENT, READAHEAD_SPEC).documented


def test_pickle_round_trip_keeps_attributes() -> None:
    exc = _syscall.error(errno.EACCES, READAHEAD_SPEC, "/x")
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
    assert _syscall.call(READAHEAD_SPEC, lambda: next(results)) == 7
    with pytest.raises(errors.EINVAL):
        _syscall.call(READAHEAD_SPEC, lambda: -errno.EINVAL)


def test_spec_hint_becomes_a_note() -> None:
    spec = errors.spec(
        "test_hint_call",
        [errors.man(errno.ENOSPC, "full")],
        hints={errno.ENOSPC: lambda: "limit is 3"},
    )
    try:
        exc = _syscall.error(errno.ENOSPC, spec)
        assert exc.__notes__ == ["limit is 3"]
        assert spec.errors == {errno.ENOSPC: "full"}
    finally:
        del errors._SPECS["test_hint_call"]


def test_docstrings_have_a_generated_raises_section() -> None:
    import sysapi

    assert sysapi.readahead.__doc__ is not None
    assert "Raises:" in sysapi.readahead.__doc__ and "EBADF" in sysapi.readahead.__doc__


_SPEC_ARG = {"call": 0, "check": 1, "retry": 1, "error": 1, "raise_errno": 1}


def _syscall_sites() -> list[tuple[str, int, ast.expr, dict[str, str], object]]:
    """Every ``_syscall.<f>(...)`` call in the package: (module, line, spec argument, the
    annotations of the parameters of its enclosing functions, the module object)."""
    import importlib

    import sysapi

    root = pathlib.Path(sysapi.__file__).parent
    sites = []

    def visit(node: ast.AST, params: dict[str, str], where: str, module: object) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            params = params | {
                a.arg: ast.unparse(a.annotation) if a.annotation else ""
                for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
            }
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "_syscall"
            and node.func.attr in _SPEC_ARG
        ):
            arg = node.args[_SPEC_ARG[node.func.attr]]
            sites.append((where, node.lineno, arg, params, module))
        for child in ast.iter_child_nodes(node):
            visit(child, params, where, module)

    for path in sorted(root.rglob("*.py")):
        if path.name == "__main__.py":  # runs the command line when imported
            continue
        rel = path.relative_to(root.parent).with_suffix("")
        module = importlib.import_module(".".join(rel.parts))
        visit(ast.parse(path.read_text()), {}, rel.as_posix(), module)
    return sites


def test_every_error_path_passes_a_registered_spec() -> None:
    """Each failing call names its ErrorSpec object: a module-level spec registered under its
    call, or a parameter typed ErrorSpec (mypy checks what the callers pass)."""
    sites = _syscall_sites()
    assert len(sites) > 50
    for where, line, arg, params, module in sites:
        assert not isinstance(arg, ast.Constant), f"{where}:{line} passes a string"
        if isinstance(arg, ast.Name) and arg.id in params:
            assert params[arg.id] == "ErrorSpec", f"{where}:{line}"
            continue
        value = eval(ast.unparse(arg), vars(module))  # a global name or module.NAME
        assert isinstance(value, errors.ErrorSpec), f"{where}:{line}"
        assert errors.REGISTRY[value.syscall] is value, f"{where}:{line}"


def test_a_name_is_not_a_spec() -> None:
    with pytest.raises(AttributeError):
        _syscall.error(errno.EBADF, "readahead")  # type: ignore[arg-type]


@pytest.mark.parametrize("syscall", ["read", "ioctl(FIONREAD)", "mmap", "munmap"])
def test_calls_on_public_paths_have_specs(syscall: str) -> None:
    import sysapi  # noqa: F401  (fills REGISTRY)

    assert errors.REGISTRY[syscall].entries


def test_inotify_read_and_queued_bytes_errors_are_documented() -> None:
    from sysapi import inotify

    ino = inotify.Inotify()
    try:
        os.close(ino.fileno())
        with pytest.raises(errors.EBADF) as info:
            ino.queued_bytes()
        assert info.value.syscall == "ioctl(FIONREAD)" and info.value.documented
        with pytest.raises(errors.EBADF) as info:
            ino.read(timeout=0)
        assert info.value.syscall == "read" and info.value.documented
    finally:
        ino.detach()
    assert "Raises:" in (inotify.Inotify.read.__doc__ or "")
    assert "Raises:" in (inotify.Inotify.queued_bytes.__doc__ or "")


def _errno_classes() -> list[type[SysapiError]]:
    return [
        cls
        for name in dir(errors)
        if isinstance(cls := getattr(errors, name), type)
        and issubclass(cls, SysapiError)
        and cls is not SysapiError
    ]


def test_every_class_takes_its_number_from_the_errno_module() -> None:
    """0.1.0 typed in the x86 numbers; mips, sparc, alpha and parisc number errnos otherwise
    (and powerpc EDEADLOCK)."""
    classes = _errno_classes()
    assert len(classes) >= 131
    for cls in classes:
        expected = getattr(errno, cls.__name__, None)
        if expected is None:  # not in this Python's errno module: the headers' number
            from sysapi._sysapi import lib

            expected = getattr(lib, cls.__name__)
        assert cls.code == expected, cls.__name__
        assert errors.from_errno(cls.code) is cls
        assert cls.__doc__ is not None and cls.__doc__.startswith(f"errno {cls.code}: ")
    for alias in ("EWOULDBLOCK", "EDEADLOCK", "ENOTSUP"):
        assert getattr(errors, alias).code == getattr(errno, alias)


def test_no_number_is_typed_in() -> None:
    source = pathlib.Path(errors.__file__).read_text()
    assert not re.findall(r"^\s*code\s*=\s*\d", source, re.MULTILINE)
    assert not re.findall(r'"""errno \d', source)


@pytest.mark.parametrize("number", [524, 4000, 0x7FFFFFFF])
def test_an_errno_python_does_not_know_is_still_a_sysapi_error(number: int) -> None:
    """524 is the kernel-internal ENOTSUPP, which leaks to user space from some drivers."""
    exc = _syscall.error(number, READAHEAD_SPEC)
    assert type(exc) is SysapiError and exc.errno == number and not exc.documented
    assert str(exc).startswith("readahead: ")
    assert errors.errno_name(number) == f"errno {number}"
    with pytest.raises(SysapiError):
        _syscall.call(READAHEAD_SPEC, lambda: -number)


def test_documents_records_which_function_documents_which_call() -> None:
    import sysapi
    from sysapi import inotify

    assert errors.documented_by("read") == [inotify.Inotify.read]
    assert errors.documented_by("ioctl(FIONREAD)") == [inotify.Inotify.queued_bytes]
    assert sysapi.inotify_init1 in errors.documented_by("inotify_init1")
    assert inotify.Inotify.__init__ in errors.documented_by("inotify_init1")
    assert errors.documented_by("no such call") == []


def test_every_spec_with_entries_is_documented_by_a_function() -> None:
    """The docs' errno tables name the functions that raise each call's errors from this
    record: a spec no function documents would have no "Raises" section anywhere."""
    import sysapi  # noqa: F401  (fills REGISTRY)

    undocumented = [
        name for name, s in errors.REGISTRY.items() if s.entries and not errors.documented_by(name)
    ]
    assert not undocumented


@pytest.mark.parametrize(
    "doc",
    ["", "one", "  one  ", "a\n\n   b\n  c\n", "\n\n  x\n   y  \n\n", "a\tb\n\tc", "x\n    "],
)
def test_cleandoc_is_inspects(doc: str) -> None:
    assert errors._cleandoc(doc) == inspect.cleandoc(doc)


@given(st.lists(st.text(alphabet=" \tab\f", max_size=12), max_size=8))
def test_cleandoc_is_inspects_for_any_lines(lines: list[str]) -> None:
    doc = "\n".join(lines)
    assert errors._cleandoc(doc) == inspect.cleandoc(doc)


def test_an_errno_this_python_knows_and_the_table_lacks_gets_a_class() -> None:
    """Python 3.14 on newer kernels knows EFTYPE (134); 0.2's table did not. Simulated here
    by teaching this Python's errno module a name before sysapi.errors is imported."""
    code = (
        "import errno\n"
        "errno.errorcode[134] = 'EFTYPE'\n"
        "errno.EFTYPE = 134\n"
        "from sysapi import errors\n"
        "cls = errors.from_errno(134)\n"
        "print(cls.__name__, issubclass(cls, errors.SysapiError), cls.code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["EFTYPE", "True", "134"]
