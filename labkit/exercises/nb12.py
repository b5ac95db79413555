"""Exercises of notebook 12 · Troubleshooting: make a broken set-up work.

12.1 computes ``SECRET_HASH`` for app clients and users the notebook never made ("Computing secret hash
values", Amazon Cognito Developer Guide, signing-up-users-in-your-app.html); 12.2 repairs, in place, the trust
policy of a role that ``GetCredentialsForIdentity`` refuses with ``InvalidIdentityPoolConfigurationException``
("IAM roles", "Security best practices for identity pools": ``sts:AssumeRoleWithWebIdentity`` for
``cognito-identity.amazonaws.com`` with ``aud`` and ``amr``), checked on identity pools of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "12-troubleshooting"


# ---------------------------------------------------------------------------------------------- 12.1
def _b64_hmac(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def _what_is_wrong(answer: str, client_id: str, secret: str, username: str) -> str:
    """A diagnosis of a hash Cognito refused, without the formula's answer."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    if answer.strip().lower() == digest.hex():
        return "The digest is right but written in hexadecimal; Cognito wants it in another encoding."
    if answer == _b64_hmac(secret, client_id + username):
        return "The key is right, but the message is not: look at the order of its two parts."
    if answer in (_b64_hmac(client_id, username + secret), _b64_hmac(username, client_id + secret),
                  _b64_hmac(client_id, secret + username)):
        return "The HMAC is keyed with the wrong value: the key is what only the server knows."
    if answer == _b64_hmac(secret, username):
        return "The message lacks a part: the hash binds the user name to this app client."
    return "Cognito could not verify it. Re-read the documented recipe: the hash function, the key, the message, the encoding."


