"""Invoking a deployed REST API: ``{api}.execute-api.{region}.amazonaws.com/{stage}/{path}``.

The order is API Gateway's (*Amazon API Gateway request flow*; each refusal is the gateway response
AWS documents, :mod:`.exceptions`):

1. the stage must exist (else ``403 {"message":"Forbidden"}``);
2. a resource and a method (or ``ANY``) must match the path (else ``403 {"message":"Missing
   Authentication Token"}`` -- API Gateway's famous answer to a wrong path);
3. the method's authorization (:mod:`.authorizers`): ``NONE``, ``AWS_IAM``, ``COGNITO_USER_POOLS``, ``CUSTOM``;
4. the integration: ``AWS_PROXY`` to a Lambda function (which API Gateway must be allowed to invoke, by
   the function's resource-based policy or the integration's credentials role -- else ``500 Internal
   server error``, as AWS logs "Invalid permissions on Lambda function"), or ``MOCK`` (the CORS preflight
   the console's *Enable CORS* sets up: a static status and ``method.response.header.*`` values).

A Lambda function that fails, or answers something that is not a proxy response, is ``502 {"message":
"Internal server error"}``. Non-proxy Lambda integrations (mapping templates) and HTTP integrations
(they would leave the machine) are not simulated.
"""

from __future__ import annotations

import json
import uuid

from .. import actions
from ..errors import NotSimulated
from ..policy import Decision, Policy, PolicyError, RequestContext, evaluate
from ..wire.request import Response
from . import authorizers, proxy
from . import exceptions as gw
from .models import address_of, snapshot


def _masked(arn: str, account: str) -> str:
    """API Gateway's IAM denials show the account of the resource ARN masked: ``********9012``."""
    return arn.replace(f":{account}:", f":{'*' * (len(account) - 4)}{account[-4:]}:", 1)


