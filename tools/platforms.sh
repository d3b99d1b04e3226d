#!/usr/bin/env bash
# The platforms the wheels claim, proven: builds the release wheels (tools/build_wheels.sh),
# builds a Debian root per platform from nothing with debootstrap (emulated aarch64 through
# qemu-user-static and binfmt_misc), installs the same cp311-abi3 wheel in a fresh virtual
# environment of each Python there (dependencies downloaded on this host, installed with
# --no-index: pip >= 3.13 refuses this machine's TLS proxy), runs `python -m sysapi check` and the
# whole test suite, and prints one line per platform. The results go to docs/platforms.json,
# which the docs show as the platform table. Where the Debian release has no Python 3.11 (Debian
# 11, the oldest glibc reachable here: 2.31), CPython is built inside the root from Debian's own
# source (SOURCES below), so that the interpreter itself links against that glibc.
#
# Usage, as root on Linux x86_64 with debootstrap, qemu-user-static, binfmt-support and curl:
#   tools/platforms.sh [PLATFORM...]      # default: all; names as in PLATFORMS below
#   SYSAPI_DIST=DIR tools/platforms.sh    # reuse the output of tools/build_wheels.sh DIR
#   SYSAPI_PYTHONS=python3.15 tools/platforms.sh debian-sid-amd64   # one of a root's Pythons
# Roots are kept under $SYSAPI_PLATFORMS (default /var/tmp/sysapi-platforms) and reused when
# complete; delete a root to rebuild it. Every mount is made in a private mount namespace
# (unshare), so nothing is left mounted, even when a run is interrupted; each suite runs in an
# IPC namespace of its own, so other processes' SysV and POSIX IPC objects cannot disturb the
# tests that check none is left behind.
# Takes long (emulated aarch64 above all): not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
base=${SYSAPI_PLATFORMS:-/var/tmp/sysapi-platforms}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
results=$repo/docs/platforms.json

# name | debootstrap suite | Debian arch | Pythons to test | packages | extra pytest arguments
# Under emulation the tests marked slow (seconds each natively) and the stress tests of
# tests/reliability (minutes natively) are left out: the docs' platforms page says why.
PLATFORMS="
debian13-amd64|trixie|amd64|python3|python3,python3-venv|
debian-sid-amd64|sid|amd64|python3.14 python3.15|python3.14,python3.14-venv,python3.15,python3.15-venv|
debian13-arm64|trixie|arm64|python3|python3,python3-venv|-m 'not slow' --ignore=tests/reliability
debian11-amd64|bullseye|amd64|python3.11|build-essential,libffi-dev,zlib1g-dev,libssl-dev,libbz2-dev,liblzma-dev,libsqlite3-dev,uuid-dev|
"

# Pythons built in a root from Debian's source (its orig tarball, checked against the sha256 that
# bookworm's Sources index lists): name | path under pool/main | sha256. Installed under
# /opt/pythonX.Y and linked from /usr/local/bin. Plain ./configure (no PGO, no LTO): minutes.
SOURCES="
debian11-amd64|p/python3.11/python3.11_3.11.2.orig.tar.gz|2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
"

[ "$(id -u)" = 0 ] || {
  echo "platforms.sh needs root (debootstrap, chroot, mounts)" >&2
  exit 1
}
for tool in debootstrap unshare chroot; do
  command -v "$tool" >/dev/null || {
    echo "needs $tool: apt-get install debootstrap qemu-user-static binfmt-support" >&2
    exit 1
  }
done
mkdir -p "$base/logs"
log=$base/logs
# This run's wheels and test tree (two runs on different platforms may share the roots).
run=$(mktemp -d -p "$base" run.XXXX)
trap 'rm -rf "$run"' EXIT

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src build_ffi.py setup.py pyproject.toml tests || commit="$commit+changes"

if [ -n "${SYSAPI_DIST:-}" ]; then # wheels built already by tools/build_wheels.sh (same commit)
  echo "== wheels from $SYSAPI_DIST"
  cp -r "$SYSAPI_DIST" "$run/dist"
else
  echo "== wheels (tools/build_wheels.sh)"
  bash tools/build_wheels.sh "$run/dist" | sed 's/^/   /'
fi

# The checkout: the tests and the files they read. src/ is not on sys.path (src layout), so the
# installed wheel is what the tests import; a few tests read the sources.
mkdir -p "$run/tree"
git ls-files -z | xargs -0 cp --parents -t "$run/tree"
shared=""
for parent in "$repo"/..{,/..,/../..}; do
  [ -d "$parent/shared/spec" ] && shared=$(realpath "$parent/shared") && break
done

enable_qemu() {
  [ -e /proc/sys/fs/binfmt_misc/status ] ||
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
}

