"""Amazon Cognito Sync (``cognito-sync``): every test here fails on raw moto, which answers no Cognito
Sync operation at all (404 "Not yet implemented": the sandbox's NotSimulated error)."""

from __future__ import annotations

import itertools

import boto3
import botocore.exceptions
import pytest

import labkit

from support import error_of
from sync_support import App, sync_client

ClientError = botocore.exceptions.ClientError


_serial = itertools.count(1)


@pytest.fixture(scope="module")
def shared():
    """One served sandbox for this module (its clock never moves here: see test_sync_clock.py)."""
    with labkit.Sandbox(serve=True) as sb:
        yield sb, App(sb)


@pytest.fixture(params=["in-process", "http"])
def world(request, shared):
    """(sandbox, app, a new user's identity id, their client, a client factory) on each transport."""
    sb, app = shared
    url = sb.endpoint_url if request.param == "http" else None
    identity_id, creds = app.user(f"user{next(_serial)}@example.com")
    return sb, app, identity_id, sync_client(creds, url), (lambda c=None: sync_client(c, url))


@pytest.fixture
def local_world(shared):
    """``world`` on the in-process transport only (for the limit tests' many calls)."""
    sb, app = shared
    identity_id, creds = app.user(f"user{next(_serial)}@example.com")
    return sb, app, identity_id, sync_client(creds), sync_client


@pytest.fixture
def own_pool(world):
    """The same, in an identity pool of the test's own (for pool-wide settings)."""
    sb, _, _, _, client = world
    app = App(sb, name=f"Notes{next(_serial)}")
    identity_id, creds = app.user("owner@example.com")
    return sb, app, identity_id, client(creds), client


def _token(client, pool_id, identity_id, dataset):
    return client.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)["SyncSessionToken"]


def _put(client, pool_id, identity_id, dataset, patches):
    token = _token(client, pool_id, identity_id, dataset)
    return client.update_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset,
                                 SyncSessionToken=token, RecordPatches=patches)


# ----------------------------------------------------------------------------------------- datasets and records
def test_dataset_life_cycle(world):
    """Raw moto: 404 on the first call. Here: created by UpdateRecords, described, listed, deleted."""
    sb, app, me, cs, _ = world
    ids = dict(IdentityPoolId=app.pool_id, IdentityId=me)
    first = cs.list_records(**ids, DatasetName="settings")
    assert first["DatasetExists"] is False and first["DatasetSyncCount"] == 0 and first["Records"] == []
    assert first["SyncSessionToken"]
    out = cs.update_records(**ids, DatasetName="settings", SyncSessionToken=first["SyncSessionToken"], RecordPatches=[
        {"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0},
        {"Op": "replace", "Key": "lang", "Value": "en", "SyncCount": 0}])
    assert sorted((r["Key"], r["Value"], r["SyncCount"]) for r in out["Records"]) == [("lang", "en", 1), ("theme", "dark", 1)]
    ds = cs.describe_dataset(**ids, DatasetName="settings")["Dataset"]
    assert (ds["DatasetName"], ds["NumRecords"], ds["DataStorage"], ds["IdentityId"]) == ("settings", 2, len("themedarklangen"), me)
    listed = cs.list_datasets(**ids)
    assert [d["DatasetName"] for d in listed["Datasets"]] == ["settings"] and listed["Count"] == 1
    usage = cs.describe_identity_usage(**ids)["IdentityUsage"]
    assert (usage["DatasetCount"], usage["DataStorage"], usage["IdentityPoolId"]) == (1, 15, app.pool_id)
    again = cs.list_records(**ids, DatasetName="settings")
    assert again["DatasetExists"] is True and again["DatasetSyncCount"] == 1 and again["Count"] == 2
    deleted = cs.delete_dataset(**ids, DatasetName="settings")["Dataset"]
    assert deleted["DatasetName"] == "settings"
    with pytest.raises(ClientError) as e:
        cs.describe_dataset(**ids, DatasetName="settings")
    assert error_of(e).code == "ResourceNotFoundException" and error_of(e).status == 404
    with pytest.raises(ClientError) as e:
        cs.delete_dataset(**ids, DatasetName="settings")
    assert error_of(e).code == "ResourceNotFoundException"


def test_record_sync_counts_follow_the_dataset(world):
    """Each UpdateRecords raises the dataset's count by one; ListRecords(LastSyncCount=n) returns what changed after n."""
    sb, app, me, cs, _ = world
    ids = dict(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="game")
    _put(cs, app.pool_id, me, "game", [{"Op": "replace", "Key": "level", "Value": "1", "SyncCount": 0},
                                       {"Op": "replace", "Key": "score", "Value": "10", "SyncCount": 0}])
    _put(cs, app.pool_id, me, "game", [{"Op": "replace", "Key": "score", "Value": "20", "SyncCount": 1}])
    since1 = cs.list_records(**ids, LastSyncCount=1)
    assert [(r["Key"], r["Value"], r["SyncCount"]) for r in since1["Records"]] == [("score", "20", 2)]
    assert since1["DatasetSyncCount"] == 2 and since1["DatasetDeletedAfterRequestedSyncCount"] is False
    assert "MergedDatasetNames" not in since1  # null unless identities were merged
    assert cs.list_records(**ids, LastSyncCount=2)["Records"] == []
    with pytest.raises(ClientError) as e:
        cs.list_records(**ids, LastSyncCount=9)
    assert error_of(e) == ("InvalidParameterException", "No such SyncCount: 9 exists for this Dataset")


def test_stale_sync_count_is_a_conflict(world):
    """AWS: "Current SyncCount for: <key> is: N not: M", 409; nothing of the request is written."""
    sb, app, me, cs, _ = world
    _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0}])
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "font", "Value": "big", "SyncCount": 0},
                                            {"Op": "replace", "Key": "theme", "Value": "light", "SyncCount": 0}])
    assert error_of(e) == ("ResourceConflictException", "Current SyncCount for: theme is: 1 not: 0") and error_of(e).status == 409
    records = cs.list_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs")
    assert [(r["Key"], r["Value"]) for r in records["Records"]] == [("theme", "dark")]
    assert records["DatasetSyncCount"] == 1


