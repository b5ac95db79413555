"""IAM policy evaluation: this name is kept for existing imports; the package is :mod:`labkit.iam.policy`.

    from labkit.policy import Policy, RequestContext, evaluate   # the same objects as labkit.iam.policy's
"""

from .iam.policy import Decision, Policy, PolicyError, RequestContext, StatementMatch, StatementTrace, evaluate

__all__ = ["PolicyError", "Policy", "RequestContext", "evaluate", "Decision", "StatementMatch", "StatementTrace"]
