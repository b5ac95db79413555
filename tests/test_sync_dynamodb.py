"""The modern replacement for Cognito Sync: user data in DynamoDB keyed by identity id, optimistic
concurrency on a version attribute, and a ``dynamodb:LeadingKeys`` policy on the identity pool's role.

Raw moto ignores LeadingKeys (and denies table-scoped Allows outright): the access tests fail there.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from sync_support import App

TABLE = "UserSettings"


def client_for(creds, service):
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                        aws_session_token=creds["SessionToken"])


@pytest.fixture
def setup(sb):
    app = App(sb)
    ddb = boto3.client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "IdentityId", "KeyType": "HASH"}, {"AttributeName": "Key", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "IdentityId", "AttributeType": "S"},
                                           {"AttributeName": "Key", "AttributeType": "S"}])
    arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
        "Resource": arn,
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}}]}
    boto3.client("iam").put_role_policy(RoleName="Cognito_NotesAuth_Role", PolicyName="OwnRows", PolicyDocument=json.dumps(policy))
    alice, alice_creds = app.user("alice@example.com")
    bob, bob_creds = app.user("bob@example.com")
    return alice, client_for(alice_creds, "dynamodb"), bob, client_for(bob_creds, "dynamodb")


def save(db, identity_id, key, value, read_version):
    db.put_item(TableName=TABLE, Item={"IdentityId": {"S": identity_id}, "Key": {"S": key}, "Value": {"S": value},
                                       "Version": {"N": str(read_version + 1)}},
                ConditionExpression="attribute_not_exists(Version) OR Version = :read",
                ExpressionAttributeValues={":read": {"N": str(read_version)}})


def load(db, identity_id, key):
    item = db.get_item(TableName=TABLE, Key={"IdentityId": {"S": identity_id}, "Key": {"S": key}}).get("Item")
    return (item["Value"]["S"], int(item["Version"]["N"])) if item else (None, 0)


def test_version_check_refuses_a_stale_write(setup):
    alice, db, _, _ = setup
    save(db, alice, "theme", "dark", 0)
    with pytest.raises(ClientError) as e:
        save(db, alice, "theme", "light", 0)  # based on a read from before the first write
    assert e.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    value, version = load(db, alice, "theme")
    save(db, alice, "theme", "light", version)
    assert load(db, alice, "theme") == ("light", 2)


def test_leading_keys_keep_each_identity_to_its_own_rows(setup):
    """moto ignores dynamodb:LeadingKeys; the sandbox's IAM enforcement does not."""
    alice, alice_db, bob, bob_db = setup
    save(alice_db, alice, "theme", "dark", 0)
    for call in (lambda: load(bob_db, alice, "theme"), lambda: save(bob_db, alice, "theme", "stolen", 1)):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    save(bob_db, bob, "theme", "light", 0)
    rows = alice_db.query(TableName=TABLE, KeyConditionExpression="IdentityId = :me",
                          ExpressionAttributeValues={":me": {"S": alice}})["Items"]
    assert [(r["Key"]["S"], r["Value"]["S"]) for r in rows] == [("theme", "dark")]
