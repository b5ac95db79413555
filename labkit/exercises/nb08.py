"""Exercises of notebook 08 · Data sync: a new record's SyncCount, a write that respects sync counts, and
the DynamoDB version check that replaces them.

AWS: Cognito Sync API Reference (ListRecords, UpdateRecords, ResourceConflictException); DynamoDB
"Condition expressions" (optimistic locking with a version number).
"""

from __future__ import annotations

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "08-data-sync"
GOOGLE_CLIENT_ID = "1234-notes.apps.googleusercontent.com"


def alice_device(run, label: str):
    """An identity pool trusting Google, and Alice signed in on a device: ``(pool_id, identity_id, sync client)``."""
    app = fx.identity_pool(run, f"Ex08{label}Notes", google_client_id=GOOGLE_CLIENT_ID)
    pool_id = app["IdentityPoolId"]
    logins = {"accounts.google.com": run.sb.idp("google").sign_in("alice@example.com", client_id=GOOGLE_CLIENT_ID)}
    cognito = fx.client(run, "cognito-identity")
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return pool_id, identity_id, fx.session(run, creds).client("cognito-sync")


def write(sync, pool_id, identity_id, dataset, patches):
    token = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)["SyncSessionToken"]
    return sync.update_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset,
                               SyncSessionToken=token, RecordPatches=patches)


def records(sync, pool_id, identity_id, dataset) -> dict:
    page = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)
    return {r["Key"]: r for r in page["Records"]}


# ---------------------------------------------------------------------------------------------- 08.1
def _check_new_record(sync_count, run):
    from .explain import aws_code, name

    if isinstance(sync_count, bool) or not isinstance(sync_count, int):
        run.stop(f"sync_count is a {type(sync_count).__name__}; a SyncCount is a whole number.")
    pool_id, identity_id, sync = alice_device(run, "a")
    write(sync, pool_id, identity_id, "settings", [{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0}])
    try:
        write(sync, pool_id, identity_id, "settings", [{"Op": "replace", "Key": "font-size", "Value": "14", "SyncCount": sync_count}])
    except Exception as exc:
        why = "A new record has never been written, so its last sync count is 0, whatever the dataset's count is."
        if aws_code(exc) == "ResourceConflictException":
            why = f"Cognito Sync says: {exc.response['Error']['Message']}. " + why
        run.stop(f"A patch for the new record font-size with SyncCount {sync_count} is refused: {name(exc)}.", why)
    run.passed(f"A patch for a new record with SyncCount {sync_count} is accepted.")
    record = records(sync, pool_id, identity_id, "settings").get("font-size")
    run.expect(record is not None and record["SyncCount"] == 2, "The record was not written as expected.", "",
               passed_text="The write raised the dataset's sync count to 2, and the new record took that count.")


# ---------------------------------------------------------------------------------------------- 08.2
def _check_put_setting(put_setting, run):
    if not callable(put_setting):
        run.stop(f"put_setting is a {type(put_setting).__name__}, not a function.",
                 "Define it with def put_setting(sync, identity_pool_id, identity_id, dataset, key, value): ...")
    pool_id, identity_id, sync = alice_device(run, "b")
    # Another device wrote theme twice and font-size once: theme is at sync count 2.
    write(sync, pool_id, identity_id, "settings", [{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0},
                                                   {"Op": "replace", "Key": "font-size", "Value": "14", "SyncCount": 0}])
    write(sync, pool_id, identity_id, "settings", [{"Op": "replace", "Key": "theme", "Value": "solarized", "SyncCount": 1}])
    run.call(put_setting, sync, pool_id, identity_id, "settings", "theme", "light", doing="changing theme, last written at sync count 2")
    now = records(sync, pool_id, identity_id, "settings")
    run.expect(now.get("theme", {}).get("Value") == "light", f"theme is {now.get('theme', {}).get('Value')!r} on the server, not 'light'.",
               "Send the record's current SyncCount (read it with list_records first).", passed_text="An existing record (theme) is updated.")
    run.expect(now.get("font-size", {}).get("Value") == "14", "font-size changed: a write must touch only its own key.", "",
               passed_text="Other records are left as they were.")
    run.call(put_setting, sync, pool_id, identity_id, "settings", "language", "fr", doing="writing a new record, language")
    now = records(sync, pool_id, identity_id, "settings")
    run.expect(now.get("language", {}).get("Value") == "fr", "The new record language is not on the server.",
               "A new record's SyncCount is 0.", passed_text="A new record (language) is written.")
    run.call(put_setting, sync, pool_id, identity_id, "fresh-dataset", "theme", "dark", doing="writing to a dataset that does not exist yet")
    now = records(sync, pool_id, identity_id, "fresh-dataset")
    run.expect(now.get("theme", {}).get("Value") == "dark", "Writing to a new dataset did not create it.", "",
               passed_text="A dataset that did not exist yet is created.")


