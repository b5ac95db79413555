"""IAM in the sandbox: policies evaluated as AWS does, and enforced on every call.

Rooms, as every service of the sandbox has them:

* :mod:`.policy` -- policy evaluation in plain Python, one module per part of the IAM User Guide
  (request context, grammar, elements, variables, condition operators, evaluation logic, decision);
* :mod:`.actions` -- what a request asks IAM for (action, resource ARNs, condition keys), per service;
* :mod:`.models` -- IAM's state as decisions read it (roles, users, their policies): :func:`role`,
  :func:`role_policies`;
* :mod:`.guard` -- the enforcement on every call (:class:`IamEnforcement`);
* :mod:`.decision_log` -- the decision log and "why was I denied?" (:func:`explain_last`);
* :mod:`.denials` -- how each service says no; :mod:`.exceptions` -- IAM's error classes;
* :mod:`.service` -- IAM's own operations where moto differs from AWS.

    import labkit
    print(labkit.iam.explain_last(sb))     # why the last call was denied

Submodules load when first used, so ``from labkit.iam.policy import evaluate`` needs no sandbox.
"""

from __future__ import annotations

import importlib

__all__ = ["install", "IamEnforcement", "AuthorizationRecord", "explain_last", "decisions", "role", "role_policies"]

_LAZY = {
    "IamEnforcement": "guard",
    "AuthorizationRecord": "decision_log",
    "explain_last": "decision_log",
    "decisions": "decision_log",
    "role": "models",
    "role_policies": "models",
    "IamService": "service",
}


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def install(sandbox):
    """Register the IAM guard (every call) and IAM's own operations with the sandbox's dispatcher."""
    from .guard import IamEnforcement
    from .service import IamService

    component = IamEnforcement(sandbox)
    sandbox.dispatcher.guards.append(component.guard)
    if "iam" not in sandbox.dispatcher.services:
        sandbox.dispatcher.register(IamService(sandbox))
    return component
