"""Model solutions of notebook 04 · Guest access (exercises 04.1-04.3), written as a learner writes them."""

import boto3

# 04.1 · A pool closed to guests
error_code = "NotAuthorizedException"


# 04.2 · A guest's credentials
def guest_credentials(identity_pool_id):
    """Temporary AWS credentials for a new guest of this identity pool."""
    cognito_identity = boto3.client("cognito-identity")
    identity_id = cognito_identity.get_id(IdentityPoolId=identity_pool_id)["IdentityId"]
    return cognito_identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]


# 04.3 · The guest policy
def guest_read_policy(bucket):
    """The guest role's policy: read public/ of bucket, nothing more."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/public/*"}],
    }


ANSWERS = {"04.1": error_code, "04.2": guest_credentials, "04.3": guest_read_policy}
