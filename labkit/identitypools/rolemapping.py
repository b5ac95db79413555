"""Which IAM role an identity gets: default roles, role mappings by token or by rules, ``CustomRoleArn``.

"Using role-based access control" (Amazon Cognito Developer Guide, role-based-access-control.html):
a pool has an authenticated and an unauthenticated default role; per provider a role mapping may
choose instead, either from the token (``cognito:preferred_role`` / ``cognito:roles``, Type ``Token``)
or by rules on its claims (Type ``Rules``: Equals, Contains, StartsWith, NotEqual); when it cannot
decide, ``AmbiguousRoleResolution`` says whether the default authenticated role is used or the
request is denied. ``SetIdentityPoolRoles`` checks the mappings (API_SetIdentityPoolRoles.html).
"""

from __future__ import annotations

from .. import webidentity as wi
from ..arns import ROLE_ARN
from .exceptions import (CUSTOM_ROLE_REFUSED, InvalidIdentityPoolConfigurationException, InvalidParameterException,
                         NotAuthorizedException)

ROLE_KINDS = ("authenticated", "unauthenticated")
MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")


def mappable_providers(pool) -> set:
    """The provider names a role mapping of this pool may be keyed by."""
    names = set(pool.supported_login_providers)
    names |= {f"{p['ProviderName']}:{p['ClientId']}" for p in pool.cognito_identity_providers}
    names |= {arn.split("oidc-provider/", 1)[-1] for arn in pool.open_id_connect_provider_arns}
    names |= set(pool.saml_provider_arns)
    return names


def _forbidden(arn) -> NotAuthorizedException:
    return NotAuthorizedException(f"Access to Role '{arn}' is forbidden.")


def check_roles(pool, roles: dict, mappings: dict | None) -> None:
    """SetIdentityPoolRoles' checks of ``Roles`` and ``RoleMappings`` (raises, changes nothing)."""
    for kind, arn in roles.items():
        if kind not in ROLE_KINDS:
            raise InvalidParameterException(f"Invalid role type '{kind}'. Roles keys are 'authenticated' and 'unauthenticated'.")
        if not isinstance(arn, str) or not ROLE_ARN.match(arn):
            raise _forbidden(arn)
    for provider, mapping in (mappings or {}).items():
        if provider not in mappable_providers(pool):
            raise InvalidParameterException(f"{provider} is not a valid RoleMapping ProviderName or is not a configured provider.")
        kind = mapping.get("Type")
        if kind not in ("Token", "Rules"):
            raise InvalidParameterException(f"RoleMapping Type must be 'Token' or 'Rules', not {kind!r}.")
        if mapping.get("AmbiguousRoleResolution") not in ("AuthenticatedRole", "Deny"):
            raise InvalidParameterException("AmbiguousRoleResolution must be 'AuthenticatedRole' or 'Deny' for Token and Rules role mappings.")
        if kind == "Rules":
            rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
            if not rules:
                raise InvalidParameterException("RulesConfiguration with at least one rule is required for a Rules role mapping.")
            for rule in rules:
                if rule.get("MatchType") not in MATCH_TYPES:
                    raise InvalidParameterException(f"Invalid MatchType {rule.get('MatchType')!r}: use Equals, Contains, StartsWith or NotEqual.")
                if not ROLE_ARN.match(rule.get("RoleARN") or ""):
                    raise _forbidden(rule.get("RoleARN"))


def _default(pool, kind: str) -> str:
    role = pool.roles.get(kind)
    if not role:
        raise InvalidIdentityPoolConfigurationException()
    return role


def choose_role(pool, webs: list[wi.WebIdentity], custom_role_arn: str | None) -> str:
    """The role ARN for an identity signed in with ``webs`` (none: a guest)."""
    if not webs:
        return _default(pool, "unauthenticated")
    for web in webs:
        key = f"{web.provider}:{web.audience}" if wi.USER_POOL_PROVIDER.match(web.provider) else web.provider
        mapping = pool.role_mappings.get(key)
        if mapping:
            break
    else:
        web, mapping = webs[0], None
        if web.provider in pool.saml_provider_arns:
            # SAML: the role comes from the assertion's Role attribute; several -> CustomRoleArn picks one
            key, mapping = web.provider, {"Type": "Token", "AmbiguousRoleResolution": "Deny"}
    if mapping is None:
        role = pool.roles.get("authenticated")
        if custom_role_arn and custom_role_arn != role:
            raise NotAuthorizedException(CUSTOM_ROLE_REFUSED)
        return _default(pool, "authenticated")
    chosen = None
    if mapping["Type"] == "Token":
        roles = web.claims.get("cognito:roles") or []
        roles = [roles] if isinstance(roles, str) else list(roles)
        preferred = web.claims.get("cognito:preferred_role")
        if custom_role_arn:
            if custom_role_arn not in roles:
                raise NotAuthorizedException(CUSTOM_ROLE_REFUSED)
            chosen = custom_role_arn
        elif preferred:
            chosen = preferred
        elif len(roles) == 1:
            chosen = roles[0]
    else:
        for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
            if rule_matches(rule, web.claims.get(rule.get("Claim"))):
                chosen = rule["RoleARN"]
                break
        if custom_role_arn and custom_role_arn != chosen:
            raise NotAuthorizedException(CUSTOM_ROLE_REFUSED)
    if chosen:
        return chosen
    if mapping.get("AmbiguousRoleResolution") == "AuthenticatedRole":
        return _default(pool, "authenticated")
    raise NotAuthorizedException(f"The ambiguous role mapping rules for: {key} denied this request.")


def rule_matches(rule: dict, claim) -> bool:
    """A role-mapping rule: Equals, Contains, StartsWith, NotEqual on one claim of the token."""
    value, match = str(rule.get("Value", "")), rule.get("MatchType")
    if claim is None:
        return match == "NotEqual"
    values = [str(c) for c in claim] if isinstance(claim, (list, tuple)) else [str(claim)]
    if match == "Equals":
        return value in values
    if match == "NotEqual":
        return value not in values
    if match == "Contains":
        return any(value in v for v in values)
    if match == "StartsWith":
        return any(v.startswith(value) for v in values)
    return False
