"""Passkeys (WebAuthn): the pool as relying party (SetUserPoolMfaConfig WebAuthnConfiguration), registration
(StartWebAuthnRegistration / CompleteWebAuthnRegistration), ListWebAuthnCredentials, DeleteWebAuthnCredential,
and USER_AUTH's WEB_AUTHN challenge, with labkit's software authenticator as the user's device. Raw moto
simulates none of these operations (NotImplemented), so each test fails on raw moto. Both transports."""

import base64
import json

import pytest

import labkit
from support import error_of

PASSWORD = "Passw0rd!"
EMAIL = "alice@example.com"
FACTORS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]}}


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


class Pool:
    """A pool with a domain (so a default RP ID), a USER_AUTH client, and alice signed in with her password."""

    def __init__(self, idp, prefix="lab-passkeys", tier=None, factors=FACTORS, username="alice"):
        kw = {"UserPoolTier": tier} if tier else {}
        self.idp = idp
        self.id = idp.create_user_pool(PoolName="lab", Policies=factors, **kw)["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain=prefix, UserPoolId=self.id)
        self.rp_id = f"{prefix}.auth.{self.id.split('_')[0]}.amazoncognito.com"
        self.origin = f"https://{self.rp_id}"
        self.app = self.client()
        self.username = username
        attrs = [{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}]
        idp.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS", UserAttributes=attrs)
        idp.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)

    def client(self):
        return self.idp.create_user_pool_client(UserPoolId=self.id, ClientName="app", ExplicitAuthFlows=[
            "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]

    def access_token(self, app=None):
        return self.idp.initiate_auth(ClientId=app or self.app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": self.username, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]

    def register(self, device, at=None):
        at = at or self.access_token()
        options = self.idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
        self.idp.complete_web_authn_registration(AccessToken=at, Credential=device.create(options))
        return at

    def passkey_challenge(self):
        step = self.idp.initiate_auth(ClientId=self.app, AuthFlow="USER_AUTH", AuthParameters={
            "USERNAME": self.username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        assert step["ChallengeName"] == "WEB_AUTHN"
        return step

    def answer(self, step, credential):
        return self.idp.respond_to_auth_challenge(ClientId=self.app, ChallengeName="WEB_AUTHN", Session=step["Session"],
                                                  ChallengeResponses={"USERNAME": self.username, "CREDENTIAL": credential})

    def sign_in(self, device):
        step = self.passkey_challenge()
        return self.answer(step, device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_register_a_passkey_and_sign_in_with_it(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    assert options["rp"]["id"] == pool.rp_id  # the default RP ID: the pool's domain
    assert options["user"]["name"] == "alice" and options["authenticatorSelection"]["userVerification"] == "preferred"
    assert {p["alg"] for p in options["pubKeyCredParams"]} == {-7, -257}
    idp.complete_web_authn_registration(AccessToken=at, Credential=device.create(options))
    listed = idp.list_web_authn_credentials(AccessToken=at)["Credentials"]
    assert [(c["CredentialId"], c["RelyingPartyId"], c["AuthenticatorAttachment"]) for c in listed] == [
        (device.credentials[0].id, pool.rp_id, "platform")]
    assert listed[0]["AuthenticatorTransports"] == ["internal", "hybrid"]

    # USER_AUTH now offers WEB_AUTHN to alice (she has a passkey and the pool allows it).
    step = idp.initiate_auth(ClientId=pool.app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
    assert step["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]
    step = idp.respond_to_auth_challenge(ClientId=pool.app, ChallengeName="SELECT_CHALLENGE", Session=step["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "ANSWER": "WEB_AUTHN"})
    assert step["ChallengeName"] == "WEB_AUTHN"
    request = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert request["rpId"] == pool.rp_id and [c["id"] for c in request["allowCredentials"]] == [device.credentials[0].id]
    tokens = pool.answer(step, device.get(request))["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
    factors = idp.get_user_auth_factors(AccessToken=tokens["AccessToken"])["ConfiguredUserAuthFactors"]
    assert "WEB_AUTHN" in factors
    # Again: the sign counter moves on with each sign-in.
    assert "AuthenticationResult" in pool.sign_in(device)


def test_the_relying_party_setting(idp):
    pool = Pool(idp)
    assert idp.get_user_pool_mfa_config(UserPoolId=pool.id)["WebAuthnConfiguration"] == {
        "RelyingPartyId": pool.rp_id, "UserVerification": "preferred"}
    out = idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OFF",
                                       WebAuthnConfiguration={"RelyingPartyId": "example.com", "UserVerification": "required"})
    assert out["WebAuthnConfiguration"] == {"RelyingPartyId": "example.com", "UserVerification": "required"}
    assert idp.get_user_pool_mfa_config(UserPoolId=pool.id)["WebAuthnConfiguration"]["RelyingPartyId"] == "example.com"
    # A custom RP ID: an app at a subdomain of it registers passkeys.
    device = labkit.passkey_authenticator(origin="https://app.example.com")
    pool.register(device)
    assert "AuthenticationResult" in pool.sign_in(device)
    err = error_of(idp.set_user_pool_mfa_config, UserPoolId=pool.id, WebAuthnConfiguration={"UserVerification": "always"})
    assert err.code == "InvalidParameterException"


def test_a_pool_with_no_domain_and_no_rp_id_cannot_register(idp):
    pool_id = idp.create_user_pool(PoolName="bare", Policies=FACTORS)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="bob", Password=PASSWORD, Permanent=True)
    at = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    assert error_of(idp.start_web_authn_registration, AccessToken=at).code == "WebAuthnConfigurationMissingException"


def test_passkeys_need_web_authn_among_the_first_factors(idp):
    pool = Pool(idp, factors={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    assert error_of(idp.start_web_authn_registration, AccessToken=pool.access_token()).code == "WebAuthnNotEnabledException"


def test_the_lite_plan_has_no_passkeys(idp):
    pool = Pool(idp, tier="LITE", factors={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    err = error_of(idp.start_web_authn_registration, AccessToken=pool.access_token())
    assert err.code == "FeatureUnavailableInTierException"
    err = error_of(idp.set_user_pool_mfa_config, UserPoolId=pool.id, WebAuthnConfiguration={"UserVerification": "required"})
    assert err.code == "FeatureUnavailableInTierException"
    err = error_of(idp.update_user_pool, UserPoolId=pool.id, Policies=FACTORS)
    assert err.code == "FeatureUnavailableInTierException"


def test_a_user_without_a_passkey_is_not_offered_web_authn(idp):
    pool = Pool(idp)
    step = idp.initiate_auth(ClientId=pool.app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
    assert "WEB_AUTHN" not in step["AvailableChallenges"]
    # PREFERRED_CHALLENGE WEB_AUTHN without a passkey: the choice instead.
    step = idp.initiate_auth(ClientId=pool.app, AuthFlow="USER_AUTH",
                             AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert step["ChallengeName"] == "SELECT_CHALLENGE"
    err = error_of(idp.respond_to_auth_challenge, ClientId=pool.app, ChallengeName="SELECT_CHALLENGE", Session=step["Session"],
                   ChallengeResponses={"USERNAME": "alice", "ANSWER": "WEB_AUTHN"})
    assert err.code == "InvalidParameterException"


def test_a_replayed_assertion_is_refused(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(device)
    step = pool.passkey_challenge()
    assertion = device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert "AuthenticationResult" in pool.answer(step, assertion)
    # The same assertion for a new challenge: its challenge is the old one.
    err = error_of(pool.answer, pool.passkey_challenge(), assertion)
    assert err.code == "NotAuthorizedException" and "challenge" in err.message
    # The same Session again: used up.
    assert error_of(pool.answer, step, assertion) == ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def tampered(assertion: str, part: str, fn) -> str:
    doc = json.loads(assertion)
    doc["response"][part] = b64u(fn(unb64u(doc["response"][part])))
    return json.dumps(doc)


def test_a_tampered_assertion_is_refused(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(device)
    step = pool.passkey_challenge()
    good = device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    flip = lambda b: b[:-1] + bytes([b[-1] ^ 1])  # noqa: E731
    bad_sig = tampered(good, "signature", flip)
    err = error_of(pool.answer, step, bad_sig)
    assert err.code == "NotAuthorizedException" and "signature" in err.message
    # clientDataJSON rewritten (another challenge's bytes would not match the signature either).
    step = pool.passkey_challenge()
    good = device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    bad_client = tampered(good, "clientDataJSON", lambda b: b.replace(b'"crossOrigin":false', b'"crossOrigin":false '))
    err = error_of(pool.answer, step, bad_client)
    assert err.code == "NotAuthorizedException" and "signature" in err.message
    # Not JSON at all: a validation error, never a 500.
    step = pool.passkey_challenge()
    assert error_of(pool.answer, step, "{not json").code == "InvalidParameterException"


def test_a_passkey_for_another_relying_party_is_refused(idp):
    pool = Pool(idp)
    # Registration: the authenticator made the credential for another RP ID.
    device = labkit.passkey_authenticator(origin=pool.origin)
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    options["rp"]["id"] = "evil.example"
    err = error_of(idp.complete_web_authn_registration, AccessToken=at, Credential=device.create(options))
    assert err.code == "WebAuthnRelyingPartyMismatchException"
    # Sign-in: an assertion signed for another RP ID (a phishing site's).
    pool.register(device)
    step = pool.passkey_challenge()
    request = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    request["rpId"] = "evil.example"
    err = error_of(pool.answer, step, device.get(request))
    assert err.code == "NotAuthorizedException" and "RP ID" in err.message
    # A passkey of another pool (another RP ID) is not alice's passkey here.
    other = Pool(idp, prefix="other-passkeys")
    elsewhere = labkit.passkey_authenticator(origin=other.origin)
    other.register(elsewhere)
    step = pool.passkey_challenge()
    request = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    request["allowCredentials"], request["rpId"] = [], other.rp_id
    assert error_of(pool.answer, step, elsewhere.get(request)).code == "NotAuthorizedException"


def test_a_wrong_origin_is_refused(idp):
    pool = Pool(idp)
    phisher = labkit.passkey_authenticator(origin="https://lab-passkeys.example.net")
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    err = error_of(idp.complete_web_authn_registration, AccessToken=at, Credential=phisher.create(options))
    assert err.code == "WebAuthnOriginNotAllowedException"
    # http is not allowed for a real domain either.
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    plain = labkit.passkey_authenticator(origin=f"http://{pool.rp_id}")
    assert error_of(idp.complete_web_authn_registration, AccessToken=at,
                    Credential=plain.create(options)).code == "WebAuthnOriginNotAllowedException"
    # Sign-in from the wrong origin.
    device = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(device, at)
    step = pool.passkey_challenge()
    device.origin = "https://lab-passkeys.example.net"
    err = error_of(pool.answer, step, device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]))
    assert err.code == "NotAuthorizedException" and "origin" in err.message


def test_challenges_expire(tsb, idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    tsb.advance(181)
    err = error_of(idp.complete_web_authn_registration, AccessToken=at, Credential=device.create(options))
    assert err.code == "WebAuthnChallengeNotFoundException"
    # A credential for another challenge than the waiting one.
    idp.start_web_authn_registration(AccessToken=at)
    assert error_of(idp.complete_web_authn_registration, AccessToken=at,
                    Credential=device.create(options)).code == "WebAuthnChallengeNotFoundException"
    at = pool.register(device)
    step = pool.passkey_challenge()
    tsb.advance(181)
    assert error_of(pool.answer, step, device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])) == (
        "NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_registration_is_completed_by_the_client_that_started_it(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    other_at = pool.access_token(pool.client())
    err = error_of(idp.complete_web_authn_registration, AccessToken=other_at, Credential=device.create(options))
    assert err.code == "WebAuthnClientMismatchException"


def test_a_sign_counter_that_goes_back_is_refused(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(device)
    assert "AuthenticationResult" in pool.sign_in(device)
    assert "AuthenticationResult" in pool.sign_in(device)
    device.credentials[0].sign_count = 0  # a cloned authenticator replays an old counter
    err = error_of(pool.sign_in, device)
    assert err.code == "NotAuthorizedException" and "sign count" in err.message


def test_user_verification_required(idp):
    pool = Pool(idp)
    careless = labkit.passkey_authenticator(origin=pool.origin, user_verified=False)
    pool.register(careless)  # preferred: a passkey without user verification is accepted
    assert "AuthenticationResult" in pool.sign_in(careless)
    idp.set_user_pool_mfa_config(UserPoolId=pool.id, WebAuthnConfiguration={"UserVerification": "required"})
    err = error_of(pool.sign_in, careless)
    assert err.code == "NotAuthorizedException" and "verif" in err.message
    at = pool.access_token()
    options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
    assert options["authenticatorSelection"]["userVerification"] == "required"
    err = error_of(idp.complete_web_authn_registration, AccessToken=at,
                   Credential=labkit.passkey_authenticator(origin=pool.origin, user_verified=False).create(options))
    assert err.code == "WebAuthnCredentialNotSupportedException"
    careful = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(careful)
    assert "AuthenticationResult" in pool.sign_in(careful)


def test_a_deleted_passkey_no_longer_signs_in(idp):
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    at = pool.register(device)
    step = pool.passkey_challenge()
    options = step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    idp.delete_web_authn_credential(AccessToken=at, CredentialId=device.credentials[0].id)
    assert idp.list_web_authn_credentials(AccessToken=at)["Credentials"] == []
    assert error_of(pool.answer, step, device.get(options)).code == "NotAuthorizedException"
    step = idp.initiate_auth(ClientId=pool.app, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
    assert "WEB_AUTHN" not in step["AvailableChallenges"]
    assert error_of(idp.delete_web_authn_credential, AccessToken=at,
                    CredentialId=device.credentials[0].id).code == "ResourceNotFoundException"


def test_listing_pages_and_bad_input(idp):
    pool = Pool(idp)
    at = pool.access_token()
    devices = [labkit.passkey_authenticator(origin=pool.origin) for _ in range(3)]
    for d in devices:
        pool.register(d, at)
    page = idp.list_web_authn_credentials(AccessToken=at, MaxResults=2)
    rest = idp.list_web_authn_credentials(AccessToken=at, NextToken=page["NextToken"])
    assert [c["CredentialId"] for c in page["Credentials"] + rest["Credentials"]] == [d.credentials[0].id for d in devices]
    assert "NextToken" not in rest
    assert error_of(idp.complete_web_authn_registration, AccessToken=at, Credential={"id": "x"}).code in (
        "WebAuthnChallengeNotFoundException", "InvalidParameterException")
    idp.start_web_authn_registration(AccessToken=at)
    assert error_of(idp.complete_web_authn_registration, AccessToken=at,
                    Credential={"id": "x"}).code == "InvalidParameterException"
    assert error_of(idp.start_web_authn_registration, AccessToken="not-a-token").code == "NotAuthorizedException"


def test_a_passkey_sign_in_is_not_asked_for_mfa(idp):
    """MFA adds a factor for users whose first factor is a password (developer guide, "Adding MFA")."""
    pool = Pool(idp)
    device = labkit.passkey_authenticator(origin=pool.origin)
    pool.register(device)
    idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    step = idp.initiate_auth(ClientId=pool.app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert step["ChallengeName"] == "MFA_SETUP"
    assert "AuthenticationResult" in pool.sign_in(device)
    config = idp.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert config["MfaConfiguration"] == "ON" and config["WebAuthnConfiguration"]["RelyingPartyId"] == pool.rp_id
