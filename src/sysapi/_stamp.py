"""The build stamp: a digest of the C declarations the extension was compiled from.

``build_ffi.py`` (which loads this file by path: it imports nothing from sysapi) compiles the
digest of ``_ffi/base.py`` and of each area's ``_ffi/<area>.py`` into the extension as
``SYSAPI_FFI_STAMP``. At import, :func:`check` recomputes it from the files next to this one:
an extension left over from older declarations (a source checkout updated without
``pip install -e .``) is refused with a message, instead of calling shims whose signatures or
struct layouts have changed since.

Reading and digesting every declaration module at each import cost a short command up to
0.7 ms, so :func:`check` first compares modification times: when no declaration module is
newer than the extension file, the extension was compiled after their last change and the
digest is skipped. A declaration edited, checked out or copied in after the build is newer
and gets the full comparison (which still accepts it when its content is unchanged).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

_FFI_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ffi")


def digest(ffi_dir: str, areas: Iterable[str]) -> int:
    """CRC-32 of the declaration modules the build joins, in the build's order."""
    import zlib  # here: an up-to-date build never needs it at import

    crc = 0
    for name in ("base", *areas):
        path = os.path.join(ffi_dir, f"{name}.py")
        if os.path.exists(path):
            with open(path, "rb") as f:
                crc = zlib.crc32(f.read(), crc)
    return crc


def _older_than(ffi_dir: str, areas: Iterable[str], extension: str) -> bool:
    """True when every declaration module in ``ffi_dir`` was last modified before the file
    ``extension`` (any doubt, such as a file that cannot be read, is False)."""
    try:
        built = os.stat(extension).st_mtime_ns
        for name in ("base", *areas):
            path = os.path.join(ffi_dir, f"{name}.py")
            try:
                if os.stat(path).st_mtime_ns >= built:
                    return False
            except FileNotFoundError:
                continue  # the digest skips a missing module too
    except OSError:
        return False
    return True


def check(
    built: int, areas: Iterable[str], ffi_dir: str = _FFI_DIR, extension: str | None = None
) -> None:
    """Raise ImportError when the extension's stamp ``built`` is not the digest of the
    declarations in ``ffi_dir``. With the path of the ``extension`` file, declarations all
    older than it are taken as the ones it was built from, without reading them."""
    areas = tuple(areas)
    if extension is not None and _older_than(ffi_dir, areas, extension):
        return
    expected = digest(ffi_dir, areas)
    if built != expected:
        raise ImportError(
            "sysapi's compiled extension (sysapi._sysapi) was built from other C declarations "
            f"than {ffi_dir} holds now (stamp {built:#x}, sources {expected:#x}): rebuild it, "
            "e.g. with `pip install -e .` in the source tree"
        )
