"""Model solutions of notebook 07 · Enterprise SAML (exercises 07.1-07.4), written as a learner writes them."""

import boto3

# 07.1 · Predict STS's answers
predictions = {
    "unsigned": "InvalidIdentityToken",
    "role not granted": "AccessDenied",
    "for another application": "InvalidIdentityToken",
    "redeemed 6 minutes later": "ExpiredTokenException",
}


# 07.2 · One role, two directories
def shared_trust_policy(provider_arns):
    """The trust policy of a role that users of every provider in provider_arns may assume."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": list(provider_arns)},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }],
    }


# 07.3 · Certificate rollover
def trust_new_certificate(ad, provider_arn):
    """Make IAM trust the directory's new signing certificate."""
    boto3.client("iam").update_saml_provider(SAMLProviderArn=provider_arn, SAMLMetadataDocument=ad.metadata)


# 07.4 · The role the app asks for
def credentials_for_role(identity_pool_id, provider_arn, saml_response, role_arn):
    """AWS credentials for role_arn, from the identity pool, for the user of saml_response."""
    cognito = boto3.client("cognito-identity")
    logins = {provider_arn: saml_response}
    identity_id = cognito.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    return cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins, CustomRoleArn=role_arn)["Credentials"]


ANSWERS = {"07.1": predictions, "07.2": shared_trust_policy, "07.3": trust_new_certificate, "07.4": credentials_for_role}
