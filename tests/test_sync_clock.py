"""Cognito Sync behaviour that needs the sandbox's clock to move (each test has its own sandbox).
Raw moto answers no Cognito Sync operation, so each of these fails there."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest

from support import error_of
from sync_support import App, sync_client

ClientError = botocore.exceptions.ClientError


def _token(client, pool_id, identity_id, dataset):
    return client.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)["SyncSessionToken"]


def test_sync_session_token_expires(sb):
    """With developer credentials (which do not expire): a SyncSessionToken lives an hour."""
    app = App(sb)
    me, _ = app.user("alice@example.com")
    dev = sync_client()
    token = _token(dev, app.pool_id, me, "a")
    sb.advance(3601)
    with pytest.raises(ClientError) as e:
        dev.update_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="a", SyncSessionToken=token,
                           RecordPatches=[{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
    assert error_of(e).code == "InvalidParameterException"


@pytest.mark.parametrize("transport", ["in-process", "http"])
def test_expired_credentials_are_refused(served_sb, transport):
    sb = served_sb
    app = App(sb)
    me, creds = app.user("alice@example.com")
    cs = sync_client(creds, sb.endpoint_url if transport == "http" else None)
    assert cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me)["Count"] == 0
    sb.advance(3601)  # GetCredentialsForIdentity's credentials last one hour
    with pytest.raises(ClientError) as e:
        cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me)
    err = error_of(e)
    code, status = err.code, err.status
    assert code == "ExpiredTokenException" and status == 403


def test_bulk_publish(sb):
    app = App(sb)
    dev = sync_client()
    assert dev.get_bulk_publish_details(IdentityPoolId=app.pool_id)["BulkPublishStatus"] == "NOT_STARTED"
    dev.bulk_publish(IdentityPoolId=app.pool_id)
    failed = dev.get_bulk_publish_details(IdentityPoolId=app.pool_id)
    assert failed["BulkPublishStatus"] == "FAILED" and "Streams" in failed["FailureMessage"]
    dev.set_identity_pool_configuration(IdentityPoolId=app.pool_id, CognitoStreams={
        "StreamName": "notes", "RoleArn": "arn:aws:iam::123456789012:role/CognitoStreams", "StreamingStatus": "ENABLED"})
    dev.bulk_publish(IdentityPoolId=app.pool_id)
    missing = dev.get_bulk_publish_details(IdentityPoolId=app.pool_id)
    assert missing["BulkPublishStatus"] == "FAILED" and "notes" in missing["FailureMessage"]
    boto3.client("kinesis").create_stream(StreamName="notes", ShardCount=1)
    assert dev.bulk_publish(IdentityPoolId=app.pool_id)["IdentityPoolId"] == app.pool_id
    assert dev.get_bulk_publish_details(IdentityPoolId=app.pool_id)["BulkPublishStatus"] == "SUCCEEDED"
    with pytest.raises(ClientError) as e:
        dev.bulk_publish(IdentityPoolId=app.pool_id)
    assert error_of(e).code == "AlreadyStreamedException"
    sb.advance(24 * 3600 + 1)
    dev.bulk_publish(IdentityPoolId=app.pool_id)


def test_a_device_with_expired_credentials_says_so(sb):
    """The device does not hide AWS's answer: ExpiredTokenException, as boto3 raises it."""
    from labkit.devices import Device

    app = App(sb)
    me, creds = app.user("alice@example.com")
    phone = Device("phone", creds, app.pool_id, me)
    phone.put("s", "k", "v")
    phone.sync("s")
    sb.advance(3601)
    phone.put("s", "k", "w")  # offline-style local edits still work
    with pytest.raises(ClientError) as e:
        phone.sync("s")
    assert e.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert phone.pending("s") == {"k": "w"}


def test_cognito_streams_publish_each_sync_to_kinesis(sb):
    """With CognitoStreams ENABLED, every UpdateRecords becomes one Kinesis record (and BulkPublish sends
    every dataset), in the documented format."""
    import json

    app = App(sb)
    me, creds = app.user("alice@example.com")
    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName="notes", ShardCount=1)
    sync_client().set_identity_pool_configuration(IdentityPoolId=app.pool_id, CognitoStreams={
        "StreamName": "notes", "RoleArn": "arn:aws:iam::123456789012:role/CognitoStreams", "StreamingStatus": "ENABLED"})
    cs = sync_client(creds)
    token = _token(cs, app.pool_id, me, "prefs")
    cs.update_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", SyncSessionToken=token,
                      RecordPatches=[{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0}])
    shard = kinesis.describe_stream(StreamName="notes")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="notes", ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert len(records) == 1 and records[0]["PartitionKey"] == me
    event = json.loads(records[0]["Data"])
    assert (event["identityPoolId"], event["identityId"], event["dataSetName"], event["syncCount"]) == (app.pool_id, me, "prefs", 1)
    assert [(r["key"], r["value"], r["op"], r["syncCount"]) for r in event["kinesisSyncRecords"]] == [("theme", "dark", "replace", 1)]
    assert event["payloadType"] == "Inline"
