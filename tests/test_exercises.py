"""The "Check yourself" exercises (``labkit.exercises``): every checker accepts its model solution from
``solutions/``, rejects typical wrong answers, and turns an answer that raises into a verdict (never a
traceback). Progress goes to a temporary file (``COGNITO_LAB_PROGRESS``), never to the home directory.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path
from urllib.parse import urlencode

import boto3
import jwt
import pytest

import labkit
from labkit import exercises
from labkit.exercises import check, hint, progress

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Every test writes progress to its own temporary file, never to ~/.cognito-lab."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COGNITO_LAB_PROGRESS", str(path))
    monkeypatch.setattr(labkit.exercises._progress, "_memory", {})
    return path


def solution(exercise_id: str):
    """The model answer of an exercise, as the learner would pass it to check()."""
    number = exercise_id.split(".")[0]
    (path,) = SOLUTIONS.glob(f"{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"solutions_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    answer = module.ANSWERS[exercise_id]
    return answer() if exercise_id in getattr(module, "MAKE", ()) else answer


# ------------------------------------------------------------------------------------------ wrong answers
# Each is a factory called inside the running sandbox: it returns what a learner would pass to check().

def _raises(*_args, **_kwargs):
    raise KeyError("Credentials")


def _tokens_sol():
    return solution("02.2")


def _policy(statement, version=True):
    doc = {"Statement": [statement]}
    if version:
        doc = {"Version": "2012-10-17", **doc}
    return doc


def _only_sign_up(client_id, username, password, email):
    boto3.client("cognito-idp").sign_up(ClientId=client_id, Username=username, Password=password,
                                        UserAttributes=[{"Name": "email", "Value": email}])


def _wrong_code(client_id, username, password, email):
    _only_sign_up(client_id, username, password, email)
    boto3.client("cognito-idp").confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode="000000")


def _let_everyone_in(event, context):
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event


def _refuse_everyone(event, context):
    raise Exception("closed")


def _no_verify(event, context):
    if not event["request"]["userAttributes"]["email"].endswith("@example.org"):
        raise Exception("staff only")
    event["response"]["autoConfirmUser"] = True
    return event


def _get_id_only(identity_pool_id):
    return boto3.client("cognito-identity").get_id(IdentityPoolId=identity_pool_id)


def _without_logins(identity_pool_id, google_token):
    ci = boto3.client("cognito-identity")
    identity_id = ci.get_id(IdentityPoolId=identity_pool_id, Logins={"accounts.google.com": google_token})["IdentityId"]
    return ci.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]


def _trust(conditions):
    return lambda pool_id: _policy({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                                    "Action": "sts:AssumeRoleWithWebIdentity", "Condition": conditions(pool_id)})


def _saml_trust(aud="https://signin.aws.amazon.com/saml", first_only=False):
    def policy(arns):
        return _policy({"Effect": "Allow", "Principal": {"Federated": arns[:1] if first_only else list(arns)},
                        "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": aud}}})
    return policy


def _rotate_again(ad, provider_arn):
    ad.rotate_certificate()


def _delete_provider(ad, provider_arn):
    boto3.client("iam").delete_saml_provider(SAMLProviderArn=provider_arn)


def _saml_identity(identity_pool_id, provider_arn, saml_response, role_arn, **extra):
    cognito = boto3.client("cognito-identity")
    logins = {provider_arn: saml_response}
    identity_id = cognito.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    return cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins, **extra)["Credentials"]


def _saml_default_role(identity_pool_id, provider_arn, saml_response, role_arn):
    return _saml_identity(identity_pool_id, provider_arn, saml_response, role_arn)


def _saml_straight_to_sts(identity_pool_id, provider_arn, saml_response, role_arn):
    out = boto3.client("sts").assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=saml_response)
    return out["Credentials"]


def _saml_first_granted_role(identity_pool_id, provider_arn, saml_response, role_arn):
    from lxml import etree

    from labkit import saml

    root = etree.fromstring(saml.decode(saml_response))
    first = root.find(f".//{{{saml.ASSERTION}}}Attribute[@Name='{saml.ATTR_ROLE}']/{{{saml.ASSERTION}}}AttributeValue").text
    return _saml_identity(identity_pool_id, provider_arn, saml_response, role_arn, CustomRoleArn=first.split(",")[0])


def _hash_of(message, key="secret", encode=lambda d: base64.b64encode(d).decode()):
    """A SECRET_HASH function built wrong in one way: ``message(client_id, username)``, ``key`` names the HMAC key."""
    import hmac

    def secret_hash(client_id, client_secret, username):
        k = {"secret": client_secret, "client": client_id}[key]
        return encode(hmac.new(k.encode(), message(client_id, username).encode(), hashlib.sha256).digest())
    return secret_hash


def _trust_repair(statement):
    def repair_trust(identity_pool_id, role_name):
        doc = {"Version": "2012-10-17", "Statement": statement(identity_pool_id)}
        boto3.client("iam").update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(doc))
    return repair_trust


def _web_identity(conditions):
    return lambda pool_id: [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                             "Action": "sts:AssumeRoleWithWebIdentity", "Condition": conditions(pool_id)}]


def _sync_count_zero(sync, pool_id, identity_id, dataset, key, value):
    token = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)["SyncSessionToken"]
    sync.update_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset, SyncSessionToken=token,
                        RecordPatches=[{"Op": "replace", "Key": key, "Value": value, "SyncCount": 0}])


def _dataset_count(sync, pool_id, identity_id, dataset, key, value):
    page = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)
    sync.update_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset, SyncSessionToken=page["SyncSessionToken"],
                        RecordPatches=[{"Op": "replace", "Key": key, "Value": value, "SyncCount": page["DatasetSyncCount"]}])


def _save(condition):
    def save(db, table, identity_id, key, value, read_version):
        kwargs = {"ConditionExpression": condition} if condition else {}
        db.put_item(TableName=table, Item={"IdentityId": {"S": identity_id}, "Key": {"S": key}, "Value": {"S": value},
                                           "Version": {"N": str(read_version + 1)}}, **kwargs)
    return save


def _admin_s3(identity_pool_id, logins):
    return boto3.client("s3")


def _challenge(encode):
    return lambda verifier: encode(hashlib.sha256(verifier.encode()).digest())


def _authorize(drop=(), **override):
    def authorize_url(base, client_id, redirect_uri, verifier, state):
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
                  "scope": "openid email profile", "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
        params.update({k: (v(verifier) if callable(v) else v) for k, v in override.items()})
        return f"{base}/oauth2/authorize?" + urlencode({k: v for k, v in params.items() if k not in drop})
    return authorize_url


WRONG = {
    "00.1": [lambda: f"{labkit.Sandbox.current().region}_doesNotExist",
             lambda: boto3.client("cognito-idp").create_user_pool(PoolName="welcome-pool")["UserPool"]["Id"]],
    "00.2": [lambda: (lambda pool_id: True),
             lambda: (lambda pool_id: boto3.client("cognito-idp").describe_user_pool(UserPoolId=pool_id) is not None)],
    "00.3": [lambda: "cognito-idp", lambda: "s3"],
    "01.1": [lambda: "NotAuthorizedException", lambda: "UserNotFoundException"],
    "01.2": [lambda: _only_sign_up, lambda: _wrong_code],
    "01.3": [lambda: _let_everyone_in, lambda: _refuse_everyone, lambda: _no_verify],
    "02.1": [lambda: "aud", lambda: "sub", lambda: 42],
    "02.2": [lambda: (lambda token, pool_id, client_id: jwt.decode(token, options={"verify_signature": False})),
             lambda: (lambda token, pool_id, client_id: labkit.tokens.verify(token))],
    "02.3": [lambda: (lambda token: bool(labkit.tokens.verify(token))), lambda: (lambda token: False)],
    "03.1": [lambda: "LITE", lambda: "PLUS", lambda: "essentials"],
    "03.2": [lambda: _password_flow, lambda: (lambda c, u, e: _user_auth(c, u, "EMAIL_OTP")), lambda: _code_read_too_early],
    "03.3": [lambda: (lambda c, u, d: _user_auth(c, u, "WEB_AUTHN")), lambda: _options_are_the_parameters,
             lambda: (lambda c, u, d: _user_auth(c, u, "PASSWORD"))],
    "04.1": [lambda: "AccessDenied", lambda: "ResourceNotFoundException"],
    "04.2": [lambda: _get_id_only, lambda: (lambda identity_pool_id: _get_id_only(identity_pool_id)["IdentityId"])],
    "04.3": [lambda: (lambda b: _policy({"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::{b}/*"})),
             lambda: (lambda b: _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/public"})),
             lambda: (lambda b: _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                         "Resource": f"arn:aws:s3:::{b}/public/*"}))],
    "05.1": [lambda: "google", lambda: "https://accounts.google.com"],
    "05.2": [lambda: _without_logins,
             lambda: (lambda pool_id, token: boto3.client("cognito-identity").get_id(IdentityPoolId=pool_id,
                                                                                      Logins={"accounts.google.com": token}))],
    "05.3": [lambda: _trust(lambda p: {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}),
             lambda: _trust(lambda p: {"StringEquals": {"cognito-identity.amazonaws.com:aud": p}}),
             lambda: _trust(lambda p: {"StringEquals": {"cognito-identity.amazonaws.com:aud": p},
                                       "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}})],
    "06.1": [lambda: "${aws:username}", lambda: "${cognito-identity.amazonaws:sub}",
             lambda: "${cognito-identity.amazonaws.com:aud}"],
    "06.2": [lambda: (lambda b: _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                         "Resource": f"arn:aws:s3:::{b}/private/${{cognito-identity.amazonaws.com:sub}}/*"}, version=False)),
             lambda: (lambda b: _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                         "Resource": f"arn:aws:s3:::{b}/private/*"}))],
    "06.3": [lambda: (lambda arn: _policy({"Effect": "Allow", "Action": "dynamodb:*", "Resource": arn, "Condition": {
                 "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}})),
             lambda: (lambda arn: _policy({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                                           "Resource": arn}))],
    "07.1": [lambda: dict.fromkeys(["unsigned", "role not granted", "for another application", "redeemed 6 minutes later"], "AccessDenied"),
             lambda: {"unsigned": "InvalidIdentityToken", "role not granted": "InvalidIdentityToken",
                      "for another application": "AccessDenied", "redeemed 6 minutes later": "InvalidIdentityToken"}],
    "07.2": [lambda: _saml_trust(first_only=True), lambda: _saml_trust(aud="urn:amazon:webservices")],
    "07.3": [lambda: _rotate_again, lambda: _delete_provider],
    "07.4": [lambda: _saml_default_role, lambda: _saml_straight_to_sts, lambda: _saml_first_granted_role],
    "08.1": [lambda: 1, lambda: 2, lambda: "0"],
    "08.2": [lambda: _sync_count_zero, lambda: _dataset_count],
    "08.3": [lambda: _save(None), lambda: _save("attribute_not_exists(Version)")],
    "09.1": [lambda: (lambda region, pool: f"cognito-idp.amazonaws.com/{pool}"),
             lambda: (lambda region, pool: f"https://cognito-idp.{region}.amazonaws.com/{pool}")],
    "09.2": [lambda: _admin_s3, lambda: (lambda pool_id, logins: solution("09.2")(pool_id, {}))],
    "10.1": [lambda: _challenge(lambda d: d.hex()), lambda: _challenge(lambda d: base64.urlsafe_b64encode(d).decode()),
             lambda: (lambda verifier: verifier)],
    "10.2": [lambda: dict.fromkeys(["code used twice", "another verifier", "unregistered redirect_uri"], "invalid_request"),
             lambda: {"code used twice": "invalid_grant", "another verifier": "redirect_mismatch",
                      "unregistered redirect_uri": "invalid_grant"}],
    "10.3": [lambda: _authorize(code_challenge=lambda v: v, code_challenge_method="plain"),
             lambda: _authorize(drop=("code_challenge", "code_challenge_method")),
             lambda: _authorize(scope="email profile")],
    "12.1": [lambda: _hash_of(lambda c, u: c + u), lambda: _hash_of(lambda c, u: u + c, encode=lambda d: d.hex()),
             lambda: _hash_of(lambda c, u: u + c, key="client"), lambda: _hash_of(lambda c, u: u)],
    "12.2": [lambda: _trust_repair(_web_identity(lambda p: {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}})),
             lambda: _trust_repair(_web_identity(lambda p: {"StringEquals": {"cognito-identity.amazonaws.com:aud": p}})),
             lambda: _trust_repair(lambda p: [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                                               "Action": "sts:AssumeRoleWithWebIdentity"}])],
    "11.1": [lambda: dict.fromkeys(["access token, no scopes on the method", "ID token, scopes on the method",
                                    "expired ID token", "wrong path"], (401, "Unauthorized")),
             lambda: {"access token, no scopes on the method": (403, "Forbidden"), "ID token, scopes on the method": (401, "Unauthorized"),
                      "expired ID token": (401, "The incoming token has expired"), "wrong path": (404, "Not Found")}],
    "11.2": [lambda: (lambda region, account, api_id: _policy({"Effect": "Allow", "Action": "execute-api:Invoke",
                                                              "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/*"})),
             lambda: (lambda region, account, api_id: _policy({"Effect": "Allow", "Action": "execute-api:Invoke",
                                                              "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/prod/GET/notes/alice"}))],
}

# ------------------------------------------------------------------------------------------ cheats
# Answers that pass a check which only replays the scene the notebook built: each kind the issue names
# (reads the scene, a substring test for a boundary, changes on a second call, over-grants, a racy
# read-then-write that fakes the failure, labkit's own helper). Every one must be refused.

def _contains_domain(event, context):
    if "example.org" not in event["request"]["userAttributes"]["email"]:
        raise Exception("staff only")
    event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
    return event


def _ends_with_domain(event, context):
    if not event["request"]["userAttributes"]["email"].endswith("example.org"):
        raise Exception("staff only")
    event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
    return event


def _only_dora(client_id, username, password, email):
    idp = boto3.client("cognito-idp")
    idp.sign_up(ClientId=client_id, Username="dora", Password=password, UserAttributes=[{"Name": "email", "Value": email}])
    idp.confirm_sign_up(ClientId=client_id, Username="dora", ConfirmationCode=labkit.Sandbox.current().inbox(email).latest.code)


def _verifier_of_the_notebooks_region(token, pool_id, client_id):
    region = labkit.Sandbox.current().region  # the notebook's REGION, not the pool's
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    return labkit.tokens.verify(token, client_id=client_id, token_use="id", issuer=issuer)


def _textbook_pyjwt_verifier(token, pool_id, client_id):
    """PyJWT with its own clock and the pool's JWKS fetched with requests, as tutorials write it."""
    import requests

    region = pool_id.split("_")[0]
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    keys = requests.get(f"{issuer}/.well-known/jwks.json", timeout=5).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid)).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=client_id, issuer=issuer)
    if claims["token_use"] != "id":
        raise ValueError("not an ID token")
    return claims


