"""The ``apigateway`` management API: moto's, plus the snapshot a deployment is.

moto stores REST APIs, resources, methods, integrations, authorizers, deployments and stages. After
moto answers ``CreateDeployment`` this service records what the new deployment serves
(:func:`.models.snapshot`), and removes the ``responses`` callbacks moto registers for stage URLs (which
would answer ``requests`` calls to ``execute-api`` addresses with moto's own stub, before the sandbox
sees them).
"""

from __future__ import annotations

import json

from .. import actions
from ..wire.dispatch import Service


class ApiGatewayService(Service):
    signing_name = "apigateway"
    protocol = "rest-json"

    def __init__(self, sandbox, component):
        super().__init__(sandbox)
        self.component = component

    def handle(self, request):
        operation, uri = actions.rest_operation(request)
        if operation not in ("CreateDeployment", "CreateStage", "UpdateStage"):
            return None
        request.operation = operation
        response = self.sandbox.dispatcher.moto(request)
        if response is not None and response.status < 300:
            if operation == "CreateDeployment":
                try:
                    deployment_id = json.loads(response.body)["id"]
                except (ValueError, KeyError, TypeError):
                    deployment_id = None
                rest_api = self.component.rest_api(uri.get("restapi_id", ""), request.region)
                if deployment_id and rest_api is not None:
                    self.component.record(rest_api, deployment_id, request.region)
            self.component.drop_moto_stubs()
        return response
