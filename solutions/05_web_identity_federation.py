"""Model solutions of notebook 05 · Web identity federation (exercises 05.1-05.3), written as a learner writes them."""

import boto3

# 05.1 · The Logins key
google_key = "accounts.google.com"


# 05.2 · From a Google token to AWS credentials
def credentials_from_google(identity_pool_id, google_token):
    """Temporary AWS credentials for the Google user of google_token (enhanced flow)."""
    cognito_identity = boto3.client("cognito-identity")
    logins = {"accounts.google.com": google_token}
    identity_id = cognito_identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    return cognito_identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]


# 05.3 · Trust only your signed-in users
def authenticated_trust_policy(identity_pool_id):
    """Trust policy: signed-in identities of this identity pool only."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }],
    }


ANSWERS = {"05.1": google_key, "05.2": credentials_from_google, "05.3": authenticated_trust_policy}
