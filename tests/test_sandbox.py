"""The foundation: one sandbox, two transports, isolated from real AWS, with clear errors."""

import json
import os
import socket
import urllib.request

import boto3
from botocore.exceptions import ClientError
import botocore.exceptions
import pytest

import labkit
from labkit import errors


# --------------------------------------------------------------------------- isolation
REAL_LOOKING_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
    "AWS_PROFILE": "production",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ENDPOINT_URL": "https://real-endpoint.example.com",
    "AWS_ENDPOINT_URL_COGNITO_IDP": "https://cognito.example.com",
}


@pytest.fixture
def no_network(monkeypatch):
    """Every outbound (non-loopback) connection and DNS lookup fails, and is recorded."""
    attempts = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def loopback(host):
        return str(host) in ("127.0.0.1", "localhost", "::1") or str(host).startswith("127.")

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if not loopback(host):
            attempts.append(("connect", host))
            raise OSError(f"network blocked by test: {host}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not loopback(host):
            attempts.append(("dns", host))
            raise socket.gaierror(f"DNS blocked by test: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_real_credentials_and_config_are_ignored_and_nothing_leaves(monkeypatch, tmp_path, no_network):
    """With real-looking keys, a profile whose credential_process would leave a marker, endpoint
    overrides and every outbound socket blocked, a whole flow still works and nothing is read or sent."""
    marker = tmp_path / "credential_process_ran"
    config = tmp_path / "config"
    config.write_text(
        "[profile production]\n"
        f"credential_process = sh -c 'touch {marker}; echo {{}}'\n"
        "region = eu-west-1\n"
    )
    env = dict(REAL_LOOKING_ENV, AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(config))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}

    with labkit.Sandbox() as sb:
        idp = boto3.client("cognito-idp")
        assert idp.meta.region_name == "us-east-1"  # the sandbox's region, not the profile's
        assert idp.meta.endpoint_url == "https://cognito-idp.us-east-1.amazonaws.com"
        pool = idp.create_user_pool(PoolName="isolated")["UserPool"]
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="isolation-test")
        s3.put_object(Bucket="isolation-test", Key="k", Body=b"v")
        assert s3.get_object(Bucket="isolation-test", Key="k")["Body"].read() == b"v"
        ident = boto3.client("sts").get_caller_identity()
        assert ident["Account"] == sb.account_id
        creds = boto3.Session().get_credentials()
        assert creds.access_key != REAL_LOOKING_ENV["AWS_ACCESS_KEY_ID"]
        assert pool["Id"].startswith("us-east-1_")

    assert not marker.exists(), "the sandbox let botocore run a real profile's credential_process"
    assert no_network == [], f"the sandbox tried to reach the network: {no_network}"
    after = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    assert after == before, "the environment was not restored after stop()"


def test_a_request_to_a_non_aws_host_is_refused_with_a_clear_error(sb, no_network):
    client = boto3.client("cognito-idp", endpoint_url="https://cognito.example.com")
    with pytest.raises(errors.LeftTheSandbox, match="would have left this machine"):
        client.list_user_pools(MaxResults=1)
    assert no_network == []


def test_an_unknown_region_in_a_client_fails_as_on_aws(sb):
    """On AWS a misspelt region's endpoint does not resolve: botocore's EndpointConnectionError."""
    client = boto3.client("cognito-idp", region_name="us-est-1")
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client.list_user_pools(MaxResults=1)


# --------------------------------------------------------------------------- clear errors
def test_misspelt_region_names_the_fix():
    with pytest.raises(errors.UnknownRegion, match="Did you mean .*'us-east-1'"):
        labkit.Sandbox(region="us-est-1")


def test_starting_twice_names_the_fix(sb):
    with pytest.raises(errors.SandboxAlreadyRunning, match="already running"):
        sb.start()
    with pytest.raises(errors.SandboxAlreadyRunning, match="Sandbox.fresh"):
        labkit.Sandbox().start()


def test_a_client_used_after_stop_refuses_instead_of_reaching_aws(no_network):
    sb = labkit.Sandbox().start()
    client = boto3.client("cognito-idp")
    client.list_user_pools(MaxResults=1)
    sb.stop()
    with pytest.raises(errors.SandboxNotRunning, match="Create the client again"):
        client.list_user_pools(MaxResults=1)
    with pytest.raises(errors.SandboxAlreadyRunning, match="fresh"):
        sb.start()
    assert no_network == []


def test_fresh_replaces_the_running_sandbox_and_resets_state():
    first = labkit.Sandbox.fresh()
    boto3.client("cognito-idp").create_user_pool(PoolName="one")
    second = labkit.Sandbox.fresh()
    try:
        assert not first.running and second.running
        assert labkit.Sandbox.current() is second
        assert boto3.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    finally:
        second.stop()
    assert labkit.Sandbox.current() is None


