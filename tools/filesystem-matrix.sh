#!/bin/bash
# filesystem-matrix.sh - run sysapi's conformance report with `check --dir` on ext4, xfs, btrfs
# and tmpfs, each freshly made on a loop device (tmpfs: a fresh mount), as root.
#
# Usage:  tools/filesystem-matrix.sh [-p PYTHON] OUT_DIR [FSTYPE...]
#
#   -p PYTHON  the interpreter that has sysapi installed (default: .venv/bin/python of the
#              project, else python3)
#   OUT_DIR    receives <fstype>/{check.json,check.txt,check.err,mkfs.txt,uname,meta}
#   FSTYPE     any of ext4 xfs btrfs tmpfs (default: all four); a type whose mkfs is missing
#              is skipped with a message (apt-get install xfsprogs btrfs-progs)
#
# Each filesystem is a 512 MiB sparse image under a private mktemp directory, attached with
# `losetup --find`, made with the distribution's mkfs defaults and mounted on that directory;
# everything is unmounted, detached and removed on exit, also after an error or a signal.
# tools/behaviour.py turns OUT_DIR into the committed data of the docs page.

set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PY=
while getopts "p:h" opt; do
    case $opt in
        p) PY=$OPTARG ;;
        *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
shift
TYPES=("$@")
[ ${#TYPES[@]} -gt 0 ] || TYPES=(ext4 xfs btrfs tmpfs)
[ -n "$PY" ] || { [ -x "$here/.venv/bin/python" ] && PY=$here/.venv/bin/python || PY=python3; }
[ "$(id -u)" = 0 ] || { echo "run as root (loop devices, mounts)" >&2; exit 1; }

# The commit tested; "+changes" when the (editable) installation has uncommitted changes.
REV=$(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ] || REV=$REV+changes

WORK=$(mktemp -d /var/tmp/sysapi-fsmatrix.XXXXXX)
chmod 755 "$WORK"  # the report's unprivileged children must reach the mount
MNT=$WORK/mnt
LOOP=
cleanup() {
    mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"
    [ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null || true
    LOOP=
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for fs in "${TYPES[@]}"; do
    R=$OUT/$fs
    rm -rf "$R" && mkdir -p "$R"
    mkdir -p "$MNT"
    if [ "$fs" = tmpfs ]; then
        mount -t tmpfs -o size=512m,mode=0755 sysapi-fsmatrix "$MNT"
        echo "tmpfs, size=512m" >"$R/mkfs.txt"
    else
        if ! command -v "mkfs.$fs" >/dev/null; then
            echo "$fs: skipped, mkfs.$fs is not installed"
            rmdir "$R"
            continue
        fi
        truncate -s 512M "$WORK/$fs.img"
        LOOP=$(losetup --find --show "$WORK/$fs.img")
        "mkfs.$fs" -q "$LOOP" >"$R/mkfs.txt" 2>&1 || { cat "$R/mkfs.txt" >&2; exit 1; }
        mkfs_version=$("mkfs.$fs" -V 2>&1 | head -n 1 || true)
        echo "$mkfs_version" >>"$R/mkfs.txt"
        mount "$LOOP" "$MNT"
    fi
    chmod 755 "$MNT"
    uname -r >"$R/uname"
    printf 'group=filesystem\ncommit=%s\ndate=%s\npackage=%s\nhow=%s\n' "$REV" "$(date -u +%Y-%m-%d)" "$fs" \
        "the host, check --dir on a fresh $fs ($(tail -n 1 "$R/mkfs.txt"))" >"$R/meta"
    "$PY" -m sysapi check --json --dir "$MNT" >"$R/check.json" 2>"$R/check.err" || true
    "$PY" -m sysapi check --dir "$MNT" >"$R/check.txt" 2>>"$R/check.err" || true
    echo "$fs: $(tail -n 1 "$R/check.txt")"
    umount "$MNT"
    [ -z "$LOOP" ] || { losetup -d "$LOOP"; LOOP=; }
    rm -f "$WORK/$fs.img"
done
