"""Exercises of notebook 09 · User pools vs identity pools: the user pool as a provider of the identity pool,
and the whole chain from a user pool token to an S3 call that IAM decides.

AWS: "Identity pools authentication flow"; "Common Amazon Cognito scenarios".
"""

from __future__ import annotations

import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "09-user-pools-vs-identity-pools"


def photos_app(run, label: str):
    """The notebook's app: a user pool, an identity pool trusting it, a photos bucket with a private prefix
    policy on the signed-in role. Returns a dict of the ids."""
    pool_id, client_id = fx.user_pool(run, f"ex09{label}-photos-users")
    identity = fx.identity_pool(run, f"Ex09{label}Photos", allow_guests=False, user_pool=(pool_id, client_id))
    bucket = run.name(f"ex09{label}-photos-")
    location = {} if run.sb.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": run.sb.region}}
    fx.client(run, "s3").create_bucket(Bucket=bucket, **location)
    fx.put_role_policy(run, fx.role_name(identity["AuthenticatedRoleArn"]), {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                       "Resource": f"arn:aws:s3:::{bucket}/private/${{cognito-identity.amazonaws.com:sub}}/*"}]}, "own-photos")
    return {"pool_id": pool_id, "client_id": client_id, "bucket": bucket, **identity}


# ---------------------------------------------------------------------------------------------- 09.1
def _check_provider_name(provider_name, run):
    from .explain import meaning, name

    if not callable(provider_name):
        run.stop(f"provider_name is a {type(provider_name).__name__}, not a function.",
                 "Define it with def provider_name(region, user_pool_id): ...")
    app = photos_app(run, "a")
    key = run.call(provider_name, run.sb.region, app["pool_id"], doing="naming the user pool as a provider")
    if not isinstance(key, str):
        run.stop(f"Your function returned a {type(key).__name__}, not a string.")
    id_token = fx.sign_in(run, app["client_id"], "alice")["IdToken"]
    cognito = fx.client(run, "cognito-identity")
    try:
        identity_id = cognito.get_id(IdentityPoolId=app["IdentityPoolId"], Logins={key: id_token})["IdentityId"]
    except Exception as exc:
        run.stop(f"GetId with Logins={{{key!r}: <ID token>}} is refused: {name(exc)}.",
                 meaning(exc) + " The key is the user pool's issuer without https://: the same string the identity pool lists "
                 "as ProviderName in CognitoIdentityProviders.")
    run.passed(f"GetId accepts Logins={{{key!r}: <alice's ID token>}}.")
    described = cognito.describe_identity(IdentityId=identity_id)
    run.expect(key in described.get("Logins", []), "The identity does not carry the login.", "",
               passed_text="Alice's identity carries the user pool login.")
    # Another region, another pool: the key must come from the arguments.
    region = run.other_region()
    far_pool, _ = fx.user_pool(run, "ex09a-far-users", region=region, users=())
    far_key = run.call(provider_name, region, far_pool, doing=f"naming a user pool of {region} as a provider")
    run.expect(far_key == f"cognito-idp.{region}.amazonaws.com/{far_pool}",
               f"For a user pool of {region} your function returned {far_key!r}.",
               "The key names the pool's own region and id: build it from the function's arguments.",
               passed_text=f"For a user pool of another region ({region}) the key names that region and pool.")


