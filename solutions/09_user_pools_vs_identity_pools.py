"""Model solutions of notebook 09 · User pools vs identity pools (exercises 09.1-09.2), written as a learner writes them."""

import boto3


# 09.1 · The user pool, seen from the identity pool
def provider_name(region, user_pool_id):
    """The Logins key of a user pool."""
    return f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"


# 09.2 · From a user pool token to an S3 call
def s3_for(identity_pool_id, logins):
    """A boto3 S3 client signed with the credentials the identity pool gives this login."""
    cognito_identity = boto3.client("cognito-identity")
    identity_id = cognito_identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    creds = cognito_identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                        aws_session_token=creds["SessionToken"])


ANSWERS = {"09.1": provider_name, "09.2": s3_for}