def test_remove_leaves_a_tombstone_other_devices_see(world):
    sb, app, me, cs, _ = world
    _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0},
                                        {"Op": "replace", "Key": "b", "Value": "2", "SyncCount": 0}])
    out = _put(cs, app.pool_id, me, "prefs", [{"Op": "remove", "Key": "a", "SyncCount": 1}])
    assert out["Records"][0]["Key"] == "a" and "Value" not in out["Records"][0] and out["Records"][0]["SyncCount"] == 2
    changed = cs.list_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", LastSyncCount=1)["Records"]
    assert [(r["Key"], r.get("Value")) for r in changed] == [("a", None)]
    ds = cs.describe_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs")["Dataset"]
    assert (ds["NumRecords"], ds["DataStorage"]) == (1, 2)


def test_device_last_modified_date_is_kept(world):
    import datetime as dt

    sb, app, me, cs, _ = world
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    out = _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0,
                                               "DeviceLastModifiedDate": when}])
    assert out["Records"][0]["DeviceLastModifiedDate"] == when


def test_list_records_pages(world):
    sb, app, me, cs, _ = world
    _put(cs, app.pool_id, me, "big", [{"Op": "replace", "Key": f"k{i}", "Value": str(i), "SyncCount": 0} for i in range(5)])
    ids = dict(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="big")
    page = cs.list_records(**ids, MaxResults=2)
    keys, token = [r["Key"] for r in page["Records"]], page["SyncSessionToken"]
    while page.get("NextToken"):
        page = cs.list_records(**ids, MaxResults=2, NextToken=page["NextToken"], SyncSessionToken=token)
        assert page["SyncSessionToken"] == token
        keys += [r["Key"] for r in page["Records"]]
    assert keys == [f"k{i}" for i in range(5)]


def test_sync_session_token_is_checked(world):
    sb, app, me, cs, _ = world
    ids = dict(IdentityPoolId=app.pool_id, IdentityId=me)
    patch = [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}]
    with pytest.raises(botocore.exceptions.ParamValidationError):  # required in the model
        cs.update_records(**ids, DatasetName="a", RecordPatches=patch)
    with pytest.raises(ClientError) as e:
        cs.update_records(**ids, DatasetName="a", SyncSessionToken="made-up", RecordPatches=patch)
    assert error_of(e) == ("InvalidParameterException", "SyncSessionToken not valid for these inputs") and error_of(e).status == 400
    other = _token(cs, app.pool_id, me, "b")  # a token of another dataset
    with pytest.raises(ClientError) as e:
        cs.update_records(**ids, DatasetName="a", SyncSessionToken=other, RecordPatches=patch)
    assert error_of(e).code == "InvalidParameterException"