build_root() { # dir suite arch packages
  local dir=$1 suite=$2 arch=$3 packages=$4
  [ -e "$dir/.sysapi-root" ] && return
  rm -rf "$dir"
  if [ "$arch" = "$(dpkg --print-architecture)" ]; then
    debootstrap --variant=minbase --include="ca-certificates,$packages" "$suite" "$dir" "$mirror" \
      >"$log/$(basename "$dir").debootstrap.log" 2>&1
  else
    enable_qemu
    debootstrap --foreign --arch="$arch" --variant=minbase --include="ca-certificates,$packages" \
      "$suite" "$dir" "$mirror" >"$log/$(basename "$dir").debootstrap.log" 2>&1
    # The binfmt entry names its interpreter by path: it must exist inside the root too.
    local interp
    interp=$(sed -n 's/^interpreter //p' /proc/sys/fs/binfmt_misc/qemu-aarch64)
    mkdir -p "$dir/usr/bin" "$dir$(dirname "$interp")"
    cp /usr/bin/qemu-aarch64-static "$dir/usr/bin/"
    cp -P "$interp" "$dir$interp"
    chroot "$dir" /debootstrap/debootstrap --second-stage \
      >>"$log/$(basename "$dir").debootstrap.log" 2>&1
  fi
  touch "$dir/.sysapi-root"
}

build_python() { # dir name: the root's Python from Debian's source, where SOURCES names one
  local dir=$1 line path sum tarball py
  line=$(echo "$SOURCES" | grep "^$2|") || return 0
  IFS='|' read -r _ path sum <<<"$line"
  tarball=$(basename "$path")
  py=${tarball%%_*} # python3.11
  [ -e "$dir/.sysapi-$py" ] && return
  mkdir -p "$base/src"
  [ -e "$base/src/$tarball" ] || curl -fsS -o "$base/src/$tarball" "$mirror/pool/main/$path"
  echo "$sum  $base/src/$tarball" | sha256sum --check --quiet
  rm -rf "$dir/opt/src-$py"
  mkdir -p "$dir/opt/src-$py"
  tar -xzf "$base/src/$tarball" -C "$dir/opt/src-$py" --strip-components=1
  HOME=/root LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$dir" sh -c "cd /opt/src-$py &&
    ./configure --prefix=/opt/$py && make -j2 && make install" \
    >"$log/$(basename "$dir").$py.log" 2>&1
  ln -sf "/opt/$py/bin/$py" "$dir/usr/local/bin/$py"
  rm -rf "$dir/opt/src-$py"
  touch "$dir/.sysapi-$py"
}

download() { # pyver arch dir: the test dependencies, for this Python and architecture
  local pyver=$1 arch=$2 dir=$3
  [ -n "$(ls "$dir"/cffi-* 2>/dev/null)" ] && return
  mkdir -p "$dir"
  pip download --quiet --only-binary=:all: --python-version "$pyver" \
    --platform "manylinux_2_28_$arch" --platform "manylinux_2_17_$arch" \
    --platform "manylinux2014_$arch" -d "$dir" cffi pytest hypothesis 2>&1 | grep -v 'is ignored' || true
}

# Inside the root: a fresh venv, the wheel, the check, the suite; one JSON record on stdout's
# last line. Runs in the private mount namespace, after the mounts.
inner() { # python [pytest arguments]
  cat <<EOF
set -u
py=$1
opt=\${SYSAPI_OPT:-/opt/sysapi}
venv=\$opt/venv-\$py
rm -rf "\$venv"
\$py -m venv "\$venv"
"\$venv/bin/pip" install --quiet --no-index --find-links "\$opt/wheels" linux-sysapi pytest hypothesis
cd "\$opt/tree"
start=\$(date +%s)
"\$venv/bin/python" -m sysapi check >"\$opt/check-\$py.txt" 2>&1
check_rc=\$?
"\$venv/bin/python" -m pytest -p no:cacheprovider -q --durations=15 ${2:-} >"\$opt/pytest-\$py.txt" 2>&1
rc=\$?
"\$venv/bin/python" - "\$rc" "\$check_rc" "\$start" "\$opt" "\$py" "${2:-}" <<'PY'
import json, os, platform, sys, time
rc, check_rc, start = map(int, sys.argv[1:4])
opt, py, args = sys.argv[4:]
tail = lambda path: [l for l in open(path).read().splitlines() if l.strip()][-1]
libc = os.confstr("CS_GNU_LIBC_VERSION") or "unknown"
print(json.dumps({
    "python": platform.python_version() + ("t" if "free-threading" in sys.version else ""),
    "libc": libc, "arch": platform.machine(), "kernel": platform.release(),
    "result": "passed" if rc == 0 and check_rc == 0 else "failed",
    "tests": tail(f"{opt}/pytest-{py}.txt").strip("= ") + (f" (pytest {args})" if args else ""),
    "check": tail(f"{opt}/check-{py}.txt"),
    "minutes": round((time.time() - start) / 60, 1),
}))
PY
EOF
}

