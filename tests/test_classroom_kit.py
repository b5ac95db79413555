"""The instructor's kit in classroom/: the TLJH installer, the Zero to JupyterHub values, offline rooms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "classroom"


def _shim(path: Path, log: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n')
    path.chmod(0o755)


def test_tljh_installer_sets_up_every_learner(tmp_path):
    """With a stand-in TLJH (its user python and tljh-config record what they are asked), the script
    installs the pins then labkit, gives each learner the notebooks without touching their work, seeds
    /etc/skel for new learners, opens on the welcome notebook and sets the limits."""
    log = tmp_path / "calls.log"
    prefix, skel, homes = tmp_path / "opt" / "tljh", tmp_path / "skel", tmp_path / "home"
    _shim(prefix / "user" / "bin" / "python", log)
    _shim(tmp_path / "bin" / "tljh-config", log)
    (homes / "jupyter-alice").mkdir(parents=True)
    work = homes / "jupyter-bob" / "cognito-lab" / "notebooks"
    work.mkdir(parents=True)
    (work / "01-user-pools.ipynb").write_text("bob's own work")
    env = {**os.environ, "TLJH_PREFIX": str(prefix), "SKEL": str(skel), "HOMES": str(homes),
           "TLJH_CONFIG": str(tmp_path / "bin" / "tljh-config")}
    result = subprocess.run([str(KIT / "tljh" / "install.sh"), "--memory", "2G"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls == [f"python -m pip install --quiet -r {ROOT}/binder/requirements.txt",
                     f"python -m pip install --quiet --no-deps {ROOT}",
                     "tljh-config set limits.memory 2G", "tljh-config set limits.cpu 1", "tljh-config reload"]
    shipped = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (skel / "cognito-lab" / "notebooks").glob("*.ipynb")) == shipped
    assert sorted(p.name for p in (homes / "jupyter-alice" / "cognito-lab" / "notebooks").glob("*.ipynb")) == shipped
    assert (work / "01-user-pools.ipynb").read_text() == "bob's own work"
    snippet = (prefix / "config" / "jupyterhub_config.d" / "cognito-lab.py").read_text()
    assert 'c.Spawner.default_url = "/lab/tree/cognito-lab/notebooks/00-welcome.ipynb"' in snippet


def test_tljh_installer_refuses_without_tljh(tmp_path):
    result = subprocess.run([str(KIT / "tljh" / "install.sh")], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "TLJH_PREFIX": str(tmp_path / "none")})
    assert result.returncode == 1 and "install TLJH first" in result.stderr


def _bytes(size: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    return int(float(size[:-1]) * units[size[-1]])


def test_z2jh_values_build_on_the_repository_and_hold_the_measured_class():
    values = yaml.safe_load((KIT / "z2jh" / "config.yaml").read_text())
    single = values["singleuser"]
    memory, cpu = single["memory"], single["cpu"]
    # measured (docs/instructor-guide.md): server 140 MiB + kernel 134 MiB peak RSS per open notebook
    assert _bytes(memory["guarantee"]) >= (140 + 2 * 134) * 2**20
    assert _bytes(memory["limit"]) >= 2 * _bytes(memory["guarantee"])
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    target = single["defaultUrl"].removeprefix("/lab/tree/cognito-lab/")
    assert (ROOT / target).exists(), single["defaultUrl"]
    hook = " ".join(single["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert "/srv/cognito-lab/notebooks" in hook and "[ -e ~/cognito-lab/notebooks ] ||" in hook
    assert "--target-repo-dir /srv/cognito-lab" in (KIT / "z2jh" / "config.yaml").read_text()
    assert values["prePuller"]["hook"]["enabled"] and values["cull"]["enabled"]


def test_offline_room_installs_from_the_wheelhouse_without_an_index(tmp_path):
    """The two scripts for real, on a small requirements file (the full pins take the same path)."""
    # The interpreter the lab's .venv was made from (./test puts .venv/bin first on PATH, and uv's venv has no pip).
    python = os.path.join(sys.base_prefix, "bin", "python3")
    assert subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0, \
        f"the offline scripts need a python3 with pip ({python} has none)"
    requirements = tmp_path / "small.txt"
    requirements.write_text("pyotp==2.12.1\n")
    wheels = tmp_path / "wheelhouse"
    env = {**os.environ, "PYTHON": python}
    made = subprocess.run([str(KIT / "offline" / "make-wheelhouse.sh"), str(wheels), "--requirements", str(requirements)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert made.returncode == 0, made.stderr
    assert list(wheels.glob("pyotp-2.12.1-*.whl")) and list(wheels.glob("cognito_lab-*.whl"))
    assert (wheels / "notebooks" / "00-welcome.ipynb").exists() and (wheels / "install-offline.sh").exists()
    target = tmp_path / "room"
    # no index at all: pointing pip at an address that cannot answer proves nothing is fetched
    offline = {**env, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_INDEX": "1"}
    done = subprocess.run([str(wheels / "install-offline.sh"), str(wheels), str(target)],
                          capture_output=True, text=True, env=offline, timeout=600)
    assert done.returncode == 0, done.stderr
    venv_python = target / ".venv" / "bin" / "python"
    shown = subprocess.run([str(venv_python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    assert "pyotp==2.12.1" in shown.stdout.lower() and "cognito-lab==" in shown.stdout
    assert (target / "notebooks" / "00-welcome.ipynb").exists()


def test_a_hub_without_node_fails_loudly(monkeypatch):
    """The hub's proxy is npm's configurable-http-proxy: without node or npm the hub test must fail,
    saying what to install, never skip."""
    import pytest

    from labkit.classroom import hub

    monkeypatch.setattr(hub.shutil, "which", lambda name: None if name == "npm" else f"/usr/bin/{name}")
    with pytest.raises(hub.HubError, match="needs node and npm, and npm is not on PATH"):
        hub.proxy_command()
