"""Model solutions of notebook 03 · Modern sign-in (exercises 03.1-03.3), written as a learner writes them.

Kept apart from the learner's notebooks; ``tests/test_exercises.py`` checks each against its checker.
"""

import boto3

import labkit

# 03.1 · The plan that has passkeys
tier = "ESSENTIALS"


# 03.2 · Sign in with an email code
def sign_in_with_email_code(client_id, username, email):
    """Sign username in with the code Cognito emails; return the AuthenticationResult."""
    idp = boto3.client("cognito-idp")
    step = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH",
                             AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    code = labkit.Sandbox.current().inbox(email).latest.code  # in the notebook: sb.inbox(email)
    answer = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="EMAIL_OTP", Session=step["Session"],
                                           ChallengeResponses={"USERNAME": username, "EMAIL_OTP_CODE": code})
    return answer["AuthenticationResult"]


# 03.3 · Sign in with a passkey
def sign_in_with_passkey(client_id, username, device):
    """Sign username in with the passkey on device; return the AuthenticationResult."""
    idp = boto3.client("cognito-idp")
    step = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH",
                             AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assertion = device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    answer = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="WEB_AUTHN", Session=step["Session"],
                                           ChallengeResponses={"USERNAME": username, "CREDENTIAL": assertion})
    return answer["AuthenticationResult"]


ANSWERS = {"03.1": tier, "03.2": sign_in_with_email_code, "03.3": sign_in_with_passkey}
