"""Pre token generation V2 (LambdaConfig.PreTokenGenerationConfig LambdaVersion V2_0 / V3_0): the V2 event,
claim and scope overrides in the ID *and* access tokens, protected claims left alone, the plans that allow it;
and trigger responses validated as AWS does (junk -> InvalidLambdaResponseException) for every trigger kind.
Raw moto never calls a trigger; each test runs on both transports."""

import jwt
import pytest

import labkit.userpools
from labkit.userpools.exceptions import FeatureUnavailableInTier
from support import error_of

PASSWORD = "Passw0rd!"
EMAIL = "alice@example.com"


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def make_pool(idp, tier=None):
    kw = {"UserPoolTier": tier} if tier else {}
    pool = idp.create_user_pool(PoolName="lab", **kw)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    idp.create_group(UserPoolId=pool, GroupName="readers")
    idp.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="readers")
    return pool, app["UserPoolClient"]["ClientId"]


def sign_in(idp, app):
    return idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def use_v2(tsb, idp, pool, handler, version="V2_0"):
    """As a learner does on AWS: the function, then UpdateUserPool with PreTokenGenerationConfig."""
    arn = labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", handler)
    idp.update_user_pool(UserPoolId=pool, LambdaConfig={"PreTokenGeneration": arn,
                                                        "PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": arn}})
    return arn


def test_v2_event_and_both_tokens_customized(tsb, idp):
    pool, app = make_pool(idp)
    events = []

    def handler(event, context):
        events.append(event)
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme", "plan": {"name": "gold", "seats": 5}},
                                  "claimsToSuppress": ["email"]},
            "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme", "roles": ["reader", "writer"]},
                                      "scopesToAdd": ["photos/read"], "scopesToSuppress": []},
            "groupOverrideDetails": {"groupsToOverride": ["editors"]},
        }
        return event

    arn = use_v2(tsb, idp, pool, handler)
    described = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["LambdaConfig"]
    assert described["PreTokenGenerationConfig"] == {"LambdaVersion": "V2_0", "LambdaArn": arn}
    tokens = sign_in(idp, app)
    event = events[0]
    assert event["version"] == "2" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["readers"]
    assert event["request"]["userAttributes"]["email"] == EMAIL
    ident, access = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    assert ident["tenant"] == "acme" and ident["plan"] == {"name": "gold", "seats": 5} and "email" not in ident
    assert access["tenant"] == "acme" and access["roles"] == ["reader", "writer"]
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "photos/read"]
    assert ident["cognito:groups"] == ["editors"] and access["cognito:groups"] == ["editors"]
    # The customized access token still works with the user API (it kept the admin scope).
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    # Refreshing runs the trigger again (TokenGeneration_RefreshTokens), with the same customization.
    fresh = idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]
    assert events[-1]["triggerSource"] == "TokenGeneration_RefreshTokens" and claims(fresh["AccessToken"])["tenant"] == "acme"


def test_protected_claims_are_left_as_cognito_made_them(tsb, idp):
    pool, app = make_pool(idp)

    def handler(event, context):
        bad = {"sub": "someone-else", "iss": "https://evil.example", "token_use": "id", "exp": 1, "cognito:username": "bob",
               "client_id": "other", "username": "bob", "scope": "admin", "kept": "yes", "email_verified": {"a": 1}}
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": bad, "claimsToSuppress": ["sub", "aud", "auth_time"]},
            "accessTokenGeneration": {"claimsToAddOrOverride": bad, "claimsToSuppress": ["client_id", "username", "jti"]},
        }
        return event

    use_v2(tsb, idp, pool, handler)
    tokens = sign_in(idp, app)
    ident, access = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    user_sub = idp.admin_get_user(UserPoolId=pool, Username="alice")["UserAttributes"]
    sub = next(a["Value"] for a in user_sub if a["Name"] == "sub")
    assert ident["sub"] == sub and access["sub"] == sub
    assert ident["iss"].endswith(pool) and ident["token_use"] == "id" and ident["cognito:username"] == "alice"
    assert ident["aud"] == app and "auth_time" in ident and ident["exp"] > 1
    assert ident["email_verified"] is True  # no complex value for email_verified
    assert access["client_id"] == app and access["username"] == "alice" and access["scope"] == "aws.cognito.signin.user.admin"
    assert "jti" in access and access["token_use"] == "access"
    assert ident["kept"] == "yes" and access["kept"] == "yes"  # the rest of the answer applies


def test_scopes_can_be_suppressed(tsb, idp):
    pool, app = make_pool(idp)

    def handler(event, context):
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "accessTokenGeneration": {"scopesToAdd": ["orders/read"], "scopesToSuppress": ["aws.cognito.signin.user.admin"]}}
        return event

    use_v2(tsb, idp, pool, handler)
    access = sign_in(idp, app)["AccessToken"]
    assert claims(access)["scope"] == "orders/read"
    # Without the admin scope, the token no longer works with the user API.
    assert error_of(idp.get_user, AccessToken=access) == ("NotAuthorizedException", "Access Token does not have required scopes")


