"""Remembered devices: NewDeviceMetadata, ConfirmDevice, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER, the device
operations and their Admin variants, and MFA skipped on a remembered device. The device's side is played by
an independent client, pycognito's AWSSRP (its device-tracking flow and generate_hash_device), so the server's
SRP is checked against someone else's implementation of Cognito's. Raw moto answers none of these operations
and returns no NewDeviceMetadata; each test runs on both transports."""

import pytest
from pycognito.aws_srp import AWSSRP, generate_hash_device

from support import error_of

PASSWORD = "Passw0rd!"
EMAIL = "alice@example.com"
SES = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"}
ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
OPT_IN = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


def make_pool(idp, devices=ALWAYS, mfa=True):
    kw = {"DeviceConfiguration": devices} if devices is not None else {}
    pool = idp.create_user_pool(PoolName="lab", EmailConfiguration=SES, **kw)["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    if mfa:
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={})
        idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice", EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    return pool, app["UserPoolClient"]["ClientId"]


def srp_sign_in(idp, pool, app, device=None):
    """pycognito's sign-in: USER_SRP_AUTH, and with a device, DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER."""
    kw = dict(device_key=device[0], device_group_key=device[1], device_password=device[2]) if device else {}
    return AWSSRP(username="alice", password=PASSWORD, pool_id=pool, client_id=app, client=idp, **kw).authenticate_user()


def pass_mfa(tsb, idp, app, step):
    assert step["ChallengeName"] == "EMAIL_OTP"
    return idp.respond_to_auth_challenge(ClientId=app, ChallengeName="EMAIL_OTP", Session=step["Session"], ChallengeResponses={
        "USERNAME": "alice", "EMAIL_OTP_CODE": tsb.inbox(EMAIL).latest.code})["AuthenticationResult"]


def remember_this_device(tsb, idp, pool, app, name="Alice's laptop"):
    """First sign-in (with MFA), then ConfirmDevice with pycognito's verifier: (key, group key, device password), response."""
    result = pass_mfa(tsb, idp, app, srp_sign_in(idp, pool, app))
    meta = result["NewDeviceMetadata"]
    assert meta["DeviceKey"].startswith("us-east-1_") and meta["DeviceGroupKey"]
    password, verifier = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    confirmed = idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=meta["DeviceKey"],
                                   DeviceSecretVerifierConfig=verifier, DeviceName=name)
    return (meta["DeviceKey"], meta["DeviceGroupKey"], password), result["AccessToken"], confirmed


