"""AWS Lambda's own errors, as the Lambda API Reference names them (*Invoke*, *Errors*:
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors). Lambda answers
``{"Type": "User", "message": ...}`` with the code in ``x-amzn-ErrorType``."""

from __future__ import annotations

from ..errors import ServiceError


class LambdaError(ServiceError):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(code, message, status=status, Type="User")


class InvalidParameterValue(LambdaError):
    def __init__(self, message: str):
        super().__init__("InvalidParameterValueException", message)


class InvalidRequestContent(LambdaError):
    def __init__(self, message: str):
        super().__init__("InvalidRequestContentException", message)


class RequestTooLarge(LambdaError):
    def __init__(self):
        super().__init__("RequestTooLargeException",
                         "Request must be smaller than 6291456 bytes for the InvokeFunction operation", 413)


class Validation(LambdaError):
    def __init__(self, message: str):
        super().__init__("ValidationException", message)


class TooManyRequests(LambdaError):
    def __init__(self):
        super().__init__("TooManyRequestsException", "Rate Exceeded.", 429)


class FunctionNotFound(LambdaError):
    def __init__(self, arn: str):
        super().__init__("ResourceNotFoundException", f"Function not found: {arn}", 404)
