"""Build the ``sysapi._sysapi`` extension (cffi API mode) from the per-area declaration modules.

The modules under ``src/sysapi/_ffi/`` are read by path, so building needs only cffi: the
package itself is never imported at build time.
"""

from __future__ import annotations

import runpy
import sysconfig
from pathlib import Path

from cffi import FFI

PACKAGE = Path(__file__).resolve().parent / "src" / "sysapi"
FFI_DIR = PACKAGE / "_ffi"


def _area_modules() -> list[dict[str, object]]:
    """``_ffi/base.py``, then ``_ffi/<area>.py`` of every area that has C shims, in the order
    of ``sysapi._areas.AREAS``; each module's ``__name__`` is its area (``base`` first)."""
    areas = runpy.run_path(str(PACKAGE / "_areas.py"))["AREAS"]
    paths = [FFI_DIR / "base.py", *(FFI_DIR / f"{area}.py" for area in areas)]
    return [{**runpy.run_path(str(path)), "__name__": path.stem} for path in paths if path.exists()]


def _stamp() -> int:
    """The digest of the declarations (``sysapi/_stamp.py``), checked again at import."""
    areas = runpy.run_path(str(PACKAGE / "_areas.py"))["AREAS"]
    return int(runpy.run_path(str(PACKAGE / "_stamp.py"))["digest"](str(FFI_DIR), areas))


def _native_tables(modules: list[dict[str, object]]) -> str:
    """``sysapi_native_tables()``: the ``PyMethodDef`` table ``sysapi_<area>_native`` of every
    area whose module has a ``NATIVE`` source, which ``sysapi_native_install`` attaches."""
    tables = [f"sysapi_{m['__name__']}_native" for m in modules[1:] if "NATIVE" in m]
    return (
        "\nstatic PyMethodDef *const *sysapi_native_tables(void)\n{\n"
        f"    static PyMethodDef *const tables[] = {{{', '.join([*tables, 'NULL'])}}};\n"
        "    return tables;\n}\n"
    )


def _limited_api() -> list[tuple[str, str]]:
    """The native functions use the limited API of 3.11 (PyObject_GetBuffer, METH_FASTCALL):
    cffi alone would set the 3.2 one. A free-threaded interpreter has no stable ABI."""
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return []
    return [("Py_LIMITED_API", "0x030B0000")]


def build() -> FFI:
    ffibuilder = FFI()
    modules = _area_modules()
    cdef = "\n".join(str(m["TYPES"]) + str(m["FUNCTIONS"]) for m in modules)
    ffibuilder.cdef(cdef + "\n#define SYSAPI_FFI_STAMP ...\n")
    source = "\n".join(str(m["INCLUDES"]) for m in modules) + "\n".join(
        str(m["CUSTOMIZATIONS"]) for m in modules
    )
    # The native functions come after every shim: they call shims, and only the extension has
    # them (the shims alone compile without Python.h).
    source += "\n".join(str(m.get("NATIVE", "")) for m in modules)
    source += _native_tables(modules)
    source += f"\n#define SYSAPI_FFI_STAMP {_stamp()}UL\n"
    ffibuilder.set_source(
        "sysapi._sysapi",
        source,
        # rt, pthread and dl hold timer_*, pthread_* and dlsym before glibc 2.34 moved them into
        # libc: named so that a build for an older glibc binds their symbol versions (dl also
        # serves sem_clockwait, looked up at run time).
        libraries=["rt", "pthread", "dl"],
        define_macros=_limited_api(),
        # A missing declaration is an error, not an implicit int function; -Wextra stays clean.
        extra_compile_args=[
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror=implicit-function-declaration",
            "-Wno-unused-function",
        ],
    )
    return ffibuilder


ffibuilder = build()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
