"""``python -m sysapi ipcs [--json]``: the IPC objects of this IPC namespace, as util-linux
``ipcs`` (no options) prints them, then the POSIX message queues and named semaphores.

It only reads: the SysV objects come from /proc/sysvipc (as util-linux reads them), the POSIX
ones from the mqueue filesystem and /dev/shm.
"""

from __future__ import annotations

import argparse
import json
import pwd
from collections.abc import Callable
from typing import Any

from sysapi.ipc import SHM_DEST, SHM_LOCKED

SYSVIPC = "/proc/sysvipc"

# Section titles and header lines, as util-linux prints them (widths included).
MSG_TITLE = "------ Message Queues --------"
MSG_HEADER = (
    f"{'key':<10} {'msqid':<10} {'owner':<10} {'perms':<10} {'used-bytes':<12} {'messages':<12}"
)
SHM_TITLE = "------ Shared Memory Segments --------"
SHM_HEADER = (
    f"{'key':<10} {'shmid':<10} {'owner':<10} {'perms':<10} {'bytes':<10} {'nattch':<10} "
    f"{'status':<12}"
)
SEM_TITLE = "------ Semaphore Arrays --------"
SEM_HEADER = f"{'key':<10} {'semid':<10} {'owner':<10} {'perms':<10} {'nsems':<10}"


def owner(uid: int) -> str:
    """The user name of ``uid``, or the uid as a string when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _proc_rows(kind: str) -> list[dict[str, int]]:
    """The rows of /proc/sysvipc/``kind`` as {column: value} (perms read as octal)."""
    try:
        with open(f"{SYSVIPC}/{kind}") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:  # a kernel without SysV IPC
        return []
    names = lines[0].split()
    rows = []
    for line in lines[1:]:
        values = line.split()
        rows.append(
            {n: int(v, 8) if n == "perms" else int(v) for n, v in zip(names, values, strict=False)}
        )
    return rows


def _common(row: dict[str, int], id_name: str) -> dict[str, Any]:
    return {
        "key": row["key"] & 0xFFFF_FFFF,
        id_name: row[id_name],
        "owner": owner(row["uid"]),
        "uid": row["uid"],
        "perms": row["perms"] & 0o777,
    }


def msg_queues() -> list[dict[str, Any]]:
    return [
        {**_common(r, "msqid"), "used_bytes": r["cbytes"], "messages": r["qnum"]}
        for r in _proc_rows("msg")
    ]


def shm_segments() -> list[dict[str, Any]]:
    rows = []
    for r in _proc_rows("shm"):
        status = [
            name for bit, name in ((SHM_DEST, "dest"), (SHM_LOCKED, "locked")) if r["perms"] & bit
        ]
        rows.append(
            {**_common(r, "shmid"), "bytes": r["size"], "nattch": r["nattch"], "status": status}
        )
    return rows


def sem_arrays() -> list[dict[str, Any]]:
    return [{**_common(r, "semid"), "nsems": r["nsems"]} for r in _proc_rows("sem")]


def _lead(row: dict[str, Any], id_name: str) -> str:
    # util-linux: "0x%08x " then "%-10d %-10.10s" (a name, cut at 10) or "%-10d %-10u" (a uid,
    # never longer than 10 digits: the same cut leaves it whole).
    return f"0x{row['key']:08x} {row[id_name]:<10} {row['owner'][:10]:<10} {row['perms']:<10o}"


def msg_line(row: dict[str, Any]) -> str:
    return f"{_lead(row, 'msqid')} {row['used_bytes']:<12} {row['messages']:<12}"


def shm_line(row: dict[str, Any]) -> str:
    dest = "dest" if "dest" in row["status"] else " "
    locked = "locked" if "locked" in row["status"] else " "
    return f"{_lead(row, 'shmid')} {row['bytes']:<10} {row['nattch']:<10} {dest:<6} {locked:<6}"


def sem_line(row: dict[str, Any]) -> str:
    return f"{_lead(row, 'semid')} {row['nsems']:<10}"


def sysv_text(
    msg: list[dict[str, Any]], shm: list[dict[str, Any]], sem: list[dict[str, Any]]
) -> str:
    """What util-linux ``ipcs`` prints for these rows, byte for byte."""
    sections: list[tuple[str, str, list[dict[str, Any]], Callable[[dict[str, Any]], str]]] = [
        (MSG_TITLE, MSG_HEADER, msg, msg_line),
        (SHM_TITLE, SHM_HEADER, shm, shm_line),
        (SEM_TITLE, SEM_HEADER, sem, sem_line),
    ]
    out = []
    for title, header, rows, line in sections:
        out.append(f"\n{title}\n{header}\n")
        out.extend(line(row) + "\n" for row in rows)
    return "".join(out) + "\n"


def _ipcs(args: argparse.Namespace) -> int:
    report: dict[str, list[dict[str, Any]]] = {
        "msg": msg_queues(),
        "shm": shm_segments(),
        "sem": sem_arrays(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(sysv_text(report["msg"], report["shm"], report["sem"]), end="")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ipcs",
        help="list the SysV and POSIX IPC objects, as util-linux ipcs (read only)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="one object with a list per kind")
    p.set_defaults(func=_ipcs)
