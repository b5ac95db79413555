"""Exercises of notebook 00 · Welcome: a first user pool, an AWS error caught, the two halves of Cognito."""

from __future__ import annotations

import boto3

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "00-welcome"


# ---------------------------------------------------------------------------------------------- 00.1
def _check_my_pool(my_pool_id, run):
    if not isinstance(my_pool_id, str):
        run.stop(f"my_pool_id is a {type(my_pool_id).__name__}; it must be the pool's id, a string such as "
                 f"'{run.sb.region}_AbC123xyz'.", "create_user_pool returns it in ['UserPool']['Id'].")
    idp = fx.client(run, "cognito-idp")
    try:
        pool = idp.describe_user_pool(UserPoolId=my_pool_id)["UserPool"]
    except Exception as exc:
        from .explain import meaning, name

        run.stop(f"The sandbox has no user pool {my_pool_id!r}: {name(exc)}.", meaning(exc) +
                 " Create the pool with idp.create_user_pool(PoolName='my-first-pool') and keep its ['UserPool']['Id'].")
    run.passed(f"The sandbox has a user pool {my_pool_id}.")
    run.expect(pool["Name"] == "my-first-pool", f"That pool is named {pool['Name']!r}, not 'my-first-pool'.",
               "Create a new pool with PoolName='my-first-pool' (the notebook's welcome-pool is another one).",
               passed_text="It is named 'my-first-pool'.")
    run.expect(my_pool_id.startswith(run.sb.region + "_"), "Its id does not start with the region.", "",
               passed_text=f"Its id starts with the region ({run.sb.region}_), as every user pool id does.")


# ---------------------------------------------------------------------------------------------- 00.2
def _check_pool_exists(pool_exists, run):
    if not callable(pool_exists):
        run.stop(f"pool_exists is a {type(pool_exists).__name__}, not a function.", "Define it with def pool_exists(pool_id): ...")
    idp = fx.client(run, "cognito-idp")
    real = idp.create_user_pool(PoolName=run.name("ex0002-pool"))["UserPool"]["Id"]
    answer = run.call(pool_exists, real, doing=f"asking about a pool that exists ({real})")
    run.expect(answer is True, f"For a pool that exists your function returned {answer!r}, not True.", "",
               passed_text="A pool that exists: True.")
    missing = f"{run.sb.region}_doesNotExist"
    answer = run.call(pool_exists, missing, doing=f"asking about a pool that does not exist ({missing})")
    run.expect(answer is False, f"For a pool that does not exist your function returned {answer!r}, not False.",
               "describe_user_pool raises a ClientError whose code is ResourceNotFoundException: catch it and return False.",
               passed_text="A pool that does not exist: False (you caught ResourceNotFoundException).")


# ---------------------------------------------------------------------------------------------- 00.3
def _returns_aws_credentials(shape) -> bool:
    """An output with a Credentials member holding an access key (not, say, a list of WebAuthn credentials)."""
    member = getattr(shape, "members", {}).get("Credentials")
    return member is not None and "AccessKeyId" in getattr(member, "members", {})


def _check_credentials_service(service, run):
    if not isinstance(service, str):
        run.stop(f"service is a {type(service).__name__}; write a boto3 service name as a string.")
    name = service.strip()
    if name not in ("cognito-idp", "cognito-identity"):
        run.stop(f"{name!r} is not one of Cognito's two services.", "User pools are 'cognito-idp', identity pools 'cognito-identity'.")
    client = boto3.client(name, region_name=run.sb.region)
    operations = client.meta.service_model.operation_names
    model = client.meta.service_model
    gives_credentials = [op for op in operations if _returns_aws_credentials(model.operation_model(op).output_shape)]
    if not gives_credentials:
        run.stop(f"No operation of {name} returns AWS credentials: it issues tokens (JWTs), which say who the user is.",
                 "Which half of Cognito exchanges a proof of identity for temporary AWS credentials?")
    pool = fx.identity_pool(run, "Ex0003", allow_guests=True)
    cognito = fx.client(run, "cognito-identity")
    identity_id = cognito.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    arn = fx.session(run, creds).client("sts").get_caller_identity()["Arn"]
    run.passed(f"{name}: {', '.join(gives_credentials)} returns AWS credentials.")
    run.passed(f"A guest's credentials from an identity pool call AWS as {arn.split(':', 5)[5]}.")


EXERCISES = [
    Exercise(
        id="00.1", notebook=NOTEBOOK, level="use", kind="value",
        title="Your first user pool",
        prompt="With plain boto3, create a user pool named `my-first-pool` and put its id in `my_pool_id`.",
        starter=('my_pool_id = ...   # create the pool with idp.create_user_pool(...), keep its id\n\n'
                 'check("00.1", my_pool_id)'),
        hints=["Section 3 creates welcome-pool the same way.",
               "idp.create_user_pool(PoolName=\"my-first-pool\")[\"UserPool\"][\"Id\"]"],
        checker=_check_my_pool,
    ),
    Exercise(
        id="00.2", notebook=NOTEBOOK, level="use", kind="function",
        title="Catch an AWS error",
        prompt="Write `pool_exists(pool_id)`: `True` if the user pool exists, `False` if AWS answers that it does not. "
               "Use `describe_user_pool` and catch the error the way section 3 does.",
        starter=("def pool_exists(pool_id):\n"
                 '    """True if the user pool exists, False if it does not."""\n'
                 "    ...\n\n"
                 'check("00.2", pool_exists)'),
        hints=["from botocore.exceptions import ClientError; wrap the describe_user_pool call in try/except ClientError.",
               "err.response[\"Error\"][\"Code\"] == \"ResourceNotFoundException\" means: no such pool."],
        checker=_check_pool_exists,
    ),
    Exercise(
        id="00.3", notebook=NOTEBOOK, level="read", kind="value",
        title="Who hands out AWS credentials?",
        prompt="A mobile app must upload a photo straight to S3, so it needs AWS credentials. Which boto3 service "
               "hands them out: `\"cognito-idp\"` (user pools) or `\"cognito-identity\"` (identity pools)? The check "
               "looks at the service's API and gets a guest's credentials from it.",
        starter='service = ...   # "cognito-idp" or "cognito-identity"\n\ncheck("00.3", service)',
        hints=["Look at the picture in section 1: which box hands the app temporary credentials (step 5)?"],
        checker=_check_credentials_service,
    ),
]