def test_fresh_with_a_bad_region_keeps_the_running_sandbox():  # issue 18
    """A typo in the region must not stop the running sandbox: the next boto3 call would then fall
    through to the real credential chain."""
    first = labkit.Sandbox.fresh()
    try:
        pool = boto3.client("cognito-idp").create_user_pool(PoolName="kept")["UserPool"]["Id"]
        with pytest.raises(errors.UnknownRegion, match="us-east-9"):
            labkit.Sandbox.fresh(region="us-east-9")
        assert first.running and labkit.Sandbox.current() is first
        assert boto3.client("cognito-idp").describe_user_pool(UserPoolId=pool)["UserPool"]["Name"] == "kept"
    finally:
        first.stop()


def test_endpoint_url_without_serve_names_the_fix(sb):
    with pytest.raises(errors.LabkitError, match="serve=True"):
        sb.endpoint_url


def test_an_unsimulated_service_says_so(sb):
    """An AWS error (not a Python exception), as over HTTP: see tests/test_wire_unsimulated.py."""
    with pytest.raises(ClientError) as info:
        boto3.client("frauddetector").get_detectors()
    assert info.value.response["Error"]["Code"] == "NotSimulated"
    assert "does not simulate the frauddetector operation GetDetectors" in info.value.response["Error"]["Message"]


# --------------------------------------------------------------------------- determinism
def _ids(seed):
    with labkit.Sandbox(seed=seed) as sb:
        idp = boto3.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
        ident = boto3.client("cognito-identity")
        ipool = ident.create_identity_pool(IdentityPoolName="ip", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        return pool, client, ipool


def test_same_seed_same_ids_other_seed_other_ids():
    assert _ids(7) == _ids(7)
    assert _ids(7) != _ids(8)


# --------------------------------------------------------------------------- two transports
def test_both_transports_share_one_state(served_sb):
    sb = served_sb
    assert sb.endpoint_url.startswith("http://127.0.0.1:")
    local = boto3.client("cognito-idp")
    pool = local.create_user_pool(PoolName="shared")["UserPool"]["Id"]
    remote = boto3.client("cognito-idp", endpoint_url=sb.endpoint_url)
    assert pool in [p["Id"] for p in remote.list_user_pools(MaxResults=10)["UserPools"]]
    remote_s3 = boto3.client("s3", endpoint_url=sb.endpoint_url)
    remote_s3.create_bucket(Bucket="from-http")
    remote_s3.put_object(Bucket="from-http", Key="a.txt", Body=b"over http")
    assert boto3.client("s3").get_object(Bucket="from-http", Key="a.txt")["Body"].read() == b"over http"
    transports = {c.transport for c in sb.calls}
    assert transports == {"in-process", "http"}


def test_http_answers_cors_preflight_and_unknown_paths(served_sb):
    req = urllib.request.Request(served_sb.endpoint_url + "/", method="OPTIONS")
    with urllib.request.urlopen(req) as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = json.dumps({"MaxResults": 5}).encode()
    # Signed with the sandbox's administrator key, as AWS requires of ListUserPools (issue 14).
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = AWSRequest("POST", served_sb.endpoint_url + "/", data=body, headers={
        "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools", "Content-Type": "application/x-amz-json-1.1"})
    admin = served_sb.admin_credentials
    SigV4Auth(Credentials(admin["AccessKeyId"], admin["SecretAccessKey"]), "cognito-idp", "us-east-1").add_auth(signed)
    req = urllib.request.Request(served_sb.endpoint_url + "/", data=body, headers=dict(signed.headers.items()))
    with urllib.request.urlopen(req) as resp:
        assert json.loads(resp.read()) == {"UserPools": []}


def test_every_answered_call_is_recorded(sb):
    mark = sb.calls.last_seq
    boto3.client("cognito-idp").list_user_pools(MaxResults=1)
    calls = sb.calls.since(mark)
    assert [(c.service, c.operation, c.status) for c in calls] == [("cognito-idp", "ListUserPools", 200)]


def test_plain_http_libraries_reach_the_sandbox_in_process(sb):
    """requests (as a learner's verification code would use) is answered by the sandbox, not by moto's
    catch-all 'not implemented': here the identity service's JWKS."""
    import requests

    mark = sb.calls.last_seq
    resp = requests.get("https://cognito-identity.amazonaws.com/.well-known/jwks_uri")
    assert resp.status_code == 200
    assert resp.json()["keys"][0]["alg"] == "RS256"
    assert [c.path for c in sb.calls.since(mark)] == ["/.well-known/jwks_uri"]
