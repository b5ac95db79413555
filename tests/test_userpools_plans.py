"""Feature plans (UserPoolTier LITE / ESSENTIALS / PLUS), as the developer guide's "User pool feature
plans" table has them. Raw moto stores UserPoolTier without a default and refuses nothing on any plan,
so each test here fails on raw moto. Each test runs on both transports."""

import pytest

from support import error_of

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:pre-token"
PASSWORDLESS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
V2_TRIGGER = {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": LAMBDA}}


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def tier(idp, pool_id):
    return idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTier"]


def test_a_new_pool_is_on_essentials(idp):
    """UserPoolTier "Defaults to ESSENTIALS" (API reference), since November 2024."""
    pool = idp.create_user_pool(PoolName="lab")["UserPool"]
    assert pool["UserPoolTier"] == "ESSENTIALS" and tier(idp, pool["Id"]) == "ESSENTIALS"


def test_the_plan_is_chosen_on_create_and_update(idp):
    pool = idp.create_user_pool(PoolName="lab", UserPoolTier="LITE")["UserPool"]["Id"]
    assert tier(idp, pool) == "LITE"
    idp.update_user_pool(UserPoolId=pool, UserPoolTier="PLUS")
    assert tier(idp, pool) == "PLUS"
    idp.update_user_pool(UserPoolId=pool, AutoVerifiedAttributes=["email"])  # a plan not named stays
    assert tier(idp, pool) == "PLUS"


def test_an_unknown_plan_is_refused(idp):
    assert error_of(idp.create_user_pool, PoolName="lab", UserPoolTier="GOLD") == (
        "InvalidParameterException", "1 validation error detected: Value 'GOLD' at 'userPoolTier' failed to satisfy "
        "constraint: Member must satisfy enum value set: [LITE, ESSENTIALS, PLUS]")


@pytest.mark.parametrize("settings, plan, feature", [
    ({"Policies": PASSWORDLESS}, "LITE", "passwordless sign-in"),
    ({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}, "LITE", "passkeys"),
    ({"LambdaConfig": V2_TRIGGER}, "LITE", "access token customization"),
    ({"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}, "ESSENTIALS", "threat protection"),
])
def test_a_feature_outside_the_plan_is_refused(idp, settings, plan, feature):
    err = error_of(idp.create_user_pool, PoolName="lab", UserPoolTier=plan, **settings)
    assert err.code == "FeatureUnavailableInTierException" and err.status == 400
    assert feature in err.message and plan in err.message
    higher = "PLUS" if plan == "ESSENTIALS" else "ESSENTIALS"
    pool = idp.create_user_pool(PoolName="lab", UserPoolTier=higher, **settings)["UserPool"]["Id"]
    # Moving the pool down to a plan without the feature, with the feature still configured, is refused too.
    assert error_of(idp.update_user_pool, UserPoolId=pool, UserPoolTier=plan, **settings).code == "FeatureUnavailableInTierException"
    assert tier(idp, pool) == higher


def test_update_cannot_turn_on_a_feature_of_a_higher_plan(idp):
    pool = idp.create_user_pool(PoolName="lab", UserPoolTier="LITE")["UserPool"]["Id"]
    assert error_of(idp.update_user_pool, UserPoolId=pool, Policies=PASSWORDLESS).code == "FeatureUnavailableInTierException"
    idp.update_user_pool(UserPoolId=pool, UserPoolTier="ESSENTIALS", Policies=PASSWORDLESS)
    policy = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Policies"]["SignInPolicy"]
    assert policy == {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}