run_in_root() { # dir python pyver arch pytest-arguments
  local dir=$1 py=$2 pyver=$3 arch=$4 args=$5
  local wheels=$base/wheels/cp${pyver/./}-$arch
  download "$pyver" "$arch" "$wheels"
  local opt=/opt/sysapi-$py # one per Python: two runs may share a root
  rm -rf "$dir$opt"
  mkdir -p "$dir$opt/wheels"
  cp "$wheels"/*.whl "$dir$opt/wheels/"
  cp "$run"/dist/linux_sysapi-*"$arch".whl "$dir$opt/wheels/"
  cp -r "$run/tree" "$dir$opt/tree"
  [ -z "$shared" ] || cp -r "$shared" "$dir$opt/shared"
  inner "$py" "$args" >"$dir$opt/run.sh"
  unshare --mount --ipc --propagation private sh -c '
    dir=$1
    # The root a mount point of its own, as / is on a real system: tests that make their own
    # mount namespace (mount --make-rprivate /) need it.
    mount --bind "$dir" "$dir"
    mount -t proc proc "$dir/proc"
    mount -t sysfs sysfs "$dir/sys"
    mount --bind /dev "$dir/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
    mkdir -p "$dir/dev/mqueue" && mount -t mqueue mqueue "$dir/dev/mqueue" 2>/dev/null || true
    # /tmp stays on the disk filesystem of the root, as on the host: FIBMAP and fincore tests need a
    # filesystem with blocks (tmpfs has none).
    SYSAPI_OPT=$3 HOME=/root LC_ALL=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      "$(command -v chroot)" "$dir" /bin/sh "$3/run.sh"' sh "$dir" "$py" "$opt" | tail -n 1
}

record() { # platform json-from-inner: merge into docs/platforms.json
  python3 - "$results" "$1" "$2" "$commit" "$(basename "$(ls "$run"/dist/*x86_64.whl)")" <<'PY'
import datetime, json, sys
from pathlib import Path
path, platform, line, commit, wheel = sys.argv[1:]
data = json.loads(Path(path).read_text()) if Path(path).exists() else {"runs": []}
row = json.loads(line)
row = {"platform": platform, **row, "commit": commit,
       "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")}
data["runs"] = [r for r in data["runs"]
                if (r["platform"], r["python"].split(".")[:2]) !=
                   (platform, row["python"].split(".")[:2])] + [row]
data["runs"].sort(key=lambda r: (r["platform"], r["python"]))
data["wheel"] = wheel.replace("x86_64", "{arch}")
Path(path).write_text(json.dumps(data, indent=2) + "\n")
print(f"{platform:18} {row['python']:8} {row['libc']:12} {row['arch']:8} {row['result']:7} "
      f"{row['tests']} | {row['check']} ({row['minutes']} min)")
PY
}

wanted=${*:-host $(echo "$PLATFORMS" | cut -d'|' -f1 | tr '\n' ' ')}
for name in $wanted; do
  if [ "$name" = host ]; then
    # This machine's python3, the same way: a fresh venv, the wheel, the check, the suite.
    opt=$run/host
    ver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    echo "== host: python3 ($ver): sysapi check and the test suite"
    download "$ver" x86_64 "$base/wheels/cp${ver/./}-x86_64"
    rm -rf "$opt"
    mkdir -p "$opt/wheels"
    cp "$base/wheels/cp${ver/./}-x86_64"/*.whl "$run"/dist/linux_sysapi-*x86_64.whl "$opt/wheels/"
    cp -r "$run/tree" "$opt/tree"
    [ -z "$shared" ] || cp -r "$shared" "$opt/shared"
    inner python3 >"$opt/run.sh"
    record host "$(SYSAPI_OPT=$opt unshare --ipc sh "$opt/run.sh" | tail -n 1)"
    continue
  fi
  line=$(echo "$PLATFORMS" | grep "^$name|") || {
    echo "unknown platform $name" >&2
    exit 1
  }
  IFS='|' read -r _ suite arch pythons packages args <<<"$line"
  dir=$base/$name
  [ "$arch" = "$(dpkg --print-architecture)" ] || enable_qemu
  echo "== $name: root ($suite, $arch)"
  build_root "$dir" "$suite" "$arch" "$packages"
  build_python "$dir" "$name"
  qarch=$([ "$arch" = arm64 ] && echo aarch64 || echo x86_64)
  for py in ${SYSAPI_PYTHONS:-$pythons}; do
    pyver=$(chroot "$dir" "$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    echo "== $name: $py ($pyver): sysapi check and the test suite"
    out=$(run_in_root "$dir" "$py" "$pyver" "$qarch" "$args")
    record "$name" "$out"
  done
done
