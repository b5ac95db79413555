"""The questions a request puts to IAM: one :class:`Authorization` per (action, resource, condition keys).

"AWS processes the request to gather the following information into a *request context*: Actions,
Resources, Principal, Environment data, Resource data" (IAM User Guide, *Policy evaluation logic*,
reference_policies_evaluation-logic.html#policy-eval-reqcontext): what is read off the wire here is the
action, the resource and the service's condition keys; the principal's keys are the guard's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Authorization", "RequestAuthorizations"]


@dataclass
class Authorization:
    """One question the request puts to IAM: may the caller do ``action`` on ``resource``?

    ``keys`` are the service-specific condition keys of this request (``s3:prefix``,
    ``dynamodb:LeadingKeys``...). ``bucket`` is set for S3 resources (whose bucket policy also counts).
    """

    action: str
    resource: str = "*"
    keys: dict = field(default_factory=dict)
    bucket: str | None = None
    role_arn: str | None = None  # sts:AssumeRole*: the role whose trust policy is the resource policy
    shown: str | None = None  # how the service names the resource in its denial message, if not by ARN


@dataclass
class RequestAuthorizations:
    """What :func:`authorizations` found: the API operation and the checks it needs (in order)."""

    service: str
    operation: str
    checks: list[Authorization]
    public: bool = False  # AWS serves it without a signature: no IAM check at all
    free: bool = False  # signed, but "no permissions are required" (sts:GetCallerIdentity)

