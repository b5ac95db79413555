"""The scope-down session policy Cognito applies to guests (unauthenticated identities, enhanced flow).

Two AWS documents say what a guest may do, and labkit applies both, as AWS combines them:

1. The Cognito Developer Guide, *IAM roles* (https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html),
   "Access policies": in the enhanced (simplified) flow Cognito passes an inline session policy with
   the credentials of an unauthenticated identity, listing the services a guest may reach whatever its
   role grants -- among them Amazon S3, Amazon DynamoDB, Amazon Cognito Sync, Amazon Cognito Identity
   and user pools, AWS Lambda, Amazon API Gateway (``execute-api``), CloudWatch, Kinesis, SNS, SQS...;
   neither IAM nor STS is on it. "If you need access to something other than these services for your
   unauthenticated users, you must use the basic authentication flow."
2. The AWS managed policy ``AmazonCognitoUnAuthedIdentitiesSessionPolicy``
   (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonCognitoUnAuthedIdentitiesSessionPolicy.html):
   "Cognito Identity Service will automatically include it as a scoped down policy when creating
   credentials. The privileges to temporarily access other AWS resources through the enhanced flow
   will now be defined by the intersection of the role associated with the identity of the
   unauthenticated user ... and the privileges given in this managed policy".

How they combine: both are *session policies* of the guest's role session (an inline ``Policy`` and a
managed ``PolicyArns`` entry of the ``AssumeRole*`` call Cognito makes). "The resulting session's
permissions are the intersection of the role's identity-based policies and the session policies"
(IAM User Guide, *Session policies*, access_policies.html#policies_session), and an action is allowed
by the session policies when any of them allows it: a guest may do what its role allows **and**
the inline list or the managed policy allows. So a guest role granting ``iam:ListRoles`` or
``sts:AssumeRole`` still cannot do either, while S3, DynamoDB and Cognito Sync stay reachable.
The basic (classic) flow (``GetOpenIdToken`` + ``AssumeRoleWithWebIdentity``) gets no scope-down.
"""

from __future__ import annotations

import functools

GUEST_POLICY_NAME = "the session policy Cognito applies to guests"
MANAGED_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy"

# Services a guest may reach in the enhanced flow (Cognito Developer Guide, IAM roles, "Access policies").
INLINE_ACTIONS = (
    "cloudwatch:*", "logs:*", "dynamodb:*", "kinesis:*", "mobileanalytics:*", "s3:*", "ses:*", "sns:*", "sqs:*",
    "lambda:*", "machinelearning:*", "execute-api:*", "iot:*", "gamelift:*", "cognito-identity:*", "cognito-idp:*",
    "lex:*", "polly:*", "comprehend:*", "translate:*", "transcribe:*", "rekognition:*", "mobiletargeting:*",
    "firehose:*", "appsync:*", "personalize:*", "sagemaker:InvokeEndpoint", "cognito-sync:*", "codewhisperer:*",
    "textract:DetectDocumentText", "textract:AnalyzeDocument", "sdb:*",
)
# AmazonCognitoUnAuthedIdentitiesSessionPolicy, its published default version's statement.
MANAGED_ACTIONS = (
    "rum:PutRumEvents", "sagemaker:InvokeEndpoint", "polly:*", "comprehend:*", "translate:*", "transcribe:*",
    "rekognition:*", "mobiletargeting:*", "firehose:*", "personalize:*", "geo:GetMap*", "geo:SearchPlaceIndex*",
    "geo:GetPlace", "geo:CalculateRoute*", "geo:*Geofence", "geo:*Geofences", "geo:*DevicePosition*",
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptTo", "kms:ReEncryptFrom", "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext",
)


@functools.lru_cache(maxsize=1)
def session_policies() -> tuple:
    """The two session policies, parsed once, named as explanations show them."""
    from ..policy import Policy

    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(INLINE_ACTIONS), "Resource": "*"}]}
    managed = {"Version": "2012-10-17", "Statement": [{"Sid": "CognitoUnAuthedIdentitiesSessionPolicy", "Effect": "Allow",
                                                       "Action": list(MANAGED_ACTIONS), "Resource": "*"}]}
    return (Policy.parse(inline, GUEST_POLICY_NAME), Policy.parse(managed, f"{GUEST_POLICY_NAME} (AmazonCognitoUnAuthedIdentitiesSessionPolicy)"))


def scope_down(creds) -> None:
    """Attach the guest scope-down to credentials just issued to an unauthenticated identity."""
    creds.session_policies = list(creds.session_policies or []) + list(session_policies())


def is_scoped_down(creds) -> bool:
    """Whether ``creds`` carry the guest scope-down (an unauthenticated identity's enhanced-flow session)."""
    return creds is not None and session_policies()[0] in (getattr(creds, "session_policies", None) or ())
