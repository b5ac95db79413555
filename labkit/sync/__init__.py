"""Amazon Cognito Sync in the sandbox: key/value datasets per identity, synced across a user's devices.

moto has no Cognito Sync at all (every call is a 404), yet boto3 still ships the ``cognito-sync`` client.
This component answers all 17 operations of its 2014-06-30 API over both transports, with AWS's rules,
limits and errors. AWS closed Cognito Sync to new customers and points to AWS AppSync or Amazon DynamoDB;
:mod:`labkit.devices` shows both the classic client pattern and the DynamoDB replacement.

Rooms, as in moto: ``models`` (state and rules), ``access`` (which credentials reach which data),
``directory`` (which identity pools and identities exist), ``responses`` (the REST wire),
``service`` (the request's path through them), ``exceptions`` (AWS's error names).
"""

from __future__ import annotations

from .. import moto_adapter
from .directory import Directory
from .models import SyncBackend
from .responses import name_operation, routes
from .service import CognitoSyncService

__all__ = ["install", "SyncComponent", "SyncBackend", "routes"]


class SyncComponent:
    """What ``sb.components["sync"]`` holds: the service and its state."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.backend = SyncBackend(clock=sandbox.clock, random=sandbox.random, account_id=sandbox.account_id)
        self.directory = Directory(sandbox)
        self.service = CognitoSyncService(sandbox, self.backend, self.directory)
        self.backend.listeners.append(self._push_sync)
        self.backend.listeners.append(self._cognito_streams)
        self.backend.stream_exists = self._stream_exists

    def _push_sync(self, event, identity, dataset, records, device_id=None):
        """Push sync: a silent notification to every other device subscribed to the changed dataset
        (delivered to the device's push token in the sandbox's post office)."""
        if event not in ("update", "delete"):
            return
        from ..inbox import Message

        for device in self.backend.devices.values():
            if device.identity_id == identity.identity_id and dataset.name in device.subscriptions and device.device_id != device_id:
                self.sandbox.post_office.deliver(Message(
                    to=device.token,
                    medium="PUSH",
                    subject="",
                    body=f'{{"source":"cognito-sync","type":"SyncTrigger","identityPoolId":"{identity.pool_id}",'
                         f'"identityId":"{identity.identity_id}","datasetName":"{dataset.name}",'
                         f'"syncCount":{dataset.sync_count}}}',
                    purpose="push-sync",
                    sent_at=self.sandbox.clock.time(),
                ))


    # ------------------------------------------------------------------ Cognito Streams -> Kinesis (moto)
    def _kinesis_stream(self, pool_id: str, name: str):
        region = pool_id.split(":", 1)[0]
        try:
            return moto_adapter.backend("kinesis", self.sandbox.account_id, region).describe_stream(stream_arn=None, stream_name=name)
        except Exception:
            return None

    def _stream_exists(self, pool_id: str, name: str) -> bool:
        return self._kinesis_stream(pool_id, name) is not None

    def _cognito_streams(self, event, identity, dataset, records, device_id=None):
        """Cognito Streams: each synchronization (and each dataset at a bulk publish) becomes one Kinesis
        record in the pool's stream, in the format of "Implementing Amazon Cognito Sync streams"
        (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-streams.html)."""
        import base64
        import json

        if event not in ("update", "bulk") or not records:
            return
        settings = self.backend.pools.get(identity.pool_id)
        streams = (settings.cognito_streams or {}) if settings else {}
        if streams.get("StreamingStatus") != "ENABLED" or not streams.get("StreamName"):
            return
        stream = self._kinesis_stream(identity.pool_id, streams["StreamName"])
        if stream is None:
            return
        ms = lambda t: int(round(t * 1000))
        ops = {"remove" if r.value is None else "replace" for r in records}
        payload = {
            "identityPoolId": identity.pool_id,
            "identityId": identity.identity_id,
            "dataSetName": dataset.name,
            "operation": ops.pop() if len(ops) == 1 else "replace",
            "kinesisSyncRecords": [
                {"key": r.key, "value": r.value, "syncCount": r.sync_count, "lastModifiedDate": ms(r.last_modified),
                 "deviceLastModifiedDate": ms(r.device_last_modified), "op": "remove" if r.value is None else "replace"}
                for r in records
            ],
            "lastModifiedDate": ms(dataset.last_modified),
            "kinesisSyncRecordsURL": None,
            "payloadType": "Inline",
            "syncCount": dataset.sync_count,
        }
        data = base64.b64encode(json.dumps(payload).encode()).decode()
        stream.put_record(partition_key=identity.identity_id, explicit_hash_key=None, data=data)


def install(sandbox) -> SyncComponent:
    component = SyncComponent(sandbox)
    sandbox.dispatcher.register(component.service)
    sandbox.dispatcher.routes.append(name_operation)
    return component
