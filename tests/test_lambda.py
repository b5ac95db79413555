"""Lambda functions that run: warm environments, the role's credentials, Lambda's own errors.

Raw moto (5.2.5) answers ``Invoke`` by starting Docker (``"error running docker: ..."`` in the payload,
status 200, on a machine without it), accepts a role that does not trust Lambda, reserved environment
variables and a package that is not a zip. Each test names the AWS behaviour it pins; both transports.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
import zipfile

import boto3
import pytest

import labkit
from support import error_of

ACCOUNT = "123456789012"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# A variable of "the kernel": the handler must not be able to read it.
KERNEL_SECRET = "kernel-secret-4711"

COUNTER = '''
import os
count = 0
def handler(event, context):
    global count
    count += 1
    print("event", event)
    return {"count": count, "event": event, "greeting": os.environ.get("GREETING"),
            "function_name": context.function_name, "memory": context.memory_limit_in_mb,
            "request_id": context.aws_request_id, "arn": context.invoked_function_arn,
            "version": context.function_version, "left": context.get_remaining_time_in_millis(),
            "log_group": context.log_group_name}
'''


def package(source: str, name: str = "app.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, source)
    return buf.getvalue()


def make_role(name="fn-role", policy=None, trust=LAMBDA_TRUST) -> str:
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def create(lam, source, name="fn", handler="app.handler", role=None, **kw):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=role or make_role(f"{name}-role"),
                               Handler=handler, Code={"ZipFile": package(source)}, **kw)


def call(lam, name="fn", event=None, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(event if event is not None else {}).encode(), **kw)
    return r, json.loads(r["Payload"].read() or b"null")


@pytest.fixture
def lam(aws):
    return aws("lambda")


def test_handler_runs_with_event_context_and_environment(lam):
    create(lam, COUNTER, Environment={"Variables": {"GREETING": "hi"}}, MemorySize=256, Timeout=10)
    r, out = call(lam, event={"name": "Ada"})
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert r["ExecutedVersion"] == "$LATEST"
    assert out["event"] == {"name": "Ada"} and out["greeting"] == "hi"
    assert out["function_name"] == "fn" and out["memory"] == "256"  # a str in the Python runtime
    assert out["arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"
    assert out["version"] == "$LATEST" and out["log_group"] == "/aws/lambda/fn"
    assert out["request_id"] == r["ResponseMetadata"]["RequestId"]
    assert 9000 < out["left"] <= 10000


def test_environment_stays_warm_and_update_means_cold_start(lam):
    create(lam, COUNTER)
    assert [call(lam)[1]["count"] for _ in range(3)] == [1, 2, 3]  # module state survives: warm
    lam.update_function_configuration(FunctionName="fn", Environment={"Variables": {"GREETING": "new"}})
    _, out = call(lam)
    assert (out["count"], out["greeting"]) == (1, "new")  # a new environment for the new configuration
    lam.update_function_code(FunctionName="fn", ZipFile=package(COUNTER.replace("count += 1", "count += 10")))
    assert call(lam)[1]["count"] == 10


def test_log_tail_has_what_the_handler_printed(lam):
    create(lam, COUNTER)
    r, out = call(lam, event={"k": 1}, LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    assert f"START RequestId: {out['request_id']} Version: $LATEST" in log
    assert "event {'k': 1}" in log and f"END RequestId: {out['request_id']}" in log and "REPORT RequestId" in log


def test_handler_cannot_reach_the_kernel(lam):
    """The handler runs in another process: no labkit sandbox, no kernel variables, no admin keys."""
    source = '''
import os, sys
def handler(event, context):
    import __main__
    return {"pid": os.getpid(), "main_has_secret": hasattr(__main__, "KERNEL_SECRET"),
            "labkit_loaded": "labkit" in sys.modules, "moto_loaded": "moto" in sys.modules,
            "admin_key": any("AKIALABKIT" in v for v in os.environ.values()),
            "key": os.environ["AWS_ACCESS_KEY_ID"][:4]}
'''
    create(lam, source)
    import __main__

    __main__.KERNEL_SECRET = KERNEL_SECRET  # as a notebook cell would define it
    try:
        _, out = call(lam)
    finally:
        del __main__.KERNEL_SECRET
    assert out["pid"] != os.getpid()
    assert not out["main_has_secret"] and not out["labkit_loaded"] and not out["moto_loaded"] and not out["admin_key"]
    assert out["key"] == "ASIA"  # temporary credentials of the execution role


def test_handler_calls_are_made_as_its_role_and_iam_checked(lam, aws):
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/notes"}]}
    role = make_role("writer", policy)
    aws("dynamodb").create_table(TableName="notes", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                 BillingMode="PAY_PER_REQUEST")
    source = '''
import boto3
from botocore.exceptions import ClientError
def handler(event, context):
    out = {"me": boto3.client("sts").get_caller_identity()["Arn"]}
    db = boto3.client("dynamodb")
    db.put_item(TableName="notes", Item={"id": {"S": "1"}})
    try:
        db.scan(TableName="notes")
    except ClientError as e:
        out["scan"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
    return out
'''
    create(lam, source, role=role, Timeout=15)
    r, out = call(lam)
    assert "FunctionError" not in r, out
    assert out["me"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/writer/fn"
    assert out["scan"] == ["AccessDeniedException",
                           f"User: arn:aws:sts::{ACCOUNT}:assumed-role/writer/fn is not authorized to perform: dynamodb:Scan "
                           f"on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/notes because no identity-based "
                           "policy allows the dynamodb:Scan action"]
    assert aws("dynamodb").get_item(TableName="notes", Key={"id": {"S": "1"}})["Item"] == {"id": {"S": "1"}}


def test_raising_handler_is_function_error_unhandled(lam):
    create(lam, "def handler(event, context):\n    raise ValueError('no notes for ' + event['user'])\n")
    r, out = call(lam, event={"user": "bob"})
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert out["errorMessage"] == "no notes for bob" and out["errorType"] == "ValueError"
    assert out["requestId"] == r["ResponseMetadata"]["RequestId"]
    assert len(out["stackTrace"]) == 1 and 'app.py", line 2, in handler' in out["stackTrace"][0]
    assert "bootstrap" not in json.dumps(out)


def test_timeout_is_task_timed_out_and_the_environment_is_reset(lam):
    source = COUNTER.replace("    global count\n", "    global count\n    import time\n    if event.get('sleep'): time.sleep(event['sleep'])\n")
    create(lam, source, Timeout=1)
    assert call(lam)[1]["count"] == 1
    started = time.time()
    r, out = call(lam, event={"sleep": 5})
    assert time.time() - started < 3
    assert r["FunctionError"] == "Unhandled" and out["errorType"] == "Sandbox.Timedout"
    assert out["errorMessage"] == f"RequestId: {r['ResponseMetadata']['RequestId']} Error: Task timed out after 1.00 seconds"
    assert call(lam)[1]["count"] == 1  # a fresh environment


@pytest.mark.parametrize("handler,source,kind,message", [
    ("app.nope", "def handler(e, c):\n    return 1\n", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
    ("missing.handler", "def handler(e, c):\n    return 1\n", "Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'"),
    ("app", "def handler(e, c):\n    return 1\n", "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
    ("app.handler", "def handler(e, c)\n    return 1\n", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': expected ':' (app.py, line 1)"),
    ("app.handler", "def handler(e, c):\n    return {1, 2}\n", "Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable"),
])
def test_runtime_errors(lam, handler, source, kind, message):
    create(lam, source, handler=handler)
    r, out = call(lam)
    assert r["FunctionError"] == "Unhandled"
    assert (out["errorType"], out["errorMessage"]) == (kind, message)


def test_exit_is_runtime_exit_error(lam):
    create(lam, "import sys\ndef handler(e, c):\n    sys.exit(3)\n")
    r, out = call(lam)
    assert out["errorType"] == "Runtime.ExitError" and out["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_invocation_types(lam, aws):
    create(lam, COUNTER)
    dry = lam.invoke(FunctionName="fn", InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    event = lam.invoke(FunctionName="fn", InvocationType="Event", Payload=b'{"async": true}')
    assert event["StatusCode"] == 202 and event["Payload"].read() == b""
    logs = aws("logs")
    messages = []
    for _ in range(100):
        groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn")["logGroups"]
        if groups:
            messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/fn").get("events", [])]
        if any("'async': True" in m for m in messages):
            break
        time.sleep(0.05)
    assert any("'async': True" in m for m in messages)
    assert call(lam)[1]["count"] == 2  # the Event run used (and warmed) the same environment
    code, message = error_of(lam.invoke, FunctionName="fn", InvocationType="Later")
    assert code == "ValidationException" and "[Event, RequestResponse, DryRun]" in message


def test_bad_requests_get_lambdas_errors(lam):
    create(lam, COUNTER)
    err = error_of(lam.invoke, FunctionName="nope", Payload=b"{}")
    assert (err.code, err.message, err.status) == ("ResourceNotFoundException", f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:nope", 404)
    err = error_of(lam.invoke, FunctionName="fn", Payload=b"not json")
    assert err.code == "InvalidRequestContentException" and err.status == 400
    assert err.message.startswith("Could not parse request body into json: Could not parse payload into json")


def test_create_function_checks_moto_skips(lam):
    """Raw moto creates all three."""
    untrusting = make_role("ec2-role", trust={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    assert error_of(create, lam, COUNTER, role=untrusting) == (
        "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
    err = error_of(create, lam, COUNTER, Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    assert err.code == "InvalidParameterValueException" and err.message.endswith("Reserved keys used in this request: AWS_REGION")
    err = error_of(lam.create_function, FunctionName="z", Runtime="python3.12", Role=make_role("z-role"),
                   Handler="app.handler", Code={"ZipFile": b"not a zip"})
    assert err == ("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")


def test_invoke_needs_lambda_invoke_function(lam, aws):
    create(lam, COUNTER)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    allowed = make_role("caller-yes", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"}]}, trust)
    denied = make_role("caller-no", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}, trust)
    sts = aws("sts")

    def as_role(arn):
        c = sts.assume_role(RoleArn=arn, RoleSessionName="caller")["Credentials"]
        return aws("lambda", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                   aws_session_token=c["SessionToken"])

    assert as_role(allowed).invoke(FunctionName="fn")["StatusCode"] == 200
    err = error_of(as_role(denied).invoke, FunctionName="fn")
    assert err.code == "AccessDeniedException" and err.status == 403
    assert err.message == (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/caller-no/caller is not authorized to perform: "
                           f"lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn "
                           "because no identity-based policy allows the lambda:InvokeFunction action")


def test_resource_policy_lets_a_service_invoke(lam, tsb):
    create(lam, COUNTER)
    fn = labkit.awslambda.function_of(tsb, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn")
    source = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/GET/notes"
    assert not labkit.awslambda.service_may_invoke(tsb, fn, "apigateway.amazonaws.com", source)
    lam.add_permission(FunctionName="fn", StatementId="api", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*")
    assert labkit.awslambda.service_may_invoke(tsb, fn, "apigateway.amazonaws.com", source)
    assert not labkit.awslambda.service_may_invoke(tsb, fn, "apigateway.amazonaws.com", source.replace("abc123", "other"))
    out = labkit.awslambda.invoke(tsb, fn.function_arn, {"from": "api"})
    assert json.loads(out.payload)["event"] == {"from": "api"}


def test_stopping_the_sandbox_stops_the_environments(transport):
    with labkit.Sandbox(serve=transport == "http") as sb:
        lam = boto3.client("lambda", **({"endpoint_url": sb.endpoint_url} if transport == "http" else {}))
        create(lam, COUNTER)
        call(lam)
        envs = sb.components["awslambda"].environments.warm()
        assert len(envs) == 1
        process = envs[0].process
    for _ in range(40):
        if process.poll() is not None:
            break
        time.sleep(0.05)
    assert process.poll() is not None
