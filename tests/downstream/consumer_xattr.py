"""Downstream use of sysapi.xattr (API.md names), type-checked against the installed wheel."""

from __future__ import annotations

import sysapi
from sysapi import xattr


def copy_attributes(src: str, dst: str, fd: int) -> dict[str, bytes]:
    copied: dict[str, bytes] = {}
    for name in sysapi.listxattr(src):
        value: bytes = sysapi.getxattr(src, name)
        sysapi.setxattr(dst, name, value, sysapi.XATTR_CREATE)
        copied[name] = value
    names: list[str] = sysapi.llistxattr(src) + xattr.flistxattr(fd)
    for name in names:
        link_value: bytes = sysapi.lgetxattr(src, name)
        fd_value: bytes = sysapi.fgetxattr(fd, name.encode())
        sysapi.lsetxattr(dst, name, link_value, sysapi.XATTR_REPLACE)
        sysapi.fsetxattr(fd, name, fd_value)
    flags: int = sysapi.XattrFlags.XATTR_CREATE | sysapi.XattrFlags.XATTR_REPLACE
    sysapi.removexattr(dst, "user.a")
    sysapi.lremovexattr(dst, b"user.b")
    sysapi.fremovexattr(fd, "user.c")
    copied["flags"] = bytes([flags])
    return copied
