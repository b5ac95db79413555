"""labkit.devices.Device: a user's devices keep a local cache, work offline, and sync through plain boto3
cognito-sync calls (which raw moto does not answer: every test here fails on it)."""

from __future__ import annotations

import itertools

import boto3
import pytest

import labkit
from labkit.devices import Device, DeviceOffline, SyncFailed, sync_table
from labkit.errors import LabkitError
from sync_support import App, sync_client

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def shared():
    with labkit.Sandbox(serve=True) as sb:
        yield sb, App(sb)


class Clock:
    """One clock for a test's devices, in whole seconds, so that 'later' is unambiguous."""

    def __init__(self, start):
        self.t = start

    def __call__(self):
        self.t += 1
        return self.t


@pytest.fixture
def user(shared):
    """(sandbox, app, identity id, credentials, clock) of a fresh Google user."""
    sb, app = shared
    identity_id, creds = app.user(f"dev{next(_serial)}@example.com")
    return sb, app, identity_id, creds, Clock(sb.clock.time())


def two_devices(user, **kw):
    sb, app, me, creds, clock = user
    phone = Device("phone", creds, app.pool_id, me, clock=clock, **kw)
    laptop = Device("laptop", sync_client(creds, sb.endpoint_url), app.pool_id, me, clock=clock, **kw)  # over HTTP
    return phone, laptop


def test_offline_edits_are_kept_and_pushed_later(user):
    phone, laptop = two_devices(user)
    phone.offline = True
    phone.put("settings", "theme", "dark")
    phone.remove("settings", "nothing-here")
    with pytest.raises(DeviceOffline, match="offline"):
        phone.sync("settings")
    assert phone.records("settings") == {"theme": "dark"}
    assert phone.pending("settings") == {"nothing-here": None, "theme": "dark"}
    phone.offline = False
    result = phone.sync("settings")
    assert (result.pushed, result.sync_count, phone.pending("settings")) == (2, 1, {})
    assert laptop.sync("settings").pulled == 2
    assert laptop.records("settings") == {"theme": "dark"} and laptop.get("settings", "theme") == "dark"
    assert laptop.last_sync_count("settings") == 1


@pytest.mark.parametrize("resolver, expected", [
    ("last_writer_wins", "light"),  # the laptop's edit is the later one
    ("keep_remote", "dark"),  # the laptop syncs second: the server holds the phone's value
    ("keep_local", "light"),
    (lambda key, local, remote: f"{remote.value}+{local.value}", "dark+light"),
])
def test_conflict_resolution(user, resolver, expected):
    phone, laptop = two_devices(user, resolver=resolver)
    phone.put("settings", "theme", "system")
    phone.sync("settings")
    laptop.sync("settings")
    phone.offline = laptop.offline = True
    phone.put("settings", "theme", "dark")
    laptop.put("settings", "theme", "light")
    phone.offline = laptop.offline = False
    phone.sync("settings")
    result = laptop.sync("settings")
    assert [(k, loc, rem) for k, loc, rem, _ in result.conflicts] == [("theme", "light", "dark")]
    phone.sync("settings")
    assert phone.records("settings") == laptop.records("settings") == {"theme": expected}


def test_last_writer_wins_reads_device_last_modified_date(user):
    """The phone syncs last but edited first: the laptop's later edit stays."""
    phone, laptop = two_devices(user)
    phone.put("s", "k", "phone")
    laptop.put("s", "k", "laptop")
    laptop.sync("s")
    result = phone.sync("s")
    assert result.conflicts == [("k", "phone", "laptop", "laptop")] and result.pushed == 0
    assert phone.records("s") == {"k": "laptop"}


def test_a_push_that_meets_another_devices_write_is_retried(user):
    phone, laptop = two_devices(user)
    phone.put("s", "k", "1")
    phone.sync("s")
    laptop.sync("s")
    laptop.put("s", "k", "2")

    def phone_writes_first():  # between the laptop's pull and its push
        laptop.before_push.clear()
        phone.put("s", "k", "3")
        phone.sync("s")

    laptop.before_push.append(phone_writes_first)
    result = laptop.sync("s")
    assert result.retries == 1  # UpdateRecords answered ResourceConflictException once
    assert result.conflicts == [("k", "2", "3", "3")]  # and the phone's later edit won
    assert laptop.records("s") == {"k": "3"}


def test_gives_up_after_max_retries(user):
    phone, laptop = two_devices(user, resolver="keep_local")
    laptop.max_retries = 2
    counter = itertools.count()

    def phone_always_first():
        phone.put("s", "k", f"p{next(counter)}")
        phone.sync("s")

    laptop.put("s", "k", "laptop")
    laptop.before_push.append(phone_always_first)
    with pytest.raises(SyncFailed, match="max_retries"):
        laptop.sync("s")
    assert next(counter) == 3  # tried three times: once, then max_retries more


