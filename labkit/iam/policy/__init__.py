"""IAM policy evaluation, in plain Python: does this request get through these policies, and why not?

    from labkit.iam.policy import Policy, RequestContext, evaluate

    ctx = RequestContext(
        action="s3:GetObject",
        resource="arn:aws:s3:::photos/private/us-east-1:abc/cat.jpg",
        principal_arn="arn:aws:sts::123456789012:assumed-role/Cognito_Auth/CognitoIdentityCredentials",
        keys={"cognito-identity.amazonaws.com:sub": "us-east-1:abc"},
    )
    decision = evaluate(ctx, identity_policies=[auth_role_policy])
    decision.allowed          # True / False
    print(decision.explain()) # plain English, for the learner

No boto3, no moto, no HTTP: the sandbox calls :func:`evaluate` on every request it authorizes, so
policies are parsed and compiled once (:meth:`Policy.parse` is cached by the policy's text) and an
evaluation of a typical three-statement policy costs about 15 microseconds.

The package follows the IAM User Guide, one module per part of the guide, in the order the guide tells
it (section titles in quotes are the guide's; every URL is under
https://docs.aws.amazon.com/IAM/latest/UserGuide/):

1. "Processing the request context" (reference_policies_evaluation-logic.html#policy-eval-reqcontext)
   -- :mod:`.context`, :class:`RequestContext`.
2. "IAM JSON policy element reference" (reference_policies_elements.html): ``Version``, ``Statement``,
   ``Sid``, ``Effect``, ``Principal``/``NotPrincipal``, ``Action``/``NotAction``,
   ``Resource``/``NotResource``, ``Condition`` -- :mod:`.grammar` ("Grammar of the IAM JSON policy
   language", reference_policies_grammar.html) and :mod:`.elements`, :class:`Policy`,
   :class:`PolicyError`.
3. "IAM policy elements: Variables and tags" (reference_policies_variables.html) -- :mod:`.variables`.
4. "IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html)
   and "Creating a condition with multiple keys or values" (reference_policies_multi-value-conditions.html)
   -- :mod:`.conditions`.
5. "Determining whether a request is allowed or denied within an account"
   (reference_policies_evaluation-logic.html#policy-eval-denyallow), with "Session policies"
   (access_policies.html#policies_session) and "Evaluating effective permissions with boundaries"
   (access_policies_boundaries.html#access_policies_boundaries-eval-logic) -- :mod:`.evaluation`,
   :func:`evaluate`; the outcome, :class:`Decision`, in :mod:`.decision`.

Not modelled (see :func:`evaluate`): AWS Organizations SCPs and RCPs, ACLs, VPC endpoint policies,
and the services whose resource policy must itself allow (KMS key policies); a role trust policy is
evaluated as the resource-based policy of ``sts:AssumeRole*`` with no identity policy, which gives the
same answer for web-identity federation.
"""

from ..exceptions import PolicyError
from .context import RequestContext
from .decision import Decision, StatementMatch, StatementTrace
from .elements import Policy
from .evaluation import evaluate

__all__ = [
    "PolicyError",
    "Policy",
    "RequestContext",
    "evaluate",
    "Decision",
    "StatementMatch",
    "StatementTrace",
]

USER_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
