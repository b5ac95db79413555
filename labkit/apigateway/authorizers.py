"""Who may call a method: the four ways a REST API method authorizes a request.

* ``COGNITO_USER_POOLS`` -- *Control access to REST APIs using Amazon Cognito user pools as an
  authorizer* (apigateway-integrate-with-cognito.html): the token in the identity source header
  (``Authorization``) must be signed by one of the authorizer's user pools and unexpired. "If the method
  has no OAuth scopes, use an ID token; with scopes configured, use an access token with one of them"
  -- an ID token against scopes, or an access token where none are set, is ``401 Unauthorized``.
  An expired token is ``401 "The incoming token has expired"``. The check is local (signature, expiry,
  issuer, token use, scopes, via :func:`labkit.tokens.verify`): API Gateway does not ask Cognito, so a
  token revoked by ``GlobalSignOut`` passes until it expires. A REST API authorizer names pools, not app
  clients: an ID token of any app client of those pools is accepted.
* ``AWS_IAM`` -- *Control access to a REST API with IAM permissions* (permissions.html): the request is
  signed with SigV4 (service ``execute-api``); the caller's policies must allow ``execute-api:Invoke`` on
  ``arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`` (policy variables and
  conditions evaluated by :mod:`labkit.policy`), and the API's resource policy is evaluated with them.
  An unsigned request is ``403 Missing Authentication Token``. The signature itself is verified by the
  sandbox's SigV4 layer; here the access key names the principal (:mod:`labkit.credentials`).
* ``CUSTOM`` (a Lambda authorizer, ``TOKEN`` or ``REQUEST``) -- *Use API Gateway Lambda authorizers*
  (apigateway-use-lambda-authorizer.html): the function returns a principal and an IAM policy for
  ``execute-api:Invoke``; an explicit deny is ``403 "User is not authorized to access this resource with
  an explicit deny"``, no allow is ``403 "User is not authorized to access this resource"``, an error
  ``Unauthorized`` is ``401``, any other failure is ``500 {"message": null}``. Results are cached for
  ``authorizerResultTtlInSeconds`` (default 300) by token / identity sources, and the cached *policy*
  decides later requests for other methods too, as on AWS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .. import tokens
from . import exceptions as gw

APIGATEWAY = "apigateway.amazonaws.com"


@dataclass
class Authorized:
    """What the authorizer found: ``requestContext.authorizer`` and ``requestContext.identity`` parts."""

    authorizer: dict = field(default_factory=dict)
    identity: dict = field(default_factory=dict)
    principal: str | None = None


def _token_of(request, source: str | None) -> str | None:
    header = "Authorization"
    if source and source.startswith("method.request.header."):
        header = source[len("method.request.header."):]
    value = request.header(header)
    return value if value else None


def claim_strings(claims: dict) -> dict:
    """``requestContext.authorizer.claims``: API Gateway hands every claim over as a string."""
    out = {}
    for key, value in claims.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list):
            out[key] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, dict):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


def pool_ids(provider_arns) -> list[tuple[str, str]]:
    """``(region, pool id)`` of ``arn:aws:cognito-idp:{region}:{account}:userpool/{pool id}`` ARNs."""
    out = []
    for arn in provider_arns or []:
        parts = str(arn).split(":")
        if len(parts) == 6 and parts[5].startswith("userpool/"):
            out.append((parts[3], parts[5].split("/", 1)[1]))
    return out


def cognito(request, authorizer, method, now: float) -> Authorized:
    token = _token_of(request, authorizer.identity_source)
    if not token:
        raise gw.unauthorized()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    issuers = {f"https://cognito-idp.{region}.amazonaws.com/{pool}" for region, pool in pool_ids(authorizer.provider_arns)}
    try:
        _, unverified = tokens.decode_unverified(token)
    except tokens.TokenError:
        raise gw.unauthorized() from None
    iss = unverified.get("iss")
    if iss not in issuers:
        raise gw.unauthorized()
    try:
        claims = tokens.verify(token, issuer=iss, now=now)
    except tokens.Expired:
        raise gw.expired_token() from None
    except tokens.TokenError:
        raise gw.unauthorized() from None
    if method.scopes:
        granted = set(str(claims.get("scope") or "").split())
        if claims.token_use != "access" or not granted & set(method.scopes):
            raise gw.unauthorized()
    elif claims.token_use != "id":
        raise gw.unauthorized()
    return Authorized(authorizer={"claims": claim_strings(dict(claims))}, principal=claims.get("sub"))


# ------------------------------------------------------------------------------------------ Lambda


@dataclass
class _Cached:
    until: float
    principal: str
    policy: object
    context: dict


def identity_values(request, authorizer, query: dict) -> list[str] | None:
    """The values of a REQUEST authorizer's identity sources; None when one is missing ("If any of the
    specified identity sources is missing, null, or empty, API Gateway returns a 401")."""
    values = []
    for source in [s.strip() for s in (authorizer.identity_source or "").split(",") if s.strip()]:
        if source.startswith("method.request.header."):
            value = request.header(source[len("method.request.header."):])
        elif source.startswith("method.request.querystring."):
            value = (query.get(source[len("method.request.querystring."):]) or [None])[-1]
        else:
            value = source  # stage variables and context values are not simulated: taken literally
        if not value:
            return None
        values.append(value)
    return values


