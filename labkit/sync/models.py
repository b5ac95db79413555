"""Cognito Sync's state and rules: datasets of key/value records per identity, kept in step by sync counts.

Nothing here knows HTTP or who is calling (see ``access.py`` and ``responses.py``). The rules follow the
Amazon Cognito Sync API Reference (https://docs.aws.amazon.com/cognitosync/latest/APIReference/) and the
developer guide's "Synchronizing data" (https://docs.aws.amazon.com/cognito/latest/developerguide/synchronizing-data.html):

* A dataset belongs to one identity; it holds up to 1 MB of key/value pairs and an identity up to 20 datasets
  (the API Reference's service overview). Up to 1024 records per dataset is the old Cognito Sync quota the
  lab uses; the current API Reference no longer states it. A dataset is created by the first UpdateRecords
  that names it.
* Every successful UpdateRecords raises the dataset's sync count by one; every record it writes takes that
  new count as its own ``SyncCount``. ``ListRecords(LastSyncCount=n)`` therefore returns exactly the
  records changed after the caller's last sync.
* A patch carries the last sync count its sender saw for that record (0 for a new record). If the record
  has moved on since, the whole request is refused with ResourceConflictException
  ``Current SyncCount for: <key> is: N not: M`` and nothing is written.
* ``remove`` keeps the record as a tombstone (no ``Value``) so that other devices learn of the removal.
* UpdateRecords needs the SyncSessionToken from a ListRecords of the same identity and dataset.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field

from .exceptions import (
    AlreadyStreamedException,
    DuplicateRequestException,
    InvalidConfigurationException,
    InvalidParameterException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)

# The service overview's limits, the old quota on records, and the API model's shape constraints.
MAX_DATASETS_PER_IDENTITY = 20
MAX_DATASET_BYTES = 1024 * 1024
MAX_RECORDS_PER_DATASET = 1024
MAX_KEY_LENGTH = 1024
MAX_VALUE_LENGTH = 1048575
DATASET_NAME = re.compile(r"^[a-zA-Z0-9_.:-]{1,128}$")
NAMESPACED_GUID = re.compile(r"^[\w-]+:[0-9a-f-]+$")
ROLE_ARN = re.compile(r"^arn:aws:iam::\d+:role/.*$")
PLATFORMS = ("APNS", "APNS_SANDBOX", "GCM", "ADM")
EVENT_TYPES = ("SyncTrigger",)
SYNC_SESSION_SECONDS = 3600  # AWS does not document a SyncSessionToken's lifetime: labkit's choice
BULK_PUBLISH_EVERY_SECONDS = 24 * 3600  # BulkPublish: "limited to one successful bulk publish per 24 hours"


@dataclass
class Record:
    key: str
    value: str | None  # None: removed (a tombstone other devices sync)
    sync_count: int
    last_modified: float
    last_modified_by: str
    device_last_modified: float

    def to_api(self) -> dict:
        out = {
            "Key": self.key,
            "SyncCount": self.sync_count,
            "LastModifiedDate": self.last_modified,
            "LastModifiedBy": self.last_modified_by,
            "DeviceLastModifiedDate": self.device_last_modified,
        }
        if self.value is not None:
            out["Value"] = self.value
        return out


@dataclass
class Dataset:
    identity_id: str
    name: str
    created: float
    last_modified: float
    last_modified_by: str
    sync_count: int = 0
    records: dict[str, Record] = field(default_factory=dict)
    merged_names: list[str] = field(default_factory=list)

    @property
    def live(self) -> list[Record]:
        return [r for r in self.records.values() if r.value is not None]

    @property
    def data_storage(self) -> int:
        """Total size in bytes of the records (keys and values, UTF-8)."""
        return sum(_size(r.key, r.value) for r in self.live)

    def to_api(self) -> dict:
        return {
            "IdentityId": self.identity_id,
            "DatasetName": self.name,
            "CreationDate": self.created,
            "LastModifiedDate": self.last_modified,
            "LastModifiedBy": self.last_modified_by,
            "DataStorage": self.data_storage,
            "NumRecords": len(self.live),
        }


@dataclass
class Identity:
    pool_id: str
    identity_id: str
    datasets: dict[str, Dataset] = field(default_factory=dict)
    # Sync counts at which datasets were deleted, per name: counts never go back, so a device that
    # synced before the deletion is told (DatasetDeletedAfterRequestedSyncCount).
    deleted_at: dict[str, list[int]] = field(default_factory=dict)
    last_modified: float | None = None


@dataclass
class SyncSession:
    token: str
    pool_id: str
    identity_id: str
    dataset: str
    expires: float


@dataclass
class Device:
    device_id: str
    pool_id: str
    identity_id: str
    platform: str
    token: str
    subscriptions: set = field(default_factory=set)


@dataclass
class PoolSettings:
    """What Cognito Sync keeps per identity pool: push sync, streams, events, bulk publish."""

    pool_id: str
    push_sync: dict | None = None
    cognito_streams: dict | None = None
    events: dict = field(default_factory=dict)
    sync_sessions: int = 0
    last_modified: float | None = None
    bulk_status: str = "NOT_STARTED"
    bulk_started: float | None = None
    bulk_completed: float | None = None
    bulk_failure: str | None = None


def _size(key: str, value: str | None) -> int:
    return len(key.encode("utf-8")) + len((value or "").encode("utf-8"))


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except Exception:
        raise InvalidParameterException("Invalid pagination token") from None


def _page(items: list, next_token: str | None, max_results: int | None, default: int):
    if max_results is not None and max_results < 1:
        raise InvalidParameterException("MaxResults must be greater than 0")
    size = max_results or default
    start = _page_offset(next_token)
    page = items[start : start + size]
    more = _page_token(start + size) if start + size < len(items) else None
    return page, more


def check_dataset_name(name: str) -> None:
    if not isinstance(name, str) or not DATASET_NAME.match(name):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{name}' at 'datasetName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+ and have length between 1 and 128"
        )


def check_guid(value: str, what: str) -> None:
    if not isinstance(value, str) or not (1 <= len(value) <= 55) or not NAMESPACED_GUID.match(value):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at '{what}' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
        )


class SyncBackend:
    """All Cognito Sync data of one sandbox (every identity pool of its account)."""

    def __init__(self, *, clock, random, account_id: str):
        self.clock = clock
        self.random = random
        self.account_id = account_id
        self.identities: dict[str, Identity] = {}
        self.sessions: dict[str, SyncSession] = {}
        self.devices: dict[str, Device] = {}
        self.pools: dict[str, PoolSettings] = {}
        self.listeners: list = []  # fn(event: str, identity: Identity, dataset: Dataset, records) after writes
        self.stream_exists = lambda pool_id, name: True  # the component asks Kinesis

    # ------------------------------------------------------------------ state helpers
    def now(self) -> float:
        return self.clock.time()

    def identity(self, pool_id: str, identity_id: str) -> Identity:
        ident = self.identities.get(identity_id)
        if ident is None:
            ident = self.identities[identity_id] = Identity(pool_id, identity_id)
        return ident

    def pool(self, pool_id: str) -> PoolSettings:
        settings = self.pools.get(pool_id)
        if settings is None:
            settings = self.pools[pool_id] = PoolSettings(pool_id)
        return settings

    def _dataset(self, pool_id: str, identity_id: str, name: str) -> Dataset:
        check_dataset_name(name)
        ds = self.identity(pool_id, identity_id).datasets.get(name)
        if ds is None:
            raise ResourceNotFoundException(f"Dataset {name} for identity {identity_id} not found.")
        return ds

    def _random_id(self) -> str:
        h = "%032x" % self.random.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    # ------------------------------------------------------------------ datasets
    def list_datasets(self, pool_id, identity_id, next_token=None, max_results=None) -> dict:
        datasets = sorted(self.identity(pool_id, identity_id).datasets.values(), key=lambda d: d.created)
        page, more = _page([d.to_api() for d in datasets], next_token, max_results, MAX_DATASETS_PER_IDENTITY)
        out = {"Datasets": page, "Count": len(page)}
        if more:
            out["NextToken"] = more
        return out

    def describe_dataset(self, pool_id, identity_id, name) -> dict:
        return {"Dataset": self._dataset(pool_id, identity_id, name).to_api()}

    def delete_dataset(self, pool_id, identity_id, name) -> dict:
        ds = self._dataset(pool_id, identity_id, name)
        ident = self.identity(pool_id, identity_id)
        del ident.datasets[name]
        # The deletion itself takes a sync count: the name's counts keep rising if it is created again.
        ident.deleted_at.setdefault(name, []).append(ds.sync_count + 1)
        ident.last_modified = self.now()
        self.pool(pool_id).last_modified = self.now()
        self._notify("delete", ident, ds, [])
        return {"Dataset": ds.to_api()}

    def _base_count(self, ident: Identity, name: str) -> int:
        deleted = ident.deleted_at.get(name)
        return deleted[-1] if deleted else 0

    # ------------------------------------------------------------------ records
    def list_records(self, pool_id, identity_id, name, last_sync_count=None, next_token=None, max_results=None,
                     sync_session_token=None) -> dict:
        """ListRecords: the records changed after ``last_sync_count`` and a SyncSessionToken for UpdateRecords."""
        check_dataset_name(name)
        ident = self.identity(pool_id, identity_id)
        ds = ident.datasets.get(name)
        last = int(last_sync_count or 0)
        if last < 0:
            raise InvalidParameterException("LastSyncCount must not be negative")
        current = ds.sync_count if ds else self._base_count(ident, name)
        if last > current:
            raise InvalidParameterException(f"No such SyncCount: {last} exists for this Dataset")
        if sync_session_token:
            session = self._session(sync_session_token, pool_id, identity_id, name)
        else:
            session = self._new_session(pool_id, identity_id, name)
        changed = []
        if ds is not None:
            changed = sorted((r for r in ds.records.values() if r.sync_count > last), key=lambda r: (r.sync_count, r.key))
        page, more = _page([r.to_api() for r in changed], next_token, max_results, MAX_RECORDS_PER_DATASET)
        deleted_after = last > 0 and any(d > last for d in ident.deleted_at.get(name, []))
        out = {
            "Records": page,
            "Count": len(page),
            "DatasetSyncCount": current,
            "DatasetExists": ds is not None,
            "DatasetDeletedAfterRequestedSyncCount": deleted_after,
            "SyncSessionToken": session.token,
        }
        if ds is not None:
            out["LastModifiedBy"] = ds.last_modified_by
            if ds.merged_names:  # absent (null) otherwise, as in the API Reference's example
                out["MergedDatasetNames"] = list(ds.merged_names)
        if more:
            out["NextToken"] = more
        return out

    def _new_session(self, pool_id, identity_id, name) -> SyncSession:
        token = base64.b64encode(f"{self._random_id()}|{identity_id}|{name}".encode()).decode()
        session = SyncSession(token, pool_id, identity_id, name, self.now() + SYNC_SESSION_SECONDS)
        self.sessions[token] = session
        self.pool(pool_id).sync_sessions += 1
        return session

    def _session(self, token, pool_id, identity_id, name) -> SyncSession:
        session = self.sessions.get(token or "")
        if session is None or (session.pool_id, session.identity_id, session.dataset) != (pool_id, identity_id, name):
            raise InvalidParameterException("SyncSessionToken not valid for these inputs")
        if self.now() >= session.expires:
            raise InvalidParameterException("SyncSessionToken has expired; call ListRecords for a new one")
        return session

    def update_records(self, pool_id, identity_id, name, sync_session_token, record_patches=None, device_id=None,
                       modified_by: str | None = None) -> dict:
        """UpdateRecords: apply every patch or none (conflicts, limits)."""
        check_dataset_name(name)
        if not sync_session_token:
            raise InvalidParameterException("SyncSessionToken is required")
        self._session(sync_session_token, pool_id, identity_id, name)
        patches = list(record_patches or [])
        seen = set()
        for p in patches:
            op, key = p.get("Op"), p.get("Key")
            if op not in ("replace", "remove"):
                raise InvalidParameterException(
                    f"1 validation error detected: Value '{op}' at 'recordPatches.member.op' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [replace, remove]"
                )
            if not isinstance(key, str) or not (1 <= len(key) <= MAX_KEY_LENGTH):
                raise InvalidParameterException(
                    "1 validation error detected: Value at 'recordPatches.member.key' failed to satisfy "
                    f"constraint: Member must have length between 1 and {MAX_KEY_LENGTH}"
                )
            value = p.get("Value")
            if value is not None and len(value) > MAX_VALUE_LENGTH:
                raise InvalidParameterException(
                    "1 validation error detected: Value at 'recordPatches.member.value' failed to satisfy "
                    f"constraint: Member must have length less than or equal to {MAX_VALUE_LENGTH}"
                )
            if op == "replace" and value is None:
                raise InvalidParameterException(f"A replace patch needs a Value (key: {key})")
            if "SyncCount" not in p or not isinstance(p["SyncCount"], int) or p["SyncCount"] < 0:
                raise InvalidParameterException(f"Every record patch needs a SyncCount of 0 or more (key: {key})")
            if key in seen:
                raise InvalidParameterException(f"Duplicate key in record patches: {key}")
            seen.add(key)

        ident = self.identity(pool_id, identity_id)
        ds = ident.datasets.get(name)
        now = self.now()
        # 1. Conflicts: the sender's SyncCount must be the record's current one (0 for a record never written).
        for p in patches:
            current = ds.records[p["Key"]].sync_count if ds and p["Key"] in ds.records else 0
            if p["SyncCount"] != current:
                raise ResourceConflictException(f"Current SyncCount for: {p['Key']} is: {current} not: {p['SyncCount']}")
        # 2. Limits, on the dataset as it would be.
        if ds is None and len(ident.datasets) >= MAX_DATASETS_PER_IDENTITY:
            raise LimitExceededException(
                f"Identity {identity_id} already has {MAX_DATASETS_PER_IDENTITY} datasets, the maximum per identity"
            )
        after = {r.key: r.value for r in (ds.live if ds else [])}
        for p in patches:
            if p["Op"] == "replace":
                after[p["Key"]] = p["Value"]
            else:
                after.pop(p["Key"], None)
        if len(after) > MAX_RECORDS_PER_DATASET:
            raise LimitExceededException(
                f"Dataset {name} would hold {len(after)} records; a dataset holds at most {MAX_RECORDS_PER_DATASET}"
            )
        size = sum(_size(k, v) for k, v in after.items())
        if size > MAX_DATASET_BYTES:
            raise LimitExceededException(
                f"Dataset {name} would hold {size} bytes; a dataset holds at most {MAX_DATASET_BYTES} bytes (1 MB)"
            )
        # 3. Apply. LastModifiedBy: AWS does not document its content (ClientContext, meant to name the device,
        # "is not yet implemented"); labkit records the account, as for developer writes.
        by = modified_by or self.account_id
        if ds is None:
            base = self._base_count(ident, name)
            ds = Dataset(identity_id, name, created=now, last_modified=now, last_modified_by=by, sync_count=base)
            ident.datasets[name] = ds
        written = []
        effective = patches  # a removal of a record never written still leaves a tombstone
        if effective:
            ds.sync_count += 1
            for p in effective:
                dlm = p.get("DeviceLastModifiedDate")
                rec = Record(
                    key=p["Key"],
                    value=p.get("Value") if p["Op"] == "replace" else None,
                    sync_count=ds.sync_count,
                    last_modified=now,
                    last_modified_by=by,
                    device_last_modified=float(dlm) if dlm is not None else now,
                )
                ds.records[rec.key] = rec
                written.append(rec)
            ds.last_modified = now
            ds.last_modified_by = by
        ident.last_modified = now
        self.pool(pool_id).last_modified = now
        if written:
            self._notify("update", ident, ds, written, device_id)
        return {"Records": [r.to_api() for r in written]}

    # ------------------------------------------------------------------ usage
    def describe_identity_usage(self, pool_id, identity_id) -> dict:
        ident = self.identity(pool_id, identity_id)
        usage = {
            "IdentityId": identity_id,
            "IdentityPoolId": pool_id,
            "DatasetCount": len(ident.datasets),
            "DataStorage": sum(d.data_storage for d in ident.datasets.values()),
        }
        if ident.last_modified is not None:
            usage["LastModifiedDate"] = ident.last_modified
        return {"IdentityUsage": usage}

    def pool_usage(self, pool_id) -> dict:
        settings = self.pool(pool_id)
        usage = {
            "IdentityPoolId": pool_id,
            "SyncSessionsCount": settings.sync_sessions,
            "DataStorage": sum(
                d.data_storage for i in self.identities.values() if i.pool_id == pool_id for d in i.datasets.values()
            ),
        }
        if settings.last_modified is not None:
            usage["LastModifiedDate"] = settings.last_modified
        return usage

    def describe_identity_pool_usage(self, pool_id) -> dict:
        return {"IdentityPoolUsage": self.pool_usage(pool_id)}

    def list_identity_pool_usage(self, pool_ids: list[str], next_token=None, max_results=None) -> dict:
        usages = [self.pool_usage(p) for p in pool_ids]
        page, more = _page(usages, next_token, max_results, 60)
        out = {"IdentityPoolUsages": page, "MaxResults": max_results or 60, "Count": len(page)}
        if more:
            out["NextToken"] = more
        return out

    # ------------------------------------------------------------------ pool configuration
    def get_identity_pool_configuration(self, pool_id) -> dict:
        s = self.pool(pool_id)
        out = {"IdentityPoolId": pool_id}
        if s.push_sync is not None:
            out["PushSync"] = dict(s.push_sync)
        if s.cognito_streams is not None:
            out["CognitoStreams"] = dict(s.cognito_streams)
        return out

    def set_identity_pool_configuration(self, pool_id, push_sync=None, cognito_streams=None) -> dict:
        s = self.pool(pool_id)
        if push_sync is not None:
            arns = push_sync.get("ApplicationArns", [])
            for arn in arns:
                if not (isinstance(arn, str) and arn.startswith("arn:aws:sns:") and ":app/" in arn):
                    raise InvalidParameterException(f"Invalid SNS platform application ARN: {arn}")
            role = push_sync.get("RoleArn")
            if role is not None:
                _check_role(role, "pushSync.roleArn")
            s.push_sync = {k: v for k, v in (("ApplicationArns", list(arns)), ("RoleArn", role)) if v is not None}
        if cognito_streams is not None:
            name = cognito_streams.get("StreamName")
            if name is not None and not (1 <= len(name) <= 128):
                raise InvalidParameterException("StreamName must have length between 1 and 128")
            role = cognito_streams.get("RoleArn")
            if role is not None:
                _check_role(role, "cognitoStreams.roleArn")
            status = cognito_streams.get("StreamingStatus", "ENABLED")
            if status not in ("ENABLED", "DISABLED"):
                raise InvalidParameterException(
                    f"1 validation error detected: Value '{status}' at 'cognitoStreams.streamingStatus' failed to "
                    "satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
                )
            s.cognito_streams = {k: v for k, v in (("StreamName", name), ("RoleArn", role), ("StreamingStatus", status)) if v is not None}
        return self.get_identity_pool_configuration(pool_id)

    # ------------------------------------------------------------------ push sync
    def register_device(self, pool_id, identity_id, platform, token) -> dict:
        if platform not in PLATFORMS:
            raise InvalidParameterException(
                f"1 validation error detected: Value '{platform}' at 'platform' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(PLATFORMS)}]"
            )
        if not token:
            raise InvalidParameterException("Token is required")
        push = self.pool(pool_id).push_sync
        if not push or not push.get("ApplicationArns"):
            raise InvalidConfigurationException(
                f"Identity pool {pool_id} is not configured for push sync (SetIdentityPoolConfiguration PushSync)"
            )
        for device in self.devices.values():
            if (device.identity_id, device.platform, device.token) == (identity_id, platform, token):
                return {"DeviceId": device.device_id}
        device = Device(self._random_id(), pool_id, identity_id, platform, token)
        self.devices[device.device_id] = device
        return {"DeviceId": device.device_id}

    def _device(self, identity_id, device_id) -> Device:
        device = self.devices.get(device_id)
        if device is None or device.identity_id != identity_id:
            raise ResourceNotFoundException(f"Device {device_id} is not registered for identity {identity_id}")
        return device

    def subscribe_to_dataset(self, pool_id, identity_id, name, device_id) -> dict:
        check_dataset_name(name)
        self._device(identity_id, device_id).subscriptions.add(name)
        return {}

    def unsubscribe_from_dataset(self, pool_id, identity_id, name, device_id) -> dict:
        check_dataset_name(name)
        self._device(identity_id, device_id).subscriptions.discard(name)
        return {}

    # ------------------------------------------------------------------ events and streams
    def get_cognito_events(self, pool_id) -> dict:
        return {"Events": dict(self.pool(pool_id).events)}

    def set_cognito_events(self, pool_id, events) -> dict:
        if not isinstance(events, dict) or len(events) > 1:
            raise InvalidParameterException("Events holds at most one entry: {\"SyncTrigger\": <Lambda ARN>}")
        s = self.pool(pool_id)
        for kind, arn in events.items():
            if kind not in EVENT_TYPES:
                raise InvalidParameterException(f"Unknown event type {kind}; Cognito Sync knows: SyncTrigger")
            if arn:
                if not re.match(r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$", arn):
                    raise InvalidParameterException(f"Invalid Lambda function ARN: {arn}")
                s.events[kind] = arn
            else:
                s.events.pop(kind, None)  # "To remove a key value pair, pass a empty value"
        return {}

    def bulk_publish(self, pool_id) -> dict:
        s = self.pool(pool_id)
        now = self.now()
        if s.bulk_status == "IN_PROGRESS":
            raise DuplicateRequestException(f"A bulk publish is already in progress for {pool_id}")
        if s.bulk_status == "SUCCEEDED" and s.bulk_completed is not None and now - s.bulk_completed < BULK_PUBLISH_EVERY_SECONDS:
            raise AlreadyStreamedException(
                f"Identity pool {pool_id} was bulk published less than 24 hours ago; one bulk publish per 24 hours"
            )
        s.bulk_started = now
        streams = s.cognito_streams or {}
        if not streams.get("StreamName") or streams.get("StreamingStatus") != "ENABLED":
            s.bulk_status, s.bulk_completed = "FAILED", now
            s.bulk_failure = "Cognito Streams is not enabled for this identity pool (SetIdentityPoolConfiguration CognitoStreams)"
        elif not self.stream_exists(pool_id, streams["StreamName"]):
            s.bulk_status, s.bulk_completed = "FAILED", now
            s.bulk_failure = f"Kinesis stream {streams['StreamName']} was not found in the identity pool's account and region"
        else:
            s.bulk_status, s.bulk_completed, s.bulk_failure = "SUCCEEDED", now, None
            for ident in self.identities.values():
                if ident.pool_id == pool_id:
                    for ds in ident.datasets.values():
                        self._notify("bulk", ident, ds, list(ds.records.values()))
        return {"IdentityPoolId": pool_id}

    def get_bulk_publish_details(self, pool_id) -> dict:
        s = self.pool(pool_id)
        out = {"IdentityPoolId": pool_id, "BulkPublishStatus": s.bulk_status}
        if s.bulk_started is not None:
            out["BulkPublishStartTime"] = s.bulk_started
        if s.bulk_completed is not None:
            out["BulkPublishCompleteTime"] = s.bulk_completed
        if s.bulk_failure:
            out["FailureMessage"] = s.bulk_failure
        return out

    # ------------------------------------------------------------------ identity merges
    def merge_identity(self, pool_id: str, source_identity: str, target_identity: str) -> None:
        """When Cognito Identity merges two identities, the source's datasets move to the target as
        ``<name>.<source identity id>`` and the target's same-named dataset lists them in MergedDatasetNames."""
        src = self.identities.pop(source_identity, None)
        if src is None:
            return
        target = self.identity(pool_id, target_identity)
        now = self.now()
        for name, ds in src.datasets.items():
            merged = f"{name}.{source_identity}"
            ds.identity_id, ds.name = target_identity, merged
            target.datasets[merged] = ds
            if name in target.datasets:
                target.datasets[name].merged_names.append(merged)
        target.last_modified = now

    def _notify(self, event, ident, ds, records, device_id=None):
        for listener in list(self.listeners):
            listener(event, ident, ds, records, device_id)


def _check_role(arn: str, where: str) -> None:
    if not isinstance(arn, str) or not (20 <= len(arn) <= 2048) or not ROLE_ARN.match(arn):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{arn}' at '{where}' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: arn:aws:iam::\\d+:role/.*"
        )
