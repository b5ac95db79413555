"""User pool feature plans: ``UserPoolTier`` LITE, ESSENTIALS, PLUS.

Developer guide, "User pool feature plans"
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html): since
November 2024 a new user pool is on the Essentials plan unless it asks for another; Lite has the classic
features (passwords, SRP, TOTP and SMS MFA, the classic hosted UI, Lambda triggers); Essentials adds
choice-based sign-in (``USER_AUTH``), passwordless sign-in (email and SMS one-time passwords), passkeys,
email MFA and access-token customization (pre token generation V2_0); Plus adds threat protection.
A request that configures or uses a feature the pool's plan lacks is refused with
``FeatureUnavailableInTierException`` (API reference, CreateUserPool / UpdateUserPool / InitiateAuth
"Errors").
"""

from __future__ import annotations

from .exceptions import FeatureUnavailableInTier, InvalidParameter

TIERS = ("LITE", "ESSENTIALS", "PLUS")
#: CreateUserPool / UpdateUserPool, UserPoolTier: "Defaults to ESSENTIALS." (API reference).
DEFAULT_TIER = "ESSENTIALS"
#: Each gated feature and the lowest plan that has it (the plan table of the page above).
FEATURES = {
    "choice-based sign-in": "ESSENTIALS",
    "passwordless sign-in": "ESSENTIALS",
    "passkeys": "ESSENTIALS",
    "email MFA": "ESSENTIALS",
    "access token customization": "ESSENTIALS",
    "threat protection": "PLUS",
}
_RANK = {tier: i for i, tier in enumerate(TIERS)}


def tier_of(pool) -> str:
    return pool.extended_config.get("UserPoolTier") or DEFAULT_TIER


def check_tier(tier: str | None) -> str:
    """The tier a request names (the default when it names none), or the API's validation error."""
    if tier is None:
        return DEFAULT_TIER
    if tier not in TIERS:
        raise InvalidParameter(f"1 validation error detected: Value '{tier}' at 'userPoolTier' failed to satisfy constraint: "
                               f"Member must satisfy enum value set: [{', '.join(TIERS)}]")
    return tier


def has(tier: str, feature: str) -> bool:
    return _RANK[tier] >= _RANK[FEATURES[feature]]


def require(tier: str, feature: str) -> None:
    """FeatureUnavailableInTierException unless the plan ``tier`` includes ``feature``."""
    if not has(tier, feature):
        raise FeatureUnavailableInTier(
            f"The {feature} feature is not available in the {tier} feature plan. It needs the "
            f"{FEATURES[feature]} plan or higher (UserPoolTier).")


def features_of_pool_settings(settings: dict) -> list:
    """The gated features a CreateUserPool / UpdateUserPool configuration turns on."""
    out = []
    factors = ((settings.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or []
    if any(f in ("EMAIL_OTP", "SMS_OTP") for f in factors):
        out.append("passwordless sign-in")
    if "WEB_AUTHN" in factors:
        out.append("passkeys")
    version = ((settings.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}).get("LambdaVersion")
    if version in ("V2_0", "V3_0"):
        out.append("access token customization")
    if ((settings.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode") or "OFF") != "OFF":
        out.append("threat protection")
    return out


def check_pool_settings(settings: dict, tier: str) -> None:
    for feature in features_of_pool_settings(settings):
        require(tier, feature)
