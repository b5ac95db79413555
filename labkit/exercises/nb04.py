"""Exercises of notebook 04 · Guest access: guests turned away, a guest's credentials, the guest policy.

AWS: "Identity pools authentication flow", GetId / GetCredentialsForIdentity (Cognito Identity API reference).
"""

from __future__ import annotations

import boto3

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "04-guest-access"


# ---------------------------------------------------------------------------------------------- 04.1
def _check_closed_code(error_code, run):
    if not isinstance(error_code, str):
        run.stop(f"error_code is a {type(error_code).__name__}; write the error code as a string.")
    pool = fx.identity_pool(run, "Ex0401Shop", allow_guests=False)
    cognito = fx.client(run, "cognito-identity")
    actual = fx.error_code(lambda: cognito.get_id(IdentityPoolId=pool["IdentityPoolId"]))
    said = error_code.strip()
    why = {"AccessDenied": "AccessDenied is IAM's answer to a signed request. GetId is unsigned, and it is Cognito Identity "
                           "that refuses: the pool does not allow unauthenticated identities.",
           "ResourceNotFoundException": "The pool exists; it just does not take guests."}.get(
        said, "Try it: close a pool to guests (AllowUnauthenticatedIdentities=False), call GetId without Logins and read "
              "err.response['Error']['Code'].")
    run.expect(said == actual, f"A visitor calls GetId without logins on a pool closed to guests: Cognito does not answer "
                               f"{said!r}.", why,
               passed_text=f"A pool closed to guests answers GetId without logins with {actual}.")


# ---------------------------------------------------------------------------------------------- 04.2
def _check_guest_credentials(guest_credentials, run):
    if not callable(guest_credentials):
        run.stop(f"guest_credentials is a {type(guest_credentials).__name__}, not a function.",
                 "Define it with def guest_credentials(identity_pool_id): ...")
    pool = fx.identity_pool(run, "Ex0402Shop", allow_guests=True)
    creds = run.call(guest_credentials, pool["IdentityPoolId"], doing="getting a guest's credentials")
    if not isinstance(creds, dict) or not all(k in creds for k in ("AccessKeyId", "SessionToken")):
        keys = sorted(creds) if isinstance(creds, dict) else type(creds).__name__
        run.stop(f"Your function returned {keys}, not credentials.",
                 "Return the 'Credentials' of get_credentials_for_identity: AccessKeyId, SecretKey, SessionToken, Expiration.")
    run.expect(str(creds["AccessKeyId"]).startswith("ASIA"), "These are not temporary credentials.", "",
               passed_text="Temporary credentials (the access key starts with ASIA).")
    arn = run.call(lambda: fx.session(run, creds).client("sts").get_caller_identity()["Arn"], doing="calling STS with the credentials")
    role = fx.role_name(pool["UnauthenticatedRoleArn"])
    run.expect(f"assumed-role/{role}/" in arn, f"The credentials call AWS as {arn}, not as the guest role {role}.", "",
               passed_text=f"They call AWS as the guest role: {arn.split(':', 5)[5]}.")


