"""``python -m sysapi ipcs [--json]``: the IPC objects of this IPC namespace, as util-linux
``ipcs`` (no options) prints them, then the POSIX message queues and named semaphores.

It only reads: the SysV objects come from /proc/sysvipc (as util-linux reads them), the POSIX
ones from the mqueue filesystem and /dev/shm.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import stat
import sys
from collections.abc import Callable

from sysapi import ipc
from sysapi._commands import dumps, plain
from sysapi.ipc import SHM_DEST, SHM_LOCKED

# typing costs milliseconds to import: only type checkers read these names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
POSIX_MQ_TITLE = "------ POSIX Message Queues --------"
POSIX_MQ_HEADER = f"{'name':<20} {'owner':<10} {'perms':<10} {'used-bytes':<12} {'messages':<12}"
POSIX_SEM_TITLE = "------ POSIX Semaphores --------"
POSIX_SEM_HEADER = f"{'name':<20} {'owner':<10} {'perms':<10} {'value':<10}"
#: Where glibc keeps named semaphores: sem_open("/NAME") is the file sem.NAME there.
SEM_DIR = "/dev/shm"
SEM_PREFIX = "sem."


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


def mqueue_mount() -> str | None:
    """Where the mqueue filesystem is mounted (the first mount of it in
    /proc/self/mountinfo), or None."""
    try:
        with open("/proc/self/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
        if "-" in fields and fields[fields.index("-") + 1] == "mqueue":
            # Mount points escape space, tab, newline and backslash as octal.
            return fields[4].encode().decode("unicode_escape").encode("latin-1").decode()
    return None


def _file_owner(st: os.stat_result) -> dict[str, Any]:
    return {"owner": owner(st.st_uid), "uid": st.st_uid, "perms": stat.S_IMODE(st.st_mode) & 0o777}


def _queue_messages(name: str) -> int | None:
    """``mq_curmsgs`` of queue ``name``, or None when it cannot be opened (opening for reading
    changes nothing; nothing is received)."""
    try:
        with ipc.mq_open(name, os.O_RDONLY | os.O_NONBLOCK) as mq:
            return mq.attr.mq_curmsgs
    except OSError:
        return None


def _semaphore_value(name: str) -> int | None:
    """The value of named semaphore ``name``, or None when it cannot be opened."""
    try:
        with ipc.sem_open(name) as sem:
            return sem.value
    except OSError:
        return None


def posix_queues(mount: str | None) -> list[dict[str, Any]]:
    """One row per file of the mqueue filesystem at ``mount``."""
    if mount is None:
        return []
    rows = []
    for entry in sorted(os.scandir(mount), key=lambda e: e.name):
        with contextlib.suppress(OSError):  # removed meanwhile
            st = entry.stat()
            with open(entry.path) as f:
                # "QSIZE:11 NOTIFY:0 SIGNO:0 NOTIFY_PID:0": QSIZE is the bytes queued.
                info = dict(item.split(":", 1) for item in f.read().split())
            name = "/" + entry.name
            rows.append(
                {
                    "name": name,
                    **_file_owner(st),
                    "used_bytes": int(info["QSIZE"]),
                    "messages": _queue_messages(name),
                }
            )
    return rows


def posix_semaphores() -> list[dict[str, Any]]:
    """One row per named semaphore (glibc's sem.NAME files in /dev/shm)."""
    try:
        entries = sorted(os.scandir(SEM_DIR), key=lambda e: e.name)
    except OSError:
        return []
    rows = []
    for entry in entries:
        if not entry.name.startswith(SEM_PREFIX) or not entry.is_file(follow_symlinks=False):
            continue
        with contextlib.suppress(OSError):
            name = "/" + entry.name[len(SEM_PREFIX) :]
            st = entry.stat()
            # sem_open refuses a file shorter than a sem_t (something else named sem.*, or
            # one being made), which would otherwise be a SIGBUS on reading the value.
            rows.append({"name": name, **_file_owner(st), "value": _semaphore_value(name)})
    return rows


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def posix_text(mq: list[dict[str, Any]], sem: list[dict[str, Any]]) -> str:
    """The two POSIX sections, in the style of the SysV ones."""
    out = [f"{POSIX_MQ_TITLE}\n{POSIX_MQ_HEADER}\n"]
    for r in mq:
        out.append(
            f"{r['name']:<20} {r['owner'][:10]:<10} {r['perms']:<10o} {r['used_bytes']:<12} "
            f"{_or_dash(r['messages']):<12}\n"
        )
    out.append(f"\n{POSIX_SEM_TITLE}\n{POSIX_SEM_HEADER}\n")
    for r in sem:
        out.append(
            f"{r['name']:<20} {r['owner'][:10]:<10} {r['perms']:<10o} {_or_dash(r['value']):<10}\n"
        )
    return "".join(out) + "\n"


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
    mount = mqueue_mount()
    if mount is None:
        print(
            "sysapi ipcs: no mqueue filesystem is mounted, so the POSIX message queues are not "
            "listed (mount one: mount -t mqueue none /dev/mqueue)",
            file=sys.stderr,
        )
    report: dict[str, list[dict[str, Any]]] = {
        "msg": msg_queues(),
        "shm": shm_segments(),
        "sem": sem_arrays(),
        "posix_mq": posix_queues(mount),
        "posix_sem": posix_semaphores(),
    }
    if args.json:
        print(dumps(report, indent=2))
        return 0
    print(sysv_text(report["msg"], report["shm"], report["sem"]), end="")
    print(posix_text(report["posix_mq"], report["posix_sem"]), end="")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ipcs",
        help="list the SysV and POSIX IPC objects, as util-linux ipcs (read only)",
        description=plain(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="one object with a list per kind")
    p.set_defaults(func=_ipcs)
