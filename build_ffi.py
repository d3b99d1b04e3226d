"""Build the ``sysapi._sysapi`` extension (cffi API mode) from the per-area declaration modules.

The modules under ``src/sysapi/_ffi/`` are read by path, so building needs only cffi: the
package itself is never imported at build time.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from cffi import FFI

FFI_DIR = Path(__file__).resolve().parent / "src" / "sysapi" / "_ffi"


def _area_modules() -> list[dict[str, object]]:
    areas = runpy.run_path(str(FFI_DIR / "__init__.py"))["AREAS"]
    return [runpy.run_path(str(FFI_DIR / f"{area}.py")) for area in areas]


def build() -> FFI:
    ffibuilder = FFI()
    modules = _area_modules()
    cdef = "\n".join(str(m["TYPES"]) + str(m["FUNCTIONS"]) for m in modules)
    ffibuilder.cdef(cdef)
    source = "\n".join(str(m["INCLUDES"]) for m in modules) + "\n".join(
        str(m["CUSTOMIZATIONS"]) for m in modules
    )
    ffibuilder.set_source(
        "sysapi._sysapi",
        source,
        # rt, pthread and dl hold timer_*, pthread_* and dlsym before glibc 2.34 moved them into
        # libc: named so that a build for an older glibc binds their symbol versions.
        libraries=["rt", "pthread", "dl"],
        extra_compile_args=["-O2", "-Wall", "-Wno-unused-function"],
    )
    return ffibuilder


ffibuilder = build()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