def test_a_remembered_device_skips_mfa(tsb, idp):
    pool, app = make_pool(idp)
    device, access, confirmed = remember_this_device(tsb, idp, pool, app)
    assert confirmed["UserConfirmationNecessary"] is False
    sent = len(tsb.inbox(EMAIL).messages)
    result = srp_sign_in(idp, pool, app, device)["AuthenticationResult"]
    assert "AccessToken" in result and "NewDeviceMetadata" not in result
    assert len(tsb.inbox(EMAIL).messages) == sent  # no MFA code this time
    listed = idp.list_devices(AccessToken=result["AccessToken"])["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device[0]]
    attrs = {a["Name"]: a["Value"] for a in listed[0]["DeviceAttributes"]}
    assert attrs["dev:device_remembered_status"] == "remembered" and attrs["device_name"] == "Alice's laptop"
    assert "DeviceLastAuthenticatedDate" in listed[0]


def test_a_forgotten_device_no_longer_skips_mfa(tsb, idp):
    pool, app = make_pool(idp)
    device, access, _ = remember_this_device(tsb, idp, pool, app)
    idp.forget_device(AccessToken=access, DeviceKey=device[0])
    assert idp.list_devices(AccessToken=access)["Devices"] == []
    assert error_of(idp.get_device, AccessToken=access, DeviceKey=device[0]) == ("ResourceNotFoundException", "Device does not exist.")
    step = srp_sign_in(idp, pool, app, device)
    result = pass_mfa(tsb, idp, app, step)  # MFA again, and a new device key
    assert result["NewDeviceMetadata"]["DeviceKey"] != device[0]


def test_user_opt_in_remembers_only_when_asked(tsb, idp):
    pool, app = make_pool(idp, devices=OPT_IN)
    device, access, confirmed = remember_this_device(tsb, idp, pool, app)
    assert confirmed["UserConfirmationNecessary"] is True
    got = idp.get_device(AccessToken=access, DeviceKey=device[0])["Device"]
    assert {"Name": "dev:device_remembered_status", "Value": "not_remembered"} in got["DeviceAttributes"]
    # Not remembered: the device authenticates, but MFA is still asked.
    step = srp_sign_in(idp, pool, app, device)
    assert "NewDeviceMetadata" not in pass_mfa(tsb, idp, app, step)
    idp.update_device_status(AccessToken=access, DeviceKey=device[0], DeviceRememberedStatus="remembered")
    assert "AccessToken" in srp_sign_in(idp, pool, app, device)["AuthenticationResult"]
    idp.admin_update_device_status(UserPoolId=pool, Username="alice", DeviceKey=device[0], DeviceRememberedStatus="not_remembered")
    assert srp_sign_in(idp, pool, app, device)["ChallengeName"] == "EMAIL_OTP"


def test_without_challenge_required_on_new_device_mfa_stays(tsb, idp):
    pool, app = make_pool(idp, devices={"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False})
    device, _, _ = remember_this_device(tsb, idp, pool, app)
    assert srp_sign_in(idp, pool, app, device)["ChallengeName"] == "EMAIL_OTP"


def test_a_wrong_device_password_is_refused(tsb, idp):
    pool, app = make_pool(idp)
    device, _, _ = remember_this_device(tsb, idp, pool, app)
    err = error_of(srp_sign_in, idp, pool, app, (device[0], device[1], "not-the-device-password"))
    assert err == ("NotAuthorizedException", "Incorrect username or password.")
    # Another device's group key cannot stand in either.
    assert error_of(srp_sign_in, idp, pool, app, (device[0], "-wronggrp", device[2])).code == "NotAuthorizedException"


def test_device_challenges_with_the_session_as_amplify_sends_it(tsb, idp):
    """amazon-cognito-identity-js passes the Session of DEVICE_SRP_AUTH on; the same proof then works."""
    pool, app = make_pool(idp)
    key, group, password = remember_this_device(tsb, idp, pool, app)[0]
    client = AWSSRP(username="alice", password=PASSWORD, pool_id=pool, client_id=app, client=idp,
                    device_key=key, device_group_key=group, device_password=password)
    params = client.get_auth_params()
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    step = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="PASSWORD_VERIFIER",
                                         ChallengeResponses=client.process_challenge(step["ChallengeParameters"], params))
    assert step["ChallengeName"] == "DEVICE_SRP_AUTH" and step["Session"]
    srp_a = format(client.large_a_value, "x")
    step = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="DEVICE_SRP_AUTH", Session=step["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": key, "SRP_A": srp_a})
    assert step["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    assert set(step["ChallengeParameters"]) >= {"SRP_B", "SALT", "SECRET_BLOCK", "USERNAME"}
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=step["Session"],
                                         ChallengeResponses=client.process_device_challenge(step["ChallengeParameters"]))
    assert "AccessToken" in done["AuthenticationResult"]
    # The proof is single use.
    again = error_of(idp.respond_to_auth_challenge, ClientId=app, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                     ChallengeResponses=client.process_device_challenge(step["ChallengeParameters"]))
    assert again.code == "NotAuthorizedException"


def test_admin_device_operations(tsb, idp):
    pool, app = make_pool(idp, mfa=False)
    result = srp_sign_in(idp, pool, app)["AuthenticationResult"]
    key = result["NewDeviceMetadata"]["DeviceKey"]
    # Not confirmed yet: not listed.
    assert idp.admin_list_devices(UserPoolId=pool, Username="alice")["Devices"] == []
    _, verifier = generate_hash_device(result["NewDeviceMetadata"]["DeviceGroupKey"], key)
    idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=verifier)
    assert idp.admin_get_device(UserPoolId=pool, Username="alice", DeviceKey=key)["Device"]["DeviceKey"] == key
    assert [d["DeviceKey"] for d in idp.admin_list_devices(UserPoolId=pool, Username="alice", Limit=1)["Devices"]] == [key]
    idp.admin_forget_device(UserPoolId=pool, Username="alice", DeviceKey=key)
    assert error_of(idp.admin_get_device, UserPoolId=pool, Username="alice", DeviceKey=key).code == "ResourceNotFoundException"
    assert error_of(idp.admin_forget_device, UserPoolId=pool, Username="alice", DeviceKey=key).code == "ResourceNotFoundException"


