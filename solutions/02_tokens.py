"""Model solutions of notebook 02 · Tokens (exercises 02.1-02.3), written as a learner writes them.

Kept apart from the learner's notebooks; ``tests/test_exercises.py`` checks each against its checker.
"""

import boto3
from botocore.exceptions import ClientError

from labkit import tokens

# 02.1 · Read a claim
claim = "client_id"


# 02.2 · Verify an ID token
def verify_id_token(token, pool_id, client_id):
    """The claims of a genuine ID token of pool_id for client_id; raise for anything else."""
    region = pool_id.split("_")[0]
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    return tokens.verify(token, client_id=client_id, token_use="id", issuer=issuer)


# 02.3 · Signed out?
def still_signed_in(access_token):
    """True if Cognito still accepts this access token, False if it was revoked."""
    try:
        boto3.client("cognito-idp").get_user(AccessToken=access_token)
        return True
    except ClientError as err:
        if err.response["Error"]["Code"] == "NotAuthorizedException":
            return False
        raise


ANSWERS = {"02.1": claim, "02.2": verify_id_token, "02.3": still_signed_in}
