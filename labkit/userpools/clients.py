"""What an app client allows: its auth flows, its secret, whether it hides that users exist.

API reference, CreateUserPoolClient (``ExplicitAuthFlows``, ``GenerateSecret``,
``PreventUserExistenceErrors``) and developer guide, "Computing secret hash values"
(https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .exceptions import NotAuthorized

#: The ExplicitAuthFlows of a client created without any.
DEFAULT_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
#: The legacy ExplicitAuthFlows values and the ALLOW_ value each stands for.
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
                "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH"}


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username + client id)).

    The one computation of it in labkit: the pool checks it, the hosted UI and the notebook widgets send it.
    """
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def secret_hash_of(client, username: str) -> str:
    """The SECRET_HASH of ``username`` for a moto app client (what an app with that client sends)."""
    return secret_hash(username, client.id, client.secret)


def check_secret_hash(client, given: str | None, *usernames: str) -> None:
    """Accept ``given`` if it is the SECRET_HASH of one of ``usernames`` (username, alias, sub); a client
    without a secret needs none. NotAuthorizedException worded as Cognito words it otherwise."""
    if not client.generate_secret:
        return
    if not given:
        raise NotAuthorized(f"Client {client.id} is configured for secret but secret was not received")
    for name in usernames:
        if name and hmac.compare_digest(secret_hash_of(client, name), given):
            return
    raise NotAuthorized(f"Unable to verify secret hash for client {client.id}")


def flows(client) -> set:
    """The ALLOW_ flows of a client (legacy values translated; they keep SRP and refresh on)."""
    given = client.extended_config.get("ExplicitAuthFlows")
    if not given:
        return set(DEFAULT_FLOWS)
    out = {LEGACY_FLOWS.get(f, f) for f in given}
    if any(f in LEGACY_FLOWS for f in given):
        out |= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    return out


def hides_users(client) -> bool:
    """PreventUserExistenceErrors=ENABLED: unknown users get the answers known users get."""
    return client is not None and (client.extended_config.get("PreventUserExistenceErrors") or "LEGACY") == "ENABLED"
