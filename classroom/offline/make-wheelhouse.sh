#!/usr/bin/env bash
# Offline rooms, step 1 (once, where there is network): every wheel the lab needs, in one folder.
#
#     classroom/offline/make-wheelhouse.sh [WHEELHOUSE] [--requirements FILE]
#
# Downloads Binder's exact pins (binder/requirements.txt) and builds labkit's own wheel into
# WHEELHOUSE (default: wheelhouse/), with the pins, the notebooks and install-offline.sh beside them. Run it
# with the Python (version, OS, CPU) the room's machines have: compiled wheels (lxml, numpy,
# cryptography, pyzmq) are per platform. Then carry the folder (a USB stick, a file share) to the room
# and run install-offline.sh there.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="wheelhouse"
requirements="$repo/binder/requirements.txt"
while [ $# -gt 0 ]; do
    case "$1" in
        --requirements) requirements="$2"; shift 2 ;;
        -*) echo "usage: $0 [WHEELHOUSE] [--requirements FILE]" >&2; exit 2 ;;
        *) out="$1"; shift ;;
    esac
done
python="${PYTHON:-python3}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
"$python" -m pip download --quiet --only-binary=:all: -d "$out" -r "$requirements"
"$python" -m pip wheel --quiet --no-deps -w "$out" "$repo"
cp "$requirements" "$out/requirements.txt"
cp "$repo/classroom/offline/install-offline.sh" "$out/install-offline.sh"
rm -rf "$out/notebooks"
cp -r "$repo/notebooks" "$out/notebooks"
echo "wheelhouse ready: $out ($(ls "$out"/*.whl | wc -l) wheels); in the room: install-offline.sh $out"
