#!/usr/bin/env bash
# Offline rooms, step 2 (on each machine, no network): install the lab from the wheelhouse.
#
#     install-offline.sh WHEELHOUSE [TARGET]      # TARGET (default: ./cognito-lab) gets .venv/ and notebooks/
#
# pip runs with --no-index: it never looks for a package index, so a missing wheel is an error here,
# not a silent download. Then: TARGET/.venv/bin/jupyter lab TARGET/notebooks
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 WHEELHOUSE [TARGET]" >&2
    exit 2
fi
wheels="$(cd "$1" && pwd)"
target="${2:-cognito-lab}"
python="${PYTHON:-python3}"
mkdir -p "$target"
"$python" -m venv "$target/.venv"
"$target/.venv/bin/python" -m pip install --quiet --no-index --find-links "$wheels" -r "$wheels/requirements.txt"
shopt -s nullglob
lab=("$wheels"/cognito_lab-*.whl)
if [ ${#lab[@]} -gt 0 ]; then
    "$target/.venv/bin/python" -m pip install --quiet --no-index --no-deps "${lab[@]}"
fi
if [ -d "$wheels/notebooks" ] && [ ! -e "$target/notebooks" ]; then
    cp -r "$wheels/notebooks" "$target/notebooks"
fi
echo "installed without network into $target; start: $target/.venv/bin/jupyter lab $target/notebooks"