def test_deleted_dataset_is_reported_to_devices_that_synced_before(world):
    sb, app, me, cs, _ = world
    ids = dict(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs")
    _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
    cs.delete_dataset(**ids)
    gone = cs.list_records(**ids, LastSyncCount=1)
    assert gone["DatasetExists"] is False and gone["DatasetDeletedAfterRequestedSyncCount"] is True
    fresh = cs.list_records(**ids)
    assert fresh["DatasetDeletedAfterRequestedSyncCount"] is False and fresh["Records"] == []
    # Created again: counts go on rising, so an old device's count never looks current.
    out = _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}])
    assert out["Records"][0]["SyncCount"] == 3
    assert cs.list_records(**ids, LastSyncCount=1)["DatasetDeletedAfterRequestedSyncCount"] is True
    assert cs.list_records(**ids, LastSyncCount=3)["DatasetDeletedAfterRequestedSyncCount"] is False


# ----------------------------------------------------------------------------------------- limits
def test_dataset_name_constraints(world):
    sb, app, me, cs, _ = world
    for bad in ("my dataset", "x" * 129, "emoji-\u2603"):
        with pytest.raises(ClientError) as e:
            cs.list_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName=bad)
        assert error_of(e).code == "InvalidParameterException" and error_of(e).status == 400
    ok = "a" * 128
    assert cs.list_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName=ok)["DatasetExists"] is False
    assert cs.list_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="com.example:v1_x-y")["Count"] == 0


def test_key_length_limit(world):
    sb, app, me, cs, _ = world
    _put(cs, app.pool_id, me, "k", [{"Op": "replace", "Key": "k" * 1024, "Value": "v", "SyncCount": 0}])
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "k", [{"Op": "replace", "Key": "k" * 1025, "Value": "v", "SyncCount": 0}])
    assert error_of(e).code == "InvalidParameterException"


def test_twenty_datasets_per_identity(local_world):
    sb, app, me, cs, _ = local_world
    for i in range(20):
        _put(cs, app.pool_id, me, f"d{i}", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "d20", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
    assert error_of(e).code == "LimitExceededException" and error_of(e).status == 400
    # Writing to an existing one is still fine; so is another identity's first dataset.
    _put(cs, app.pool_id, me, "d0", [{"Op": "replace", "Key": "k", "Value": "w", "SyncCount": 1}])
    listed = cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me, MaxResults=15)
    assert listed["Count"] == 15 and listed["NextToken"]
    rest = cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me, NextToken=listed["NextToken"])
    assert rest["Count"] == 5 and "NextToken" not in rest


def test_1024_records_per_dataset(local_world):
    sb, app, me, cs, _ = local_world
    _put(cs, app.pool_id, me, "many", [{"Op": "replace", "Key": f"k{i}", "Value": "v", "SyncCount": 0} for i in range(1024)])
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "many", [{"Op": "replace", "Key": "one-more", "Value": "v", "SyncCount": 0}])
    assert error_of(e).code == "LimitExceededException"
    # A removal makes room.
    _put(cs, app.pool_id, me, "many", [{"Op": "remove", "Key": "k0", "SyncCount": 1},
                                       {"Op": "replace", "Key": "one-more", "Value": "v", "SyncCount": 0}])


def test_one_megabyte_per_dataset(local_world):
    sb, app, me, cs, _ = local_world
    half = "x" * (512 * 1024)
    _put(cs, app.pool_id, me, "blob", [{"Op": "replace", "Key": "a", "Value": half, "SyncCount": 0}])
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "blob", [{"Op": "replace", "Key": "b", "Value": half, "SyncCount": 0}])
    assert error_of(e).code == "LimitExceededException"
    assert cs.describe_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="blob")["Dataset"]["NumRecords"] == 1