# ---------------------------------------------------------------------------------------------- 08.3
def _check_save(save_if_unchanged, run):
    if not callable(save_if_unchanged):
        run.stop(f"save_if_unchanged is a {type(save_if_unchanged).__name__}, not a function.",
                 "Define it with def save_if_unchanged(db, table, identity_id, key, value, read_version): ...")
    table = run.name("Ex08UserSettings")
    db = fx.client(run, "dynamodb")
    db.create_table(TableName=table,
                    KeySchema=[{"AttributeName": "IdentityId", "KeyType": "HASH"}, {"AttributeName": "Key", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "IdentityId", "AttributeType": "S"},
                                          {"AttributeName": "Key", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
    who = f"{run.sb.region}:00000000-0000-4000-8000-{run.serial:012d}"
    key = f"theme-{run.serial}"

    def stored():
        item = db.get_item(TableName=table, Key={"IdentityId": {"S": who}, "Key": {"S": key}}).get("Item")
        return (item["Value"]["S"], int(item["Version"]["N"])) if item else (None, 0)

    # The learner's function gets a client of its own, so that the check can play "another device"
    # writing at the very moment the function sends its write.
    mine = fx.client(run, "dynamodb", fresh=True)
    run.call(save_if_unchanged, mine, table, who, key, "dark", 0, doing="saving a new item (read_version 0)")
    run.expect(stored() == ("dark", 1), f"After saving a new item the table holds {stored()}, not ('dark', 1).",
               "Write Value and Version = read_version + 1.", passed_text="A new item is saved with Version 1.")
    run.call(save_if_unchanged, mine, table, who, key, "light", 1, doing="saving over version 1, which is the current one")
    run.expect(stored() == ("light", 2), f"After saving over version 1 the table holds {stored()}, not ('light', 2).",
               "When read_version is the stored Version, the write must go through.", passed_text="A save based on the current version goes through (Version 2).")
    outcome = run.attempt(save_if_unchanged, mine, table, who, key, "high-contrast", 1)
    _stale_refused(run, outcome, "A stale save (read version 1, the table at version 2)")
    run.expect(stored()[0] == "light", f"The stale save overwrote the value ({stored()[0]!r}).", "",
               passed_text="The value written by the other device is kept.")
    # The race: the function read version 2 and is right to write... but another device writes version 3
    # between the function's own read (if it makes one) and its write. Only DynamoDB can see that.
    raced = []

    def other_device_writes_first(**_):
        if not raced:
            raced.append(True)
            db.put_item(TableName=table, Item={"IdentityId": {"S": who}, "Key": {"S": key}, "Value": {"S": "solarized"},
                                               "Version": {"N": "3"}})

    for operation in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"):
        mine.meta.events.register(f"before-call.dynamodb.{operation}", other_device_writes_first)
    try:
        outcome = run.attempt(save_if_unchanged, mine, table, who, key, "sepia", 2)
    finally:
        for operation in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"):
            mine.meta.events.unregister(f"before-call.dynamodb.{operation}", other_device_writes_first)
    if not raced:
        run.stop("Your function never wrote to the table when asked to save over version 2.", "")
    _stale_refused(run, outcome, "A save whose read was overtaken (another device wrote version 3 just before it)",
                   race=True)
    run.expect(stored() == ("solarized", 3), f"After the race the table holds {stored()}: the other device's write is lost.",
               "Only a condition that DynamoDB evaluates while it writes can see a write that came in between; a read "
               "before the write cannot.", passed_text="The other device's write, which came in between, is kept.")


def _stale_refused(run, outcome, what: str, race: bool = False):
    from .explain import aws_code, name

    if outcome.raised:
        run.expect(aws_code(outcome.error) == "ConditionalCheckFailedException" and _from_dynamodb(outcome.error),
                   f"{what} raised {name(outcome.error)}, not DynamoDB's own ConditionalCheckFailedException.",
                   "Let DynamoDB refuse the write (and let its ClientError reach the caller); do not raise one yourself.",
                   passed_text=f"{what} is refused by DynamoDB: ConditionalCheckFailedException.")
    else:
        run.failed(f"{what} went through: the other device's write is lost.",
                   "The write itself must carry the version check, so that DynamoDB refuses it when the stored Version "
                   "is no longer read_version." + (" Reading first and comparing is too late: the other write can land "
                                                   "between your read and your write." if race else ""))


def _from_dynamodb(error) -> bool:
    """A ClientError that came back from a request (it carries the response's metadata), not one made by hand."""
    metadata = getattr(error, "response", {}).get("ResponseMetadata", {})
    return bool(metadata.get("HTTPStatusCode")) and bool(metadata.get("RequestId") or metadata.get("HTTPHeaders"))


EXERCISES = [
    Exercise(
        id="08.1", notebook=NOTEBOOK, level="read", kind="value",
        title="A new record's SyncCount",
        prompt="The dataset `settings` is at sync count 1. A device adds a **new** record, `font-size`. Which "
               "`SyncCount` goes in its patch? The check sends your number to Cognito Sync.",
        starter='sync_count = ...   # a whole number\n\ncheck("08.1", sync_count)',
        hints=["The SyncCount of a patch is what the sender last saw for that record, not for the dataset.",
               "Section 2 says it just before its first update_records: a record never written before has no sync count yet."],
        checker=_check_new_record,
    ),
    Exercise(
        id="08.2", notebook=NOTEBOOK, level="use", kind="function",
        title="A write that respects sync counts",
        prompt="Write `put_setting(sync, identity_pool_id, identity_id, dataset, key, value)`: set one record with "
               "`UpdateRecords`, sending the record's current `SyncCount` (0 if it is new). The check has another "
               "device write first, so the record is already at sync count 2.",
        starter=("def put_setting(sync, identity_pool_id, identity_id, dataset, key, value):\n"
                 '    """Set dataset[key] = value on the server, with the record\'s current SyncCount."""\n'
                 "    ...\n\n"
                 'check("08.2", put_setting)'),
        hints=["list_records gives the records (each with its SyncCount) and the SyncSessionToken update_records needs.",
               "Find the record whose Key is key; its SyncCount, or 0 if there is none, goes in the patch "
               "{\"Op\": \"replace\", \"Key\": key, \"Value\": value, \"SyncCount\": n}."],
        checker=_check_put_setting,
    ),
    Exercise(
        id="08.3", notebook=NOTEBOOK, level="write", kind="function",
        title="The version check, in DynamoDB",
        prompt="Write `save_if_unchanged(db, table, identity_id, key, value, read_version)` for the DynamoDB version of section 6: "
               "it writes `Value` and `Version = read_version + 1`, but only if the stored `Version` is still "
               "`read_version` (no item yet when it is 0). A stale save must fail with DynamoDB's error, even when another "
               "device writes at the very moment your function does.",
        starter=("def save_if_unchanged(db, table, identity_id, key, value, read_version):\n"
                 '    """Write the setting only if nobody wrote it since we read read_version."""\n'
                 "    ...\n\n"
                 'check("08.3", save_if_unchanged)'),
        hints=["put_item with a ConditionExpression.",
               "ConditionExpression=\"attribute_not_exists(Version) OR Version = :read\", "
               "ExpressionAttributeValues={\":read\": {\"N\": str(read_version)}}."],
        checker=_check_save,
    ),
]
