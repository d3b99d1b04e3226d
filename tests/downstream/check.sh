#!/usr/bin/env bash
# Packaging and downstream check, the way a pip user meets sysapi (distribution linux-sysapi):
#   1. tools/build_wheels.sh makes the sdist and the cp311-abi3 manylinux_2_28 wheels (x86_64,
#      aarch64), checked with abi3audit, tools/symbols.py (GLIBC_2.28) and auditwheel show;
#   2. the sdist installs in a fresh virtual environment (compiled from source) and runs;
#   3. the wheel ships py.typed, _sysapi.pyi and the compiled module;
#   4. the x86_64 wheel installs in a fresh virtual environment, and the consumer modules
#      (tests/downstream/consumer_<area>.py) type-check with `mypy --strict` against it and import.
# An area whose module is still a placeholder (empty __all__) is skipped, with a message. The areas
# come from src/sysapi/_areas.py; every area needs a consumer_<area>.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/tests/downstream

AREAS=$(python3 -c 'import runpy; print(*runpy.run_path("src/sysapi/_areas.py")["AREAS"])')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== build: sdist and wheels"
bash tools/build_wheels.sh "$work/dist"
sdist=$(ls "$work"/dist/linux_sysapi-*.tar.gz)
wheel=$(ls "$work"/dist/linux_sysapi-*-cp311-abi3-manylinux_2_*_x86_64.whl)

echo "== the sdist installs in a fresh virtual environment"
python3 -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/pip" install --quiet "$sdist"
(cd "$work" && "$work/sdist-venv/bin/python" -m sysapi check --area fs >/dev/null)
echo "sdist: installed, sysapi $("$work/sdist-venv/bin/python" -c 'import sysapi; print(sysapi.__version__)'), check --area fs passed"

echo "== the wheel's contents"
python3 - "$wheel" <<'EOF'
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
missing = [n for n in ("sysapi/py.typed", "sysapi/_sysapi.pyi") if n not in names]
if not any(n.startswith("sysapi/_sysapi.") and n.endswith(".so") for n in names):
    missing.append("sysapi/_sysapi.*.so")
if missing:
    sys.exit(f"the wheel lacks {missing}")
print("wheel ships py.typed, _sysapi.pyi and the compiled module")
EOF

echo "== downstream: mypy --strict against the installed wheel"
python3 -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/pip" install --quiet "$wheel" mypy
mkdir "$work/consumer"
checked=""
for area in $AREAS; do
  landed=$(cd "$work" && "$work/wheel-venv/bin/python" -c \
    "import importlib; print(bool(importlib.import_module('sysapi.$area').__all__))")
  if [ "$landed" = "True" ]; then
    cp "$here/consumer_$area.py" "$work/consumer/"
    checked="$checked $area"
  else
    echo "skipped $area: sysapi.$area is still a placeholder (its area has not landed)"
  fi
done
[ -n "$checked" ] || {
  echo "no area to check" >&2
  exit 1
}
# Run from a directory with no mypy configuration and no source tree: only the wheel counts.
(cd "$work/consumer" && "$work/wheel-venv/bin/mypy" --strict --no-incremental .)
for area in $checked; do
  (cd "$work/consumer" && "$work/wheel-venv/bin/python" -c "import consumer_$area")
done
echo "downstream check passed for:$checked"
