"""Server hygiene of the served sandbox (issue 15, item 7): read timeouts, a bounded worker pool, a
taken port and Ctrl-C handled as labkit's own, clear outcomes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import boto3
import pytest

import labkit
from labkit.sandbox import ADMIN_ACCESS_KEY
from labkit.wire import server as wire_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port(sb) -> int:
    return int(sb.endpoint_url.rsplit(":", 1)[1])


def _http_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("labkit-http"))


def _recv_all(sock) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (socket.timeout, ConnectionError):
        pass
    return data


def test_300_silent_sockets_hold_no_threads_and_a_normal_call_answers_fast(served_sb):
    port = _port(served_sb)
    idp = boto3.client("cognito-idp", endpoint_url=served_sb.endpoint_url)
    idp.list_user_pools(MaxResults=1)  # warm
    before = _http_threads()
    slow = []
    try:
        for i in range(300):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            # half of them send a head and a little of the body they promise, the other half part of a head
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\"" if i % 2 else b"GET /bucket/k HT")
            slow.append(s)
        time.sleep(0.5)
        threads = _http_threads()
        assert threads <= wire_server.MAX_WORKERS + 3, threads  # workers + serve loop + reactor, never one per socket
        assert threads - before <= wire_server.MAX_WORKERS
        start = time.perf_counter()
        pool = idp.create_user_pool(PoolName="while-300-sockets-wait")["UserPool"]["Id"]
        assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Name"] == "while-300-sockets-wait"
        elapsed = time.perf_counter() - start
        assert elapsed < 2.0, f"a normal call took {elapsed:.2f}s while 300 slow sockets were open"
    finally:
        for s in slow:
            s.close()


def test_a_stalled_body_gets_a_400_request_timeout_after_the_read_timeout(served_sb, monkeypatch):
    monkeypatch.setattr(wire_server, "READ_TIMEOUT", 1.0)
    with socket.create_connection(("127.0.0.1", _port(served_sb)), timeout=15) as s:
        start = time.perf_counter()
        s.sendall(b"PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly part")
        answer = _recv_all(s)
        waited = time.perf_counter() - start
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"<Code>RequestTimeout</Code>" in answer  # S3's shape: the request was for S3
    assert 0.9 < waited < 5


def test_a_stalled_json_request_answers_in_json(served_sb, monkeypatch):
    monkeypatch.setattr(wire_server, "READ_TIMEOUT", 1.0)
    with socket.create_connection(("127.0.0.1", _port(served_sb)), timeout=15) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n"
                  b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 50\r\n\r\n{")
        answer = _recv_all(s)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b'"__type": "RequestTimeout"' in answer


@pytest.mark.parametrize("length, status", [(b"abc", b"400"), (b"-1", b"400"), (b"1e3", b"400"), (b"5, 6", b"400"),
                                            (b"99999999999999999999", b"413")])
def test_a_bad_content_length_is_a_4xx_at_once(served_sb, length, status):
    with socket.create_connection(("127.0.0.1", _port(served_sb)), timeout=5) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n"
                  b"Content-Length: " + length + b"\r\n\r\n{}")
        answer = _recv_all(s)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"Traceback" not in answer and b"Error:" not in answer


def test_keep_alive_connections_are_reused_and_do_not_pin_workers(served_sb):
    """40 clients each holding a kept-alive connection (more than the pool has workers) all keep working."""
    clients = [boto3.client("cognito-idp", endpoint_url=served_sb.endpoint_url) for _ in range(40)]
    for c in clients:
        c.list_user_pools(MaxResults=1)
    assert wire_server.MAX_WORKERS < 40
    start = time.perf_counter()
    for c in clients:
        c.list_user_pools(MaxResults=1)
    assert time.perf_counter() - start < 10


def test_pipelined_and_chunked_requests_are_framed(served_sb):
    boto3.client("s3", endpoint_url=served_sb.endpoint_url).create_bucket(Bucket="frames")
    s3 = boto3.client("s3", endpoint_url=served_sb.endpoint_url)
    s3.put_object(Bucket="frames", Key="k", Body=b"hello", ACL="public-read")
    one = b"GET /frames/k HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", _port(served_sb)), timeout=5) as s:
        s.sendall(one + one[:10])
        time.sleep(0.2)
        s.sendall(one[10:] + b"GET /frames/k HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = _recv_all(s)
    assert answer.count(b"HTTP/1.1 200 ") == 3 and answer.count(b"hello") == 3


def test_a_taken_port_raises_port_in_use(served_sb):
    taken = _port(served_sb)
    other = labkit.Sandbox.__new__(labkit.Sandbox)  # the server alone, not a second sandbox
    from labkit.wire.http import HttpServer

    with pytest.raises(labkit.errors.PortInUse, match=f"Port {taken} .*already in use"):
        HttpServer(other, port=taken)


def _serve(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.Popen([sys.executable, "-m", "labkit", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=env)


def test_serve_on_a_taken_port_exits_2_with_labkits_message():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        proc = _serve("--port", str(port))
        out, err = proc.communicate(timeout=90)
    assert proc.returncode == 2, (out, err)
    assert f"Port {port} on 127.0.0.1 is already in use" in err
    assert "Traceback" not in err and "SystemExit" not in err


def test_serve_stops_cleanly_on_ctrl_c():
    port = _free_port()
    proc = _serve("--port", str(port))
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline and "Press Ctrl-C" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert "Press Ctrl-C" in line, proc.stderr.read()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # an open, idle connection does not block the stop
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1] == "labkit sandbox stopped."
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_a_sandbox_on_a_taken_port_raises_and_leaves_nothing_running():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        with pytest.raises(labkit.errors.PortInUse, match="pick another port"):
            labkit.Sandbox(serve=True, port=port).start()
    assert labkit.Sandbox.current() is None
    assert os.environ.get("AWS_ACCESS_KEY_ID") != ADMIN_ACCESS_KEY  # the environment was given back
