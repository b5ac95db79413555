"""Model solutions of notebook 12 · Troubleshooting (exercises 12.1-12.2), written as a learner writes them."""

import base64
import hashlib
import hmac
import json

import boto3


# 12.1 · Compute SECRET_HASH
def secret_hash(client_id, client_secret, username):
    """The SECRET_HASH of username at the app client client_id."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# 12.2 · Repair the role's trust policy
def repair_trust(identity_pool_id, role_name):
    """Make the role usable by the signed-in identities of identity_pool_id, and by nobody else."""
    trust = {
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
    boto3.client("iam").update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))


ANSWERS = {"12.1": secret_hash, "12.2": repair_trust}