def test_patch_validation(world):
    sb, app, me, cs, _ = world
    for patch in ({"Op": "upsert", "Key": "k", "Value": "v", "SyncCount": 0},
                  {"Op": "replace", "Key": "k", "SyncCount": 0}):
        with pytest.raises(ClientError) as e:
            _put(cs, app.pool_id, me, "p", [patch])
        assert error_of(e).code == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        _put(cs, app.pool_id, me, "p", [{"Op": "replace", "Key": "k", "Value": "1", "SyncCount": 0},
                                        {"Op": "replace", "Key": "k", "Value": "2", "SyncCount": 0}])
    assert error_of(e).code == "InvalidParameterException"


# ----------------------------------------------------------------------------------------- who may
def test_only_the_identitys_own_credentials(world):
    """Each identity reaches only its own data: Bob's credentials on Alice's identity are refused (403)."""
    sb, app, alice, cs_alice, client = world
    _put(cs_alice, app.pool_id, alice, "prefs", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
    bob, bob_creds = app.user("bob@example.com")
    assert bob != alice
    cs_bob = client(bob_creds)
    for call in (lambda: cs_bob.list_datasets(IdentityPoolId=app.pool_id, IdentityId=alice),
                 lambda: cs_bob.list_records(IdentityPoolId=app.pool_id, IdentityId=alice, DatasetName="prefs"),
                 lambda: cs_bob.delete_dataset(IdentityPoolId=app.pool_id, IdentityId=alice, DatasetName="prefs"),
                 lambda: cs_bob.describe_identity_usage(IdentityPoolId=app.pool_id, IdentityId=alice)):
        with pytest.raises(ClientError) as e:
            call()
        err = error_of(e)
        code, message, status = err.code, err.message, err.status
        assert (code, status) == ("NotAuthorizedException", 403)
    assert cs_bob.list_datasets(IdentityPoolId=app.pool_id, IdentityId=bob)["Count"] == 0
    # The developer's own credentials reach every identity (ListDatasets "can be called ... with developer credentials").
    assert client().list_datasets(IdentityPoolId=app.pool_id, IdentityId=alice)["Count"] == 1


def test_guests_sync_in_an_open_pool_but_not_once_it_is_closed(own_pool):
    sb, app, alice, _, client = own_pool
    guest, creds = app.guest()
    cs = client(creds)
    _put(cs, app.pool_id, guest, "cart", [{"Op": "replace", "Key": "item", "Value": "tea", "SyncCount": 0}])
    pool = app.cognito.describe_identity_pool(IdentityPoolId=app.pool_id)
    app.cognito.update_identity_pool(IdentityPoolId=app.pool_id, IdentityPoolName=pool["IdentityPoolName"],
                                     AllowUnauthenticatedIdentities=False,
                                     SupportedLoginProviders=pool.get("SupportedLoginProviders", {}))
    with pytest.raises(ClientError) as e:
        cs.list_records(IdentityPoolId=app.pool_id, IdentityId=guest, DatasetName="cart")
    assert error_of(e) == ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.") and error_of(e).status == 403


def test_unknown_access_key_is_refused(world):
    sb, app, me, _, client = world
    stranger = boto3.client("cognito-sync", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x",
                            **({"endpoint_url": sb.endpoint_url} if client()._endpoint.host.startswith("http://127") else {}))
    with pytest.raises(ClientError) as e:
        stranger.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me)
    assert error_of(e).code in ("UnrecognizedClientException", "InvalidClientTokenId") and error_of(e).status == 403


def test_developer_only_and_identity_only_operations(world):
    sb, app, me, cs, client = world
    for call in (lambda: cs.describe_identity_pool_usage(IdentityPoolId=app.pool_id),
                 lambda: cs.get_identity_pool_configuration(IdentityPoolId=app.pool_id),
                 lambda: cs.get_cognito_events(IdentityPoolId=app.pool_id),
                 lambda: cs.bulk_publish(IdentityPoolId=app.pool_id),
                 lambda: cs.list_identity_pool_usage()):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e).code == "NotAuthorizedException"
    with pytest.raises(ClientError) as e:
        client().register_device(IdentityPoolId=app.pool_id, IdentityId=me, Platform="GCM", Token="t")
    assert error_of(e).code == "NotAuthorizedException"


