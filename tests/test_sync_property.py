"""Property tests: random interleavings of two or three devices' edits, syncs, races and conflicts always end
with every device equal to the server and no accepted write lost (see ``sync_model.py``).

1,000 runs against Cognito Sync's rules directly (``SyncBackend``, no wire), plus runs through plain boto3
in a sandbox on both transports. Raw moto has no Cognito Sync, so the boto3 runs fail there.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, example, given, settings

import labkit
from labkit.sync.models import SyncBackend
from sync_model import DirectClient, run, scenarios
from sync_support import App, sync_client

POOL = "us-east-1:11111111-1111-4111-8111-111111111111"


class _Clock:
    def time(self):
        return 1.7e9


_identities = itertools.count(1)


# A device that writes the value the server already has, but later, must still push its newer
# DeviceLastModifiedDate, or an older offline edit elsewhere would win under last_writer_wins.
SAME_VALUE_LATER = (3, "last_writer_wins", [("put", 1, "a", "1"), ("sync", 1), ("put", 2, "a", "2"),
                                            ("put", 0, "a", "1"), ("sync", 0)])


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(scenarios())
@example(SAME_VALUE_LATER)
def test_devices_converge_without_losing_writes(scenario):
    """1,000 interleavings against the service's rules (models.SyncBackend), through the same Device code."""
    backend = SyncBackend(clock=_Clock(), random=random.Random(1), account_id="123456789012")
    identity = f"us-east-1:00000000-0000-4000-8000-{next(_identities):012d}"

    def server_records(dataset):
        ds = backend.identities[identity].datasets.get(dataset) if identity in backend.identities else None
        return {r.key: r.value for r in ds.live} if ds else {}

    run(scenario, DirectClient(backend, POOL), POOL, identity, server_records)


@pytest.fixture(scope="module")
def shared():
    with labkit.Sandbox(serve=True) as sb:
        yield sb, App(sb)


_users = itertools.count(1)


@pytest.mark.parametrize("transport", ["in-process", "http"])
def test_devices_converge_through_boto3(shared, transport):
    """The same property through plain boto3 cognito-sync calls, signed with the user's own credentials."""
    sb, app = shared

    @settings(max_examples=30 if transport == "in-process" else 10, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def check(scenario):
        identity_id, creds = app.user(f"{transport}-{next(_users)}@example.com")
        client = sync_client(creds, sb.endpoint_url if transport == "http" else None)
        developer = sync_client()

        def server_records(dataset):
            out = developer.list_records(IdentityPoolId=app.pool_id, IdentityId=identity_id, DatasetName=dataset)
            return {r["Key"]: r["Value"] for r in out["Records"] if "Value" in r}

        run(scenario, client, app.pool_id, identity_id, server_records, start=sb.clock.time())

    check()
