"""Amazon Cognito user pools in the sandbox: sign-up with codes a learner can read, password policy,
SRP sign-in, app-client rules, MFA, schema checks, Lambda triggers as Python functions, and tokens
signed with the pool's own key.

    import labkit.userpools
    labkit.userpools.attach_trigger(sb, pool_id, "PreSignUp", handler)   # handler(event, context)

Everything else is plain boto3 (``boto3.client("cognito-idp")``).
"""

from __future__ import annotations

from .. import moto_adapter
from ..errors import LabkitError
from .exceptions import ResourceNotFound
from .routes import WellKnownRoute
from .service import UserPoolService
from .triggers import SUPPORTED as TRIGGERS
from .triggers import TriggerError

__all__ = ["install", "attach_trigger", "detach_trigger", "UserPools", "TRIGGERS", "TriggerError"]


class UserPools:
    """The user-pool component of one sandbox (``sb.components["userpools"]``)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.service = UserPoolService(sandbox)

    # -------------------------------------------------------------- triggers
    def attach_trigger(self, pool_id: str, trigger: str, fn, version: str | None = None) -> str:
        """Let ``fn(event, context)`` play the pool's ``trigger`` Lambda (PreSignUp, PostConfirmation,
        PreAuthentication, PreTokenGeneration). Returns the function ARN shown in LambdaConfig.
        ``version="V2_0"`` (PreTokenGeneration): the V2 event, which customizes the access token too."""
        return self.service.triggers.attach(self._pool(pool_id), trigger, fn, version)

    def detach_trigger(self, pool_id: str, trigger: str) -> None:
        self.service.triggers.detach(self._pool(pool_id), trigger)

    # -------------------------------------------------------------- pools and keys
    def find_pool(self, pool_id: str):
        try:
            return self.service.model.pool(pool_id)
        except ResourceNotFound:
            return None

    def _pool(self, pool_id: str):
        pool = self.find_pool(pool_id)
        if pool is None:
            raise LabkitError(f"There is no user pool {pool_id!r} in this sandbox. Use the Id that "
                              "create_user_pool returned (resp['UserPool']['Id']).")
        return pool

    def issuer(self, pool_id: str) -> str:
        region = pool_id.split("_", 1)[0]
        return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"

    def jwks(self, pool_id: str) -> dict:
        return self.sandbox.keys.jwks(pool_id)

    def openid_configuration(self, pool, served=None) -> dict:
        """The pool's OpenID discovery document. ``served(host)`` gives the URL prefix under which the caller
        reaches an AWS host (``https://<host>`` by default, as on AWS; labkit.wire.addressing.served over HTTP):
        every endpoint is written with it, the ``issuer`` never is (it is what AWS puts in the tokens)."""
        served = served or (lambda host: f"https://{host}")
        iss = self.issuer(pool.id)
        region = pool.id.split("_", 1)[0]
        doc = {
            "authorization_endpoint": None,
            "end_session_endpoint": None,
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": iss,
            "jwks_uri": f"{served(f'cognito-idp.{region}.amazonaws.com')}/{pool.id}/.well-known/jwks.json",
            "response_types_supported": ["code", "token"],
            "revocation_endpoint": None,
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint": None,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": None,
        }
        domain = pool.domain
        if domain is not None:
            host = domain.domain if "." in domain.domain else f"{domain.domain}.auth.{pool.region}.amazoncognito.com"
            base = served(host)
            doc.update({"authorization_endpoint": f"{base}/oauth2/authorize", "end_session_endpoint": f"{base}/logout",
                        "revocation_endpoint": f"{base}/oauth2/revoke", "token_endpoint": f"{base}/oauth2/token",
                        "userinfo_endpoint": f"{base}/oauth2/userInfo"})
        return {k: v for k, v in doc.items() if v is not None}

    def issue_tokens(self, pool_id: str, client_id: str, username: str, source: str = "HostedAuth") -> dict:
        """An AuthenticationResult for a user who signed in another way (the hosted UI, a federated IdP)."""
        pool = self._pool(pool_id)
        client = pool.clients.get(client_id)
        user = pool.users.get(username)
        if client is None or user is None:
            raise LabkitError(f"No app client {client_id!r} or user {username!r} in pool {pool_id}.")
        return self.service.model.issue(pool, client, user, source)


def install(sandbox) -> UserPools:
    """Register the cognito-idp service and the well-known routes on ``sandbox.dispatcher``."""
    moto_adapter.lighten_user_pools()
    from . import srp

    if srp.g_pow._table is None:
        srp.g_pow.warm()  # the SRP comb table, built off the learner's first sign-in
    component = UserPools(sandbox)
    sandbox.dispatcher.register(component.service)
    sandbox.dispatcher.routes.append(WellKnownRoute(component))
    return component


def attach_trigger(sandbox, pool_id: str, trigger: str, fn, version: str | None = None) -> str:
    """``labkit.userpools.attach_trigger(sb, pool_id, "PreSignUp", handler)``: see :meth:`UserPools.attach_trigger`."""
    return _component(sandbox).attach_trigger(pool_id, trigger, fn, version)


def detach_trigger(sandbox, pool_id: str, trigger: str) -> None:
    _component(sandbox).detach_trigger(pool_id, trigger)


def _component(sandbox) -> UserPools:
    comp = getattr(sandbox, "components", {}).get("userpools")
    if comp is None:
        raise LabkitError("This sandbox is not running (or has no user pools). Start one: sb = labkit.Sandbox.fresh()")
    return comp