def test_device_errors(tsb, idp):
    pool, app = make_pool(idp, mfa=False)
    result = srp_sign_in(idp, pool, app)["AuthenticationResult"]
    key = result["NewDeviceMetadata"]["DeviceKey"]
    _, verifier = generate_hash_device(result["NewDeviceMetadata"]["DeviceGroupKey"], key)
    assert error_of(idp.confirm_device, AccessToken=result["AccessToken"], DeviceKey="us-east-1_00000000-0000-4000-8000-000000000000",
                    DeviceSecretVerifierConfig=verifier) == ("InvalidParameterException", "Invalid device key given.")
    assert error_of(idp.confirm_device, AccessToken=result["AccessToken"], DeviceKey=key).code == "InvalidParameterException"
    idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=verifier)
    assert error_of(idp.list_devices, AccessToken="not-a-token").code == "NotAuthorizedException"
    # A pool that does not track devices gives no device key.
    pool2, app2 = make_pool(idp, devices=None, mfa=False)
    assert "NewDeviceMetadata" not in srp_sign_in(idp, pool2, app2)["AuthenticationResult"]


def test_password_sign_in_with_a_device_key_and_an_expired_device_step(tsb, idp):
    """USER_PASSWORD_AUTH with DEVICE_KEY also authenticates the device; its step expires with the session."""
    pool, app = make_pool(idp)
    key, group, password = remember_this_device(tsb, idp, pool, app)[0]
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD, "DEVICE_KEY": key})
    assert step["ChallengeName"] == "DEVICE_SRP_AUTH"
    client = AWSSRP(username="alice", password=PASSWORD, pool_id=pool, client_id=app, client=idp,
                    device_key=key, device_group_key=group, device_password=password)
    srp_a = format(client.large_a_value, "x")
    nxt = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="DEVICE_SRP_AUTH", Session=step["Session"],
                                        ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": key, "SRP_A": srp_a})
    done = idp.respond_to_auth_challenge(ClientId=app, ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=nxt["Session"],
                                         ChallengeResponses=client.process_device_challenge(nxt["ChallengeParameters"]))
    assert "AccessToken" in done["AuthenticationResult"]
    # The device step waits three minutes at most, as every challenge of a sign-in.
    step = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD, "DEVICE_KEY": key})
    tsb.advance(181)
    err = error_of(idp.respond_to_auth_challenge, ClientId=app, ChallengeName="DEVICE_SRP_AUTH", Session=step["Session"],
                   ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": key, "SRP_A": srp_a})
    assert err == ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_a_deleted_users_devices_go_with_them(tsb, idp):
    pool, app = make_pool(idp, mfa=False)
    result = srp_sign_in(idp, pool, app)["AuthenticationResult"]
    key = result["NewDeviceMetadata"]["DeviceKey"]
    _, verifier = generate_hash_device(result["NewDeviceMetadata"]["DeviceGroupKey"], key)
    idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=verifier)
    idp.admin_delete_user(UserPoolId=pool, Username="alice")
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}])
    assert idp.admin_list_devices(UserPoolId=pool, Username="alice")["Devices"] == []
