"""The ``cognito-sync`` Service: who calls, on what, and which backend method answers.

Order per request (as AWS's API Reference describes the checks): input constraints of the URI labels
(InvalidParameterException), the caller's credentials (``access.identify``: unsigned, unknown or expired
keys), what those credentials may do (``access.authorize``: NotAuthorizedException), then whether the
identity pool and identity exist (ResourceNotFoundException), then the operation itself (``models``).
"""

from __future__ import annotations

from ..errors import ServiceError
from ..wire.dispatch import Service, operation
from ..wire.request import Request, Response
from . import access, responses
from .directory import Directory
from .exceptions import ResourceNotFoundException
from .models import SyncBackend, check_dataset_name, check_guid


class CognitoSyncService(Service):
    signing_name = responses.SIGNING_NAME
    protocol = "rest-json"

    def __init__(self, sandbox, backend: SyncBackend, directory: Directory):
        super().__init__(sandbox)
        self.backend = backend
        self.directory = directory

    # ------------------------------------------------------------------ the wire in and out
    def handle(self, request: Request) -> Response | None:
        route = responses.match(request)
        try:
            if route is None:
                raise responses.UnknownOperationException(request)
            request.operation = route.operation
            params = responses.read_params(request, route)
            self._admit(route.operation, params, request)
            result = self.operations[route.operation](params, self.context(request))
        except ServiceError as err:
            return responses.error(err)
        return responses.answer(result)

    def _admit(self, op: str, params: dict, request: Request) -> access.Caller:
        pool_id, identity_id = params.get("IdentityPoolId"), params.get("IdentityId")
        if pool_id is not None:
            check_guid(pool_id, "identityPoolId")
        if identity_id is not None:
            check_guid(identity_id, "identityId")
        if "DatasetName" in params:
            check_dataset_name(params["DatasetName"])
        caller = access.identify(self.sandbox, request.access_key)
        pool = self.directory.pool(pool_id) if pool_id else None
        allows_guests = self.directory.allows_guests(pool) if pool is not None else True
        access.authorize(caller, op, pool_id, identity_id, allows_guests)
        if pool_id is not None and pool is None:
            raise ResourceNotFoundException(f"IdentityPool '{pool_id}' not found.")
        if identity_id is not None and not self._identity_exists(caller, pool_id, identity_id):
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        return caller

    def _identity_exists(self, caller, pool_id, identity_id) -> bool:
        if self.directory.identity_in_pool(pool_id, identity_id):
            return True
        # Credentials Cognito Identity issued for this very identity of this pool prove it exists.
        return caller.identity_id == identity_id and caller.pool_id in (None, pool_id)

    # ------------------------------------------------------------------ operations
    # Each ``operation(params, ctx)``: the request's parameters (admitted by ``_admit``), the backend's answer.
    @operation("ListDatasets")
    def list_datasets(self, params, ctx):
        return self.backend.list_datasets(params["IdentityPoolId"], params["IdentityId"], params.get("NextToken"), params.get("MaxResults"))

    @operation("DescribeDataset")
    def describe_dataset(self, params, ctx):
        return self.backend.describe_dataset(params["IdentityPoolId"], params["IdentityId"], params["DatasetName"])

    @operation("DeleteDataset")
    def delete_dataset(self, params, ctx):
        return self.backend.delete_dataset(params["IdentityPoolId"], params["IdentityId"], params["DatasetName"])

    @operation("ListRecords")
    def list_records(self, params, ctx):
        return self.backend.list_records(
            params["IdentityPoolId"], params["IdentityId"], params["DatasetName"], params.get("LastSyncCount"), params.get("NextToken"),
            params.get("MaxResults"), params.get("SyncSessionToken"),
        )

    @operation("UpdateRecords")
    def update_records(self, params, ctx):
        return self.backend.update_records(
            params["IdentityPoolId"], params["IdentityId"], params["DatasetName"], params.get("SyncSessionToken"),
            params.get("RecordPatches"), params.get("DeviceId"),
        )

    @operation("DescribeIdentityUsage")
    def describe_identity_usage(self, params, ctx):
        return self.backend.describe_identity_usage(params["IdentityPoolId"], params["IdentityId"])

    @operation("DescribeIdentityPoolUsage")
    def describe_identity_pool_usage(self, params, ctx):
        return self.backend.describe_identity_pool_usage(params["IdentityPoolId"])

    @operation("ListIdentityPoolUsage")
    def list_identity_pool_usage(self, params, ctx):
        return self.backend.list_identity_pool_usage(self.directory.pool_ids(), params.get("NextToken"), params.get("MaxResults"))

    @operation("GetIdentityPoolConfiguration")
    def get_identity_pool_configuration(self, params, ctx):
        return self.backend.get_identity_pool_configuration(params["IdentityPoolId"])

    @operation("SetIdentityPoolConfiguration")
    def set_identity_pool_configuration(self, params, ctx):
        return self.backend.set_identity_pool_configuration(params["IdentityPoolId"], params.get("PushSync"), params.get("CognitoStreams"))

    @operation("RegisterDevice")
    def register_device(self, params, ctx):
        return self.backend.register_device(params["IdentityPoolId"], params["IdentityId"], params.get("Platform"), params.get("Token"))

    @operation("SubscribeToDataset")
    def subscribe_to_dataset(self, params, ctx):
        return self.backend.subscribe_to_dataset(params["IdentityPoolId"], params["IdentityId"], params["DatasetName"], params["DeviceId"])

    @operation("UnsubscribeFromDataset")
    def unsubscribe_from_dataset(self, params, ctx):
        return self.backend.unsubscribe_from_dataset(params["IdentityPoolId"], params["IdentityId"], params["DatasetName"], params["DeviceId"])

    @operation("GetCognitoEvents")
    def get_cognito_events(self, params, ctx):
        return self.backend.get_cognito_events(params["IdentityPoolId"])

    @operation("SetCognitoEvents")
    def set_cognito_events(self, params, ctx):
        return self.backend.set_cognito_events(params["IdentityPoolId"], params.get("Events"))

    @operation("BulkPublish")
    def bulk_publish(self, params, ctx):
        return self.backend.bulk_publish(params["IdentityPoolId"])

    @operation("GetBulkPublishDetails")
    def get_bulk_publish_details(self, params, ctx):
        return self.backend.get_bulk_publish_details(params["IdentityPoolId"])
