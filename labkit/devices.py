"""A user's device with a Cognito Sync client: a local SQLite cache, offline edits, and ``sync()``.

This is what the AWS Mobile SDKs' ``CognitoSyncManager`` / ``Dataset.synchronize`` did on a phone
(https://docs.aws.amazon.com/cognito/latest/developerguide/synchronizing-data.html), written with plain
boto3 ``cognito-sync`` calls so that a learner can read every step:

1. **pull** -- ``ListRecords(LastSyncCount=<the device's last sync count>)``: what changed on the server;
2. **merge** -- a remote change to a record the device also changed is a *conflict*, settled by the
   device's resolver (``"last_writer_wins"``, ``"keep_remote"``, ``"keep_local"``, or your function);
3. **push** -- ``UpdateRecords`` with each local change and the record's last known ``SyncCount``; if
   another device wrote in between, the server answers ResourceConflictException and the device starts
   again from 1 (up to ``max_retries`` times).

    phone = Device("phone", creds, pool_id, identity_id)     # creds: the identity's credentials
    phone.put("settings", "theme", "dark")                  # local only: works offline
    phone.sync("settings")                                   # pull, merge, push
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import LabkitError

RESOLVERS = ("last_writer_wins", "keep_remote", "keep_local")


class DeviceOffline(LabkitError):
    """``device.sync()`` was called while ``device.offline`` is True."""


class SyncFailed(LabkitError):
    """The device kept meeting ResourceConflictException and gave up after ``max_retries`` retries."""


@dataclass(frozen=True)
class Version:
    """One side of a conflict: a record's value (None: removed), when its device changed it, its SyncCount."""

    value: str | None
    modified: float
    sync_count: int