def _first_call_true():
    calls = []

    def still_signed_in(access_token):
        calls.append(access_token)
        return len(calls) % 2 == 1
    return still_signed_in


def _first_answer_forever(make):
    first = []

    def answer(*args):
        if not first:
            first.append(make(*args))
        return first[0]
    return answer


def _user_auth(client_id, username, challenge):
    return boto3.client("cognito-idp").initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH", AuthParameters={
        "USERNAME": username, "PREFERRED_CHALLENGE": challenge})


def _answer(client_id, username, step, **responses):
    return boto3.client("cognito-idp").respond_to_auth_challenge(
        ClientId=client_id, ChallengeName=step["ChallengeName"], Session=step["Session"],
        ChallengeResponses={"USERNAME": username, **responses})["AuthenticationResult"]


def _password_flow(client_id, username, email):
    return boto3.client("cognito-idp").initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": username, "PASSWORD": "Passw0rd!"})["AuthenticationResult"]


def _code_read_too_early(client_id, username, email):
    code = labkit.Sandbox.current().inbox(email).latest.code  # before Cognito sent this sign-in's code
    return _answer(client_id, username, _user_auth(client_id, username, "EMAIL_OTP"), EMAIL_OTP_CODE=code)


def _kept_codes():
    codes = {}

    def sign_in(client_id, username, email):
        step = _user_auth(client_id, username, "EMAIL_OTP")
        code = codes.setdefault(email, labkit.Sandbox.current().inbox(email).latest.code)
        return _answer(client_id, username, step, EMAIL_OTP_CODE=code)
    return sign_in


