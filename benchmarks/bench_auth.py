"""Issue 14's figure: what verifying every signature costs per call.

A fixed chain of signed calls an app makes (S3 PutObject/GetObject/ListObjectsV2, DynamoDB PutItem/
GetItem, STS GetCallerIdentity) with the administrator key: the sandbox (which recomputes each
signature with botocore's signer) beside raw moto (which checks none), and the sandbox with its
authentication step switched off, so that the verification's own share shows. Target: <= 1.5x raw moto.
"""

from __future__ import annotations

import statistics
import time

from labkit.bench import Figure, benchmark, versus_moto


def _setup(region: str):
    import boto3

    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket="bench-auth")
    ddb = boto3.client("dynamodb", region_name=region)
    ddb.create_table(TableName="BenchAuth", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return s3, ddb, boto3.client("sts", region_name=region)


def _chain(s3, ddb, sts, count: int) -> tuple[float, int]:
    start = time.perf_counter()
    for i in range(count):
        s3.put_object(Bucket="bench-auth", Key=f"k{i}", Body=b"x" * 256)
        s3.get_object(Bucket="bench-auth", Key=f"k{i}")["Body"].read()
        s3.list_objects_v2(Bucket="bench-auth", MaxKeys=5)
        ddb.put_item(TableName="BenchAuth", Item={"pk": {"S": f"k{i}"}})
        ddb.get_item(TableName="BenchAuth", Key={"pk": {"S": f"k{i}"}})
        sts.get_caller_identity()
    return time.perf_counter() - start, 6 * count


def _per_call_ms(count: int, rounds: int, sandbox: bool, verify: bool = True) -> float:
    import moto

    import labkit.auth
    from labkit.sandbox import Sandbox

    results = []
    for _ in range(rounds):
        if sandbox:
            original = labkit.auth.authenticate
            if not verify:
                labkit.auth.authenticate = lambda sb, request: None
            try:
                with Sandbox() as sb:
                    clients = _setup(sb.region)
                    _chain(*clients, 2)  # warm
                    seconds, calls = _chain(*clients, count)
            finally:
                labkit.auth.authenticate = original
        else:
            with moto.mock_aws():
                clients = _setup("us-east-1")
                _chain(*clients, 2)
                seconds, calls = _chain(*clients, count)
        results.append(seconds / calls * 1000)
    return statistics.median(results)


@benchmark("auth-overhead")
def auth_overhead(quick: bool) -> list[Figure]:
    """Signed S3/DynamoDB/STS calls: the sandbox verifying every signature, beside raw moto."""
    count = 10 if quick else 40
    rounds = 1 if quick else 3
    verified = _per_call_ms(count, rounds, sandbox=True)
    unverified = _per_call_ms(count, rounds, sandbox=True, verify=False)
    raw = _per_call_ms(count, rounds, sandbox=False)
    note = f"{count} x 6 calls, median of {rounds}"
    return versus_moto("signed call", verified, raw, note=note) + [
        Figure("  the same, authentication step off", unverified, "ms", note=note),
        Figure("  verification's own share", verified - unverified, "ms", note=note),
    ]


if __name__ == "__main__":
    for figure in auth_overhead(quick=True):
        print(figure)
