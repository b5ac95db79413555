"""Faults: bad input, unsimulated operations and internal failures, answered in the protocol's own shape.

One place, used by the :class:`~labkit.wire.dispatch.Dispatcher` for both transports:

* :func:`check` reads the request as AWS's front end does *before* any operation runs: the body must
  decode (UTF-8, JSON or XML), a JSON body must be an object whose members have the types botocore's
  service model gives them (``SerializationException`` when not), required members must be there
  (the service's validation error: ``InvalidParameterException`` for Cognito,
  ``ValidationException`` for DynamoDB and Lambda, ``ValidationError`` for STS and IAM,
  ``BadRequestException`` for API Gateway), an S3 XML payload must be well formed (``MalformedXML``).
  So neither labkit's services nor moto ever see a list where a dict belongs, and a hand-written
  client, a browser or another SDK gets AWS's 4xx instead of a Python traceback (issue 15).
* :func:`not_simulated` is the answer for an operation (or service) the sandbox does not simulate: an
  error in the protocol's shape with status 400, which no SDK retries (botocore retries 500, 502, 503,
  504 and the throttling codes), naming the operation.
* :func:`internal` is the last resort for a bug in the sandbox: AWS's ``InternalFailure`` shape, never a
  Python exception name on the wire (the traceback goes to the server's stderr and the call log).

Error texts: the SerializationException and validation messages follow the Coral front end that
Cognito, DynamoDB, STS and IAM share ("1 validation error detected: Value null at 'userPoolId' failed
to satisfy constraint: Member must not be null", as AWS's validation errors read in the *Common
Errors* pages and labkit's services already write them); the SerializationException texts ("Start
of list found where not expected", "NUMBER_VALUE can not be converted to a String") are the best
reconstruction of Coral's messages as users report them, not a documented contract.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import functools
import json
import math
import re
import sys
import traceback
import uuid

from ..errors import ServiceError
from . import protocols, rest
from .request import Request, Response

NOT_SIMULATED = "NotSimulated"
MAX_DEPTH = 32  # DynamoDB: "DynamoDB supports nested attributes up to 32 levels deep" (Developer Guide, quotas)
MAX_JSON_DEPTH = 100  # any JSON body: deeper than any operation's input shape goes

# The validation error each service answers with (its model's own code where it has one).
_VALIDATION = {
    "cognito-idp": "InvalidParameterException",
    "cognito-identity": "InvalidParameterException",
    "cognito-sync": "InvalidParameterException",
    "dynamodb": "ValidationException",
    "lambda": "ValidationException",
    "apigateway": "BadRequestException",
    "sts": "ValidationError",
    "iam": "ValidationError",
}
# What a body that is not JSON (or not the JSON the operation reads) is called.
_SERIALIZATION = {
    "lambda": "InvalidRequestContentException",  # Lambda's model: "The request body could not be parsed as JSON."
    "apigateway": "BadRequestException",
}
_INT_RANGE = {"integer": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1)}
_ARTICLE = {"integer": "an Integer", "long": "a Long", "string": "a String", "boolean": "a Boolean",
            "double": "a Double", "float": "a Float", "timestamp": "a Date", "blob": "a ByteBuffer",
            "list": "a List", "map": "a Map", "structure": "a Structure"}


# Checks beyond types, for the services whose every operation moto answers (labkit's own services
# word their enum and value errors themselves, in AWS's order): enum values (Coral's "Member must
# satisfy enum value set"), base64 blobs, and each service's own rules (:data:`_SERVICE_CHECKS`).
_ENUMS: contextvars.ContextVar = contextvars.ContextVar("labkit_fault_enums", default=False)
_BASE64: contextvars.ContextVar = contextvars.ContextVar("labkit_fault_base64", default=True)
_MOTO_ONLY = {"dynamodb"}
_NO_BASE64 = {"lambda"}  # Lambda's own check answers a bad ZipFile ("Could not unzip uploaded file...")


class Fault(Exception):
    """Bad input found by :func:`check`: ``kind`` is ``serialization``, ``validation`` or ``xml``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


