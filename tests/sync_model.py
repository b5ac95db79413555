"""The random-interleaving model shared by the Cognito Sync property tests.

A run is a list of steps by two or three devices of one identity: local edits (put/remove), syncs, going
offline/online, and *races* (another device writes and syncs between a device's pull and its push, so
that the push meets ResourceConflictException). After the run every device comes online and syncs twice.
Then:

1. every device holds exactly the server's records;
2. the server's records are the fold of every write it accepted (UpdateRecords answers), in sync-count
   order: no accepted write is lost or reordered;
3. with ``last_writer_wins``, each key holds the value of the latest edit made on any device (or is
   absent when that edit was a removal): no edit is lost to an older one.
"""

from __future__ import annotations

import datetime as dt
import itertools

from botocore.exceptions import ClientError
from hypothesis import strategies as st

from labkit.devices import Device, DeviceOffline
from labkit.errors import ServiceError

KEYS = ("a", "b", "c")
VALUES = ("1", "2", "3", "4")
RESOLVERS = ("last_writer_wins", "keep_remote", "keep_local", "merge_max")


def merge_max(key, local, remote):
    """A custom resolver: the larger value wins, a removal loses to any value."""
    return max(v for v in (local.value, remote.value) if v is not None) if (local.value or remote.value) else None


def steps(n_devices: int):
    dev = st.integers(0, n_devices - 1)
    return st.lists(st.one_of(
        st.tuples(st.just("put"), dev, st.sampled_from(KEYS), st.sampled_from(VALUES)),
        st.tuples(st.just("remove"), dev, st.sampled_from(KEYS)),
        st.tuples(st.just("sync"), dev),
        st.tuples(st.just("race"), dev, dev, st.sampled_from(KEYS), st.sampled_from(VALUES)),
        st.tuples(st.just("offline"), dev, st.booleans()),
    ), max_size=25)


_STEPS = {n: steps(n) for n in (2, 3)}  # built once: hypothesis caches a strategy object's work


def scenarios():
    """(number of devices, resolver, steps)."""
    return st.one_of(*(st.tuples(st.just(n), st.sampled_from(RESOLVERS), _STEPS[n]) for n in (2, 3)))


class Recorder:
    """Wraps a cognito-sync client and keeps every record the server accepted."""

    def __init__(self, client):
        self.client = client
        self.accepted = []  # (SyncCount, Key, Value or None)

    def list_records(self, **kw):
        return self.client.list_records(**kw)

    def update_records(self, **kw):
        out = self.client.update_records(**kw)
        self.accepted += [(r["SyncCount"], r["Key"], r.get("Value")) for r in out["Records"]]
        return out


class DirectClient:
    """The same two calls straight into a SyncBackend (no wire, no boto3): fast enough for 1,000s of runs.
    Raises botocore's ClientError as boto3 would, so that the Device cannot tell the difference."""

    def __init__(self, backend, pool_id):
        self.backend = backend
        self.pool_id = pool_id

    def _call(self, name, fn, *args):
        try:
            return fn(*args)
        except ServiceError as err:
            raise ClientError({"Error": {"Code": err.code, "Message": err.message},
                               "ResponseMetadata": {"HTTPStatusCode": err.status}}, name) from None

    def list_records(self, IdentityPoolId, IdentityId, DatasetName, LastSyncCount=None, NextToken=None,
                     MaxResults=None, SyncSessionToken=None):
        return self._call("ListRecords", self.backend.list_records, IdentityPoolId, IdentityId, DatasetName,
                          LastSyncCount, NextToken, MaxResults, SyncSessionToken)

    def update_records(self, IdentityPoolId, IdentityId, DatasetName, SyncSessionToken, RecordPatches=(), DeviceId=None):
        patches = [dict(p, DeviceLastModifiedDate=p["DeviceLastModifiedDate"].timestamp())
                   if isinstance(p.get("DeviceLastModifiedDate"), dt.datetime) else dict(p) for p in RecordPatches]
        return self._call("UpdateRecords", self.backend.update_records, IdentityPoolId, IdentityId, DatasetName,
                          SyncSessionToken, patches, DeviceId)


def run(scenario, client, pool_id: str, identity_id: str, server_records, dataset: str = "notes", start: float = 1.7e9):
    """Play ``scenario`` on devices sharing ``client``; check the three properties. Returns counters."""
    n, resolver, plan = scenario
    tick = itertools.count(1)
    clock = lambda: start + next(tick)  # one clock for all devices, whole seconds: edits are totally ordered
    recorder = Recorder(client)
    devices = [Device(f"d{i}", recorder, pool_id, identity_id, clock=clock,
                      resolver=merge_max if resolver == "merge_max" else resolver) for i in range(n)]
    edits = []  # (time, key, value) of every local edit on any device
    stats = {"conflicts": 0, "retries": 0, "offline_refusals": 0}

    def edit(device, key, value):
        if value is None:
            device.remove(dataset, key)
        else:
            device.put(dataset, key, value)
        edits.append((device._local(dataset, key)[2], key, value))

    def sync(device):
        result = device.sync(dataset)
        stats["conflicts"] += len(result.conflicts)
        stats["retries"] += result.retries

    for step in plan:
        kind, d = step[0], devices[step[1]]
        if kind == "put":
            edit(d, step[2], step[3])
        elif kind == "remove":
            edit(d, step[2], None)
        elif kind == "offline":
            d.offline = step[2]
        elif kind == "sync" or kind == "race":
            if kind == "race" and step[2] != step[1]:
                other, key, value = devices[step[2]], step[3], step[4]

                def racer(other=other, key=key, value=value, d=d):
                    d.before_push.clear()
                    edit(other, key, value)
                    if not other.offline:
                        sync(other)

                d.before_push.append(racer)
            try:
                sync(d)
            except DeviceOffline:
                stats["offline_refusals"] += 1
            d.before_push.clear()

    for d in devices:
        d.offline = False
    for _ in range(2):
        for d in devices:
            sync(d)

    server = server_records(dataset)
    for d in devices:
        assert d.records(dataset) == server, (d.name, d.records(dataset), server)
        assert d.pending(dataset) == {}
    folded = {}
    for _, key, value in sorted(recorder.accepted):
        folded[key] = value
    assert {k: v for k, v in folded.items() if v is not None} == server
    if resolver == "last_writer_wins":
        latest = {}
        for when, key, value in sorted(edits):
            latest[key] = value
        assert {k: v for k, v in latest.items() if v is not None} == server, (latest, server)
    for d in devices:
        d.close()
    return stats
