"""Exercises of notebook 05 · Web identity federation: the Logins key, credentials from a Google token,
the authenticated role's trust policy.

AWS: "Identity pools third-party identity providers", "Role trust and permissions", AssumeRoleWithWebIdentity.
"""

from __future__ import annotations

import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "05-web-identity-federation"
GOOGLE_CLIENT_ID = "1234567890-lab.apps.googleusercontent.com"


def _photos(run, label: str, **kwargs):
    return fx.identity_pool(run, f"Ex05{label}Photos", google_client_id=GOOGLE_CLIENT_ID, **kwargs)


def _google(run, email: str = "alice@gmail.com") -> str:
    return run.sb.idp("google").sign_in(email, client_id=GOOGLE_CLIENT_ID)


# ---------------------------------------------------------------------------------------------- 05.1
def _check_logins_key(google_key, run):
    from .explain import name

    if not isinstance(google_key, str):
        run.stop(f"google_key is a {type(google_key).__name__}; write the provider name as a string.")
    pool = _photos(run, "a", allow_guests=False)
    cognito = fx.client(run, "cognito-identity")
    try:
        identity_id = cognito.get_id(IdentityPoolId=pool["IdentityPoolId"], Logins={google_key: _google(run)})["IdentityId"]
    except Exception as exc:
        run.stop(f"GetId with Logins={{{google_key!r}: <Google ID token>}} is refused: {name(exc)}.",
                 "The key names the provider as the identity pool knows it (SupportedLoginProviders), not a URL or a brand: "
                 "look at describe_identity_pool's answer in section 1.")
    run.passed(f"GetId accepts Logins={{{google_key!r}: <Google ID token>}} and returns Alice's identity id.")
    again = cognito.get_id(IdentityPoolId=pool["IdentityPoolId"], Logins={google_key: _google(run)})["IdentityId"]
    run.expect(again == identity_id, "A second token of the same Google user got another identity id.", "",
               passed_text="A new token of the same Google user finds the same identity.")


# ---------------------------------------------------------------------------------------------- 05.2
def _check_credentials_from_google(credentials_from_google, run):
    if not callable(credentials_from_google):
        run.stop(f"credentials_from_google is a {type(credentials_from_google).__name__}, not a function.",
                 "Define it with def credentials_from_google(identity_pool_id, google_token): ...")
    pool = _photos(run, "b", allow_guests=True)
    creds = run.call(credentials_from_google, pool["IdentityPoolId"], _google(run), doing="exchanging Alice's Google token",
                     advice="The identity id alone proves nothing: GetCredentialsForIdentity needs the same Logins as GetId.")
    if not isinstance(creds, dict) or "SessionToken" not in creds:
        keys = sorted(creds) if isinstance(creds, dict) else type(creds).__name__
        run.stop(f"Your function returned {keys}, not credentials.",
                 "Return the 'Credentials' of get_credentials_for_identity (AccessKeyId, SecretKey, SessionToken...).")
    arn = fx.session(run, creds).client("sts").get_caller_identity()["Arn"]
    auth_role, guest_role = fx.role_name(pool["AuthenticatedRoleArn"]), fx.role_name(pool["UnauthenticatedRoleArn"])
    if f"/{guest_role}/" in arn:
        run.stop(f"The credentials are a guest's ({guest_role}).",
                 "Without Logins, Cognito treats the caller as a guest: pass Logins={'accounts.google.com': token} to both calls.")
    run.expect(f"/{auth_role}/" in arn, f"The credentials call AWS as {arn}.", "",
               passed_text=f"Alice's credentials are for the authenticated role: {arn.split(':', 5)[5]}.")
    cognito = fx.client(run, "cognito-identity")
    identities = cognito.list_identities(IdentityPoolId=pool["IdentityPoolId"], MaxResults=10)["Identities"]
    run.expect(any("accounts.google.com" in (i.get("Logins") or []) for i in identities),
               "No identity of the pool has Alice's Google login.", "", passed_text="Her identity carries her Google login.")