def test_unknown_pool_and_identity(world):
    sb, app, me, _, client = world
    dev = client()
    missing_pool = "us-east-1:00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        dev.describe_identity_pool_usage(IdentityPoolId=missing_pool)
    assert error_of(e).code == "ResourceNotFoundException" and error_of(e).status == 404
    with pytest.raises(ClientError) as e:
        dev.describe_identity_usage(IdentityPoolId=app.pool_id, IdentityId="us-east-1:00000000-0000-4000-8000-000000000001")
    assert error_of(e).code == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        dev.describe_identity_usage(IdentityPoolId=app.pool_id, IdentityId="not-an-id")
    assert error_of(e).code == "InvalidParameterException"


# ----------------------------------------------------------------------------------------- pool-wide settings
def test_usage_and_configuration(own_pool):
    sb, app, me, cs, client = own_pool
    dev = client()
    _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "k", "Value": "vv", "SyncCount": 0}])
    usage = dev.describe_identity_pool_usage(IdentityPoolId=app.pool_id)["IdentityPoolUsage"]
    assert usage["DataStorage"] == 3 and usage["SyncSessionsCount"] >= 1
    assert app.pool_id in [u["IdentityPoolId"] for u in dev.list_identity_pool_usage()["IdentityPoolUsages"]]
    assert dev.get_identity_pool_configuration(IdentityPoolId=app.pool_id) ["IdentityPoolId"] == app.pool_id
    with pytest.raises(ClientError) as e:
        dev.set_identity_pool_configuration(IdentityPoolId=app.pool_id, PushSync={"RoleArn": "arn:aws:iam::123:user/nope-nope-nope"})
    assert error_of(e).code == "InvalidParameterException"
    conf = dev.set_identity_pool_configuration(
        IdentityPoolId=app.pool_id,
        PushSync={"ApplicationArns": ["arn:aws:sns:us-east-1:123456789012:app/GCM/notes"],
                  "RoleArn": "arn:aws:iam::123456789012:role/CognitoPushSync"},
        CognitoStreams={"StreamName": "notes-stream", "RoleArn": "arn:aws:iam::123456789012:role/CognitoStreams",
                        "StreamingStatus": "ENABLED"})
    got = dev.get_identity_pool_configuration(IdentityPoolId=app.pool_id)
    assert got["PushSync"] == conf["PushSync"] and got["CognitoStreams"]["StreamingStatus"] == "ENABLED"


