"""What a pre token generation trigger's answer changes in the tokens.

Developer guide, "Pre token generation Lambda trigger"
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html):

* Version 1 (``V1_0``, the default): ``response.claimsOverrideDetails`` with ``claimsToAddOrOverride`` (string
  values), ``claimsToSuppress`` and ``groupOverrideDetails``, for the ID token.
* Versions 2 and 3 (``LambdaConfig.PreTokenGenerationConfig.LambdaVersion`` ``V2_0`` / ``V3_0``, user pools on
  the Essentials or Plus plan: "access token customization"): the request also has ``scopes``; the response
  is ``claimsAndScopeOverrideDetails`` with ``idTokenGeneration`` (claimsToAddOrOverride, claimsToSuppress),
  ``accessTokenGeneration`` (the same, plus ``scopesToAdd`` and ``scopesToSuppress``) and
  ``groupOverrideDetails``. Claim values may be strings, numbers, booleans, arrays or JSON objects; "In the ID
  token, you can populate complex objects to the values of claims except for phone_number_verified,
  email_verified, updated_at, and address."

Claims Cognito sets itself (:data:`.issuing.PROTECTED_CLAIMS`, and for the access token
:data:`.issuing.ACCESS_PROTECTED_CLAIMS`; ``cognito:`` claims change only through groupOverrideDetails) are
left as Cognito made them: an override or suppression of one is ignored, not an error (labkit's reading;
the trigger's other changes still apply). A response whose fields have the wrong types is refused by
:meth:`.triggers.Trigger.valid` (InvalidLambdaResponseException).
"""

from __future__ import annotations

from .issuing import ACCESS_PROTECTED_CLAIMS, PROTECTED_CLAIMS

#: ID token claims whose values stay simple (strings, booleans, numbers) in a V2/V3 answer.
SIMPLE_ID_CLAIMS = {"phone_number_verified", "email_verified", "updated_at", "address"}


def default_response(version: str) -> dict:
    return {"claimsOverrideDetails": None} if version == "1" else {"claimsAndScopeOverrideDetails": None}


def overrides(response: dict, version: str) -> tuple[dict, dict, dict | None]:
    """``(id token changes, access token changes, groupOverrideDetails)`` of a trigger's response."""
    if version == "1":
        details = (response or {}).get("claimsOverrideDetails") or {}
        return details, {}, details.get("groupOverrideDetails")
    details = (response or {}).get("claimsAndScopeOverrideDetails") or {}
    return (details.get("idTokenGeneration") or {}, details.get("accessTokenGeneration") or {},
            details.get("groupOverrideDetails"))


def _changeable(name: str, protected: set) -> bool:
    return name not in protected and not name.startswith("cognito:")


def apply_id(claims: dict, change: dict) -> None:
    for name, value in (change.get("claimsToAddOrOverride") or {}).items():
        if not _changeable(name, PROTECTED_CLAIMS):
            continue
        if name in SIMPLE_ID_CLAIMS and isinstance(value, (dict, list)):
            continue
        claims[name] = value
    for name in change.get("claimsToSuppress") or []:
        if name not in PROTECTED_CLAIMS:
            claims.pop(name, None)


def apply_access(claims: dict, scopes: list, change: dict) -> list:
    """Change the access token's claims in place; return its scopes (scopesToAdd, then scopesToSuppress)."""
    for name, value in (change.get("claimsToAddOrOverride") or {}).items():
        if _changeable(name, ACCESS_PROTECTED_CLAIMS):
            claims[name] = value
    for name in change.get("claimsToSuppress") or []:
        if name not in ACCESS_PROTECTED_CLAIMS:
            claims.pop(name, None)
    out = list(scopes)
    for scope in change.get("scopesToAdd") or []:
        if scope not in out:
            out.append(scope)
    suppressed = set(change.get("scopesToSuppress") or [])
    return [s for s in out if s not in suppressed]
