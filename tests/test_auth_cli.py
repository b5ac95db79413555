"""The AWS CLI (a real subprocess) against the served sandbox: it signs as any SDK does, and the
sandbox verifies it (issue 14). Raw moto would accept the wrong secret too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import requests
from botocore import UNSIGNED
from botocore.config import Config

from labkit.identitypools import quick_identity_pool


def cli(sb, *args, key=None, secret=None, token=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": key or sb.admin_credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": secret or sb.admin_credentials["SecretAccessKey"],
        "AWS_DEFAULT_REGION": sb.region,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
    })
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", sb.endpoint_url, "--output", "json", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_cli_with_admin_credentials(served_sb, tmp_path):
    assert cli(served_sb, "s3api", "create-bucket", "--bucket", "photos").returncode == 0
    local = tmp_path / "cat.txt"
    local.write_bytes(b"meow " * 1000)
    copied = cli(served_sb, "s3", "cp", str(local), "s3://photos/pets/cat one.txt")
    assert copied.returncode == 0, copied.stderr
    listed = cli(served_sb, "s3", "ls", "s3://photos/pets/")
    assert listed.returncode == 0 and "cat one.txt" in listed.stdout
    who = json.loads(cli(served_sb, "sts", "get-caller-identity").stdout)
    assert who["Account"] == served_sb.account_id
    assert json.loads(cli(served_sb, "dynamodb", "list-tables").stdout) == {"TableNames": []}
    url = cli(served_sb, "s3", "presign", "s3://photos/pets/cat one.txt", "--expires-in", "60").stdout.strip()
    assert requests.get(url, timeout=10).content == b"meow " * 1000


def test_cli_with_identity_pool_credentials(served_sb):
    admin = boto3.client("s3", endpoint_url=served_sb.endpoint_url)
    admin.create_bucket(Bucket="photos")
    pool = quick_identity_pool(served_sb, "Lab")
    role = pool["UnauthenticatedRoleArn"].rsplit("/", 1)[-1]
    boto3.client("iam", endpoint_url=served_sb.endpoint_url).put_role_policy(RoleName=role, PolicyName="Read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos"}]}))
    ci = boto3.client("cognito-identity", endpoint_url=served_sb.endpoint_url, config=Config(signature_version=UNSIGNED))
    identity = ci.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=identity)["Credentials"]
    mine = dict(key=creds["AccessKeyId"], secret=creds["SecretKey"], token=creds["SessionToken"])
    who = cli(served_sb, "sts", "get-caller-identity", **mine)
    assert who.returncode == 0 and json.loads(who.stdout)["Arn"].endswith(f"{role}/CognitoIdentityCredentials")
    assert cli(served_sb, "s3api", "list-objects-v2", "--bucket", "photos", **mine).returncode == 0
    denied = cli(served_sb, "s3api", "put-object", "--bucket", "photos", "--key", "x", **mine)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr


def test_cli_with_a_wrong_secret_fails_as_on_aws(served_sb):
    boto3.client("s3", endpoint_url=served_sb.endpoint_url).create_bucket(Bucket="photos")
    secret = served_sb.admin_credentials["SecretAccessKey"]
    wrong = cli(served_sb, "s3", "ls", "s3://photos", secret=secret[:-1] + "X")
    assert wrong.returncode != 0 and "SignatureDoesNotMatch" in wrong.stderr
    wrong = cli(served_sb, "dynamodb", "list-tables", secret=secret[:-1] + "X")
    assert wrong.returncode != 0 and "InvalidSignatureException" in wrong.stderr
    unknown = cli(served_sb, "sts", "get-caller-identity", key="AKIAIOSFODNN7EXAMPLE")
    assert unknown.returncode != 0 and "InvalidClientTokenId" in unknown.stderr