def _options_are_the_parameters(client_id, username, device):
    step = _user_auth(client_id, username, "WEB_AUTHN")
    return _answer(client_id, username, step, CREDENTIAL=device.get(step["ChallengeParameters"]))


def _kept_assertion():
    kept = {}

    def sign_in(client_id, username, device):
        step = _user_auth(client_id, username, "WEB_AUTHN")
        if id(device) not in kept:
            kept[id(device)] = device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        return _answer(client_id, username, step, CREDENTIAL=kept[id(device)])
    return sign_in


def _racy_save(db, table, identity_id, key, value, read_version):
    from botocore.exceptions import ClientError

    item = db.get_item(TableName=table, Key={"IdentityId": {"S": identity_id}, "Key": {"S": key}}).get("Item")
    stored = int(item["Version"]["N"]) if item else 0
    if stored != read_version:
        raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}},
                          "PutItem")
    db.put_item(TableName=table, Item={"IdentityId": {"S": identity_id}, "Key": {"S": key}, "Value": {"S": value},
                                       "Version": {"N": str(read_version + 1)}})


_SUB = "${cognito-identity.amazonaws.com:sub}"
_LEADING = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [_SUB]}}

CHEATS = {
    "01.2": [lambda: _only_dora],
    "01.3": [lambda: _contains_domain, lambda: _ends_with_domain],
    "02.2": [lambda: _verifier_of_the_notebooks_region],
    "02.3": [_first_call_true],
    "03.2": [lambda: _first_answer_forever(solution("03.2")), _kept_codes],
    "03.3": [lambda: _first_answer_forever(solution("03.3")), _kept_assertion],
    "04.3": [lambda: (lambda b: _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"],
                                         "Resource": f"arn:aws:s3:::{b}/public/*"})),
             lambda: (lambda b: _policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObjectAcl"],
                                         "Resource": f"arn:aws:s3:::{b}/public/*"})),
             lambda: (lambda b: _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/public/*"}))],
    "05.3": [lambda: (lambda pool_id: {"Version": "2012-10-17", "Statement": [
                 solution("05.3")(pool_id)["Statement"][0],
                 {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})],
    "06.1": [lambda: "${aws:userid}"],
    "06.2": [lambda: (lambda b: _policy({"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::{b}/private/{_SUB}/*"})),
             lambda: (lambda b: {"Version": "2012-10-17", "Statement": [
                 solution("06.2")(b)["Statement"][0],
                 {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}"}]})],
    "06.3": [lambda: (lambda arn: _policy({"Effect": "Allow", "Resource": "*", "Condition": _LEADING,
                                           "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]})),
             lambda: (lambda arn: _policy({"Effect": "Allow", "Resource": arn, "Condition": _LEADING,
                                           "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteTable"]}))],
    "07.2": [lambda: _first_answer_forever(solution("07.2")),
             lambda: (lambda arns: {"Version": "2012-10-17", "Statement": [
                 solution("07.2")(arns)["Statement"][0],
                 {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})],
    "07.4": [lambda: _first_answer_forever(solution("07.4")),
             lambda: (lambda pool_id, arn, response, role: solution("07.4")(
                 boto3.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"][0]["IdentityPoolId"],
                 arn, response, role))],
    "08.3": [lambda: _racy_save],
    "09.1": [lambda: (lambda region, pool: f"cognito-idp.{labkit.Sandbox.current().region}.amazonaws.com/{pool}")],
    "10.1": [lambda: labkit.hostedui.code_challenge, lambda: _first_answer_forever(solution("10.1"))],
    "12.1": [lambda: labkit.userpools.clients.secret_hash, lambda: _first_answer_forever(solution("12.1")),
             lambda: (lambda client_id, client_secret, username: solution("12.1")(client_id, client_secret, "alice"))],
    "12.2": [lambda: _first_answer_forever(_trust_repair(lambda p: solution_trust(p))),
             lambda: (lambda pool_id, role: _trust_repair(lambda p: solution_trust(p) + [
                 {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}])(pool_id, role)),
             lambda: _trust_repair(lambda p: solution_trust(p, amr=["authenticated", "unauthenticated"]))],
}


def solution_trust(pool_id, amr="authenticated"):
    """The statements of 12.2's model trust policy (for cheats built on it)."""
    return _web_identity(lambda p: {"StringEquals": {"cognito-identity.amazonaws.com:aud": p},
                                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}})(pool_id)

#: The right answer of each "value" exercise must not appear in a failed verdict of a wrong answer.
RIGHT_VALUE = {"03.1": "ESSENTIALS", "01.1": "UserNotConfirmedException", "04.1": "NotAuthorizedException"}

ALL = [ex.id for ex in exercises.exercises()]


def test_every_exercise_has_a_solution_and_wrong_answers():
    """2-4 exercises per notebook; each has a model solution and at least two wrong answers here."""
    assert ALL, "no exercises registered"
    per_notebook = {}
    for ex in exercises.exercises():
        per_notebook.setdefault(ex.notebook, []).append(ex.id)
        assert len(WRONG.get(ex.id, [])) >= 2, f"{ex.id}: give at least two wrong answers"
        assert ex.hints, f"{ex.id} has no hint"
        assert f'check("{ex.id}", ' in ex.starter, f"{ex.id}: the starter cell must call check()"
    assert all(2 <= len(ids) <= 4 for ids in per_notebook.values()), per_notebook
    for ex_id in ALL:
        number = ex_id.split(".")[0]
        assert list(SOLUTIONS.glob(f"{number}_*.py")), f"no solutions/{number}_*.py"


@pytest.mark.parametrize("exercise_id", ALL)
def test_checker_accepts_the_solution_and_rejects_wrong_answers(exercise_id, sb, progress_file):
    verdict = check(exercise_id, solution(exercise_id))
    assert verdict.passed, repr(verdict)
    assert "passed" in repr(verdict) and "passed" in verdict._repr_html_()
    for index, make in enumerate(WRONG[exercise_id]):
        wrong = check(exercise_id, make())
        assert wrong.status == "failed", f"wrong answer #{index} was not rejected:\n{wrong!r}"
        assert any(not p.ok for p in wrong.points) and all(p.text for p in wrong.points)
    state = json.loads(progress_file.read_text())["exercises"][exercise_id]
    assert state["passed"] is True and state["attempts"] == 1 + len(WRONG[exercise_id])


@pytest.mark.parametrize("exercise_id", sorted(CHEATS))
def test_checker_refuses_cheats(exercise_id, sb):
    for index, make in enumerate(CHEATS[exercise_id]):
        verdict = check(exercise_id, make())
        assert verdict.status == "failed", f"cheat #{index} of {exercise_id} was not refused:\n{verdict!r}"
        assert any(not p.ok for p in verdict.points) and all(p.text for p in verdict.points)


def test_a_textbook_pyjwt_verifier_passes_after_the_notebook_moved_the_clock(sb):
    """02.2 in the notebook comes after Step 4's sb.advance(3600): PyJWT's own clock must not matter."""
    sb.advance(3600)
    verdict = check("02.2", _textbook_pyjwt_verifier)
    assert verdict.passed, repr(verdict)
    assert sb.clock.offset == 3600  # the check put the sandbox's clock back


@pytest.mark.parametrize("exercise_id", sorted(RIGHT_VALUE))
def test_verdicts_of_wrong_answers_do_not_hand_over_the_answer(exercise_id, sb):
    for make in WRONG[exercise_id]:
        verdict = check(exercise_id, make())
        failed = " ".join(p.text + " " + p.why for p in verdict.points if not p.ok)
        assert RIGHT_VALUE[exercise_id] not in failed, failed


@pytest.mark.parametrize("exercise_id", ["07.1", "10.2"])
def test_prediction_verdicts_do_not_hand_over_the_answers(exercise_id, sb):
    model = solution(exercise_id)
    wrong = {key: ("InvalidClientTokenId" if exercise_id == "07.1" else "invalid_scope") for key in model}
    verdict = check(exercise_id, wrong)
    failed = " ".join(p.text + " " + p.why for p in verdict.points if not p.ok)
    for right in model.values():
        assert repr(right) not in failed and f" {right}." not in failed, failed


def test_labkit_helpers_are_not_answers(sb):
    import functools

    for helper in (labkit.hostedui.code_challenge, functools.partial(labkit.tokens.verify, token_use="id")):
        verdict = check("10.1" if helper is labkit.hostedui.code_challenge else "02.2", helper)
        assert verdict.status == "failed" and "labkit's own" in repr(verdict), repr(verdict)


@pytest.mark.parametrize("exercise_id", ALL)
def test_an_answer_that_raises_gets_a_verdict_not_a_traceback(exercise_id, sb):
    ex = exercises.get(exercise_id)
    answer = _raises if ex.kind == "function" else object()
    verdict = check(exercise_id, answer)
    assert verdict.status == "failed", repr(verdict)
    if ex.kind == "function":  # named, with its meaning (a trigger's exception reaches the learner through Cognito)
        assert ("KeyError" in repr(verdict) and "dict was asked for a key" in repr(verdict)) or \
            "UserLambdaValidationException" in repr(verdict), repr(verdict)


@pytest.mark.parametrize("exercise_id", ALL)
def test_unattempted_exercise_is_not_attempted_yet(exercise_id, progress_file):
    """The starter cell as the notebook ships it gives a friendly verdict, the same every time (even
    without a sandbox), and records nothing."""
    captured = {}
    exec(exercises.get(exercise_id).starter, {"check": lambda i, a: captured.setdefault("answer", a)})
    first = check(exercise_id, captured["answer"])
    second = check(exercise_id, captured["answer"])
    assert first.status == "not attempted", repr(first)
    assert repr(first) == repr(second) and first._repr_html_() == second._repr_html_()
    assert "Not attempted yet" in repr(first)
    assert not progress_file.exists(), "an unattempted exercise must not be recorded"


def test_check_without_a_sandbox_says_so():
    assert labkit.Sandbox.current() is None
    verdict = check("02.1", "client_id")
    assert verdict.status == "no sandbox" and "Sandbox.fresh" in repr(verdict)


def test_answer_keyword_and_unknown_exercise(sb):
    assert check("02.1", answer="client_id").passed
    with pytest.raises(exercises.UnknownExercise, match="02.1"):
        check("2.1", "client_id")


def test_hints_come_one_at_a_time():
    ex = exercises.get("02.2")
    first, second = hint("02.2"), hint("02.2")
    assert "hint 1 of 3" in repr(first) and ex.hints[0] in repr(first)
    assert "hint 2 of 3" in repr(second) and "again for hint 3" in repr(second)
    assert "hint 3 of 3" in repr(hint("02.2", 3)) and "last hint" in repr(hint("02.2"))
    with pytest.raises(labkit.LabkitError):
        hint("02.2", 9)
    html = check("02.2", ...)._repr_html_()
    assert html.count("<details") == len(ex.hints)  # nested: each opens after the one before


def test_progress_is_kept_in_the_file_named_by_the_environment(sb, progress_file):
    assert progress().passed == []
    check("02.1", "sub")
    check("02.1", "client_id")
    check("02.1", "aud")
    saved = json.loads(progress_file.read_text())
    assert saved["exercises"]["02.1"] == {"passed": True, "attempts": 3}
    shown = progress()
    assert shown.passed == ["02.1"] and "✔ 02.1" in repr(shown) and "1 of" in shown._repr_html_()


def test_progress_that_cannot_be_written_is_silently_kept_in_memory(sb, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("COGNITO_LAB_PROGRESS", str(blocker / "progress.json"))
    assert check("02.1", "client_id").passed
    assert progress().passed == ["02.1"]


def test_insert_writes_the_cells_once_and_before_the_summary(tmp_path):
    import nbformat

    from labkit.exercises.insert import insert

    source = ROOT / "notebooks" / "02-tokens.ipynb"
    target = tmp_path / "02-tokens.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells = [c for c in nb.cells if "exercise" not in c.metadata.get("tags", [])]
    nbformat.write(nb, target)
    first = insert(target)
    once = nbformat.read(target, as_version=4)
    assert insert(target) == first
    twice = nbformat.read(target, as_version=4)
    assert [c.source for c in once.cells] == [c.source for c in twice.cells]
    tagged = [i for i, c in enumerate(twice.cells) if "exercise" in c.metadata.get("tags", [])]
    assert len(tagged) == first == 2 + 2 * len(exercises.exercises(2))
    headings = [c.source.splitlines()[0] for c in twice.cells if c.cell_type == "markdown"]
    check_at = next(i for i, c in enumerate(twice.cells) if c.source.startswith("## Check yourself"))
    summary_at = next(i for i, c in enumerate(twice.cells) if c.source.startswith("## Summary"))
    assert check_at < tagged[0] and tagged[-1] + 1 == summary_at, headings
    assert len({c.id for c in twice.cells}) == len(twice.cells)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exercise_cells_do_not_overwrite_the_notebooks_names(path):
    """An exercise's answer is a name the notebook's own cells never bind, so re-running an earlier cell
    after the exercises still works."""
    import ast

    import nbformat

    bound = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
    for ex in exercises.exercises(path.stem[:2]):
        body = ast.parse(ex.starter).body
        names = {n.name for n in body if isinstance(n, ast.FunctionDef)}
        names |= {t.id for n in body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        assert not names & bound, f"{ex.id}'s answer {names & bound} overwrites a name of {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_exercise_cells_match_labkit_exercises(path):
    """The exercise cells stored in a notebook are what ``python -m labkit.exercises.insert`` writes now
    (fastbook's habit: the learner's copy never drifts from its source)."""
    import nbformat

    from labkit.exercises.insert import exercise_cells

    # Issue 10: every notebook has its exercises (2-4), and they are in the notebook.
    assert 2 <= len(exercises.exercises(path.stem[:2])) <= 4, f"{path.stem}: write 2-4 exercises in labkit/exercises"
    nb = nbformat.read(path, as_version=4)
    stored = [(c.id, c.cell_type, c.source) for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert stored, f"{path.name}: exercises not inserted (python -m labkit.exercises.insert notebooks/{path.name})"
    wanted = [(c.id, c.cell_type, c.source) for c in exercise_cells(path.stem)]
    assert stored == wanted, (f"{path.name}: its exercise cells are stale; run python -m labkit.exercises.insert "
                              f"notebooks/{path.name} and re-execute it")