class LambdaAuthorizers:
    """TOKEN and REQUEST authorizers of one sandbox, with their result cache."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self._cache: dict[tuple, _Cached] = {}

    def authorize(self, request, authorizer, deployment, stage, method_arn: str, event_for_request, query) -> Authorized:
        from ..policy import PolicyError, RequestContext, evaluate

        now = self.sandbox.clock.time()
        if authorizer.type == "TOKEN":
            token = _token_of(request, authorizer.identity_source)
            if not token:
                raise gw.unauthorized()
            if authorizer.validation_expression and not re.fullmatch(authorizer.validation_expression, token):
                raise gw.unauthorized()
            cache_key = (deployment.api_id, stage, authorizer.id, token)
            event = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        else:
            values = identity_values(request, authorizer, query)
            if values is None and authorizer.identity_source:
                raise gw.unauthorized()
            cache_key = (deployment.api_id, stage, authorizer.id, tuple(values or ()))
            event = {"type": "REQUEST", "methodArn": method_arn, **event_for_request()}
        cached = self._cache.get(cache_key) if authorizer.ttl and authorizer.identity_source else None
        if cached is None or cached.until <= now:
            cached = self._run(authorizer, deployment, event, now)
            if authorizer.ttl and authorizer.identity_source:
                self._cache[cache_key] = cached
        try:
            # The returned policy is evaluated as the identity policy of the authorizer's principal.
            principal = f"arn:aws:sts::{self.sandbox.account_id}:assumed-role/lambda-authorizer/{cached.principal[:64] or 'principal'}"
            decision = evaluate(RequestContext("execute-api:Invoke", method_arn, principal, self.sandbox.account_id, {}),
                                identity_policies=[cached.policy])
        except PolicyError:
            raise gw.authorizer_failure() from None
        if not decision.allowed:
            raise gw.authorizer_denied(decision.reason == "explicit-deny")
        context = {"principalId": cached.principal, **cached.context}
        return Authorized(authorizer=context, principal=cached.principal)

    def _run(self, authorizer, deployment, event, now) -> _Cached:
        from .. import awslambda
        from ..policy import Policy, PolicyError

        function_arn = lambda_arn_of(authorizer.authorizer_uri)
        fn = awslambda.function_of(self.sandbox, function_arn) if function_arn else None
        source = f"arn:aws:execute-api:{deployment.region}:{self.sandbox.account_id}:{deployment.api_id}/authorizers/{authorizer.id}"
        if fn is None or not (authorizer.credentials or awslambda.service_may_invoke(self.sandbox, fn, APIGATEWAY, source)):
            raise gw.authorizer_failure()
        outcome = awslambda.invoke(self.sandbox, function_arn, event)
        if outcome.failed:
            if (outcome.error or {}).get("errorMessage") == "Unauthorized":
                raise gw.unauthorized()
            raise gw.authorizer_failure()
        try:
            result = json.loads(outcome.payload or "null")
            principal = result["principalId"]
            policy = Policy.parse(json.dumps(result["policyDocument"]) if not isinstance(result["policyDocument"], str)
                                  else result["policyDocument"], name=f"policy of authorizer {authorizer.name}")
            context = result.get("context") or {}
            if not isinstance(context, dict) or any(isinstance(v, (dict, list)) for v in context.values()):
                raise ValueError("context values must be strings, numbers or booleans")
        except (ValueError, KeyError, TypeError, PolicyError):
            raise gw.authorizer_failure() from None
        return _Cached(now + authorizer.ttl, str(principal), policy, {k: v for k, v in context.items()})


def lambda_arn_of(uri: str | None) -> str | None:
    """The function ARN in an integration or authorizer URI
    (``arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function arn}/invocations``)."""
    if not uri:
        return None
    m = re.search(r":lambda:path/2015-03-31/functions/(arn:[^/]+)/invocations$", uri)
    return m.group(1) if m else None
