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
from .exceptions import InvalidLambdaResponse, NotAuthorized, UserLambdaValidation, UserPoolError


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

    @classmethod
    def valid(cls, response: dict, version: str = "1") -> bool:
        """Whether Cognito can use this ``response`` (an object whose documented fields have their types);
        a trigger that returns something else fails the operation with InvalidLambdaResponseException."""
        return True


#: "InvalidLambdaResponseException: Unrecognizable lambda output": what Cognito answers when a trigger's
#: function returns something it cannot read (quoted in public write-ups of the error, e.g. a handler that
#: returns its own object instead of the event).
UNRECOGNIZABLE = "Unrecognizable lambda output"


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _optional(value, check) -> bool:
    return value is None or check(value)


def _group_override(value) -> bool:
    return isinstance(value, dict) and all((
        _optional(value.get("groupsToOverride"), _strings), _optional(value.get("iamRolesToOverride"), _strings),
        _optional(value.get("preferredRole"), lambda v: isinstance(v, str))))


@register
class PreSignUp(Trigger):
    """"Pre sign-up Lambda trigger": may confirm the user and verify the email or phone."""

    name = "PreSignUp"

    @classmethod
    def default_response(cls) -> dict:
        return {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}

    @classmethod
    def valid(cls, response, version="1"):
        return all(_optional(response.get(k), lambda v: isinstance(v, bool))
                   for k in ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"))


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
    """"Pre token generation Lambda trigger": version 1 (``V1_0``) answers ``claimsOverrideDetails`` for the
    ID token (string claims); versions 2 and 3 (``LambdaConfig.PreTokenGenerationConfig.LambdaVersion``
    ``V2_0`` / ``V3_0``, event ``version`` "2" / "3") answer ``claimsAndScopeOverrideDetails`` for the ID
    *and* access tokens (claims of any JSON type, and scopes)."""

    name = "PreTokenGeneration"

    @classmethod
    def default_response(cls) -> dict:
        return {"claimsOverrideDetails": None}

    @classmethod
    def valid(cls, response, version="1"):
        if version == "1":
            details = response.get("claimsOverrideDetails")
            return _optional(details, lambda d: isinstance(d, dict) and all((
                _optional(d.get("claimsToAddOrOverride"),
                          lambda c: isinstance(c, dict) and all(isinstance(v, str) for v in c.values())),
                _optional(d.get("claimsToSuppress"), _strings),
                _optional(d.get("groupOverrideDetails"), _group_override))))

        def token(t):
            return isinstance(t, dict) and all((
                _optional(t.get("claimsToAddOrOverride"), lambda c: isinstance(c, dict)),
                _optional(t.get("claimsToSuppress"), _strings),
                _optional(t.get("scopesToAdd"), _strings), _optional(t.get("scopesToSuppress"), _strings)))

        details = response.get("claimsAndScopeOverrideDetails")
        return _optional(details, lambda d: isinstance(d, dict) and all((
            _optional(d.get("idTokenGeneration"), token), _optional(d.get("accessTokenGeneration"), token),
            _optional(d.get("groupOverrideDetails"), _group_override))))


#: LambdaConfig.PreTokenGenerationConfig.LambdaVersion -> the event's "version".
PRE_TOKEN_VERSIONS = {"V1_0": "1", "V2_0": "2", "V3_0": "3"}


def pre_token_version(pool) -> str:
    """The event version the pool's pre token generation trigger gets ("1" unless PreTokenGenerationConfig says)."""
    config = (pool.extended_config.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    return PRE_TOKEN_VERSIONS.get(config.get("LambdaVersion") or "V1_0", "1")


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

    def attach(self, pool, name: str, fn, version: str | None = None) -> str:
        """``version`` (PreTokenGeneration only): "V1_0", "V2_0" or "V3_0", written to
        LambdaConfig.PreTokenGenerationConfig as UpdateUserPool would (V2_0/V3_0 need the Essentials plan)."""
        trigger_named(name)
        if version is not None:
            if name != "PreTokenGeneration" or version not in PRE_TOKEN_VERSIONS:
                raise TriggerError(f"version= is for PreTokenGeneration: one of {', '.join(PRE_TOKEN_VERSIONS)}.")
            from . import plans

            if version != "V1_0":
                plans.require(plans.tier_of(pool), "access token customization")
        if not callable(fn):
            raise TriggerError(f"A trigger is a function like def handler(event, context): ...; got {type(fn).__name__}.")
        self._by_pool.setdefault(pool.id, {})[name] = fn
        fname = getattr(fn, "__name__", "handler").replace("<", "").replace(">", "")
        arn = f"arn:aws:lambda:{pool.region}:{pool.account_id}:function:{fname}"
        lambda_config = dict(pool.extended_config.get("LambdaConfig") or {})
        lambda_config[name] = arn
        if version is not None:
            lambda_config["PreTokenGenerationConfig"] = {"LambdaVersion": version, "LambdaArn": arn}
        pool.extended_config["LambdaConfig"] = lambda_config
        return arn

    def detach(self, pool, name: str) -> None:
        self._by_pool.get(pool.id, {}).pop(name, None)
        (pool.extended_config.get("LambdaConfig") or {}).pop(name, None)
        if name == "PreTokenGeneration":
            (pool.extended_config.get("LambdaConfig") or {}).pop("PreTokenGenerationConfig", None)

    def get(self, pool_id: str, name: str):
        return self._by_pool.get(pool_id, {}).get(name)

    def run(self, pool, trigger: type[Trigger], source: str, username: str, client_id: str | None, request: dict,
            version: str = "1", response: dict | None = None) -> dict:
        """Invoke ``trigger``'s function if one is attached; returns the event's ``response`` (the
        trigger's default response, or ``response``, if none is attached). ``version``: the event's version."""
        fn = self.get(pool.id, trigger.name)
        response = trigger.default_response() if response is None else response
        if fn is None:
            return response
        event = {
            "version": version,
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
        answer = out.get("response") if isinstance(out, dict) else None
        if not isinstance(out, dict) or not isinstance(answer, (dict, type(None))) or not trigger.valid(answer or {}, version):
            raise InvalidLambdaResponse(UNRECOGNIZABLE)
        return answer or {}
