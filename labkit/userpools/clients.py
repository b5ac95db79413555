"""What an app client allows: its auth flows, its secret, whether it hides that users exist.

API reference, CreateUserPoolClient (``ExplicitAuthFlows``, ``GenerateSecret``,
``PreventUserExistenceErrors``) and developer guide, "Computing secret hash values"
(https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .exceptions import InvalidParameter, NotAuthorized
from .issuing import DEFAULT_UNITS, UNIT_SECONDS

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
    without a secret needs none. NotAuthorizedException worded as Cognito words it otherwise (both texts
    are quoted in public reports: amplify-android#2504, amplify-js#277)."""
    if not client.generate_secret:
        return
    if not given:
        raise NotAuthorized(f"Client {client.id} is configured with secret but SECRET_HASH was not received")
    for name in usernames:
        if name and hmac.compare_digest(secret_hash_of(client, name), given):
            return
    raise NotAuthorized(f"Unable to verify secret hash for client {client.id}")


def flows(client) -> set:
    """The ALLOW_ flows of a client (legacy values translated; they keep SRP and refresh on).

    A client that rotates refresh tokens has no REFRESH_TOKEN_AUTH: "Refresh token rotation must be
    completed with GetTokensFromRefreshToken" (API reference, RefreshTokenRotationType), and the developer
    guide ("Refresh tokens") has the flow turned off on such a client, so InitiateAuth answers as for any
    flow the client does not allow.
    """
    given = client.extended_config.get("ExplicitAuthFlows")
    if not given:
        out = set(DEFAULT_FLOWS)
    else:
        out = {LEGACY_FLOWS.get(f, f) for f in given}
        if any(f in LEGACY_FLOWS for f in given):
            out |= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    if rotates_refresh_tokens(client):
        out.discard("ALLOW_REFRESH_TOKEN_AUTH")
    return out


# ---------------------------------------------------------------- refresh-token rotation and token lifetimes
#: API reference, TokenValidityUnitsType: "AccessTokenValidity duration can range from five minutes to one
#: day", the same for IdTokenValidity; "RefreshTokenValidity duration can range from 60 minutes to 10 years".
VALIDITY_BOUNDS = {"AccessToken": (5 * 60, 86400), "IdToken": (5 * 60, 86400), "RefreshToken": (3600, 3650 * 86400)}
#: RefreshTokenRotationType: RetryGracePeriodSeconds "Valid Range: Minimum value of 0. Maximum value of 60."
GRACE_SECONDS = (0, 60)


def rotation(client) -> dict:
    """The client's RefreshTokenRotation (``{"Feature": "DISABLED"}`` when it has none)."""
    return client.extended_config.get("RefreshTokenRotation") or {"Feature": "DISABLED"}


def rotates_refresh_tokens(client) -> bool:
    return rotation(client).get("Feature") == "ENABLED"


def grace_seconds(client) -> int:
    """How long a rotated-out refresh token still works (RetryGracePeriodSeconds, 0 when not set)."""
    return int(rotation(client).get("RetryGracePeriodSeconds") or 0)


def check_settings(settings: dict) -> None:
    """What CreateUserPoolClient / UpdateUserPoolClient refuse in the token settings: a lifetime outside
    its bounds ("Invalid range for token validity.", as Cognito answers) and a RefreshTokenRotation outside
    the API's constraints (the service's validation message, as for every constraint)."""
    units = settings.get("TokenValidityUnits") or {}
    for kind, (low, high) in VALIDITY_BOUNDS.items():
        value = settings.get(f"{kind}Validity")
        if value is None:
            continue
        seconds = int(value) * UNIT_SECONDS.get(units.get(kind) or DEFAULT_UNITS[kind], 1)
        if not low <= seconds <= high:
            raise InvalidParameter("Invalid range for token validity.")
    rot = settings.get("RefreshTokenRotation")
    if rot is None:
        return
    feature = rot.get("Feature")
    if feature not in ("ENABLED", "DISABLED"):
        raise InvalidParameter(f"1 validation error detected: Value '{feature}' at 'refreshTokenRotation.feature' failed to "
                               "satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]")
    grace = rot.get("RetryGracePeriodSeconds")
    if grace is not None and not GRACE_SECONDS[0] <= int(grace) <= GRACE_SECONDS[1]:
        bound = "greater than or equal to 0" if int(grace) < 0 else "less than or equal to 60"
        raise InvalidParameter(f"1 validation error detected: Value '{grace}' at 'refreshTokenRotation.retryGracePeriodSeconds' "
                               f"failed to satisfy constraint: Member must have value {bound}")


def hides_users(client) -> bool:
    """PreventUserExistenceErrors=ENABLED: unknown users get the answers known users get."""
    return client is not None and (client.extended_config.get("PreventUserExistenceErrors") or "LEGACY") == "ENABLED"