def test_local_cache_survives_a_restart(user, tmp_path):
    sb, app, me, creds, clock = user
    path = str(tmp_path / "phone.db")
    phone = Device("phone", creds, app.pool_id, me, database=path, clock=clock)
    phone.put("s", "a", "1")
    phone.sync("s")
    phone.put("s", "b", "2")  # not synced yet
    phone.close()
    again = Device("phone", creds, app.pool_id, me, database=path, clock=clock)
    assert again.records("s") == {"a": "1", "b": "2"} and again.pending("s") == {"b": "2"}
    assert again.last_sync_count("s") == 1 and again.datasets() == ["s"]
    assert again.sync("s").pushed == 1


def test_dataset_deleted_on_the_server(user):
    sb, app, me, creds, clock = user
    phone, laptop = two_devices(user)
    phone.put("s", "old", "1")
    phone.sync("s")
    laptop.sync("s")
    sync_client(creds).delete_dataset(IdentityPoolId=app.pool_id, IdentityId=me, DatasetName="s")
    laptop.put("s", "new", "2")
    result = laptop.sync("s")
    assert result.remote_deleted is True
    assert laptop.records("s") == {"new": "2"}  # what came from the deleted dataset is gone, its own edit kept
    phone.sync("s")
    assert phone.records("s") == {"new": "2"}


def test_ways_to_give_a_device_its_credentials(user):
    sb, app, me, creds, clock = user
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                            aws_session_token=creds["SessionToken"], region_name=sb.region)
    kwargs = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                  aws_session_token=creds["SessionToken"])
    issued = sb.issued.get(creds["AccessKeyId"])
    for given in (creds, session, kwargs, issued, sync_client(creds)):
        device = Device("d", given, app.pool_id, me, clock=clock)
        device.put("s", "k", "v")
        device.sync("s")
    with pytest.raises(LabkitError, match="get_credentials_for_identity"):
        Device("d", "not credentials", app.pool_id, me)


def test_labkit_misuse_is_explained(user):
    sb, app, me, creds, clock = user
    with pytest.raises(LabkitError, match="last_writer_wins"):
        Device("d", creds, app.pool_id, me, resolver="newest")
    device = Device("d", creds, app.pool_id, me)
    with pytest.raises(LabkitError, match="json.dumps"):
        device.put("s", "n", 42)
    device.resolver = lambda key, local, remote: 7
    other = Device("o", creds, app.pool_id, me)
    other.put("s", "k", "x")
    other.sync("s")
    device.put("s", "k", "y")
    with pytest.raises(LabkitError, match="return a str"):
        device.sync("s")


def test_another_identitys_device_is_refused(user):
    """A device signed with Bob's credentials cannot sync Alice's identity (NotAuthorizedException)."""
    from botocore.exceptions import ClientError

    sb, app, alice, creds, clock = user
    bob, bob_creds = app.user(f"bob{next(_serial)}@example.com")
    thief = Device("thief", bob_creds, app.pool_id, alice, clock=clock)
    thief.put("s", "k", "v")
    with pytest.raises(ClientError) as e:
        thief.sync("s")
    assert e.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_sync_table_shows_devices_and_server(user):
    sb, app, me, creds, clock = user
    phone, laptop = two_devices(user)
    phone.put("s", "theme", "dark")
    phone.sync("s")
    laptop.put("s", "lang", "fr")
    table = sync_table("s", phone, laptop, server=sync_client(creds))
    assert table.columns == ["phone", "laptop", "server"]
    assert table.sync_counts == {"phone": 1, "laptop": 0, "server": 1}
    assert [(r["key"], r["phone"], r["laptop"], r["server"]) for r in table.rows] == [
        ("lang", (None, False), ("fr", True), (None, False)),
        ("theme", ("dark", False), (None, False), ("dark", False))]
    text = str(table).splitlines()
    assert text[0].split() == ["key", "phone", "laptop", "server"]
    assert text[2].split() == ["lang", "-", "fr", "*", "-"]
    assert text[4].split() == ["(sync", "count)", "1", "0", "1"]


def test_a_failed_merge_leaves_the_local_copy_untouched(user):
    sb, app, me, creds, clock = user
    phone, laptop = two_devices(user)
    phone.put("s", "a", "1")
    phone.put("s", "b", "1")
    phone.sync("s")
    laptop.sync("s")
    phone.put("s", "a", "2")
    phone.put("s", "b", "2")
    phone.sync("s")
    laptop.put("s", "b", "3")

    def refuse(key, local, remote):
        raise RuntimeError("resolver bug")

    laptop.resolver = refuse
    with pytest.raises(RuntimeError):
        laptop.sync("s")
    assert laptop.records("s") == {"a": "1", "b": "3"} and laptop.last_sync_count("s") == 1
    laptop.resolver = "keep_local"
    laptop.sync("s")
    assert laptop.records("s") == {"a": "2", "b": "3"}