def test_push_sync_devices(own_pool):
    sb, app, me, cs, client = own_pool
    with pytest.raises(ClientError) as e:
        cs.register_device(IdentityPoolId=app.pool_id, IdentityId=me, Platform="GCM", Token="a-phone")
    assert error_of(e).code == "InvalidConfigurationException"
    client().set_identity_pool_configuration(
        IdentityPoolId=app.pool_id, PushSync={"ApplicationArns": ["arn:aws:sns:us-east-1:123456789012:app/GCM/notes"],
                                              "RoleArn": "arn:aws:iam::123456789012:role/CognitoPushSync"})
    phone_token, laptop_token = f"phone-of-{me}", f"laptop-of-{me}"
    phone = cs.register_device(IdentityPoolId=app.pool_id, IdentityId=me, Platform="GCM", Token=phone_token)["DeviceId"]
    laptop = cs.register_device(IdentityPoolId=app.pool_id, IdentityId=me, Platform="ADM", Token=laptop_token)["DeviceId"]
    assert cs.register_device(IdentityPoolId=app.pool_id, IdentityId=me, Platform="GCM", Token=phone_token)["DeviceId"] == phone
    for device in (phone, laptop):
        cs.subscribe_to_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", DeviceId=device)
    token = _token(cs, app.pool_id, me, "prefs")
    cs.update_records(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", SyncSessionToken=token, DeviceId=phone,
                      RecordPatches=[{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
    assert len(sb.inbox(laptop_token)) == 1 and len(sb.inbox(phone_token)) == 0  # not to the writer
    assert '"datasetName":"prefs"' in sb.inbox(laptop_token).latest.body
    cs.unsubscribe_from_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", DeviceId=laptop)
    _put(cs, app.pool_id, me, "prefs", [{"Op": "replace", "Key": "k", "Value": "w", "SyncCount": 1}])
    assert len(sb.inbox(laptop_token)) == 1 and len(sb.inbox(phone_token)) == 1
    with pytest.raises(ClientError) as e:
        cs.subscribe_to_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="prefs", DeviceId="no-such-device")
    assert error_of(e).code == "ResourceNotFoundException"


def test_cognito_events(own_pool):
    sb, app, me, cs, client = own_pool
    dev = client()
    assert dev.get_cognito_events(IdentityPoolId=app.pool_id)["Events"] == {}
    arn = "arn:aws:lambda:us-east-1:123456789012:function:OnSync"
    dev.set_cognito_events(IdentityPoolId=app.pool_id, Events={"SyncTrigger": arn})
    assert dev.get_cognito_events(IdentityPoolId=app.pool_id)["Events"] == {"SyncTrigger": arn}
    dev.set_cognito_events(IdentityPoolId=app.pool_id, Events={"SyncTrigger": ""})  # an empty value removes it
    assert dev.get_cognito_events(IdentityPoolId=app.pool_id)["Events"] == {}
    with pytest.raises(ClientError) as e:
        dev.set_cognito_events(IdentityPoolId=app.pool_id, Events={"OnLogin": arn})
    assert error_of(e).code == "InvalidParameterException"


def test_every_operation_of_the_model_is_answered(shared):
    """All 17 operations of botocore's cognito-sync model have a route and an implementation."""
    from labkit.sync import routes

    component = shared[0].components["sync"]
    names = {r.operation for r in routes()}
    assert len(names) == 17
    assert names == set(component.service.operations)


def test_calls_are_named_in_the_call_log(world):
    sb, app, me, cs, _ = world
    seq = sb.calls.last_seq
    cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=me)
    calls = sb.calls.since(seq)
    assert [(c.service, c.operation, c.status) for c in calls] == [("cognito-sync", "ListDatasets", 200)]


def test_merged_identities_keep_their_datasets_apart(world):
    """When Cognito Identity merges identity B into A, B's datasets move to A as ``<name>.<B>`` and A's
    same-named dataset lists them in MergedDatasetNames (the hook for labkit.identitypools' merges)."""
    sb, app, alice, cs, client = world
    guest, guest_creds = app.guest()
    _put(client(guest_creds), app.pool_id, guest, "prefs", [{"Op": "replace", "Key": "theme", "Value": "guest", "SyncCount": 0}])
    _put(cs, app.pool_id, alice, "prefs", [{"Op": "replace", "Key": "theme", "Value": "alice", "SyncCount": 0}])
    sb.components["sync"].backend.merge_identity(app.pool_id, guest, alice)
    names = [d["DatasetName"] for d in cs.list_datasets(IdentityPoolId=app.pool_id, IdentityId=alice)["Datasets"]]
    assert sorted(names) == ["prefs", f"prefs.{guest}"]
    page = cs.list_records(IdentityPoolId=app.pool_id, IdentityId=alice, DatasetName="prefs")
    assert page["MergedDatasetNames"] == [f"prefs.{guest}"]


def test_a_guest_merged_by_sign_in_brings_its_datasets(local_world):
    """End to end: a guest writes a dataset, then signs in with a Google login that already belongs to
    Alice; Cognito Identity merges the guest into Alice, and the guest's dataset moves with it
    (labkit.identitypools' merge calls the sync hook). Raw moto has neither merges nor Cognito Sync."""
    from sync_support import GOOGLE_CLIENT

    sb, app, _, _, client = local_world
    alice, alice_creds = app.user("merge-alice@example.com")
    guest, guest_creds = app.guest()
    _put(client(guest_creds), app.pool_id, guest, "prefs", [{"Op": "replace", "Key": "theme", "Value": "guest", "SyncCount": 0}])
    token = sb.idp("google").sign_in("merge-alice@example.com", client_id=GOOGLE_CLIENT)
    merged = app.cognito.get_credentials_for_identity(IdentityId=guest, Logins={"accounts.google.com": token})
    assert merged["IdentityId"] == alice
    names = [d["DatasetName"] for d in client(alice_creds).list_datasets(IdentityPoolId=app.pool_id, IdentityId=alice)["Datasets"]]
    assert names == [f"prefs.{guest}"]
