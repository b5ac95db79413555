"""Model solutions of notebook 11 · A protected API (exercises 11.1-11.2), written as a learner writes them."""

# 11.1 · What API Gateway answers
predictions = {
    "access token, no scopes on the method": (401, "Unauthorized"),
    "ID token, scopes on the method": (401, "Unauthorized"),
    "expired ID token": (401, "The incoming token has expired"),
    "wrong path": (403, "Missing Authentication Token"),
}


# 11.2 · Each user calls only their own notes
def notes_policy(region, account, api_id):
    """Allow GET /notes/<my identity id> on stage prod, and nothing else."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/prod/GET/notes/${{cognito-identity.amazonaws.com:sub}}",
    }]}


ANSWERS = {"11.1": predictions, "11.2": notes_policy}
