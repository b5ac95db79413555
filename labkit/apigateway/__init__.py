"""Amazon API Gateway REST APIs in the sandbox: deployed stages that answer at their invoke URLs.

    api = boto3.client("apigateway")                  # moto stores the API, as on AWS
    ... create_rest_api, put_method(authorizationType="COGNITO_USER_POOLS"), put_integration(type="AWS_PROXY"),
    ... create_deployment(stageName="prod")
    requests.get(f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/notes",
                 headers={"Authorization": id_token})

Invoke URLs are reached in-process by ``requests`` (as every ``*.amazonaws.com`` address is) and over
the sandbox's HTTP endpoint as ``<endpoint>/<api>.execute-api.<region>.amazonaws.com/<stage>/<path>``
(or with that ``Host`` header). :mod:`.route` serves them, :mod:`.authorizers` decides who may call,
:mod:`.proxy` builds the Lambda proxy event, :mod:`.exceptions` holds API Gateway's own answers,
:mod:`.http_api` serves HTTP APIs (v2), and :mod:`.app` is a browser app that signs in and calls an API.
"""

from __future__ import annotations

from .. import moto_adapter
from . import app
from .models import Deployment, snapshot
from .route import ExecuteApi
from .service import ApiGatewayService

__all__ = ["install", "ApiGateway", "invoke_url", "app"]


def invoke_url(api_id: str, stage: str, region: str = "us-east-1", endpoint: str | None = None) -> str:
    """A stage's invoke URL; with ``endpoint`` (``sb.endpoint_url``) the sandbox's HTTP form of it."""
    from ..wire.addressing import served_url

    aws = f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
    return served_url(endpoint, aws) if endpoint else aws


class ApiGateway:
    """The API Gateway component of one sandbox (``sb.components["apigateway"]``)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.route = ExecuteApi(self)
        self.service = ApiGatewayService(sandbox, self)

    def rest_api(self, api_id: str, region: str):
        try:
            return moto_adapter.backend("apigateway", self.sandbox.account_id, region).apis.get(api_id)
        except KeyError:
            return None

    def http_api(self, api_id: str, region: str):
        try:
            return moto_adapter.backend("apigatewayv2", self.sandbox.account_id, region).apis.get(api_id)
        except KeyError:
            return None

    def record(self, rest_api, deployment_id: str, region: str) -> Deployment:
        deployment = snapshot(rest_api, deployment_id, region)
        self.deployments[(rest_api.id, deployment_id)] = deployment
        return deployment

    def deployment(self, rest_api, deployment_id: str, region: str) -> Deployment:
        """The snapshot a stage serves (taken now if the deployment was made before labkit saw it)."""
        found = self.deployments.get((rest_api.id, deployment_id))
        return found if found is not None else self.record(rest_api, deployment_id, region)

    @staticmethod
    def drop_moto_stubs():
        """Remove moto's ``responses`` callbacks for stage URLs (see the moto adapter)."""
        moto_adapter.drop_apigateway_stage_stubs()


def install(sandbox) -> ApiGateway:
    component = ApiGateway(sandbox)
    sandbox.dispatcher.routes.append(component.route)
    sandbox.dispatcher.routes.append(app.route)
    sandbox.dispatcher.register(component.service)
    return component