def _check_secret_hash(secret_hash, run):
    if not callable(secret_hash):
        run.stop(f"secret_hash is a {type(secret_hash).__name__}, not a function.",
                 "Define it with def secret_hash(client_id, client_secret, username): ... returning a string.")
    idp = fx.client(run, "cognito-idp")
    pool_id = idp.create_user_pool(PoolName=run.name("ex12-shop"))["UserPool"]["Id"]
    clients = [idp.create_user_pool_client(UserPoolId=pool_id, ClientName=run.name(f"ex12-server{i}"), GenerateSecret=True,
                                           ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
               for i in (1, 2)]
    users = [run.name("kai."), run.name("noor_")]
    for username in users:
        fx.add_user(run, pool_id, username)
    for client, username, what in ((clients[0], users[0], "a user"), (clients[0], users[1], "another user"),
                                   (clients[1], users[0], "the first user at another app client")):
        cid, secret = client["ClientId"], client["ClientSecret"]
        answer = run.call(secret_hash, cid, secret, username, doing=f"computing SECRET_HASH for {what}")
        if not isinstance(answer, str):
            run.stop(f"For {what} your function returned a {type(answer).__name__}, not a string.",
                     "SECRET_HASH is sent as a string in AuthParameters.")
        code = fx.error_code(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": username, "PASSWORD": fx.PASSWORD, "SECRET_HASH": answer}))
        if not run.expect(code is None, f"Signing in {what} with your SECRET_HASH: Cognito answered {code} (Unable to verify secret hash).",
                          _what_is_wrong(answer, cid, secret, username), passed_text=f"Cognito accepts your SECRET_HASH for {what}."):
            return


# ---------------------------------------------------------------------------------------------- 12.2
BROKEN_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


class BrokenApp:
    """A user pool with a user, an identity pool (guests allowed) and a role whose trust policy is the
    broken one, set as both of the pool's roles: GetCredentialsForIdentity answers InvalidIdentityPoolConfiguration."""

    def __init__(self, run, label: str, user_pool=None, role=None):
        self.run = run
        self.pool_id, self.client_id = user_pool or fx.user_pool(run, f"ex12{label}", users=("lena",))
        self.cognito = fx.client(run, "cognito-identity")
        self.provider = fx.provider_name(run, self.pool_id)
        self.identity_pool_id = self.cognito.create_identity_pool(
            IdentityPoolName=run.name(f"ex12{label}"), AllowUnauthenticatedIdentities=True,
            CognitoIdentityProviders=[{"ProviderName": self.provider, "ClientId": self.client_id}])["IdentityPoolId"]
        if role is None:
            self.role_name = run.name(f"Ex12{label.capitalize()}Role")
            role = fx.client(run, "iam").create_role(RoleName=self.role_name, AssumeRolePolicyDocument=json.dumps(BROKEN_TRUST))["Role"]["Arn"]
        self.role_arn = role
        self.cognito.set_identity_pool_roles(IdentityPoolId=self.identity_pool_id, Roles={"authenticated": role, "unauthenticated": role})

    def signed_in(self) -> str | None:
        """The error code of a signed-in user's GetCredentialsForIdentity (None: credentials)."""
        logins = {self.provider: fx.sign_in(self.run, self.client_id, "lena")["IdToken"]}
        identity = self.cognito.get_id(IdentityPoolId=self.identity_pool_id, Logins=logins)["IdentityId"]
        return fx.error_code(lambda: self.cognito.get_credentials_for_identity(IdentityId=identity, Logins=logins))

    def guest(self) -> str | None:
        identity = self.cognito.get_id(IdentityPoolId=self.identity_pool_id)["IdentityId"]
        return fx.error_code(lambda: self.cognito.get_credentials_for_identity(IdentityId=identity))


def _check_repair(repair_trust, run):
    if not callable(repair_trust):
        run.stop(f"repair_trust is a {type(repair_trust).__name__}, not a function.",
                 "Define it with def repair_trust(identity_pool_id, role_name): ...")
    app = BrokenApp(run, "a")
    if app.signed_in() != "InvalidIdentityPoolConfigurationException":
        run.stop("The broken set-up did not fail as the notebook showed; please report this exercise.")
    run.call(repair_trust, app.identity_pool_id, app.role_name, doing="repairing the role's trust policy")
    code = app.signed_in()
    if not run.expect(code is None, f"After your repair a signed-in user still gets {code}.",
                      "Cognito asks STS for the role with AssumeRoleWithWebIdentity, as the web identity "
                      "cognito-identity.amazonaws.com; the trust policy must allow exactly that.",
                      passed_text="A signed-in user of the identity pool gets credentials."):
        return
    arn = fx.client(run, "iam").get_role(RoleName=app.role_name)["Role"]["Arn"]
    run.expect(arn == app.role_arn, "The role the identity pool names is not the one it was.",
               "Repair the existing role in place: the identity pool refers to it.", passed_text="The same role was repaired in place.")
    code = app.guest()
    run.expect(code is not None, "A guest of the pool (not signed in) gets this role's credentials too.",
               "Restrict the role to signed-in identities: the amr condition.", passed_text=f"A guest is refused ({code}).")
    other = BrokenApp(run, "b", user_pool=(app.pool_id, app.client_id), role=app.role_arn)
    code = other.signed_in()
    run.expect(code is not None, "A signed-in user of ANOTHER identity pool gets this role's credentials.",
               "Every identity pool's tokens come from the same issuer: restrict the role to this pool (the aud condition).",
               passed_text=f"Another identity pool's user is refused ({code}).")
    code = fx.error_code(lambda: fx.client(run, "sts").assume_role(RoleArn=app.role_arn, RoleSessionName="exercise"))
    run.expect(code is not None, "The account's own principals can assume the role with sts:AssumeRole.",
               "Trust only cognito-identity.amazonaws.com, for the one action Cognito uses.",
               passed_text=f"sts:AssumeRole is refused ({code}).")
    third = BrokenApp(run, "c")
    run.call(repair_trust, third.identity_pool_id, third.role_name, doing="repairing a second app's role")
    code = third.signed_in()
    run.expect(code is None, f"For a second identity pool and role, your repair does not work: {code}.",
               "Build the policy from the function's arguments, not from the first app or the notebook.",
               passed_text="A second app, repaired by the same function, works too.")


EXERCISES = [
    Exercise(
        id="12.1", notebook=NOTEBOOK, level="write", kind="function",
        title="Compute SECRET_HASH",
        prompt="The shop's back end signs users in through an app client **with** a secret, and every call fails with "
               "`Client ... is configured with secret but SECRET_HASH was not received`. Write "
               "`secret_hash(client_id, client_secret, username)` returning the `SECRET_HASH` Cognito wants, with the "
               "standard library (`hmac`, `hashlib`, `base64`). The check makes app clients and users of its own and "
               "signs them in with your hash.",
        starter=("def secret_hash(client_id, client_secret, username):\n"
                 '    """The SECRET_HASH of username at the app client client_id."""\n'
                 "    ...\n\n"
                 'check("12.1", secret_hash)'),
        hints=["Section 1's Why gives the recipe: HMAC-SHA256, keyed with the client secret.",
               "The message is the user name followed by the client id; the result is the Base64 of the raw digest.",
               "hmac.new(key.encode(), message.encode(), hashlib.sha256).digest(), then base64.b64encode(...).decode()."],
        checker=_check_secret_hash,
    ),
    Exercise(
        id="12.2", notebook=NOTEBOOK, level="write", kind="function",
        title="Repair the role's trust policy",
        prompt="An identity pool's signed-in users get `InvalidIdentityPoolConfigurationException`: its role trusts "
               "`cognito-identity.amazonaws.com` for `sts:AssumeRole` (section 8). Write `repair_trust(identity_pool_id, "
               "role_name)` that repairs that role **in place** with plain boto3, so that the pool's signed-in users "
               "get credentials, and nobody else: not its guests, not the users of another identity pool. The check "
               "builds broken apps of its own.",
        starter=("def repair_trust(identity_pool_id, role_name):\n"
                 '    """Make the role usable by the signed-in identities of identity_pool_id, and by nobody else."""\n'
                 "    ...\n\n"
                 'check("12.2", repair_trust)'),
        hints=["iam.update_assume_role_policy(RoleName=..., PolicyDocument=json.dumps(...)).",
               "The action is the one Cognito uses: sts:AssumeRoleWithWebIdentity.",
               "Two conditions: cognito-identity.amazonaws.com:aud (which pool) and :amr (signed in)."],
        checker=_check_repair,
    ),
]