# ---------------------------------------------------------------------------------------------- 05.3
def _check_trust_policy(authenticated_trust_policy, run):
    if not callable(authenticated_trust_policy):
        run.stop(f"authenticated_trust_policy is a {type(authenticated_trust_policy).__name__}, not a function.",
                 "Define it with def authenticated_trust_policy(identity_pool_id): ... returning a policy dict.")
    from .explain import meaning, name

    pool = _photos(run, "c", allow_guests=True, allow_classic_flow=True)
    other = _photos(run, "d", allow_guests=True, allow_classic_flow=True)
    policy = fx.as_policy(run, run.call(authenticated_trust_policy, pool["IdentityPoolId"], doing="writing the trust policy"),
                          "trust policy")
    iam = fx.client(run, "iam")
    try:
        role_arn = iam.create_role(RoleName=run.name("Ex05PhotosEditors"), AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    except Exception as exc:
        run.stop(f"IAM refused your trust policy: {name(exc)}.", meaning(exc))
    cognito, sts = fx.client(run, "cognito-identity"), fx.client(run, "sts")

    def open_id_token(pool_id, logins=None):
        kwargs = {"Logins": logins} if logins else {}
        identity_id = cognito.get_id(IdentityPoolId=pool_id, **kwargs)["IdentityId"]
        return cognito.get_open_id_token(IdentityId=identity_id, **kwargs)["Token"]

    def assume(token):
        return fx.error_code(lambda: sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="exercise", WebIdentityToken=token))

    signed_in = open_id_token(pool["IdentityPoolId"], {"accounts.google.com": _google(run)})
    code = assume(signed_in)
    run.expect(code is None, f"A signed-in identity of the pool cannot assume the role: {code}.",
               "Allow sts:AssumeRoleWithWebIdentity for Principal {\"Federated\": \"cognito-identity.amazonaws.com\"}, "
               "with cognito-identity.amazonaws.com:aud = the pool id and :amr containing 'authenticated'.",
               passed_text="A signed-in identity of the pool assumes the role.")
    code = assume(open_id_token(pool["IdentityPoolId"]))
    run.expect(code is not None, "A guest of the pool assumes the role.",
               "Add the condition \"ForAnyValue:StringLike\": {\"cognito-identity.amazonaws.com:amr\": \"authenticated\"}.",
               passed_text=f"A guest of the pool is refused ({code}).")
    code = assume(open_id_token(other["IdentityPoolId"], {"accounts.google.com": _google(run, "mallory@gmail.com")}))
    run.expect(code is not None, "A signed-in identity of ANOTHER identity pool assumes the role.",
               "Add the condition \"StringEquals\": {\"cognito-identity.amazonaws.com:aud\": identity_pool_id}: every "
               "identity pool's tokens come from the same issuer.",
               passed_text=f"A signed-in identity of another identity pool is refused ({code}).")
    code = fx.error_code(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="exercise"))
    run.expect(code is not None, "The account's own IAM principals can assume the role with sts:AssumeRole too.",
               "The role is for the identity pool's signed-in users only: trust only the federated principal "
               "cognito-identity.amazonaws.com, for sts:AssumeRoleWithWebIdentity.",
               passed_text=f"Nobody else, not even the account's administrator, assumes it with sts:AssumeRole ({code}).")


EXERCISES = [
    Exercise(
        id="05.1", notebook=NOTEBOOK, level="read", kind="value",
        title="The Logins key",
        prompt="In `Logins`, each token is keyed by the name of its provider. What is the key for a Google ID token? "
               "The check calls `GetId` with your key and a Google token on a pool of its own.",
        starter='google_key = ...   # the provider name, a string\n\ncheck("05.1", google_key)',
        hints=["It is the key of SupportedLoginProviders in describe_identity_pool's answer (section 1).",
               "A host name, no https://."],
        checker=_check_logins_key,
    ),
    Exercise(
        id="05.2", notebook=NOTEBOOK, level="use", kind="function",
        title="From a Google token to AWS credentials",
        prompt="Write `credentials_from_google(identity_pool_id, google_token)`: steps 2 and 3 of section 2 (the enhanced "
               "flow). Return the `Credentials` dict. The check signs Alice in at Google and makes sure the credentials "
               "are the authenticated role's.",
        starter=("def credentials_from_google(identity_pool_id, google_token):\n"
                 '    """Temporary AWS credentials for the Google user of google_token (enhanced flow)."""\n'
                 "    ...\n\n"
                 'check("05.2", credentials_from_google)'),
        hints=["GetId, then GetCredentialsForIdentity.",
               "Both calls need Logins={\"accounts.google.com\": google_token}: the identity id alone proves nothing."],
        checker=_check_credentials_from_google,
    ),
    Exercise(
        id="05.3", notebook=NOTEBOOK, level="write", kind="function",
        title="Trust only your signed-in users",
        prompt="Write `authenticated_trust_policy(identity_pool_id)`: the trust policy of a role for the **basic** flow "
               "that signed-in identities of this pool may assume, and nobody else: not its guests, not the users of "
               "another identity pool. The check tries all three with `AssumeRoleWithWebIdentity`.",
        starter=("def authenticated_trust_policy(identity_pool_id):\n"
                 '    """Trust policy: signed-in identities of this identity pool only."""\n'
                 "    ...\n\n"
                 'check("05.3", authenticated_trust_policy)'),
        hints=["Section 5's cognito_trust() is the shape; the principal is {\"Federated\": \"cognito-identity.amazonaws.com\"}.",
               "Two conditions: aud (which pool) and amr (signed in or guest).",
               "\"StringEquals\": {\"cognito-identity.amazonaws.com:aud\": identity_pool_id}, "
               "\"ForAnyValue:StringLike\": {\"cognito-identity.amazonaws.com:amr\": \"authenticated\"}."],
        checker=_check_trust_policy,
    ),
]
