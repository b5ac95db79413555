"""Node.js clients for the interop suite (tests/test_interop_node.py): npm packages installed once, scripts run.

The packages below are pinned. They are installed with npm into ``.cache/node-interop/<hash>/`` (git-ignored),
where ``<hash>`` is a hash of the package list: a checkout installs them once, and again only when the list
changes. node and npm must be on PATH, or the suite fails, loudly (as the hub test does for its proxy): a
missing runtime is a broken test machine, not a reason to skip.

    folder = node_support.install()                # once per package list (npm ci-like, offline afterwards)
    out = node_support.run("script.mjs", {"endpoint": sb.endpoint_url, ...})   # JSON in (argv), JSON out (stdout)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "node"

#: The clients the suite runs, pinned (what a learner's app would ``npm install``).
PACKAGES = {
    "openid-client": "6.9.0",
    "aws-jwt-verify": "5.2.1",
    "oidc-client-ts": "3.5.0",
    "@aws-sdk/client-cognito-identity-provider": "3.1169.0",
    "@aws-sdk/credential-providers": "3.1175.0",
    "@aws-sdk/client-s3": "3.1175.0",
    "amazon-cognito-identity-js": "6.3.21",
    "aws-amplify": "6.22.1",
}

_lock = threading.Lock()
#: How long the last install took (seconds; 0.0 when the cached folder was reused), for the report.
last_install_seconds: float | None = None


class NodeMissing(RuntimeError):
    pass


def _key() -> str:
    text = json.dumps(sorted(PACKAGES.items())) + f"|node {_node_major()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _node_major() -> str:
    node = shutil.which("node")
    if node is None:
        return "none"
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return out.split(".")[0]


def folder() -> Path:
    return ROOT / ".cache" / "node-interop" / _key()


def install() -> Path:
    """The folder holding ``node_modules`` with :data:`PACKAGES`, installed by npm if not there yet."""
    global last_install_seconds
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeMissing(
            "The node interop suite runs real JavaScript clients and needs node and npm, and "
            f"{'node' if node is None else 'npm'} is not on PATH: install them (Debian: apt-get install nodejs npm)."
        )
    target = folder()
    done = target / ".installed"
    with _lock:
        if done.exists():
            last_install_seconds = 0.0
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="install-", dir=target.parent))
        (work / "package.json").write_text(json.dumps(
            {"name": "labkit-node-interop", "private": True, "type": "module", "dependencies": PACKAGES}, indent=1))
        start = time.perf_counter()
        result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--omit=optional"],
                                cwd=work, capture_output=True, text=True, timeout=1200)
        if result.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            raise RuntimeError(f"npm install failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        last_install_seconds = time.perf_counter() - start
        (work / ".installed").write_text(f"{last_install_seconds:.1f}\n")
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
        return target


def run(script: str, args: dict, timeout: float = 180) -> dict:
    """Run ``tests/node/<script>`` with the installed packages; ``args`` as JSON in argv[2]; the script
    prints one JSON object as its last stdout line (``{"steps": [...], ...}``), which is returned.
    A script that fails raises AssertionError with its stderr."""
    where = install()
    # ESM resolves packages from the script's own folder upwards: run a copy that sits beside node_modules.
    copy = where / script
    copy.write_text((SCRIPTS / script).read_text())
    for helper in SCRIPTS.glob("_*.mjs"):
        (where / helper.name).write_text(helper.read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"NODE_NO_WARNINGS": "1", "AWS_EC2_METADATA_DISABLED": "true"})
    result = subprocess.run([shutil.which("node"), str(copy), json.dumps(args)], cwd=where, capture_output=True,
                            text=True, timeout=timeout, env=env)
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    if result.returncode != 0 or not lines:
        raise AssertionError(f"node {script} failed ({result.returncode}):\nstdout:\n{result.stdout[-4000:]}\n"
                             f"stderr:\n{result.stderr[-4000:]}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        raise AssertionError(f"node {script} printed no JSON result:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}") from None


def version(package: str) -> str:
    """The installed version of ``package`` (read from its package.json)."""
    return json.loads((install() / "node_modules" / package / "package.json").read_text())["version"]


if __name__ == "__main__":  # python tests/node_support.py: install now and say how long it took
    path = install()
    print(path, f"{last_install_seconds:.1f}s", file=sys.stderr)
