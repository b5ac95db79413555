"""Say what an exception raised by the learner's code means, in a sentence, instead of a traceback.

AWS's error codes are explained as the services document them (the ``Errors`` section of each API
reference); Python's own exceptions by what usually causes them in a notebook.
"""

from __future__ import annotations

#: AWS error codes a learner meets in this lab, and what each means.
AWS_ERRORS = {
    "AccessDenied": "IAM (or STS) refused the request: no policy allows it, a condition did not match, or a trust "
                    "policy does not let this principal assume the role.",
    "AccessDeniedException": "IAM refused the DynamoDB (or other JSON-protocol) request: no statement of the caller's "
                             "policies allows this action on this resource with these condition keys.",
    "NotAuthorizedException": "Cognito refused the caller: a wrong password, a revoked or expired token, a login the pool "
                              "does not trust, or guests not allowed.",
    "UserNotConfirmedException": "The password is right but the user never confirmed the sign-up code.",
    "UsernameExistsException": "A user with this username already exists in the pool.",
    "UserNotFoundException": "No user with this username exists in the pool.",
    "CodeMismatchException": "The confirmation or MFA code is not the one Cognito sent.",
    "ExpiredCodeException": "The code was already used or is too old; ask for a new one.",
    "InvalidPasswordException": "The password breaks the pool's password policy.",
    "InvalidParameterException": "A parameter is missing, has the wrong format, or is not allowed in this call.",
    "InvalidLambdaResponseException": "The trigger returned something Cognito cannot use (return the event).",
    "UserLambdaValidationException": "A trigger (Lambda) raised an exception, and Cognito refused the request.",
    "ResourceNotFoundException": "The user pool, identity pool, identity, dataset or table named in the call does not exist.",
    "ResourceConflictException": "Cognito Sync refused the write: the record's SyncCount is not the one you sent (another "
                                 "device wrote in between).",
    "ConditionalCheckFailedException": "DynamoDB refused the write because its ConditionExpression was false.",
    "InvalidIdentityToken": "STS refused the web identity token or SAML assertion itself (signature, issuer or audience).",
    "ExpiredTokenException": "The token or assertion is too old to be redeemed.",
    "ExpiredToken": "The temporary credentials used to sign the request have expired.",
    "MalformedPolicyDocument": "IAM could not read the policy: check its JSON, Version, Effect, Action and Resource.",
    "MalformedPolicyDocumentException": "IAM could not read the policy: check its JSON, Version, Effect, Action and Resource.",
    "EntityAlreadyExists": "An IAM role, provider or policy of that name already exists.",
    "NoSuchEntity": "The IAM role, provider or policy named in the call does not exist.",
    "ValidationError": "A parameter does not satisfy the API's constraints.",
    "ValidationException": "A parameter does not satisfy the API's constraints.",
    "TooManyRequestsException": "Too many requests in a short time.",
    "LimitExceededException": "Too many attempts or too many resources: wait or clean up.",
    "NoSuchKey": "The S3 object does not exist.",
    "NoSuchBucket": "The S3 bucket does not exist.",
}

#: Python exceptions, and what usually causes them in a notebook exercise.
PYTHON_ERRORS = {
    "NameError": "A name is not defined: run the cells above first, or check its spelling.",
    "TypeError": "A value of the wrong type was used, or a function got the wrong arguments (check the signature the "
                 "exercise asks for).",
    "KeyError": "A dict was asked for a key it does not have: print the dict to see its keys.",
    "AttributeError": "An object has no attribute of that name: check the spelling, or what the object is.",
    "IndexError": "A list was indexed past its end.",
    "ValueError": "A value has the right type but the wrong content.",
    "JSONDecodeError": "A string that should be JSON is not valid JSON.",
    "ParamValidationError": "boto3 refused the call before sending it: a parameter name or type does not match the API "
                            "(boto3's message names it).",
    "NotImplementedError": "Something is not written yet.",
    "ZeroDivisionError": "A division by zero.",
    "RecursionError": "A function calls itself without end.",
    "AssertionError": "An assert in your code failed.",
    "ImmatureSignatureError": "PyJWT thinks the token was issued in the future: the sandbox's clock was moved forward "
                              "with sb.advance. labkit.tokens.verify uses the sandbox's clock.",
    "ExpiredSignatureError": "PyJWT found the token's exp in the past.",
    "InvalidSignatureError": "PyJWT found the signature does not match.",
    "DecodeError": "PyJWT could not read the token.",
}


def name(exc: BaseException) -> str:
    """``ClientError (NotAuthorizedException: Incorrect username or password.)`` or ``KeyError('x')``."""
    code = aws_code(exc)
    if code is not None:
        message = exc.response.get("Error", {}).get("Message", "")  # type: ignore[attr-defined]
        return f"ClientError {code}" + (f" ({_short(message)})" if message else "")
    text = str(exc)
    return f"{type(exc).__name__}" + (f" ({_short(text)})" if text else "")


def meaning(exc: BaseException) -> str:
    """One sentence on what the exception means."""
    code = aws_code(exc)
    if code is not None:
        return AWS_ERRORS.get(code, "AWS refused the request; the error code names the reason.")
    for klass in type(exc).__mro__:
        if klass.__name__ in PYTHON_ERRORS:
            return PYTHON_ERRORS[klass.__name__]
    module = type(exc).__module__ or ""
    if module.startswith("labkit"):
        return "labkit refused something: its message says what and how to fix it."
    return "Your code raised this exception; read its message, fix the cause, and run the cell again."


def aws_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        return response["Error"].get("Code")
    return None


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
