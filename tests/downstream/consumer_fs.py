"""Downstream use of sysapi.fs and sysapi.errors, type-checked against the installed wheel."""

from __future__ import annotations

import os

import sysapi
from sysapi import errors, fs

VERSION: str = sysapi.__version__


def physical_blocks(path: str) -> tuple[int, int, list[int]]:
    fd = os.open(path, os.O_RDONLY)
    try:
        sysapi.readahead(fd, 0, 1 << 20)
        size: int = sysapi.figetbsz(fd)
        first: int = fs.fibmap(fd, 0)
        blocks: list[int] = sysapi.block_map(fd)
        sysapi.sync_file_range(
            fd, 0, 0, sysapi.SYNC_FILE_RANGE_WAIT_BEFORE | sysapi.SYNC_FILE_RANGE_WRITE
        )
        sysapi.sync_file_range(fd, 0, 0, fs.SYNC_FILE_RANGE_WAIT_AFTER)
        return size, first, blocks
    finally:
        os.close(fd)


def duplicate(r: int, w: int) -> int:
    spliced: int = sysapi.vmsplice(w, [b"x", bytearray(b"y"), memoryview(b"z")])
    copied: int = sysapi.tee(r, w, 4096, sysapi.SPLICE_F_NONBLOCK | sysapi.SPLICE_F_MORE)
    return spliced + copied + sysapi.SPLICE_F_MOVE + sysapi.SPLICE_F_GIFT


def describe(exc: OSError) -> str:
    if isinstance(exc, errors.SysapiError):
        spec = errors.REGISTRY.get(exc.syscall)
        meanings: dict[int, str] = spec.errors if spec is not None else {}
        return f"{exc.syscall} {exc.documented} {meanings.get(exc.errno or 0, '')}"
    return str(exc)


def readahead_pipe() -> bool:
    r, w = os.pipe()
    try:
        sysapi.readahead(r, 0, 4096)
    except sysapi.errors.EINVAL as exc:
        return exc.documented
    finally:
        os.close(r)
        os.close(w)
    return False


def error_class(number: int) -> type[errors.SysapiError]:
    return errors.from_errno(number)