def test_v1_trigger_customizes_the_id_token_only(tsb, idp):
    pool, app = make_pool(idp)
    events = []

    def handler(event, context):
        events.append(event)
        event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"tenant": "acme"}}
        return event

    labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", handler)
    tokens = sign_in(idp, app)
    assert events[0]["version"] == "1" and "scopes" not in events[0]["request"]
    assert claims(tokens["IdToken"])["tenant"] == "acme" and "tenant" not in claims(tokens["AccessToken"])


def test_access_token_customization_is_not_on_lite(tsb, idp):
    pool, app = make_pool(idp, tier="LITE")
    arn = labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", lambda event: event)
    err = error_of(idp.update_user_pool, UserPoolId=pool,
                   LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": arn}})
    assert err.code == "FeatureUnavailableInTierException"
    # V1 is a Lite feature.
    idp.update_user_pool(UserPoolId=pool, LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V1_0", "LambdaArn": arn}})
    with pytest.raises(FeatureUnavailableInTier):
        labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", lambda event: event, version="V2_0")


def test_attach_with_a_version_writes_the_config(tsb, idp):
    pool, app = make_pool(idp)

    def handler(event):
        event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {"claimsToAddOrOverride": {"n": 1}}}
        return event

    arn = labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", handler, version="V2_0")
    config = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["LambdaConfig"]["PreTokenGenerationConfig"]
    assert config == {"LambdaVersion": "V2_0", "LambdaArn": arn}
    assert claims(sign_in(idp, app)["AccessToken"])["n"] == 1


JUNK_TOKEN_RESPONSES = [
    ["not", "an", "event"],
    {"response": "yes"},
    {"response": {"claimsAndScopeOverrideDetails": "all of them"}},
    {"response": {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {"scopesToAdd": "photos/read"}}}},
    {"response": {"claimsAndScopeOverrideDetails": {"idTokenGeneration": {"claimsToSuppress": [1, 2]}}}},
]


@pytest.mark.parametrize("junk", JUNK_TOKEN_RESPONSES, ids=range(len(JUNK_TOKEN_RESPONSES)))
def test_junk_from_a_v2_trigger_is_refused(tsb, idp, junk):
    pool, app = make_pool(idp)
    use_v2(tsb, idp, pool, lambda event, context: junk)
    err = error_of(sign_in, idp, app)
    assert err == ("InvalidLambdaResponseException", "Unrecognizable lambda output") and err.status == 400


def test_junk_from_a_v1_trigger_is_refused(tsb, idp):
    pool, app = make_pool(idp)

    def handler(event, context):
        event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"seats": 5}}  # V1: strings only
        return event

    labkit.userpools.attach_trigger(tsb, pool, "PreTokenGeneration", handler)
    assert error_of(sign_in, idp, app) == ("InvalidLambdaResponseException", "Unrecognizable lambda output")


def test_junk_from_every_trigger_kind_is_refused(tsb, idp):
    pool, app = make_pool(idp)
    # PreSignUp: autoConfirmUser must be a boolean.
    def pre_sign_up(event, context):
        event["response"]["autoConfirmUser"] = "yes please"
        return event

    labkit.userpools.attach_trigger(tsb, pool, "PreSignUp", pre_sign_up)
    assert error_of(idp.sign_up, ClientId=app, Username="bob", Password=PASSWORD) == (
        "InvalidLambdaResponseException", "Unrecognizable lambda output")
    labkit.userpools.detach_trigger(tsb, pool, "PreSignUp")
    # PreAuthentication and PostConfirmation: a string is not an event.
    labkit.userpools.attach_trigger(tsb, pool, "PreAuthentication", lambda event, context: "ok")
    assert error_of(sign_in, idp, app).code == "InvalidLambdaResponseException"
    labkit.userpools.detach_trigger(tsb, pool, "PreAuthentication")
    labkit.userpools.attach_trigger(tsb, pool, "PostConfirmation", lambda event, context: 42)
    idp.sign_up(ClientId=app, Username="carol", Password=PASSWORD)
    assert error_of(idp.admin_confirm_sign_up, UserPoolId=pool, Username="carol").code == "InvalidLambdaResponseException"
    # Returning None (the event as Cognito sent it) is fine, as on AWS with a handler that edits the event in place.
    labkit.userpools.detach_trigger(tsb, pool, "PostConfirmation")
    labkit.userpools.attach_trigger(tsb, pool, "PreAuthentication", lambda event, context: None)
    assert "AccessToken" in sign_in(idp, app)


def test_v3_event_is_version_3_and_customizes_the_access_token(tsb, idp):
    pool, app = make_pool(idp)
    events = []

    def handler(event, context):
        events.append(event)
        event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {"claimsToAddOrOverride": {"m2m": False}}}
        return event

    use_v2(tsb, idp, pool, handler, version="V3_0")
    assert claims(sign_in(idp, app)["AccessToken"])["m2m"] is False
    assert events[0]["version"] == "3" and events[0]["request"]["scopes"] == ["aws.cognito.signin.user.admin"]


def test_an_exception_in_a_v2_trigger_fails_the_sign_in(tsb, idp):
    pool, app = make_pool(idp)

    def handler(event, context):
        raise RuntimeError("no tenant for alice")

    use_v2(tsb, idp, pool, handler)
    assert error_of(sign_in, idp, app) == ("UserLambdaValidationException",
                                           "PreTokenGeneration failed with error no tenant for alice.")