class ExecuteApi:
    """The dispatcher route that serves every deployed stage of every REST API of the sandbox."""

    def __init__(self, component):
        self.component = component
        self.sandbox = component.sandbox
        self.lambda_authorizers = authorizers.LambdaAuthorizers(self.sandbox)

    def __call__(self, request) -> Response | None:
        address = address_of(request)
        if address is None:
            return None
        request.service, request.operation = "execute-api", f"{request.method} {address.path}"
        request_id = str(uuid.uuid4())
        customised = None
        try:
            rest_api = self.component.rest_api(address.api_id, address.region)
            if rest_api is None:
                http_api = self.component.http_api(address.api_id, address.region)
                if http_api is not None:
                    from .http_api import serve

                    return serve(self.component, request, address, http_api, request_id)
            stage_name, _, rest = address.path.lstrip("/").partition("/")
            stage = rest_api.stages.get(stage_name) if rest_api is not None else None
            if stage is None:
                raise gw.forbidden()
            deployment = self.component.deployment(rest_api, stage.deployment_id, address.region)
            customised = deployment.gateway_responses
            resource, path_params = deployment.match("/" + rest)
            method = None
            if resource is not None:
                method = resource.methods.get(request.method.upper()) or resource.methods.get("ANY")
            if method is None:
                raise gw.missing_authentication_token()
            account = self.sandbox.account_id
            method_arn = f"arn:aws:execute-api:{address.region}:{account}:{address.api_id}/{stage_name}/{request.method.upper()}/{rest}"
            authorized = self._authorize(request, address, deployment, stage_name, resource, method, method_arn, path_params, stage, request_id)
            return self._integrate(request, address, deployment, stage_name, stage, resource, method, path_params, authorized, request_id)
        except gw.GatewayError as error:
            return gw.render(error, request_id, customised)

    # ---------------------------------------------------------------- authorization
    def _authorize(self, request, address, deployment, stage_name, resource, method, method_arn, path_params, stage, request_id):
        kind = method.authorization_type
        if kind == "NONE":
            return authorizers.Authorized()
        if kind == "AWS_IAM":
            return self._iam(request, method_arn, deployment)
        authorizer = deployment.authorizers.get(method.authorizer_id or "")
        if authorizer is None:
            raise gw.authorizer_failure()
        if kind == "COGNITO_USER_POOLS" or authorizer.type == "COGNITO_USER_POOLS":
            return authorizers.cognito(request, authorizer, method, self.sandbox.clock.time())

        def request_event():
            return proxy.event(request, address, deployment, stage_name, resource, path_params, request.query,
                               stage.variables, authorizers.Authorized(), request_id, self.sandbox.clock.time())

        return self.lambda_authorizers.authorize(request, authorizer, deployment, stage_name, method_arn, request_event, request.query)

    def _iam(self, request, method_arn: str, deployment) -> "authorizers.Authorized":
        """``AWS_IAM``: the caller of a SigV4-signed request, evaluated for ``execute-api:Invoke``."""
        from ..iam import AuthorizationRecord
        from ..sandbox import ADMIN_ACCESS_KEY

        key, token = actions.credentials_of(request)
        if not key:
            raise gw.missing_authentication_token()
        iam = self.sandbox.components.get("iam")
        account = self.sandbox.account_id
        identity = {"accessKey": key, "accountId": account}
        resource_policy = None
        if deployment.policy:
            try:
                resource_policy = Policy.parse(deployment.policy, name="resource policy of the API")
            except PolicyError:
                raise gw.configuration_error() from None
        session = None
        if key == ADMIN_ACCESS_KEY:
            arn = f"arn:aws:iam::{account}:root"
            identity.update({"caller": account, "user": account, "userArn": arn})
            caller = None
        elif iam is None:
            raise gw.invalid_token()
        elif key.startswith("ASIA"):
            session = iam._session(key)
            if session is None or token != session.session_token:
                raise gw.invalid_token()
            if self.sandbox.clock.time() >= session.expiration:
                raise gw.expired_credentials()
            caller = iam._session_caller(session)
            identity.update({"caller": session.user_id, "user": session.user_id, "userArn": session.assumed_role_arn})
            identity.update(_cognito_identity(session))
        else:
            from ..iam.models import user_key

            user, _ = user_key(self.sandbox, key)
            if user is None:
                raise gw.invalid_token()
            caller = iam._user_caller(user)
            identity.update({"caller": user.id, "user": user.id, "userArn": caller.arn})
        if caller is None:  # the account's root: only the API's resource policy can refuse it
            if resource_policy is not None:
                decision = evaluate(RequestContext("execute-api:Invoke", method_arn, identity["userArn"], account, {}),
                                    [Policy.parse('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', name="root")],
                                    resource_policy=resource_policy)
                if not decision.allowed:
                    raise gw.iam_denied(self._denial(identity["userArn"], method_arn, decision))
            return authorizers.Authorized(identity=identity)
        keys = iam._global_keys(request, caller.keys)
        ctx = RequestContext("execute-api:Invoke", method_arn, caller.arn, account, keys)
        try:
            decision = evaluate(ctx, caller.identity, caller.session_policies, resource_policy, caller.boundary)
        except PolicyError as exc:
            decision = Decision(False, "implicit-deny", [], [], ctx, f"a policy could not be read: {exc}")
        iam.decisions.append(AuthorizationRecord(
            call=self.sandbox.dispatcher.log.last_seq + 1, time=self.sandbox.clock.time(), service="execute-api",
            operation="Invoke", request=f"{request.method} {request.path}", principal=caller.arn, access_key=key,
            action="execute-api:Invoke", resource=method_arn, keys=keys, decision=decision,
            policies=caller.names + (["API resource policy"] if resource_policy else [])))
        if not decision.allowed:
            raise gw.iam_denied(self._denial(caller.arn, method_arn, decision))
        return authorizers.Authorized(identity=identity)

    def _denial(self, principal: str, method_arn: str, decision) -> str:
        text = f"User: {principal} is not authorized to perform: execute-api:Invoke on resource: {_masked(method_arn, self.sandbox.account_id)}"
        return text + (" with an explicit deny" if decision.reason == "explicit-deny" else "")

    # ---------------------------------------------------------------- integration
    def _integrate(self, request, address, deployment, stage_name, stage, resource, method, path_params, authorized, request_id):
        from .. import awslambda

        integration = method.integration
        if integration is None:
            raise gw.configuration_error()
        if integration.type == "MOCK":
            return _mock(integration, request_id)
        function_arn = authorizers.lambda_arn_of(integration.uri)
        if integration.type != "AWS_PROXY" or function_arn is None:
            raise NotSimulated(f"The sandbox serves Lambda proxy (AWS_PROXY) and MOCK integrations; this method's "
                               f"integration is {integration.type} {integration.uri or ''}.")
        fn = awslambda.function_of(self.sandbox, function_arn)
        source_arn = (f"arn:aws:execute-api:{address.region}:{self.sandbox.account_id}:{address.api_id}/{stage_name}/"
                      f"{request.method.upper()}{resource.path}")
        if fn is None or not (self._role_may_invoke(integration.credentials, fn)
                              or awslambda.service_may_invoke(self.sandbox, fn, authorizers.APIGATEWAY, source_arn)):
            raise gw.configuration_error()
        now = self.sandbox.clock.time()
        event = proxy.event(request, address, deployment, stage_name, resource, path_params, request.query,
                            stage.variables, authorized, request_id, now)
        identity = None
        if authorized.identity.get("cognitoIdentityId"):
            identity = {"cognitoIdentityId": authorized.identity["cognitoIdentityId"],
                        "cognitoIdentityPoolId": authorized.identity.get("cognitoIdentityPoolId")}
        outcome = awslambda.invoke(self.sandbox, function_arn, event, identity=identity)
        if outcome.failed:
            raise gw.integration_failure()
        return proxy.response(outcome.payload, request_id)

    def _role_may_invoke(self, role_arn: str | None, fn) -> bool:
        """An integration's credentials: a role API Gateway assumes (its trust policy must allow
        apigateway.amazonaws.com) whose policies allow lambda:InvokeFunction on the function."""
        if not role_arn or not role_arn.startswith("arn:aws:iam::"):
            return False
        from ..iam.models import role_policies
        from ..sts.sessions import TrustRefused, check_trust, find_role

        role = find_role(self.sandbox, role_arn)
        if role is None:
            return False
        try:
            check_trust(self.sandbox, role, "sts:AssumeRole", authorizers.APIGATEWAY, {})
        except TrustRefused:
            return False
        try:
            decision = evaluate(RequestContext("lambda:InvokeFunction", fn.function_arn, role.arn, self.sandbox.account_id, {}),
                                role_policies(self.sandbox, role))
        except PolicyError:
            return False
        return decision.allowed


