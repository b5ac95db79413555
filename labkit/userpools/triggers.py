"""Lambda triggers of a user pool, played by Python functions.

Developer guide, "Customizing user pool workflows with Lambda triggers": Cognito calls the
function with an event (version, region, userPoolId, userName, callerContext, triggerSource,
request, response) and uses the response of the event the function returns. An exception in the
function fails the operation (``UserLambdaValidationException "<Trigger> failed with error <msg>."``;
``NotAuthorizedException`` for PreAuthentication).

    import labkit.userpools
    def pre_sign_up(event, context):
        event["response"]["autoConfirmUser"] = True
        return event
    labkit.userpools.attach_trigger(sb, pool_id, "PreSignUp", pre_sign_up)
"""

from __future__ import annotations

import copy
import inspect
from types import SimpleNamespace
from typing import ClassVar

from ..errors import LabkitError
from .exceptions import NotAuthorized, UserLambdaValidation, UserPoolError


class TriggerError(LabkitError):
    """A trigger was attached wrongly (unknown name, not callable, unknown pool)."""


#: Every trigger labkit can play, by its LambdaConfigType name, in the order they were registered.
REGISTRY: dict[str, type["Trigger"]] = {}


def register(cls: type["Trigger"]) -> type["Trigger"]:
    """Class decorator: one Lambda trigger. A new trigger is one class here, nothing else::

        @register
        class PostAuthentication(Trigger):
            \"\"\"Developer guide, "Post authentication Lambda trigger".\"\"\"
            name = "PostAuthentication"

    and the pool calls ``triggers.run(pool, PostAuthentication, "PostAuthentication_Authentication", ...)``.
    """
    REGISTRY[cls.name] = cls
    return cls


class Trigger:
    """One Lambda trigger of a user pool: its LambdaConfig name, the response Cognito starts the event
    with, and the error its failure becomes (developer guide, "Customizing user pool workflows with Lambda
    triggers": ``UserLambdaValidationException "<Trigger> failed with error <msg>."``)."""

    name: ClassVar[str] = ""
    failure: ClassVar[type[UserPoolError]] = UserLambdaValidation

    @classmethod
    def default_response(cls) -> dict:
        return {}


@register
class PreSignUp(Trigger):
    """"Pre sign-up Lambda trigger": may confirm the user and verify the email or phone."""

    name = "PreSignUp"

    @classmethod
    def default_response(cls) -> dict:
        return {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@register
class PostConfirmation(Trigger):
    """"Post confirmation Lambda trigger": after ConfirmSignUp, AdminConfirmSignUp, ConfirmForgotPassword."""

    name = "PostConfirmation"


@register
class PreAuthentication(Trigger):
    """"Pre authentication Lambda trigger": its failure is ``NotAuthorizedException`` (the sign-in is refused)."""

    name = "PreAuthentication"
    failure = NotAuthorized


@register
class PreTokenGeneration(Trigger):
    """"Pre token generation Lambda trigger" (version 1): ``claimsOverrideDetails`` for the ID token."""

    name = "PreTokenGeneration"

    @classmethod
    def default_response(cls) -> dict:
        return {"claimsOverrideDetails": None}


#: LambdaConfigType's names for the triggers labkit can play.
SUPPORTED = tuple(REGISTRY)


def trigger_named(name: str) -> type[Trigger]:
    cls = REGISTRY.get(name)
    if cls is None:
        raise TriggerError(f"labkit can play the triggers {', '.join(REGISTRY)}; {name!r} is not one of them.")
    return cls


class Triggers:
    """The Python functions attached to each pool, by LambdaConfig name."""

    def __init__(self):
        self._by_pool: dict[str, dict] = {}

    def attach(self, pool, name: str, fn) -> str:
        trigger_named(name)
        if not callable(fn):
            raise TriggerError(f"A trigger is a function like def handler(event, context): ...; got {type(fn).__name__}.")
        self._by_pool.setdefault(pool.id, {})[name] = fn
        fname = getattr(fn, "__name__", "handler").replace("<", "").replace(">", "")
        arn = f"arn:aws:lambda:{pool.region}:{pool.account_id}:function:{fname}"
        lambda_config = dict(pool.extended_config.get("LambdaConfig") or {})
        lambda_config[name] = arn
        pool.extended_config["LambdaConfig"] = lambda_config
        return arn

    def detach(self, pool, name: str) -> None:
        self._by_pool.get(pool.id, {}).pop(name, None)
        (pool.extended_config.get("LambdaConfig") or {}).pop(name, None)

    def get(self, pool_id: str, name: str):
        return self._by_pool.get(pool_id, {}).get(name)

    def run(self, pool, trigger: type[Trigger], source: str, username: str, client_id: str | None, request: dict) -> dict:
        """Invoke ``trigger``'s function if one is attached; returns the event's ``response`` (the
        trigger's default response if none is attached)."""
        fn = self.get(pool.id, trigger.name)
        response = trigger.default_response()
        if fn is None:
            return response
        event = {
            "version": "1",
            "region": pool.region,
            "userPoolId": pool.id,
            "userName": username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
            "triggerSource": source,
            "request": request,
            "response": copy.deepcopy(response),
        }
        context = SimpleNamespace(function_name=getattr(fn, "__name__", "handler"), aws_request_id="labkit")
        try:
            takes_two = len(inspect.signature(fn).parameters) >= 2
        except (TypeError, ValueError):
            takes_two = True
        try:
            out = fn(event, context) if takes_two else fn(event)
        except Exception as exc:  # the function's failure is the operation's failure, as on AWS
            raise trigger.failure(f"{trigger.name} failed with error {exc}.") from None
        if out is None:
            out = event
        if not isinstance(out, dict):
            raise UserLambdaValidation(f"{trigger.name} failed with error Unrecognizable lambda output.")
        return out.get("response") or {}
