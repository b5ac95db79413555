"""Bad input gets the protocol's own 4xx, never a 5xx or a Python exception name (issue 15, item 2).

A hypothesis fuzz over the JSON and form fields of the main operations of every served service, sent
over HTTP as a hand-written client could send them (signed, so that they reach the operation):
members of the wrong type, missing, extra; bodies that are not a JSON object, not JSON at all, deeply
nested; malformed XML for S3. Derandomized, so CI sees the same cases every run. Plus the fixed
cases the issue lists: a bare ``Authorization: AWS4-HMAC-SHA256``, bad and stalled Content-Length.
"""

from __future__ import annotations

import json
import re
import socket
import time

import boto3
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labkit
import wire_fuzz_support as wf

PYTHON_NAMES = re.compile(r"\b(Traceback|AttributeError|TypeError|KeyError|IndexError|ValueError|RecursionError|"
                          r"NameError|UnboundLocalError|AssertionError|NotImplementedError|JSONDecodeError|"
                          r"UnicodeDecodeError|ParseError|ExpatError|ZeroDivisionError|OverflowError)\b")
STATS = {"cases": 0, "5xx": 0, "statuses": {}}
FAILURES: list = []


@pytest.fixture(scope="module")
def served():
    """One served sandbox with a resource of each kind, so that typed cases reach real state."""
    with labkit.Sandbox(serve=True) as sb:
        kw = {"endpoint_url": sb.endpoint_url}
        idp = boto3.client("cognito-idp", **kw)
        pool = idp.create_user_pool(PoolName="fuzz")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="fuzz",
                                             ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                                                                "ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="alice", TemporaryPassword="Passw0rd!Passw0rd")
        ipool = boto3.client("cognito-identity", **kw).create_identity_pool(
            IdentityPoolName="fuzz", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        boto3.client("dynamodb", **kw).create_table(
            TableName="fuzz", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        boto3.client("s3", **kw).create_bucket(Bucket="fuzz-bucket")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}
        role = boto3.client("iam", **kw).create_role(RoleName="fuzz-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        api = boto3.client("apigateway", **kw).create_rest_api(name="fuzz")["id"]
        KNOWN.update({"UserPoolId": pool, "ClientId": client, "IdentityPoolId": ipool, "TableName": "fuzz",
                      "Bucket": "fuzz-bucket", "RoleName": "fuzz-role", "RoleArn": role, "Role": role, "restApiId": api,
                      "Username": "alice", "UserName": "alice"})
        session = requests.Session()
        yield sb, session
        session.close()


KNOWN: dict = {}


def _wrong():
    return st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                     st.text(max_size=8), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _value(shape, depth=0, typed=False):
    """A value of ``shape``'s own type (or, unless ``typed``, now and then of another)."""
    if depth > 3:
        return st.none()
    kind = shape.type_name
    if kind == "string":
        text = st.text(max_size=12) if not typed else st.one_of(st.text(max_size=12), st.from_regex(r"[a-z]{1,8}", fullmatch=True))
        right = st.one_of(st.sampled_from(shape.enum), text) if getattr(shape, "enum", None) else text
    elif kind in ("integer", "long"):
        right = st.integers(-10, 2**31 - 1)
    elif kind == "boolean":
        right = st.booleans()
    elif kind in ("double", "float"):
        right = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "timestamp":
        right = st.integers(0, 2**31)
    elif kind == "blob":
        right = st.text(alphabet="ABCDabcd0123+/=", max_size=12)
    elif kind == "list":
        right = st.lists(_value(shape.member, depth + 1, typed), max_size=2)
    elif kind == "map":
        right = st.dictionaries(st.text(max_size=6), _value(shape.value, depth + 1, typed), max_size=2)
    elif kind == "structure":
        right = _struct(shape, depth + 1, typed)
    else:
        right = st.none()
    return right if typed else st.one_of(right, right, right, _wrong())


def _struct(shape, depth=0, typed=False):
    members = dict(shape.members)
    if not members or depth > 3:
        return st.just({})
    required = {n: _value(members[n], depth, typed) for n in shape.required_members} if typed else {}
    optional = {n: _value(m, depth, typed) for n, m in members.items() if n not in required}
    return st.fixed_dictionaries(required, optional=optional)


def _nested(depth):
    doc = {}
    for _ in range(depth):
        doc = {"a": [doc]}
    return doc


CASES = [(svc, op) for svc, ops in wf.OPERATIONS.items() for op in ops]


@st.composite
def request_case(draw):
    service, operation = draw(st.sampled_from(CASES))
    shape = wf.model(service).operation_model(operation).input_shape
    roll = draw(st.integers(0, 19))
    raw = None
    if roll == 0:
        fields = draw(st.one_of(st.lists(st.integers(), max_size=3), st.text(max_size=5), st.integers(), st.none()))
    elif roll == 1:
        fields, raw = {}, draw(st.sampled_from([b"{", b"[1,", b"\xff\xfe", b"not json", b"<a><b></a>", b"{\"a\":}",
                                                b"<?xml version=\"1.0\"?><CORSConfiguration><CORSRule>",
                                                b'{"a":[' * 3000 + b"{}" + b"]}" * 3000, b"[" * 5000, b"{}" * 3]))
    elif roll == 2:
        fields = _nested(draw(st.integers(20, 300)))
    else:  # rolls 10-19: every member of its own type, the required ones present (reaches the operation)
        fields = draw(_struct(shape, typed=roll >= 10)) if shape is not None else {}
        if roll == 3:
            fields = {**fields, draw(st.text(max_size=6)): draw(_wrong())}
    known = roll >= 10 and draw(st.booleans())  # the sandbox's own pool, table, bucket... in place of random ids
    return service, operation, fields, raw, known


def _send(sb, session, service, operation, fields, raw):
    prepared = wf.build(sb.endpoint_url, sb.admin_credentials, sb.region, service, operation, fields, raw)
    return session.send(requests.Request(prepared.method, prepared.url, headers=dict(prepared.headers),
                                         data=prepared.body).prepare(), timeout=30)


def _check(response, what):
    STATS["cases"] += 1
    STATS["statuses"][response.status_code] = STATS["statuses"].get(response.status_code, 0) + 1
    text = response.content.decode("utf-8", "replace")
    if response.status_code >= 500 or PYTHON_NAMES.search(text):
        STATS["5xx"] += response.status_code >= 500
        FAILURES.append((what, response.status_code, text[:300]))
    return response


@settings(max_examples=1200, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(case=request_case())
def test_fuzzed_fields_never_answer_5xx_or_a_python_name(served, case):
    sb, session = served
    service, operation, fields, raw, known = case
    if known and isinstance(fields, dict):
        members = wf.input_members(service, operation)
        fields = {**fields, **{k: v for k, v in KNOWN.items() if k in members}}
    _check(_send(sb, session, service, operation, fields, raw), (service, operation, fields if raw is None else raw[:60]))


def test_fuzz_report():
    """Runs after the fuzz (same module, in order): every case answered below 500, in AWS's shape."""
    print(f"\nwire fuzz: {STATS['cases']} cases, {STATS['5xx']} answered 5xx; statuses {sorted(STATS['statuses'].items())}")
    assert STATS["cases"] >= 300
    assert not FAILURES, "\n".join(repr(f) for f in FAILURES[:25])
