"""Issue 15's figure: a 20-client mixed load on one served sandbox.

``python -m labkit serve`` runs in its own process (as a learner's web app, the AWS CLI or another SDK
meet it); 20 client threads in this process, each with its own boto3 clients and kept-alive
connections, call a mix of what apps do (user-pool reads and password sign-ins, S3 puts and gets,
DynamoDB puts and gets, STS GetCallerIdentity) for a fixed time. Reported: calls per second, median and
p99 latency, and any 5xx (target 0). Before issue 15's server work: about 190-240 calls/s, p99 0.5-0.9 s
on 2 cores.

    python -m labkit.bench --only served-load
    LABKIT_LOAD_SOURCE=/path/to/another/checkout python -m labkit.bench --only served-load   # compare
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

from labkit.bench import Figure, benchmark

CLIENTS = 20
PASSWORD = "Load-Passw0rd!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(source: str | None):
    """``python -m labkit serve`` (from ``source``, a checkout, if given): (process, endpoint, key, secret)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cwd = source or None
    if source:
        env["PYTHONPATH"] = source
    proc = subprocess.Popen([sys.executable, "-m", "labkit", "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True, env=env, cwd=cwd)
    seen = ""
    deadline = time.monotonic() + 120
    while "Press Ctrl-C" not in seen and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise RuntimeError(f"labkit serve exited: {seen}")
        seen += line
    key = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", seen).group(1)
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", seen).group(1)
    return proc, f"http://127.0.0.1:{port}", key, secret


def _clients(endpoint, key, secret):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
    config = Config(retries={"max_attempts": 1}, max_pool_connections=4)
    return {name: session.client(name, endpoint_url=endpoint, config=config)
            for name in ("cognito-idp", "s3", "dynamodb", "sts")}


def _setup(endpoint, key, secret):
    c = _clients(endpoint, key, secret)
    idp = c["cognito-idp"]
    pool = idp.create_user_pool(PoolName="load")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="load",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    for i in range(CLIENTS):
        idp.admin_create_user(UserPoolId=pool, Username=f"user{i}", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username=f"user{i}", Password=PASSWORD, Permanent=True)
    c["s3"].create_bucket(Bucket="load-bucket")
    c["dynamodb"].create_table(TableName="load", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return pool, client


def _worker(n, endpoint, key, secret, pool, client, stop, latencies, errors):
    c = _clients(endpoint, key, secret)
    idp, s3, ddb, sts = c["cognito-idp"], c["s3"], c["dynamodb"], c["sts"]
    user = f"user{n}"
    mix = [
        lambda: idp.describe_user_pool(UserPoolId=pool),
        lambda: idp.admin_get_user(UserPoolId=pool, Username=user),
        lambda: idp.list_users(UserPoolId=pool, Limit=5),
        lambda: idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}),
        lambda: s3.put_object(Bucket="load-bucket", Key=f"{user}/k", Body=b"x" * 512),
        lambda: s3.get_object(Bucket="load-bucket", Key=f"{user}/k")["Body"].read(),
        lambda: ddb.put_item(TableName="load", Item={"pk": {"S": user}, "n": {"N": "1"}}),
        lambda: ddb.get_item(TableName="load", Key={"pk": {"S": user}}),
        lambda: sts.get_caller_identity(),
    ]
    i = n
    from botocore.exceptions import ClientError

    while not stop.is_set():
        call = mix[i % len(mix)]
        i += 1
        start = time.perf_counter()
        try:
            call()
        except ClientError as exc:
            if exc.response["ResponseMetadata"].get("HTTPStatusCode", 0) >= 500:
                errors.append(exc.response["Error"].get("Code"))
        except Exception as exc:  # a connection error is a failure of the load, counted
            errors.append(type(exc).__name__)
        latencies.append(time.perf_counter() - start)


def measure(seconds: float, source: str | None = None) -> dict:
    proc, endpoint, key, secret = _start_server(source)
    try:
        pool, client = _setup(endpoint, key, secret)
        stop = threading.Event()
        per_thread = [[] for _ in range(CLIENTS)]
        errors: list = []
        threads = [threading.Thread(target=_worker, args=(n, endpoint, key, secret, pool, client, stop, per_thread[n], errors))
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(2.0)  # warm-up: clients made, connections open
        for lst in per_thread:
            lst.clear()
        errors.clear()
        start = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        wall = time.perf_counter() - start
        for t in threads:
            t.join(timeout=30)
        latencies = sorted(x for lst in per_thread for x in lst)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return {"calls": len(latencies), "wall": wall, "throughput": len(latencies) / wall,
            "p50": statistics.median(latencies) if latencies else float("nan"), "p99": p99, "errors": len(errors)}


@benchmark("served-load")
def served_load(quick: bool) -> list[Figure]:
    """20 clients, a mixed load on one served sandbox (python -m labkit serve): calls/s and p99."""
    seconds = 8.0 if quick else 20.0
    source = os.environ.get("LABKIT_LOAD_SOURCE") or None
    r = measure(seconds, source)
    note = f"{CLIENTS} clients, {r['calls']} calls in {r['wall']:.1f} s" + (f", labkit from {source}" if source else "")
    return [
        Figure("served load: throughput", r["throughput"], "calls/s", note=note),
        Figure("  median latency", r["p50"] * 1000, "ms"),
        Figure("  p99 latency", r["p99"] * 1000, "ms"),
        Figure("  5xx answers and connection errors", r["errors"], "", "0", r["errors"] == 0),
    ]