def _cognito_identity(session) -> dict:
    """``requestContext.identity`` of identity-pool credentials: the identity id, the pool, and
    ``cognitoAuthenticationType`` / ``cognitoAuthenticationProvider`` from the ``amr`` they carry."""
    context = getattr(session, "context", None) or {}
    pool = context.get("cognito-identity.amazonaws.com:aud")
    identity_id = getattr(session, "identity_id", None) or context.get("cognito-identity.amazonaws.com:sub")
    if not pool and not identity_id:
        return {}
    amr = context.get("cognito-identity.amazonaws.com:amr") or []
    amr = [amr] if isinstance(amr, str) else list(amr)
    kind = "authenticated" if "authenticated" in amr else "unauthenticated"
    providers = [a for a in amr if a not in ("authenticated", "unauthenticated")]
    return {"cognitoIdentityPoolId": pool, "cognitoIdentityId": identity_id, "cognitoAuthenticationType": kind,
            "cognitoAuthenticationProvider": ",".join(providers) or None}


def _mock(integration, request_id: str) -> Response:
    """A MOCK integration: the status its request template names (``{"statusCode": 200}``), and the
    static values of that integration response's ``method.response.header.*`` parameters."""
    status = "200"
    template = (integration.request_templates or {}).get("application/json")
    if template:
        try:
            status = str(json.loads(template).get("statusCode", 200))
        except (ValueError, AttributeError):
            status = "200"
    chosen = integration.responses.get(status) or next(iter(integration.responses.values()), {"parameters": {}, "templates": {}})
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
    for name, value in (chosen.get("parameters") or {}).items():
        if name.startswith("method.response.header.") and isinstance(value, str) and value.startswith("'") and value.endswith("'"):
            headers[name[len("method.response.header."):]] = value[1:-1]
    body = (chosen.get("templates") or {}).get("application/json") or ""
    return Response(int(status), headers, body.encode("utf-8"))
