"""What a stage serves: a snapshot of the REST API taken at ``CreateDeployment``, and how a URL finds it.

"After creating your API, you must deploy it to make it callable by your users ... a deployment is a
snapshot of your API resources and methods" (*Deploy REST APIs in API Gateway*,
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html): a change to a
method or an authorizer takes effect only after the next deployment. moto keeps only the live API;
:func:`snapshot` copies what the invoke path needs (resources, methods, integrations, authorizers, the
API's resource policy) when moto has made the deployment, keyed by deployment id.

Addresses (*Invoking a REST API in Amazon API Gateway*, how-to-call-api.html):
``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/{resource path}``; on the sandbox's HTTP
endpoint the same address follows the one rule of the sandbox, ``<endpoint>/<aws-host>/<path>``
(``http://127.0.0.1:PORT/abc123.execute-api.us-east-1.amazonaws.com/prod/notes``), or any path with
the header ``Host: abc123.execute-api.us-east-1.amazonaws.com``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HOST = re.compile(r"^(?P<api>[a-z0-9]{1,32})\.execute-api\.(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$")


@dataclass
class Address:
    api_id: str
    region: str
    path: str  # "/prod/notes/1" (after the host)
    base: str  # how the caller wrote the part before ``path``

    @property
    def host(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"


def address_of(request) -> Address | None:
    """The execute-api address of a request, by the sandbox's one addressing rule (:mod:`labkit.wire.addressing`):
    the URL's host (in-process), the ``Host`` header, or ``<endpoint>/<api host>/...`` (HTTP)."""
    from ..wire import addressing

    found = addressing.address_of(request)
    m = HOST.match(found.host) if found is not None else None
    if m is None:
        return None
    return Address(m.group("api"), m.group("region"), found.path, found.base)


@dataclass
class DeployedIntegration:
    type: str  # AWS_PROXY, AWS, MOCK, HTTP, HTTP_PROXY
    uri: str | None
    http_method: str | None
    credentials: str | None
    request_templates: dict = field(default_factory=dict)
    responses: dict = field(default_factory=dict)  # status -> {"parameters": {...}, "templates": {...}, "pattern": str}
    timeout_ms: int = 29000


@dataclass
class DeployedMethod:
    http_method: str
    authorization_type: str  # NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM
    authorizer_id: str | None
    scopes: list
    api_key_required: bool
    integration: DeployedIntegration | None


@dataclass
class DeployedResource:
    id: str
    path: str  # "/notes/{id}"
    methods: dict  # "GET" -> DeployedMethod
    pattern: re.Pattern = None
    literal: int = 0  # for most-specific-first matching

    def __post_init__(self):
        regex, literal = "", 0
        for piece in [p for p in self.path.split("/") if p]:
            if piece.startswith("{") and piece.endswith("+}"):
                regex += f"/(?P<{_name(piece[1:-2])}>.+)"
            elif piece.startswith("{") and piece.endswith("}"):
                regex += f"/(?P<{_name(piece[1:-1])}>[^/]+)"
            else:
                regex += "/" + re.escape(piece)
                literal += 1000 + len(piece)
        self.pattern = re.compile(regex or "/")
        self.literal = literal - (500 if "+}" in self.path else 0)


def _name(var: str) -> str:
    return "p_" + re.sub(r"\W", "_", var.encode().hex())


def path_parameters(resource: DeployedResource, match: re.Match) -> dict:
    names = re.findall(r"\{([^}/]+?)\+?\}", resource.path)
    return {n: match.group(_name(n)) for n in names}


@dataclass
class DeployedAuthorizer:
    id: str
    name: str
    type: str  # COGNITO_USER_POOLS, TOKEN, REQUEST
    provider_arns: list
    authorizer_uri: str | None
    credentials: str | None
    identity_source: str | None
    validation_expression: str | None
    ttl: int


@dataclass
class Deployment:
    api_id: str
    region: str
    deployment_id: str
    name: str
    resources: list  # DeployedResource, most specific first
    authorizers: dict
    policy: str | None
    gateway_responses: dict = field(default_factory=dict)  # type -> {"status", "parameters", "templates"}

    def match(self, path: str):
        """``(resource, path parameters)`` for a resource path, or ``(None, {})``."""
        path = path if path.startswith("/") else "/" + path
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        for resource in self.resources:
            m = resource.pattern.fullmatch(path)
            if m:
                return resource, path_parameters(resource, m)
        return None, {}


def snapshot(rest_api, deployment_id: str, region: str) -> Deployment:
    """Copy what the invoke path needs from moto's ``RestAPI`` (at deployment time)."""
    resources = []
    for res in rest_api.resources.values():
        methods = {}
        for verb, method in res.resource_methods.items():
            integ = method.method_integration
            deployed_integ = None
            if integ is not None:
                responses = {}
                for status, ir in (integ.integration_responses or {}).items():
                    responses[str(status)] = {"parameters": dict(getattr(ir, "response_parameters", None) or {}),
                                              "templates": dict(ir.response_templates or {}),
                                              "pattern": ir.selection_pattern}
                deployed_integ = DeployedIntegration(
                    integ.integration_type, integ.uri, integ.http_method, integ.credentials,
                    dict(integ.request_templates or {}), responses,
                    int(integ.timeout_in_millis or 29000))
            methods[verb.upper()] = DeployedMethod(
                verb.upper(), (method.authorization_type or "NONE").upper(), method.authorizer_id,
                list(method.authorization_scopes or []), bool(method.api_key_required), deployed_integ)
        resources.append(DeployedResource(res.id, res.get_path(), methods))
    resources.sort(key=lambda r: -r.literal)
    authorizers = {
        a.id: DeployedAuthorizer(a.id, a.name, (a.type or "").upper(), list(a.provider_arns or []), a.authorizer_uri,
                                 a.authorizer_credentials, a.identity_source, a.identity_validation_expression,
                                 300 if a.authorizer_result_ttl is None else int(a.authorizer_result_ttl))
        for a in rest_api.authorizers.values()
    }
    customised = {
        kind: {"status": r.status_code, "parameters": dict(r.response_parameters or {}), "templates": dict(r.response_templates or {})}
        for kind, r in (rest_api.gateway_responses or {}).items()
    }
    return Deployment(rest_api.id, region, deployment_id, rest_api.name, resources, authorizers, rest_api.policy, customised)