# ---------------------------------------------------------------------------------------------- 04.3
def _check_guest_policy(guest_read_policy, run):
    if not callable(guest_read_policy):
        run.stop(f"guest_read_policy is a {type(guest_read_policy).__name__}, not a function.",
                 "Define it with def guest_read_policy(bucket): ... returning a policy dict.")
    bucket = run.name("ex0403-shop-catalogue-")
    s3 = fx.client(run, "s3")
    location = {} if run.sb.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": run.sb.region}}
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_object(Bucket=bucket, Key="public/catalogue.json", Body=b'{"items": ["tea", "cake"]}')
    s3.put_object(Bucket=bucket, Key="internal/prices.csv", Body=b"tea,3\ncake,4")
    pool = fx.identity_pool(run, "Ex0403Shop", allow_guests=True)
    policy = fx.as_policy(run, run.call(guest_read_policy, bucket, doing=f"writing the guest policy for bucket {bucket}"), "guest policy")
    fx.put_role_policy(run, fx.role_name(pool["UnauthenticatedRoleArn"]), policy, "read-public-catalogue")
    cognito = fx.client(run, "cognito-identity")
    identity_id = cognito.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
    guest = fx.session(run, cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]).client("s3")
    code = fx.error_code(lambda: guest.get_object(Bucket=bucket, Key="public/catalogue.json"))
    run.expect(code is None, f"A guest cannot read public/catalogue.json: {code}.",
               f"Allow s3:GetObject on arn:aws:s3:::{bucket}/public/* (the objects under the prefix, note the /*).",
               passed_text="A guest reads public/catalogue.json.")
    code = fx.error_code(lambda: guest.get_object(Bucket=bucket, Key="internal/prices.csv"))
    run.expect(code is not None, "A guest reads internal/prices.csv: your policy allows more than public/.",
               "Name only the public/ prefix in Resource.", passed_text=f"A guest cannot read internal/prices.csv ({code}).")
    # Least privilege: what a guest must NOT be able to do, though the cases above all passed.
    elsewhere = run.name("ex0403-other-shop-")
    s3.create_bucket(Bucket=elsewhere, **location)
    s3.put_object(Bucket=elsewhere, Key="public/catalogue.json", Body=b"{}")
    for what, attempt, why in (
        ("overwrite public/catalogue.json", lambda: guest.put_object(Bucket=bucket, Key="public/catalogue.json", Body=b"{}"),
         "The guest's credentials are in the app, so anybody has them: allow reading, nothing that changes the shop."),
        ("delete public/catalogue.json", lambda: guest.delete_object(Bucket=bucket, Key="public/catalogue.json"),
         "Deleting is a change too; name only the action that reads an object."),
        ("make public/catalogue.json's ACL writable", lambda: guest.put_object_acl(Bucket=bucket, Key="public/catalogue.json",
                                                                                   ACL="public-read-write"),
         "Changing an object's ACL is not reading it; name only the action that reads an object."),
        ("read public/ of another bucket", lambda: guest.get_object(Bucket=elsewhere, Key="public/catalogue.json"),
         "The policy is for the bucket the function was given: name that bucket in Resource, no wildcard for it."),
    ):
        code = fx.error_code(attempt)
        run.expect(code is not None, f"A guest can {what}: your policy allows more than reading public/.", why,
                   passed_text=f"A guest cannot {what} ({code}).")


EXERCISES = [
    Exercise(
        id="04.1", notebook=NOTEBOOK, level="read", kind="value",
        title="A pool closed to guests",
        prompt="An identity pool has `AllowUnauthenticatedIdentities=False`. A visitor's app calls `GetId` without "
               "`Logins`. Which error code does it get? The check closes a pool of its own and tries.",
        starter='error_code = ...   # e.g. "AccessDenied"\n\ncheck("04.1", error_code)',
        hints=["Section 4 shows it.", "It is Cognito Identity, not IAM, that refuses: the code ends in Exception."],
        checker=_check_closed_code,
    ),
    Exercise(
        id="04.2", notebook=NOTEBOOK, level="use", kind="function",
        title="A guest's credentials",
        prompt="Write `guest_credentials(identity_pool_id)`: what a visitor's app does, with plain boto3 and no "
               "credentials of its own, to get temporary AWS credentials as a guest. Return the `Credentials` dict.",
        starter=("def guest_credentials(identity_pool_id):\n"
                 '    """Temporary AWS credentials for a new guest of this identity pool."""\n'
                 "    ...\n\n"
                 'check("04.2", guest_credentials)'),
        hints=["Two calls on a cognito-identity client: get_id, then get_credentials_for_identity.",
               "Neither call gets Logins: a guest has no login."],
        checker=_check_guest_credentials,
    ),
    Exercise(
        id="04.3", notebook=NOTEBOOK, level="write", kind="function",
        title="The guest policy",
        prompt="Write `guest_read_policy(bucket)`, the guest role's policy: guests may read the objects under `public/` of "
               "the bucket, and nothing else (not `internal/`, no writes). The check puts it on a new pool's guest "
               "role and tries as a guest.",
        starter=("def guest_read_policy(bucket):\n"
                 '    """The guest role\'s policy: read public/ of bucket, nothing more."""\n'
                 "    ...\n\n"
                 'check("04.3", guest_read_policy)'),
        hints=["A policy is {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": ..., \"Action\": ..., \"Resource\": ...}]}.",
               "The action is s3:GetObject; the resource is the object ARN arn:aws:s3:::<bucket>/public/*."],
        checker=_check_guest_policy,
    ),
]
