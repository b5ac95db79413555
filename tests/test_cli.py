"""The command line: ``python -m labkit serve`` (a standalone sandbox over HTTP) and ``./lab``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict:
    """The environment without AWS_* variables, so nothing but the printed instructions is used."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def _read_until(proc, pattern: str, timeout: float = 60) -> tuple[str, re.Match]:
    """Read the process's stdout line by line until ``pattern`` matches; return all text and the match."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return "".join(seen), match
    proc.kill()
    raise AssertionError(f"{pattern!r} never printed; output so far:\n{''.join(seen)}\nstderr:\n{proc.stderr.read() if proc.stderr else ''}")


def test_help_names_the_serve_command():
    result = subprocess.run([sys.executable, "-m", "labkit", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    result = subprocess.run([sys.executable, "-m", "labkit", "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--port", "--seed", "--region"):
        assert option in result.stdout


def test_serve_prints_an_endpoint_that_boto3_can_call():
    """Start ``python -m labkit serve``, read the endpoint and credentials it prints, call it with
    boto3 over HTTP, then stop it with Ctrl-C (SIGINT)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "labkit", "serve", "--seed", "7", "--region", "eu-west-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=_clean_env(),
    )
    try:
        text, _ = _read_until(proc, r"Press Ctrl-C to stop")
        endpoint = re.search(r"serving at (http://127\.0\.0\.1:\d+)", text).group(1)
        key = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", text).group(1)
        secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", text).group(1)
        assert re.search(r"AWS_DEFAULT_REGION=eu-west-1$", text, re.MULTILINE)
        assert f"aws --endpoint-url {endpoint} cognito-idp list-user-pools --max-results 5" in text

        idp = boto3.client(
            "cognito-idp", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id=key, aws_secret_access_key=secret
        )
        pool_id = idp.create_user_pool(PoolName="from-the-cli-test")["UserPool"]["Id"]
        assert pool_id.startswith("eu-west-1_")
        assert [p["Id"] for p in idp.list_user_pools(MaxResults=5)["UserPools"]] == [pool_id]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "labkit sandbox stopped." in out


def test_serve_refuses_a_region_without_cognito():
    """A misspelt region is a labkit misuse: a clear message naming the fix, exit code 2."""
    result = subprocess.run(
        [sys.executable, "-m", "labkit", "serve", "--region", "eu-west-9"], capture_output=True, text=True, timeout=60, env=_clean_env()
    )
    assert result.returncode == 2
    assert "eu-west-9" in result.stderr and "not a region where Amazon Cognito exists" in result.stderr


def test_lab_command_serves_jupyterlab_on_the_notebooks():
    """``./lab`` opens JupyterLab with notebooks/ as its root (here headless, without a token)."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(ROOT / "lab"), "--no-browser", f"--port={port}", "--IdentityProvider.token=", "--ServerApp.ip=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        listing = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.3)
        assert listing is not None, f"./lab did not answer on port {port}; exit code {proc.poll()}"
        names = {item["name"] for item in listing["content"]}
        assert "00-welcome.ipynb" in names, names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=10) as response:
            assert response.status == 200
            assert b"JupyterLab" in response.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
