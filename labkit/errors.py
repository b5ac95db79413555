"""Errors: the sandbox's own (a labkit call went wrong) and AWS's (a service said no).

Two families, never mixed:

* :class:`LabkitError` and its subclasses are raised in the learner's Python when labkit itself is
  misused (a sandbox started twice, a misspelt region, a client used after ``stop()``). Each message
  names the fix.
* :class:`ServiceError` is what a simulated AWS service answers. It never reaches the learner as a
  Python exception from labkit: the wire layer turns it into the HTTP error AWS would send, and boto3
  raises its usual ``botocore.exceptions.ClientError`` with the same ``Error.Code`` as on AWS.
"""

from __future__ import annotations


class LabkitError(Exception):
    """Base class of every error that labkit raises in the learner's own code."""


class SandboxNotRunning(LabkitError):
    """A client made inside a sandbox was used after that sandbox stopped."""


class SandboxAlreadyRunning(LabkitError):
    """A second sandbox, or the same one twice, was started."""


class UnknownRegion(LabkitError, ValueError):
    """The region given to the sandbox is not one where Cognito exists."""


class LeftTheSandbox(LabkitError):
    """A request would have left the machine while a sandbox was running."""


class PortInUse(LabkitError, OSError):
    """The port a served sandbox was asked to listen on is taken."""


class NotSimulated(LabkitError):
    """The sandbox does not simulate this AWS service or operation."""


class ServiceError(Exception):
    """An AWS error answer: ``code`` and ``message`` exactly as the service sends them.

    Subclass it per service (as moto's ``exceptions.py`` does) or raise it directly::

        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    """

    status = 400
    sender_fault = True

    def __init__(self, code: str, message: str = "", status: int | None = None, **extra):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra  # additional fields some errors carry


class ServiceException(ServiceError):
    """Base of one service's error classes, as moto's ``exceptions.py`` and botocore's error shapes name them:
    a subclass sets ``code`` (the wire's ``__type`` / ``Error.Code``), ``status`` and, if AWS always says
    the same, ``default_message``; it is raised with its message only::

        class NotAuthorizedException(CognitoIdentityError):
            code = "NotAuthorizedException"

        raise NotAuthorizedException("Logins don't match.")
    """

    code = "InternalFailure"
    status = 400
    default_message = ""

    def __init__(self, message: str | None = None, **extra):
        super().__init__(self.code, self.default_message if message is None else message, status=self.status, **extra)


__all__ = [
    "LabkitError",
    "SandboxNotRunning",
    "SandboxAlreadyRunning",
    "UnknownRegion",
    "LeftTheSandbox",
    "NotSimulated",
    "PortInUse",
    "ServiceError",
    "ServiceException",
]
