#!/usr/bin/env bash
# Set up cognito-lab for every learner on The Littlest JupyterHub (TLJH). Run as root on the hub's
# server, from a checkout of this repository, after TLJH's own installer:
#
#     sudo classroom/tljh/install.sh [--memory 1G] [--cpu 1]
#
# 1. installs the lab into TLJH's user environment (/opt/tljh/user) with exactly Binder's pins
#    (binder/requirements.txt), then labkit itself (not editable: the checkout may go afterwards);
# 2. gives every learner their own copy of notebooks/ in ~/cognito-lab/: existing learners now
#    (/home/jupyter-*), new learners through /etc/skel (TLJH creates accounts with a home from it);
# 3. opens JupyterLab on the welcome notebook (a file in TLJH's jupyterhub_config.d);
# 4. sets TLJH's per-learner limits (tljh-config limits.memory / limits.cpu) and reloads the hub.
#
# The defaults (1G, 1 CPU) come from the class benchmark (docs/instructor-guide.md): a learner with one
# notebook open uses about 0.25 GiB (server + kernel), each further open notebook about 0.13 GiB more.
# TLJH_PREFIX, SKEL, HOMES and TLJH_CONFIG override the paths (tests/test_classroom_kit.py uses them).
set -euo pipefail

memory=1G
cpu=1
while [ $# -gt 0 ]; do
    case "$1" in
        --memory) memory="$2"; shift 2 ;;
        --cpu) cpu="$2"; shift 2 ;;
        *) echo "usage: $0 [--memory 1G] [--cpu 1]" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
prefix="${TLJH_PREFIX:-/opt/tljh}"
skel="${SKEL:-/etc/skel}"
homes="${HOMES:-/home}"
tljh_config="${TLJH_CONFIG:-tljh-config}"
python="$prefix/user/bin/python"

if [ ! -x "$python" ]; then
    echo "no TLJH user environment at $prefix/user: install TLJH first (see docs/instructor-guide.md)" >&2
    exit 1
fi

echo "cognito-lab: installing the lab into $prefix/user (Binder's pins)"
"$python" -m pip install --quiet -r "$repo/binder/requirements.txt"
"$python" -m pip install --quiet --no-deps "$repo"

echo "cognito-lab: notebooks for every learner (~/cognito-lab/notebooks)"
mkdir -p "$skel/cognito-lab"
rm -rf "$skel/cognito-lab/notebooks"
cp -r "$repo/notebooks" "$skel/cognito-lab/notebooks"
for home in "$homes"/jupyter-*; do
    [ -d "$home" ] || continue
    if [ ! -e "$home/cognito-lab/notebooks" ]; then  # never overwrite a learner's work
        mkdir -p "$home/cognito-lab"
        cp -r "$repo/notebooks" "$home/cognito-lab/notebooks"
        owner="$(stat -c %u:%g "$home")"
        chown -R "$owner" "$home/cognito-lab"
    fi
done

echo "cognito-lab: JupyterLab opens on the welcome notebook"
mkdir -p "$prefix/config/jupyterhub_config.d"
cat > "$prefix/config/jupyterhub_config.d/cognito-lab.py" <<'PY'
# Written by cognito-lab's classroom/tljh/install.sh: learners land on the lab's first notebook.
c.Spawner.default_url = "/lab/tree/cognito-lab/notebooks/00-welcome.ipynb"
PY

echo "cognito-lab: limits per learner: memory $memory, cpu $cpu"
"$tljh_config" set limits.memory "$memory"
"$tljh_config" set limits.cpu "$cpu"
"$tljh_config" reload
echo "cognito-lab: ready. Progress of the class: sudo $prefix/user/bin/python -m labkit.classroom progress --homes '$homes/jupyter-*'"