# ------------------------------------------------------------------------------------- shapes
@functools.lru_cache(maxsize=64)
def protocol_of(service: str) -> str:
    """``json``, ``rest-json``, ``rest-xml`` or ``query`` for a signing name (S3 is ``rest-xml``)."""
    if service == "s3":
        return "rest-xml"
    model = rest.service_model(service)
    return (model or {}).get("metadata", {}).get("protocol", "json")


def _operation_model(service: str, operation: str | None):
    if not operation:
        return None
    models = rest._operation_models(service)
    if models is None:
        return None
    try:
        return models.operation_model(operation)
    except Exception:  # botocore's OperationNotFoundError
        return None


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _token(value) -> str:
    """The JSON token Coral names when a value has the wrong type."""
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "VALUE"


def _wrong(shape, value) -> Fault:
    if isinstance(value, list):
        return Fault("serialization", "Start of list found where not expected")
    if isinstance(value, dict):
        return Fault("serialization", "Start of structure or map found where not expected.")
    return Fault("serialization", f"{_token(value)} can not be converted to {_ARTICLE.get(shape.type_name, 'this type')}")


def _typed(shape, value, path: str, depth: int, missing: list) -> bool:
    """Check ``value`` against ``shape`` (raises :class:`Fault`); returns whether a ``null`` was met
    (which the body then drops: Coral reads a null member as an absent one)."""
    if value is None:
        return True
    if depth > MAX_JSON_DEPTH:
        raise Fault("validation", "Nesting Levels have exceeded supported limits")
    kind = shape.type_name
    nulls = False
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong(shape, value)
        if shape.metadata.get("document"):
            return False
        members = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                missing.append(f"{path}.{_lower_camel(name)}" if path else _lower_camel(name))
        for name, item in value.items():
            member = members.get(name)
            if member is not None and not member.serialization.get("location"):
                nulls |= _typed(member, item, f"{path}.{_lower_camel(name)}" if path else _lower_camel(name), depth + 1, missing)
        return nulls
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong(shape, value)
        for item in value:
            nulls |= _typed(shape.member, item, f"{path}.member", depth + 1, missing)
        return nulls
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong(shape, value)
        for item in value.values():
            nulls |= _typed(shape.value, item, f"{path}.member", depth + 1, missing)
        return nulls
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong(shape, value)
        if _ENUMS.get() and shape.enum and value not in shape.enum:
            raise Fault("validation", f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
                                      f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
            raise _wrong(shape, value)
        low, high = _INT_RANGE[kind]
        if not low <= value <= high:
            raise Fault("serialization", f"NUMBER_VALUE can not be converted to {_ARTICLE[kind]}")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            raise _wrong(shape, value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(shape, value)
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _wrong(shape, value)
    elif kind == "blob":
        if not isinstance(value, str):
            raise _wrong(shape, value)
        if _BASE64.get():
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise Fault("serialization", "Base64 encoded value is not valid: it cannot be decoded") from None
    return False


def _strip_nulls(value):
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value if v is not None]
    return value


def _missing_fault(missing: list) -> Fault:
    n = len(missing)
    what = "; ".join(f"Value null at '{m}' failed to satisfy constraint: Member must not be null" for m in missing)
    return Fault("validation", f"{n} validation error{'s' if n > 1 else ''} detected: {what}")


def _json_document(body: bytes):
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Fault("serialization", "Invalid UTF-8 start byte in the request body") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise Fault("validation", "Nesting Levels have exceeded supported limits") from None
    except ValueError:
        raise Fault("serialization", "Unexpected character in the request body: it is not valid JSON") from None


def _check_json_body(request: Request, shape, members_of_body: bool) -> None:
    """A JSON body against the operation's input ``shape`` (``members_of_body``: a REST body holds only
    the members without a ``location``)."""
    if not request.body or not request.body.strip():
        document = {}
    else:
        document = _json_document(request.body)
    if document is None:  # a body of ``null``: no members at all
        document, request.body = {}, b"{}"
    if shape is None:
        if not isinstance(document, dict):
            raise _wrong(_Struct, document)
        return
    missing: list = []
    nulls = _typed(shape, document, "", 0, missing)
    if members_of_body:  # URI labels and headers are not the body's to carry
        located = {_lower_camel(n) for n, m in shape.members.items() if m.serialization.get("location")}
        missing = [m for m in missing if m not in located]
    if missing:
        raise _missing_fault(missing)
    if nulls:
        request.body = json.dumps(_strip_nulls(document), separators=(",", ":")).encode()


class _Struct:
    type_name = "structure"


_ATTRIBUTE_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


def _dynamodb_values(value, depth=0):
    """Every AttributeValue in a DynamoDB document: exactly one data type, numbers that are numbers
    (the messages DynamoDB gives, *Error handling with DynamoDB*, Developer Guide, ValidationException)."""
    if depth > MAX_DEPTH:
        raise Fault("validation", "Nesting Levels have exceeded supported limits")
    if isinstance(value, dict):
        keys = [k for k in value if k in _ATTRIBUTE_TYPES]
        if keys and len(keys) == len(value):  # an AttributeValue
            if len(keys) > 1:
                raise Fault("validation", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
            kind, inner = keys[0], value[keys[0]]
            numbers = [inner] if kind == "N" else (inner if kind == "NS" and isinstance(inner, list) else [])
            for n in numbers:
                try:
                    float(n)
                    ok = isinstance(n, str) and n.strip() != "" and n.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity")
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    raise Fault("validation", f"The parameter cannot be converted to a numeric value: {n}")
            if kind == "NULL" and inner is not True:
                raise Fault("validation", "One or more parameter values were invalid: Null attribute value types must have the value of true")
            if kind in ("SS", "NS", "BS") and isinstance(inner, list) and not inner:
                raise Fault("validation", "One or more parameter values were invalid: An string set  may not be empty")
            if kind in ("M", "L"):
                for item in (inner.values() if isinstance(inner, dict) else inner if isinstance(inner, list) else []):
                    _dynamodb_values(item, depth + 1)
            return
        for item in value.values():
            _dynamodb_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _dynamodb_values(item, depth + 1)


_ARGUMENTS = {"NULL": (0, 0), "NOT_NULL": (0, 0), "BETWEEN": (2, 2), "IN": (1, 10**6)}  # every other operator: one value


def _dynamodb_conditions(document: dict) -> None:
    """The legacy conditions (KeyConditions, QueryFilter, ScanFilter, Expected): each operator takes its
    number of values ("Invalid number of argument(s) for the GT ComparisonOperator", DynamoDB's wording)."""
    for name in ("KeyConditions", "QueryFilter", "ScanFilter", "Expected"):
        for condition in (document.get(name) or {}).values():
            if not isinstance(condition, dict) or "ComparisonOperator" not in condition:
                continue
            operator = condition["ComparisonOperator"]
            values = list(condition.get("AttributeValueList") or [])
            if "Value" in condition:
                values.append(condition["Value"])
            low, high = _ARGUMENTS.get(operator, (1, 1))
            if not low <= len(values) <= high:
                raise Fault("validation", f"One or more parameter values were invalid: Invalid number of argument(s) for the "
                                          f"{operator} ComparisonOperator")


def _dynamodb(request: Request, operation: str, document: dict) -> None:
    _dynamodb_conditions(document)
    if operation == "Query" and not document.get("KeyConditions") and not document.get("KeyConditionExpression"):
        raise Fault("validation", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
    if operation == "CreateTable":
        missing = [m for m in ("KeySchema", "AttributeDefinitions") if not document.get(m)]
        if missing and document.get("GlobalTableSourceArn"):  # a replica of another table: moto cannot make one
            raise Fault("not-simulated", "a table created from GlobalTableSourceArn")
        if missing:
            raise _missing_fault([_lower_camel(m) for m in missing])
    for name in ("Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey", "Expected", "KeyConditions",
                 "QueryFilter", "ScanFilter", "AttributeUpdates"):
        if isinstance(document.get(name), dict):
            for value in document[name].values():
                if name in ("Expected", "KeyConditions", "QueryFilter", "ScanFilter", "AttributeUpdates"):
                    if isinstance(value, dict):
                        for v in ([value.get("Value")] if "Value" in value else []) + list(value.get("AttributeValueList") or []):
                            if not isinstance(v, dict) or not v:
                                raise Fault("validation", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
                            _dynamodb_values(v)
                    continue
                if not isinstance(value, dict) or not value:
                    raise Fault("validation", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
                _dynamodb_values(value)


_GRANT = re.compile(r'^\s*(id|uri|emailAddress)\s*=\s*"?[^",]+"?\s*(,\s*(id|uri|emailAddress)\s*=\s*"?[^",]+"?\s*)*$')


def _s3(request: Request, operation: str, shape=None) -> None:
    """A bucket policy must be a JSON object (S3's ``MalformedPolicy``, *PutBucketPolicy*; moto stores any
    text and then fails on every later request to the bucket). A canned ACL must be one S3 knows and a
    ``x-amz-grant-*`` header a list of ``id=``/``uri=``/``emailAddress=`` grantees (*PutObjectAcl*,
    "Request Syntax"): S3 answers ``InvalidArgument`` for either, moto fails on them."""
    if shape is not None:
        for name, member in shape.members.items():
            if member.serialization.get("location") != "header":
                continue
            wire = member.serialization.get("name", name)
            value = request.headers.get(wire)
            if value is None:
                continue
            if wire.lower() == "x-amz-acl" and member.enum and value not in member.enum:
                raise Fault("argument", "")
            if wire.lower().startswith("x-amz-grant-") and not _GRANT.match(value):
                raise Fault("argument", "Argument format not recognized")
    if operation == "PutBucketPolicy":
        try:
            document = json.loads((request.body or b"").decode("utf-8"))
        except (ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise Fault("policy", "Policies must be valid JSON and the first byte must be '{'")


def _cognito_idp(request: Request, operation: str, document: dict) -> None:
    """Every schema attribute names itself (the model leaves ``Name`` optional; moto fails without it;
    the wording is labkit's reconstruction)."""
    if operation in ("CreateUserPool", "AddCustomAttributes"):
        key = "Schema" if operation == "CreateUserPool" else "CustomAttributes"
        for i, attribute in enumerate(document.get(key) or []):
            if not attribute.get("Name"):
                raise Fault("validation", f"1 validation error detected: Value null at '{_lower_camel(key)}.{i + 1}.member.name' "
                                          "failed to satisfy constraint: Member must not be null")


_SERVICE_CHECKS = {"dynamodb": _dynamodb, "cognito-idp": _cognito_idp}


def _check_query(request: Request, shape) -> None:
    form = {**{k: v[-1] for k, v in request.query.items()}, **{k: v[-1] for k, v in (request.form or {}).items()}}
    if shape is None:
        return
    missing = []
    for name in shape.required_members:
        if name not in form and not any(k.startswith(name + ".") for k in form):
            missing.append(_lower_camel(name))
    for name, member in shape.members.items():
        value = form.get(name)
        if value is None:
            continue
        kind = member.type_name
        if kind in ("integer", "long"):
            try:
                number = int(value)
            except ValueError:
                raise Fault("validation", f"1 validation error detected: Value '{value}' at '{_lower_camel(name)}' failed to satisfy "
                                          "constraint: Member must be a number") from None
            low, high = _INT_RANGE[kind]
            if not low <= number <= high:
                raise Fault("validation", f"1 validation error detected: Value '{value}' at '{_lower_camel(name)}' failed to satisfy "
                                          "constraint: Member must be a number in range")
        elif kind == "boolean" and value.lower() not in ("true", "false"):
            raise Fault("validation", f"1 validation error detected: Value '{value}' at '{_lower_camel(name)}' failed to satisfy "
                                      "constraint: Member must be true or false")
    if missing:
        raise _missing_fault(missing)


def _check_rest_query(request: Request, shape) -> None:
    """Integer members a REST operation reads from the query string (``max-keys``, ``MaxItems``)."""
    for name, member in shape.members.items():
        if member.serialization.get("location") != "querystring" or member.type_name not in ("integer", "long"):
            continue
        wire = member.serialization.get("name", name)
        values = request.query.get(wire)
        if not values:
            continue
        try:
            number = int(values[-1])
            ok = _INT_RANGE[member.type_name][0] <= number <= _INT_RANGE[member.type_name][1]
        except ValueError:
            ok = False
        if not ok:
            raise Fault("argument", f"Provided {wire} not an integer or within integer range", ) if request.service == "s3" else \
                Fault("validation", f"1 validation error detected: Value '{values[-1]}' at '{_lower_camel(name)}' failed to "
                                    "satisfy constraint: Member must be a number")


def _check_xml_payload(request: Request, operation: str, shape) -> None:
    """An S3 operation whose payload is an XML document (PutBucketTagging, DeleteObjects, PutBucketCors...)."""
    payload = shape.serialization.get("payload")
    member = shape.members.get(payload) if payload else None
    if member is None or member.type_name != "structure":
        return
    body = request.body or b""
    if not body.strip():
        if payload in shape.required_members:
            raise Fault("xml", "The XML you provided was not well-formed or did not validate against our published schema")
        if operation in ("PutBucketAcl", "PutObjectAcl") and not any(
                h.lower().startswith(("x-amz-acl", "x-amz-grant-")) for h in request.headers):
            raise Fault("xml", "The XML you provided was not well-formed or did not validate against our published schema")
        return
    from xml.etree import ElementTree

    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:  # no entity expansion, ever
        raise Fault("xml", "The XML you provided was not well-formed or did not validate against our published schema")
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, ValueError):
        raise Fault("xml", "The XML you provided was not well-formed or did not validate against our published schema") from None
    expected = member.serialization.get("name", member.name)
    if root.tag.rpartition("}")[2] != expected:
        raise Fault("xml", "The XML you provided was not well-formed or did not validate against our published schema")


def _s3_operation(request: Request):
    """The S3 operation of a path-style request (``/bucket/key``), by the model's routes."""
    from ..iam.actions.s3 import s3_address

    bucket, key = s3_address(request)
    path = "/" + (bucket or "") + ("/" + key if key else "")
    found = rest.match("s3", request.method, path, request.query)
    return found[0].operation if found else None


def check(request: Request) -> Response | None:
    """The protocol's 4xx for input AWS would refuse before running the operation, else ``None``.

    May normalise a JSON body (nulls dropped, as AWS reads them) so that what runs next sees only
    well-typed members.
    """
    service = request.service
    protocol = protocol_of(service)
    try:
        if protocol == "json":
            op = _operation_model(service, request.operation)
            if request.operation and op is None and rest.service_model(service) is not None:
                return error(request, "UnknownOperationException", "", 400)
            enums = _ENUMS.set(service in _MOTO_ONLY)
            try:
                _check_json_body(request, op.input_shape if op is not None else None, False)
            finally:
                _ENUMS.reset(enums)
            extra = _SERVICE_CHECKS.get(service)
            if extra is not None and op is not None:
                extra(request, op.name, json.loads(request.body or b"{}"))
        elif protocol == "query":
            if request.operation:
                op = _operation_model(service, request.operation)
                if op is None and rest.service_model(service) is not None:
                    version = (rest.service_model(service) or {}).get("metadata", {}).get("apiVersion", "")
                    return error(request, "InvalidAction", f"Could not find operation {request.operation} for version {version}", 400)
                if op is not None:
                    _check_query(request, op.input_shape)
        elif protocol == "rest-json":
            b64 = _BASE64.set(service not in _NO_BASE64)
            try:
                return _check_rest_json(request)
            finally:
                _BASE64.reset(b64)
        elif protocol == "rest-xml":
            op = _operation_model(service, _s3_operation(request))
            if op is not None and op.input_shape is not None:
                _check_rest_query(request, op.input_shape)
                _check_xml_payload(request, op.name, op.input_shape)
                _s3(request, op.name, op.input_shape)
    except Fault as fault:
        return _fault_response(request, fault)
    return None


def _check_rest_json(request: Request) -> Response | None:
    try:
        operation, _ = rest.operation_of(request)
        op = _operation_model(request.service, operation)
        if op is not None and op.input_shape is not None:
            _check_rest_query(request, op.input_shape)
            payload = op.input_shape.serialization.get("payload")
            if payload is None:
                _check_json_body(request, op.input_shape, True)
            elif op.input_shape.members[payload].type_name == "structure" and request.body:
                _check_json_body(request, op.input_shape.members[payload], False)
    except Fault as fault:
        return _fault_response(request, fault)
    return None


def too_deep(request: Request) -> Response:
    """A body nested deeper than a parser behind the service (moto's, a payload's) could read."""
    kind = "serialization" if request.service in _SERIALIZATION else "validation"
    return _fault_response(request, Fault(kind, "Nesting Levels have exceeded supported limits"))


def moto_failure(request: Request, exc: BaseException) -> Response | None:
    """The AWS answer for an exception moto raised on input it could not read, when labkit knows it:
    DynamoDB's expression parser raises ``ValueError`` on a malformed condition, filter, key-condition
    or update expression, where DynamoDB answers ``ValidationException`` ("Invalid ConditionExpression:
    Syntax error; ..."; the detail after it is moto's). Else ``None``: a bug, for :func:`internal`."""
    if request.service == "dynamodb" and isinstance(exc, ValueError):
        frames = traceback.extract_tb(exc.__traceback__)
        if any(f.filename.replace("\\", "/").endswith(("dynamodb/comparisons.py", "dynamodb/parsing/expressions.py",
                                                          "dynamodb/parsing/tokens.py")) for f in frames):
            document = {}
            try:
                document = json.loads(request.body or b"{}")
            except ValueError:
                pass
            which = next((k for k in ("ConditionExpression", "KeyConditionExpression", "FilterExpression", "UpdateExpression",
                                      "ProjectionExpression") if isinstance(document, dict) and k in document), "Expression")
            return error(request, "ValidationException", f"Invalid {which}: Syntax error; {exc}", 400)
    return None


def _fault_response(request: Request, fault: Fault) -> Response:
    service = request.service
    if fault.kind == "xml":
        return error(request, "MalformedXML", fault.message, 400)
    if fault.kind == "not-simulated":
        return not_simulated(request, fault.message)
    if fault.kind == "policy":
        return error(request, "MalformedPolicy", fault.message, 400)
    if fault.kind == "argument":
        return error(request, "InvalidArgument", fault.message, 400)
    if fault.kind == "serialization":
        code = _SERIALIZATION.get(service, "SerializationException")
        if protocol_of(service) == "query":
            code = "MalformedInput"
        return error(request, code, fault.message, 400)
    default = "ValidationError" if protocol_of(service) == "query" else "ValidationException"
    return error(request, _VALIDATION.get(service, default), fault.message, 400)


# ------------------------------------------------------------------------------------- answers
def error(request: Request, code: str, message: str, status: int = 400, sender: bool = True) -> Response:
    """An error answer in the shape of ``request``'s protocol: JSON ``__type``, query ``ErrorResponse``,
    S3's ``<Error>``, REST-JSON with ``x-amzn-ErrorType``."""
    service = request.service or "s3"
    protocol = protocol_of(service)
    if protocol == "rest-xml":
        from ..auth.errors import s3_error

        return s3_error(code, message, status, request)
    err = ServiceError(code, message, status)
    err.sender_fault = sender
    if protocol == "query":
        return protocols.query_error(service, err)
    if protocol == "rest-json":
        return protocols.json_error(err, "application/json")
    return protocols.json_error(err)


def not_simulated(request: Request, detail: str = "") -> Response:
    """The answer for an operation the sandbox does not simulate: status 400 (SDKs retry 5xx and
    throttling, never this), the protocol's shape, a message naming the operation."""
    if not request.operation and protocol_of(request.service) in ("rest-json", "rest-xml"):
        found = _s3_operation(request) if request.service == "s3" else rest.operation_of(request)[0]
        request.operation = found or None  # named in sb.calls too
    what = request.operation or f"{request.method} {request.path}"
    message = (f"The labkit sandbox does not simulate the {request.service} operation {what}"
               f"{f' ({detail})' if detail else ''}. The lab simulates Amazon Cognito and the IAM, STS, S3, "
               "DynamoDB, Lambda and API Gateway operations around it; on real AWS this call would run.")
    return error(request, NOT_SIMULATED, message, 400)


def internal(request: Request, exc: BaseException) -> Response:
    """A bug in the sandbox: AWS's ``InternalFailure`` (500) in the protocol's shape. The traceback goes
    to stderr, the wire carries no Python name."""
    rid = str(uuid.uuid4())
    print(f"labkit: internal error {rid} answering {request.service} {request.operation or request.method + ' ' + request.path}:",
          file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    response = error(request, "InternalFailure",
                     f"The request processing has failed because of an unknown error, exception or failure (labkit "
                     f"internal error {rid}: see the sandbox's log).", 500, sender=False)
    return response