@dataclass
class SyncResult:
    """What one ``device.sync(dataset)`` did."""

    dataset: str
    pulled: int = 0  # remote records merged in
    pushed: int = 0  # local changes the server accepted
    conflicts: list = field(default_factory=list)  # [(key, local value, remote value, chosen value)]
    retries: int = 0  # ResourceConflictException answers met
    sync_count: int = 0  # the dataset's sync count the device now knows
    remote_deleted: bool = False  # the dataset was deleted on the server since the last sync

    def __str__(self) -> str:
        return (f"{self.dataset}: pulled {self.pulled}, pushed {self.pushed}, conflicts {len(self.conflicts)}, "
                f"retries {self.retries}, sync count {self.sync_count}")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (name TEXT PRIMARY KEY, last_sync_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS records (
    dataset TEXT NOT NULL, key TEXT NOT NULL, value TEXT, sync_count INTEGER NOT NULL DEFAULT 0,
    modified REAL NOT NULL, dirty INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (dataset, key));
"""


def _epoch(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    return float(value)


class Device:
    """One of a user's devices: local data in SQLite, synced with Cognito Sync through boto3.

    ``credentials``: the identity's temporary credentials -- the ``Credentials`` dict that
    ``get_credentials_for_identity`` returns, labkit's IssuedCredentials, boto3 keyword arguments
    (``aws_access_key_id=...``), a ``boto3.Session``, or a ready ``cognito-sync`` client.
    ``database``: ``":memory:"`` (default) or a file path; the cache survives a restart with a path.
    ``clock``: where DeviceLastModifiedDate comes from (default: the sandbox's clock, else the machine's).
    """

    _last_stamp = 0.0  # the latest DeviceLastModifiedDate any device of this process handed out

    def __init__(self, name: str, credentials, identity_pool_id: str, identity_id: str, *,
                 resolver: str | Callable = "last_writer_wins", database: str = ":memory:",
                 max_retries: int = 3, clock: Callable[[], float] | None = None, region: str | None = None):
        if not isinstance(name, str) or not name:
            raise LabkitError("Give the device a name, e.g. Device('phone', credentials, pool_id, identity_id).")
        self.name = name
        self.identity_pool_id = identity_pool_id
        self.identity_id = identity_id
        self.resolver = resolver
        self.max_retries = max_retries
        self.offline = False
        self.client = _client(credentials, region)
        self._clock = clock
        self.db = sqlite3.connect(database, check_same_thread=False)
        self.db.executescript(_SCHEMA)
        # Callables run just before each push: a lesson's (or test's) way to say "another device writes right now".
        self.before_push: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        state = "offline" if self.offline else "online"
        return f"<Device {self.name} ({state}) of {self.identity_id}>"

    # ------------------------------------------------------------------ properties
    @property
    def resolver(self):
        return self._resolver

    @resolver.setter
    def resolver(self, value):
        if not callable(value) and value not in RESOLVERS:
            raise LabkitError(
                f"Unknown conflict resolver {value!r}. Use one of {', '.join(map(repr, RESOLVERS))}, or a function "
                "(key, local: Version, remote: Version) -> value (None removes the record)."
            )
        self._resolver = value

    def now(self) -> float:
        """The device's clock, to the millisecond (DeviceLastModifiedDate's precision on the wire)."""
        if self._clock is not None:
            return round(float(self._clock()), 3)
        from .sandbox import Sandbox

        sb = Sandbox.current()
        stamp = round(sb.clock.time() if sb is not None else time.time(), 3)
        # Edits made one after the other (two devices in one notebook cell) must not share a millisecond,
        # or "last writer wins" could not tell which came last.
        stamp = max(stamp, round(Device._last_stamp + 0.001, 3))
        Device._last_stamp = stamp
        return stamp

    # ------------------------------------------------------------------ local data (works offline)
    def put(self, dataset: str, key: str, value: str) -> None:
        """Set ``key`` in the local copy of ``dataset`` (pushed at the next sync)."""
        if not isinstance(value, str):
            raise LabkitError(f"Cognito Sync stores strings; store str({value!r}) or json.dumps(...) instead.")
        self._write(dataset, key, value)

    def remove(self, dataset: str, key: str) -> None:
        """Remove ``key`` locally (the removal is pushed at the next sync)."""
        self._write(dataset, key, None)

    def _write(self, dataset, key, value):
        self._dataset_row(dataset)
        row = self.db.execute("SELECT sync_count FROM records WHERE dataset=? AND key=?", (dataset, key)).fetchone()
        count = row[0] if row else 0
        self.db.execute(
            "INSERT OR REPLACE INTO records (dataset, key, value, sync_count, modified, dirty) VALUES (?,?,?,?,?,1)",
            (dataset, key, value, count, self.now()),
        )
        self.db.commit()

    def get(self, dataset: str, key: str, default=None):
        row = self.db.execute("SELECT value FROM records WHERE dataset=? AND key=?", (dataset, key)).fetchone()
        return row[0] if row and row[0] is not None else default

    def records(self, dataset: str) -> dict[str, str]:
        """The device's current view of ``dataset``: {key: value}."""
        rows = self.db.execute(
            "SELECT key, value FROM records WHERE dataset=? AND value IS NOT NULL ORDER BY key", (dataset,)
        )
        return dict(rows.fetchall())

    def pending(self, dataset: str) -> dict[str, str | None]:
        """Local changes not yet pushed: {key: value, or None for a removal}."""
        rows = self.db.execute("SELECT key, value FROM records WHERE dataset=? AND dirty=1 ORDER BY key", (dataset,))
        return dict(rows.fetchall())

    def last_sync_count(self, dataset: str) -> int:
        row = self.db.execute("SELECT last_sync_count FROM datasets WHERE name=?", (dataset,)).fetchone()
        return row[0] if row else 0

    def datasets(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM datasets ORDER BY name")]

    def _dataset_row(self, dataset):
        self.db.execute("INSERT OR IGNORE INTO datasets (name, last_sync_count) VALUES (?, 0)", (dataset,))

    def _local(self, dataset, key):
        return self.db.execute(
            "SELECT value, sync_count, modified, dirty FROM records WHERE dataset=? AND key=?", (dataset, key)
        ).fetchone()

    # ------------------------------------------------------------------ sync
    def sync(self, dataset: str) -> SyncResult:
        """Pull, merge, push; retried from the pull on ResourceConflictException."""
        if self.offline:
            raise DeviceOffline(
                f"{self.name} is offline (device.offline = True): local edits are kept and will be pushed by the "
                f"first sync after device.offline = False."
            )
        self._dataset_row(dataset)
        self.db.commit()
        result = SyncResult(dataset)
        try:
            return self._sync(dataset, result)
        except BaseException:
            self.db.rollback()  # a failed merge leaves the local copy as it was before this round
            raise

    def _sync(self, dataset: str, result: SyncResult) -> SyncResult:
        from botocore.exceptions import ClientError

        while True:
            token = self._pull_and_merge(dataset, result)
            dirty = self.db.execute(
                "SELECT key, value, sync_count, modified FROM records WHERE dataset=? AND dirty=1 ORDER BY key", (dataset,)
            ).fetchall()
            result.sync_count = self.last_sync_count(dataset)
            if not dirty:
                return result
            for hook in list(self.before_push):
                hook()
            patches = [
                {"Op": "replace" if value is not None else "remove", "Key": key, "SyncCount": count,
                 "DeviceLastModifiedDate": _dt.datetime.fromtimestamp(modified, _dt.timezone.utc),
                 **({"Value": value} if value is not None else {})}
                for key, value, count, modified in dirty
            ]
            try:
                answer = self.client.update_records(
                    IdentityPoolId=self.identity_pool_id, IdentityId=self.identity_id, DatasetName=dataset,
                    SyncSessionToken=token, RecordPatches=patches,
                )
            except ClientError as err:
                if err.response["Error"]["Code"] != "ResourceConflictException":
                    raise
                result.retries += 1
                if result.retries > self.max_retries:
                    raise SyncFailed(
                        f"{self.name} could not push {dataset}: another device kept writing first "
                        f"({result.retries} conflicts: {err.response['Error'].get('Message')}). Sync again later, "
                        "or raise device.max_retries."
                    ) from err
                continue
            last = self.last_sync_count(dataset)
            newest = 0
            for rec in answer.get("Records", []):
                newest = max(newest, rec["SyncCount"])
                self.db.execute(
                    "UPDATE records SET sync_count=?, dirty=0 WHERE dataset=? AND key=?",
                    (rec["SyncCount"], dataset, rec["Key"]),
                )
            # Only our own write happened since the pull: the device now knows the server's count.
            if newest == last + 1:
                self.db.execute("UPDATE datasets SET last_sync_count=? WHERE name=?", (newest, dataset))
            self.db.commit()
            result.pushed += len(answer.get("Records", []))
            result.sync_count = self.last_sync_count(dataset)
            return result

    def _pull_and_merge(self, dataset: str, result: SyncResult) -> str:
        last = self.last_sync_count(dataset)
        pages = self._list_records(dataset, last)
        if pages["DatasetDeletedAfterRequestedSyncCount"]:
            # Deleted on the server after our last sync: forget what we had from it, keep our own edits.
            result.remote_deleted = True
            self.db.execute("DELETE FROM records WHERE dataset=? AND dirty=0", (dataset,))
            self.db.execute("UPDATE records SET sync_count=0 WHERE dataset=?", (dataset,))
            self.db.execute("UPDATE datasets SET last_sync_count=0 WHERE name=?", (dataset,))
            pages = self._list_records(dataset, 0)
        for rec in pages["Records"]:
            key, remote_value = rec["Key"], rec.get("Value")
            remote = Version(remote_value, _epoch(rec.get("DeviceLastModifiedDate")), rec["SyncCount"])
            local = self._local(dataset, key)
            if local is not None and local[3]:  # a local change meets a remote one
                if local[0] == remote_value:  # the same change: nothing to settle
                    # ...but a later local write of it still carries the newer DeviceLastModifiedDate.
                    newer = local[2] > remote.modified
                    self._store(dataset, key, remote_value, remote.sync_count, max(local[2], remote.modified), dirty=newer)
                else:
                    mine = Version(local[0], local[2], local[1])
                    chosen = self._resolve(key, mine, remote)
                    result.conflicts.append((key, mine.value, remote.value, chosen))
                    if chosen == remote_value:
                        self._store(dataset, key, remote_value, remote.sync_count, remote.modified, dirty=False)
                    else:
                        modified = mine.modified if chosen == mine.value else self.now()
                        self._store(dataset, key, chosen, remote.sync_count, modified, dirty=True)
            else:
                self._store(dataset, key, remote_value, remote.sync_count, remote.modified, dirty=False)
            result.pulled += 1
        self.db.execute("UPDATE datasets SET last_sync_count=? WHERE name=?", (pages["DatasetSyncCount"], dataset))
        self.db.commit()
        return pages["SyncSessionToken"]

    def _list_records(self, dataset: str, last: int) -> dict:
        """ListRecords since ``last``, every page (one SyncSessionToken for the whole sync)."""
        kwargs = dict(IdentityPoolId=self.identity_pool_id, IdentityId=self.identity_id, DatasetName=dataset,
                      LastSyncCount=last)
        answer = self.client.list_records(**kwargs)
        records = list(answer.get("Records", []))
        while answer.get("NextToken"):
            answer = self.client.list_records(**kwargs, NextToken=answer["NextToken"],
                                              SyncSessionToken=answer["SyncSessionToken"])
            records += answer.get("Records", [])
        answer["Records"] = records
        return answer

    def _store(self, dataset, key, value, count, modified, dirty):
        self.db.execute(
            "INSERT OR REPLACE INTO records (dataset, key, value, sync_count, modified, dirty) VALUES (?,?,?,?,?,?)",
            (dataset, key, value, count, modified, 1 if dirty else 0),
        )

    def _resolve(self, key: str, local: Version, remote: Version):
        r = self.resolver
        if r == "keep_remote":
            return remote.value
        if r == "keep_local":
            return local.value
        if r == "last_writer_wins":
            return local.value if local.modified > remote.modified else remote.value
        chosen = r(key, local, remote)
        if chosen is not None and not isinstance(chosen, str):
            raise LabkitError(f"The conflict resolver returned {chosen!r} for {key!r}; return a str, or None to remove.")
        return chosen

    def close(self):
        self.db.close()


class SyncTable:
    """Devices and the server side by side: each key's value everywhere, and each one's sync count."""

    def __init__(self, dataset: str, devices, server=None):
        self.dataset = dataset
        self.columns = [d.name for d in devices] + (["server"] if server is not None else [])
        views = [d.records(dataset) for d in devices]
        counts = [d.last_sync_count(dataset) for d in devices]
        pending = [d.pending(dataset) for d in devices]
        if server is not None:
            first = devices[0]
            page = _all_records(server, first.identity_pool_id, first.identity_id, dataset)
            views.append({r["Key"]: r["Value"] for r in page["Records"] if "Value" in r})
            counts.append(page["DatasetSyncCount"])
            pending.append({})
        keys = sorted(set().union(*views, *pending))
        self.rows = [{"key": k, **{c: (v.get(k), k in p) for c, v, p in zip(self.columns, views, pending)}} for k in keys]
        self.sync_counts = dict(zip(self.columns, counts))

    def __str__(self) -> str:
        def cell(value, dirty):
            text = "-" if value is None else str(value)
            return text + (" *" if dirty else "")

        header = ["key"] + self.columns
        body = [[r["key"]] + [cell(*r[c]) for c in self.columns] for r in self.rows]
        body.append(["(sync count)"] + [str(self.sync_counts[c]) for c in self.columns])
        widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
        line = lambda row: "  ".join(text.ljust(w) for text, w in zip(row, widths)).rstrip()
        out = [line(header), line(["-" * w for w in widths])] + [line(row) for row in body]
        return "\n".join(out) + "\n(* = changed on the device, not pushed yet; - = no such record)"

    __repr__ = __str__


def sync_table(dataset: str, *devices: Device, server=None) -> SyncTable:
    """``print(sync_table("settings", phone, laptop, server=sync_client))``: who holds what, and at which sync count."""
    if not devices:
        raise LabkitError("Pass the devices to compare: sync_table('settings', phone, laptop, server=client).")
    return SyncTable(dataset, devices, server)


def _all_records(client, pool_id, identity_id, dataset) -> dict:
    kwargs = dict(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)
    page = client.list_records(**kwargs)
    records = list(page["Records"])
    while page.get("NextToken"):
        page = client.list_records(**kwargs, NextToken=page["NextToken"], SyncSessionToken=page["SyncSessionToken"])
        records += page["Records"]
    page["Records"] = records
    return page


def _client(credentials, region):
    import boto3

    if hasattr(credentials, "list_records") and hasattr(credentials, "update_records"):
        return credentials  # a cognito-sync client
    if isinstance(credentials, boto3.Session):
        return credentials.client("cognito-sync", region_name=region)
    if hasattr(credentials, "as_boto3"):
        return boto3.client("cognito-sync", region_name=region, **credentials.as_boto3())
    if isinstance(credentials, dict):
        if "AccessKeyId" in credentials:  # GetCredentialsForIdentity's Credentials
            return boto3.client(
                "cognito-sync", region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretKey"], aws_session_token=credentials.get("SessionToken"),
            )
        if "aws_access_key_id" in credentials:
            return boto3.client("cognito-sync", region_name=region, **credentials)
    raise LabkitError(
        "A Device needs the identity's credentials: the 'Credentials' dict from "
        "cognito_identity.get_credentials_for_identity(...), a boto3.Session, or a cognito-sync client."
    )
