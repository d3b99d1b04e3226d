#!/usr/bin/env bash
# The release artefacts, built on any Linux x86_64 machine without containers:
#   - the sdist;
#   - one cp311-abi3 wheel per architecture (x86_64, aarch64) for manylinux_2_28: zig cc links
#     against glibc 2.28's symbol versions (-target ARCH-linux-gnu.2.28) and cross-compiles;
# each checked with abi3audit (only the stable ABI of 3.11), tools/symbols.py (no symbol newer
# than GLIBC_2.28) and auditwheel (repair, then show: manylinux_2_28 or an older tag).
# The tools come from the project's `release` extra. Usage: tools/build_wheels.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$(realpath -m "${1:-dist}")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

extra() {
  python3 -c 'import sys, tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$1"
}
python3 -m venv "$work/tools"
# shellcheck disable=SC2046  # one argument per requirement
"$work/tools/bin/pip" install --quiet $(extra release)
bin=$work/tools/bin
zig=$("$bin/python" -c 'import pathlib, ziglang; print(pathlib.Path(ziglang.__file__).parent / "zig")')

"$bin/python" -m build --sdist --outdir "$out" "$repo" >"$work/sdist.log" 2>&1 || {
  cat "$work/sdist.log"
  exit 1
}
sdist=$(ls "$out"/linux_sysapi-*.tar.gz)
echo "sdist: $(basename "$sdist")"

for arch in x86_64 aarch64; do
  target=$arch-linux-gnu.2.28
  # From a fresh copy of the sdist: setuptools would reuse a module another build left in
  # build/ (for another architecture, say), and the sdist is proven complete on the way.
  mkdir "$work/src-$arch"
  tar -xzf "$sdist" -C "$work/src-$arch" --strip-components=1
  CC="$zig cc -target $target" LDSHARED="$zig cc -target $target -shared" \
    "$bin/python" -m build --wheel --outdir "$work/raw-$arch" \
    "-C--build-option=--plat-name=linux_$arch" "$work/src-$arch" >"$work/wheel-$arch.log" 2>&1 || {
    cat "$work/wheel-$arch.log"
    exit 1
  }
  raw=$(ls "$work/raw-$arch"/*.whl)
  "$bin/abi3audit" --strict --assume-minimum-abi3 3.11 "$raw"
  mkdir "$work/unpacked-$arch"
  (cd "$work/unpacked-$arch" && "$bin/python" -m zipfile -e "$raw" .)
  "$bin/python" tools/symbols.py --libc glibc-2.28 "$work/unpacked-$arch"/sysapi/_sysapi*.so
  # auditwheel reads the architecture from the module (--plat names only this machine's) and
  # tags the oldest glibc the symbols allow: manylinux_2_27 while nothing needs 2.28 itself.
  PATH="$bin:$PATH" "$bin/auditwheel" repair --wheel-dir "$out" "$raw" >"$work/repair-$arch.log" 2>&1 || {
    cat "$work/repair-$arch.log"
    exit 1
  }
  wheel=$(ls "$out"/linux_sysapi-*-cp311-abi3-manylinux_2_*_"$arch".whl)
  "$bin/auditwheel" show "$wheel" >"$work/show-$arch.log"
  tag=$(tr '\n' ' ' <"$work/show-$arch.log" | grep -o "manylinux_2_[0-9]*_$arch" | head -n 1)
  minor=${tag#manylinux_2_}
  [ -n "$tag" ] && [ "${minor%%_*}" -le 28 ] || {
    cat "$work/show-$arch.log"
    echo "auditwheel does not accept $(basename "$wheel") for glibc 2.28" >&2
    exit 1
  }
  echo "wheel: $(basename "$wheel") (abi3audit, GLIBC_2.28 symbols and auditwheel show passed)"
done
