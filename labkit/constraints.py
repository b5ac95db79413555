"""AWS's server-side check of an identifier against its service model, in AWS's own words.

A learner who passes a user pool id where an identity pool id belongs (or an id with a stray space)
gets, from AWS, not "not found" but a validation error naming the member and the pattern it breaks,
e.g. from Amazon Cognito user pools::

    InvalidParameterException: 1 validation error detected: Value ' ap-northeast-1_xxx' at 'userPoolId'
    failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+

and from Amazon Cognito identity pools (``ValidationException``)::

    1 validation error detected: Value 'us-east-1_xxxxxx' at 'identityPoolId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+

(both quoted in public SDK issues, e.g. anomalyco/guide#127, aws/aws-sdk-js#3344, aws/aws-sdk-net#445,
amplify-swift#2864). For members botocore's model marks ``sensitive`` (a client id, a password) AWS
leaves the value out: "Value at 'clientId' failed to satisfy constraint: ...".

The patterns and lengths are read from botocore's service model, never copied here. Only the
identifier members a service names are checked (the ids a learner mixes up), since Python's ``re``
cannot read every pattern of the models (``\\p{L}`` classes).
"""

from __future__ import annotations

import functools
import json
import re

import botocore.session


@functools.lru_cache(maxsize=None)
def _model(service: str):
    return botocore.session.get_session().get_service_model(service)


@functools.lru_cache(maxsize=None)
def _members(service: str, operation: str, names: frozenset) -> tuple:
    """``(member, wire name, shape metadata)`` of the operation's top-level members named in ``names``."""
    try:
        shape = _model(service).operation_model(operation).input_shape
    except Exception:  # an operation the model does not know: nothing to check here
        return ()
    if shape is None:
        return ()
    return tuple((name, name[:1].lower() + name[1:], member.metadata) for name, member in shape.members.items()
                 if name in names and member.type_name == "string")


def violations(service: str, operation: str | None, params: dict, names: frozenset) -> list[str]:
    """AWS's wording of each constraint the named members of ``params`` break, in model order."""
    found = []
    for name, wire, meta in _members(service, operation or "", names):
        value = params.get(name)
        if not isinstance(value, str):
            continue
        shown = "Value at" if meta.get("sensitive") else f"Value '{value}' at"
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"{shown} '{wire}' failed to satisfy constraint: Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{shown} '{wire}' failed to satisfy constraint: Member must have length less than or equal to {meta['max']}")
        pattern = meta.get("pattern")
        if pattern and re.fullmatch(pattern, value) is None:
            found.append(f"{shown} '{wire}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}")
    return found


def message(found: list[str]) -> str:
    n = len(found)
    return f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(found)


def check(service: str, operation: str | None, body: bytes, names: frozenset, error_class):
    """Raise ``error_class(message)`` when the request's named identifiers break the model."""
    if not body:
        return
    try:
        params = json.loads(body)
    except ValueError:
        return  # the protocol layer answers a body that is not JSON
    if not isinstance(params, dict):
        return
    found = violations(service, operation, params, names)
    if found:
        raise error_class(message(found))