# ---------------------------------------------------------------------------------------------- 09.2
def _check_s3_for(s3_for, run):
    if not callable(s3_for):
        run.stop(f"s3_for is a {type(s3_for).__name__}, not a function.",
                 "Define it with def s3_for(identity_pool_id, logins): ...")
    app = photos_app(run, "b")
    id_token = fx.sign_in(run, app["client_id"], "alice")["IdToken"]
    logins = {fx.provider_name(run, app["pool_id"]): id_token}
    s3 = run.call(s3_for, app["IdentityPoolId"], dict(logins), doing="making Alice's S3 client",
                  advice="Pass the logins to both GetId and GetCredentialsForIdentity: this pool has no guests.")
    if not hasattr(s3, "put_object"):
        run.stop(f"Your function returned a {type(s3).__name__}, not an S3 client.",
                 "Return boto3.client('s3', aws_access_key_id=..., aws_secret_access_key=..., aws_session_token=...).")
    credentials = getattr(getattr(s3, "_request_signer", None), "_credentials", None)
    access_key = credentials.get_frozen_credentials().access_key if credentials is not None else None
    issued = run.sb.issued.get(access_key) if access_key else None
    if issued is None:
        run.stop("The S3 client does not hold temporary credentials from the identity pool (it signs with "
                 f"{'the administrator' if access_key and access_key.startswith('AKIA') else 'other'} credentials).",
                 "S3 never sees the user pool's token: exchange it at the identity pool (GetId, GetCredentialsForIdentity "
                 "with Logins) and sign the S3 client with the AccessKeyId, SecretKey and SessionToken you get.")
    run.expect(issued.role_arn == app["AuthenticatedRoleArn"], f"The credentials are for {issued.role_arn}.", "",
               passed_text="The client signs with the identity pool's credentials for the signed-in role.")
    cognito = fx.client(run, "cognito-identity")
    identity_id = cognito.get_id(IdentityPoolId=app["IdentityPoolId"], Logins=logins)["IdentityId"]
    code = fx.error_code(lambda: s3.put_object(Bucket=app["bucket"], Key=f"private/{identity_id}/cat.jpg", Body=b"meow"))
    run.expect(code is None, f"Alice cannot put her own photo: {code}.", "", passed_text="Alice puts a photo under her own prefix.")
    someone_else = f"private/{run.sb.region}:00000000-0000-4000-8000-{run.serial:012d}/dog.jpg"
    fx.client(run, "s3").put_object(Bucket=app["bucket"], Key=someone_else, Body=b"woof")
    code = fx.error_code(lambda: s3.get_object(Bucket=app["bucket"], Key=someone_else))
    run.expect(code == "AccessDenied",
               "Alice's client read someone else's photo." if code is None else f"Reading someone else's photo gave {code}, not AccessDenied.",
               "The client must sign every call with Alice's temporary credentials, so that IAM decides with her role's "
               "policy (which names only her own prefix).", passed_text="IAM refuses her someone else's photo (AccessDenied).")


EXERCISES = [
    Exercise(
        id="09.1", notebook=NOTEBOOK, level="read", kind="function",
        title="The user pool, seen from the identity pool",
        prompt="To the identity pool, a user pool is one provider among others, named in `Logins` by a key. Write "
               "`provider_name(region, user_pool_id)` returning that key. The check signs alice in at a new user pool "
               "and calls `GetId` with your key.",
        starter=("def provider_name(region, user_pool_id):\n"
                 '    """The Logins key of a user pool."""\n'
                 "    ...\n\n"
                 'check("09.1", provider_name)'),
        hints=["Section 5 builds it.", "It is the ID token's iss without https://."],
        checker=_check_provider_name,
    ),
    Exercise(
        id="09.2", notebook=NOTEBOOK, level="use", kind="function",
        title="From a user pool token to an S3 call",
        prompt="Write `s3_for(identity_pool_id, logins)`: given the `Logins` map with a user's ID token, return a boto3 "
               "S3 client that calls AWS **as that user**. The check hands it alice's login, then puts her own photo "
               "and tries someone else's.",
        starter=("def s3_for(identity_pool_id, logins):\n"
                 '    """A boto3 S3 client signed with the credentials the identity pool gives this login."""\n'
                 "    ...\n\n"
                 'check("09.2", s3_for)'),
        hints=["Sections 5 and 6: GetId, GetCredentialsForIdentity (both with Logins), then boto3.client('s3', ...).",
               "The credentials' keys are AccessKeyId, SecretKey and SessionToken; boto3 wants aws_access_key_id, "
               "aws_secret_access_key and aws_session_token."],
        checker=_check_s3_for,
    ),
]
