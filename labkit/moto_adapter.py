"""The one place where labkit touches moto.

moto (https://docs.getmoto.org) is the sandbox's storage engine: its backends keep the pools, users,
roles, buckets and tables, and it answers every operation labkit does not implement. labkit relies
on some of moto's *internals*, which moto does not promise to keep from one release to the next.
This module owns every one of them, so that the rest of labkit never imports moto:

* the mock itself (:func:`start`, :func:`stop`: ``moto.mock_aws`` and ``mock_random``);
* the in-process hooks (:func:`install`): moto's ``before-send`` handler in botocore's
  ``BUILTIN_HANDLERS``, ``botocore.session.Session.create_client``, the ``responses`` callbacks
  ``BotocoreStubber.process_prepared_request`` and ``not_implemented_callback``;
* moto's own answer to a request (:func:`answer`: ``BotocoreStubber.process_request``);
* the backends (:func:`backend`, :func:`regions`, :func:`loaded_backends`, :func:`user_pool`);
* moto's Cognito model (:func:`new_user_pool`, :func:`new_user`, :func:`pool_attribute`,
  :data:`UserStatus`, :func:`flatten_attrs`...), labkit's own attributes hung on moto's objects
  (:func:`extra`, :func:`set_extra`, :func:`drop_extra`) and the module globals ``json_web_key``/``jwk``
  (:func:`lighten_user_pools`).

:func:`check_contract` verifies, when a sandbox starts, that each internal listed in
:data:`CONTRACT` is still there with the shape labkit expects, and that the patches really take
effect (a plain-HTTP request through moto's ``responses`` mock reaches labkit). If not, the sandbox
refuses to start with :class:`MotoContractBroken`, naming the moto version and what changed: never a
sandbox that quietly behaves like raw moto (as on moto 5.2.1, where the ``process_prepared_request``
patch silently did nothing and plain-HTTP JWKS reads got moto's shipped ``kid: dummy`` key).

Only this module imports moto (tests may import it directly). moto is imported lazily, on first use.
"""

from __future__ import annotations

import importlib
import inspect
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

import botocore.session
from botocore.handlers import BUILTIN_HANDLERS

from .errors import LabkitError

PINNED = ">=5.2.5,<5.3"  # the moto range labkit is tested with (pyproject.toml)
GLOBAL = "aws"  # the "region" of moto's global backends (IAM, S3): backend("iam", account, GLOBAL)
_EXTRA = "_labkit_"  # prefix of labkit's own attributes on moto's objects
PROBE = "X-Labkit-Moto-Probe"  # header of check_contract's plain-HTTP probe requests


class MotoContractBroken(LabkitError):
    """The installed moto lacks, or has changed, an internal that labkit relies on."""


# ------------------------------------------------------------------------------------- the contract
@dataclass(frozen=True)
class Internal:
    """One moto (or botocore) internal labkit relies on: ``module`` + dotted ``attribute``, and, for a
    callable, the parameter names labkit passes (checked with :func:`inspect.signature`)."""

    module: str
    attribute: str
    used_for: str
    params: tuple[str, ...] | None = None  # leading parameter names, after ``self``
    fields: tuple[str, ...] = ()  # attributes the resolved object (a class, an enum) must have
    lazy: bool = False  # in a module the sandbox imports on first use: checked in full once imported

    @property
    def name(self) -> str:
        return f"{self.module}.{self.attribute}"


CONTRACT: tuple[Internal, ...] = (
    Internal("moto", "mock_aws", "start/stop the mock (Sandbox.start, Sandbox.stop)"),
    Internal("moto.core.models", "botocore_stubber", "the before-send handler labkit takes the place of"),
    Internal("moto.core.models", "not_implemented_callback", "plain-HTTP requests moto has no route for"),
    Internal("moto.core.models", "responses_mock", "moto's interception of plain HTTP (requests)"),
    Internal("moto.core.botocore_stubber", "BotocoreStubber.process_request", "moto's answer to one request",
             params=("request",)),
    Internal("moto.core.botocore_stubber", "BotocoreStubber.process_prepared_request",
             "moto's responses callback, routed through the sandbox", params=("request",)),
    Internal("moto.core.botocore_stubber", "BotocoreStubber.__call__", "moto's before-send handler (no sandbox running)",
             params=("event_name", "request")),
    Internal("moto.moto_api._internal", "mock_random.seed", "repeatable ids from the sandbox's seed"),
    Internal("moto.backends", "get_backend", "every read of moto's storage", params=("name",)),
    Internal("moto.core.exceptions", "JsonRESTError", "errors moto's backend raises while labkit uses it",
             params=("error_type", "message")),
    Internal("moto.cognitoidp.models", "CognitoIdpUserPool", "user pools made by labkit's CreateUserPool",
             params=("account_id", "region", "name", "extended_config")),
    Internal("moto.cognitoidp.models", "CognitoIdpUser", "users made by SignUp and federated sign-in",
             params=("user_pool_id", "username", "password", "status", "attributes")),
    Internal("moto.cognitoidp.models", "CognitoIdpUserPoolAttribute", "the pool's schema",
             params=("name", "custom", "schema"), fields=("STANDARD_SCHEMA",)),
    Internal("moto.cognitoidp.models", "UserStatus", "a user's status",
             fields=("CONFIRMED", "UNCONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED")),
    Internal("moto.cognitoidp.models", "jwk.RSAKey.import_key", "moto's shipped key, imported once (lighten_user_pools)"),
    Internal("moto.cognitoidp.models", "CognitoIdpBackend.create_user_pool_client", "CreateUserPoolClient",
             params=("user_pool_id", "generate_secret", "extended_config")),
    Internal("moto.cognitoidp.models", "CognitoIdpBackend.admin_create_user", "AdminCreateUser",
             params=("user_pool_id", "username", "message_action", "temporary_password", "attributes")),
    Internal("moto.cognitoidp.models", "CognitoIdpBackend.create_group", "federated users' provider group"),
    Internal("moto.cognitoidp.models", "CognitoIdpBackend.admin_add_user_to_group", "federated users' provider group"),
    Internal("moto.cognitoidp.utils", "flatten_attrs", "a user's attributes as a dict", params=("attrs",)),
    Internal("moto.cognitoidp.utils", "expand_attrs", "a dict as a user's attributes", params=("attrs",)),
    Internal("moto.cognitoidp.utils", "validate_username_format", "UsernameAttributes (email, phone)",
             params=("username", "_format")),
    Internal("moto.utilities.utils", "load_resource", "moto's shipped key (lighten_user_pools)"),
    Internal("moto.kinesis.models", "KinesisBackend.describe_stream", "Cognito Streams to Kinesis",
             params=("stream_arn", "stream_name"), lazy=True),
    Internal("moto.sts.models", "sts_backends", "sessions moto's own STS issued (IAM enforcement)", lazy=True),
    Internal("moto.iam.models", "iam_backends", "roles, users, policies and access keys", lazy=True),
    Internal("moto.s3.models", "s3_backends", "bucket policies", lazy=True),
    Internal("moto.dynamodb.models", "dynamodb_backends", "table keys (dynamodb:LeadingKeys)", lazy=True),
    Internal("moto.cognitoidentity.models", "cognitoidentity_backends", "identity pools moto keeps", lazy=True),
    Internal("moto.apigateway.models", "apigateway_backends", "REST APIs moto keeps (labkit serves their stages)", lazy=True),
    Internal("moto.apigateway.models", "RestAPI.resource_callback", "moto's own stage stub, removed after a deployment",
             lazy=True),
    Internal("moto.apigatewayv2.models", "apigatewayv2_backends", "HTTP APIs moto keeps", lazy=True),
    Internal("moto.awslambda.models", "lambda_backends", "functions moto keeps (labkit runs them)", lazy=True),
    Internal("botocore.handlers", "BUILTIN_HANDLERS", "where moto registers its before-send handler"),
    Internal("botocore.session", "Session.create_client", "clients made in a sandbox refuse to outlive it"),
)

# What labkit reads and writes on moto's Cognito objects (instance attributes, set in __init__).
USER_FIELDS = ("username", "id", "status", "enabled", "password", "attributes", "attribute_lookup", "groups",
               "update_attributes", "preferred_mfa_setting", "software_token_mfa_enabled", "sms_mfa_enabled")
POOL_FIELDS = ("id", "arn", "region", "name", "users", "clients", "groups", "extended_config", "schema_attributes",
               "mfa_config", "domain", "identity_providers")


def _resolve(item: Internal):
    obj = importlib.import_module(item.module)
    for part in item.attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _problems(full: bool = False) -> list[str]:
    """What is missing or changed in the installed moto, one line each (empty when all is well).

    A ``lazy`` internal's module is only looked for (``importlib.util.find_spec``) unless it is imported
    already or ``full`` is set: importing moto's IAM, S3, DynamoDB... models costs ~100 ms the sandbox
    otherwise pays only when a lesson first uses them."""
    import sys
    from importlib.util import find_spec

    problems = []
    for item in CONTRACT:
        if item.lazy and not full and item.module not in sys.modules:
            if find_spec(item.module) is None:
                problems.append(f"{item.module} is missing; labkit uses it for: {item.used_for}")
            continue
        try:
            obj = _resolve(item)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{item.name} is missing ({exc}); labkit uses it for: {item.used_for}")
            continue
        if item.params is not None:
            if not callable(obj):
                problems.append(f"{item.name} is no longer callable; labkit uses it for: {item.used_for}")
                continue
            try:
                names = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
            except (TypeError, ValueError):
                names = list(item.params)
            if names[: len(item.params)] != list(item.params):
                problems.append(f"{item.name} takes ({', '.join(names)}), labkit passes ({', '.join(item.params)}); "
                                f"used for: {item.used_for}")
        for field in item.fields:
            if not hasattr(obj, field):
                problems.append(f"{item.name}.{field} is missing; labkit uses it for: {item.used_for}")
    if not problems:
        problems += _shape_problems()
    return problems


def _shape_problems() -> list[str]:
    """The shapes labkit reads: backend dicts by account and region, the stubber's class."""
    from moto.backends import get_backend
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.models import botocore_stubber

    problems = []
    if not isinstance(botocore_stubber, BotocoreStubber):
        problems.append("moto.core.models.botocore_stubber is no longer a BotocoreStubber")
    backends = get_backend("cognito-idp")
    if not (hasattr(backends, "get") and hasattr(backends, "__getitem__")):
        problems.append("get_backend('cognito-idp') is no longer a dict of accounts (moto's BackendDict)")
    models = _cognito()
    user = models.CognitoIdpUser("us-east-1_probe", "probe", None, models.UserStatus.CONFIRMED, [])
    missing = [f for f in USER_FIELDS if not hasattr(user, f)]
    if getattr(models, "_labkit_light", False):  # a pool costs ~140 ms until lighten_user_pools()
        pool = models.CognitoIdpUserPool("123456789012", "us-east-1", "probe", {})
        missing += [f"CognitoIdpUserPool().{f}" for f in POOL_FIELDS if not hasattr(pool, f)]
    if missing:
        problems.append(f"moto's Cognito objects lack {', '.join(missing)} (labkit reads and writes them)")
    ours = [e for e in BUILTIN_HANDLERS if e[0] == "before-send" and getattr(e[1], "__labkit__", False)]
    if _installed and not ours:
        problems.append("botocore's BUILTIN_HANDLERS no longer holds labkit's before-send handler")
    if _installed and any(e[0] == "before-send" and e[1] is botocore_stubber for e in BUILTIN_HANDLERS):
        problems.append("moto's before-send handler came back into BUILTIN_HANDLERS (botocore would answer with raw moto)")
    if _installed and not getattr(botocore.session.Session.create_client, "__labkit__", False):
        problems.append("botocore.session.Session.create_client is no longer labkit's (clients could outlive the sandbox)")
    return problems


def _live_problems() -> list[str]:
    """Plain HTTP through moto's ``responses`` mock: both callbacks must reach labkit's hooks."""
    import requests

    problems = []
    probes = (("process_prepared_request", "https://cognito-idp.us-east-1.amazonaws.com/labkit-probe/.well-known/jwks.json"),
              ("not_implemented_callback", "https://labkit-probe.us-east-1.amazonaws.com/"))
    for hook, url in probes:
        try:
            reply = requests.get(url, headers={PROBE: hook}, timeout=1)
            reached = reply.status_code == 200 and reply.text == hook
        except Exception:  # noqa: BLE001 - no answer at all is a broken contract too
            reached = False
        if not reached:
            problems.append(f"labkit's {hook} patch does not take effect: a plain-HTTP request to {url} "
                            "(requests, urllib3) would be answered by raw moto, not by the sandbox")
    return problems


def check_contract(full: bool = False) -> None:
    """Raise :class:`MotoContractBroken` unless every internal in :data:`CONTRACT` exists with the
    expected shape and, while moto's mock runs with labkit's hooks, those hooks take effect
    (``full``: import the lazily used moto modules to check them too)."""
    problems = _problems(full)
    if not problems and _installed and mocking():
        problems = _live_problems()
    if problems:
        raise MotoContractBroken(_message(problems))


def _message(problems: list[str]) -> str:
    return (f"labkit cannot run on moto {version()}: it relies on moto internals that are missing or have "
            f"changed:\n  - " + "\n  - ".join(problems) +
            f"\nInstall the moto labkit is tested with (pip install 'moto{PINNED}'), or adapt "
            "labkit/moto_adapter.py.")


def version() -> str:
    """The installed moto's version (``moto.__version__``)."""
    try:
        return str(importlib.import_module("moto").__version__)
    except Exception:  # noqa: BLE001
        return "(not importable)"


def load():
    """Import moto and its mock machinery (``moto.core.models``); return the ``moto`` module."""
    import moto
    import moto.core.models  # noqa: F401

    return moto


# ------------------------------------------------------------------------------------- the mock
def start(seed: int):
    """Start moto's mock (``moto.mock_aws().start()``, which resets every backend) and seed its ids
    (``moto.moto_api._internal.mock_random.seed``); return the handle :func:`stop` takes."""
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    mock = mock_aws()
    mock.start()
    mock_random.seed(seed)
    return mock


def stop(mock) -> None:
    """Stop the mock :func:`start` returned (``MockAWS.stop``: its state is dropped)."""
    mock.stop()


def mocking() -> bool:
    """Whether moto's mock is on (``moto.core.models.botocore_stubber.enabled``)."""
    from moto.core.models import botocore_stubber

    return bool(botocore_stubber.enabled)


@contextmanager
def raw_moto():
    """Raw moto, no labkit (``moto.mock_aws()`` as a context): what the benchmarks compare against."""
    from moto import mock_aws

    with mock_aws():
        yield


# ------------------------------------------------------------------------------------- the hooks
_installed = False


def install(before_send: Callable, new_client: Callable, plain_http: Callable, sandbox_first: Callable) -> None:
    """Put labkit's hooks in place of moto's (idempotent).

    * ``before_send(request, event_name, **kw)`` takes the place of moto's ``botocore_stubber`` in
      botocore's ``BUILTIN_HANDLERS`` (every botocore session made from now on calls it);
    * ``new_client(client)`` is called for every client ``botocore.session.Session.create_client`` makes;
    * ``plain_http(prepared)`` answers what moto's ``responses`` callback
      ``BotocoreStubber.process_prepared_request`` would (a ``(status, headers, body)``, or None: moto answers);
    * ``sandbox_first(prepared)`` is asked before moto's ``not_implemented_callback`` (None: moto's answer).
    """
    global _installed
    if _installed:
        return
    problems = _problems()
    if problems:
        raise MotoContractBroken(_message(problems))
    import moto.core.models as moto_models

    stubber = moto_models.botocore_stubber  # importing moto registered it; labkit takes its place
    before_send.__labkit__ = True
    for i, entry in enumerate(BUILTIN_HANDLERS):
        if entry[0] == "before-send" and entry[1] is stubber:
            BUILTIN_HANDLERS[i] = ("before-send", before_send) + tuple(entry[2:])
    if not any(e[1] is before_send for e in BUILTIN_HANDLERS):
        BUILTIN_HANDLERS.append(("before-send", before_send))

    original_create_client = botocore.session.Session.create_client

    def create_client(self, *args, **kwargs):
        client = original_create_client(self, *args, **kwargs)
        new_client(client)
        return client

    create_client.__labkit__ = True
    botocore.session.Session.create_client = create_client

    moto_answers = type(stubber).process_prepared_request

    def process_prepared_request(prepared):
        if prepared.headers.get(PROBE) == "process_prepared_request":
            return 200, {}, "process_prepared_request"
        answer = plain_http(prepared)
        return moto_answers(stubber, prepared) if answer is None else answer

    stubber.process_prepared_request = process_prepared_request

    not_implemented = moto_models.not_implemented_callback

    def sandbox_or_not_implemented(prepared):
        if prepared.headers.get(PROBE) == "not_implemented_callback":
            return 200, {}, "not_implemented_callback"
        answer = sandbox_first(prepared)
        return not_implemented(prepared) if answer is None else answer

    moto_models.not_implemented_callback = sandbox_or_not_implemented
    _installed = True


def moto_before_send(event_name, request, **kwargs):
    """What moto's own before-send handler answers (``moto.core.models.botocore_stubber``): raw moto
    while its mock is on, else None (botocore sends the request for real)."""
    from moto.core.models import botocore_stubber

    return botocore_stubber(event_name, request, **kwargs)


def answer(request):
    """moto's answer to a labkit :class:`~labkit.wire.request.Request` (either transport), as a
    :class:`~labkit.wire.request.Response`, or None when moto has no route for it.

    Relies on ``moto.core.botocore_stubber.BotocoreStubber.process_request`` (the unpatched class
    method, called on moto's ``botocore_stubber``), which takes a botocore ``AWSPreparedRequest`` and
    returns ``(status, headers, body)``.
    """
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.compat import HTTPHeaders
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.models import botocore_stubber

    from .wire.request import Response

    headers = HTTPHeaders()
    for k, v in request.headers.items():
        headers[k] = v
    prepared = AWSPreparedRequest(request.method, request.url, headers, request.body, stream_output=False)
    reply = BotocoreStubber.process_request(botocore_stubber, prepared)
    if reply is None:
        return None
    status, hdrs, body = reply
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Response(status, dict(hdrs or {}), body or b"")


# ------------------------------------------------------------------------------------- backends
def backend(service: str, account: str, region: str):
    """moto's backend of ``service`` for one account and region (``GLOBAL`` for IAM and S3):
    ``moto.backends.get_backend(service)[account][region]``. Raises KeyError for a region moto does
    not know."""
    from moto.backends import get_backend

    return get_backend(service)[account][region]


def regions(service: str, account: str):
    """The regions moto knows for ``service`` (``get_backend(service)[account].regions``)."""
    from moto.backends import get_backend

    return get_backend(service)[account].regions


def loaded_backends(service: str, account: str) -> list:
    """The backends of ``service`` already made for ``account`` (``get_backend(service).get(account)``,
    which makes none)."""
    from moto.backends import get_backend

    return list(get_backend(service).get(account, {}).values())


def user_pool(account: str, region: str, pool_id: str):
    """moto's ``CognitoIdpUserPool`` (``backend("cognito-idp", ...).user_pools``), or None."""
    try:
        return backend("cognito-idp", account, region).user_pools.get(pool_id)
    except KeyError:
        return None


# ------------------------------------------------------------------------------------- the Cognito model
def _cognito():
    from moto.cognitoidp import models

    return models


def new_user_pool(account: str, region: str, name: str, params: dict):
    """A ``moto.cognitoidp.models.CognitoIdpUserPool`` (not yet stored in any backend)."""
    return _cognito().CognitoIdpUserPool(account, region, name, params)


def new_user(pool_id: str, username: str | None, password: str | None, status, attributes: list):
    """A ``moto.cognitoidp.models.CognitoIdpUser`` (not yet stored in its pool)."""
    return _cognito().CognitoIdpUser(pool_id, username, password, status, attributes)


def pool_attribute(name: str, custom: bool, schema: dict):
    """A ``moto.cognitoidp.models.CognitoIdpUserPoolAttribute`` (one attribute of a pool's schema)."""
    return _cognito().CognitoIdpUserPoolAttribute(name, custom, schema)


def standard_schema() -> dict:
    """``CognitoIdpUserPoolAttribute.STANDARD_SCHEMA``: the standard attributes and their schema."""
    return _cognito().CognitoIdpUserPoolAttribute.STANDARD_SCHEMA


def flatten_attrs(attributes) -> dict:
    """``moto.cognitoidp.utils.flatten_attrs``: ``[{"Name", "Value"}]`` as a dict."""
    from moto.cognitoidp.utils import flatten_attrs as flatten

    return flatten(attributes)


def expand_attrs(attributes: dict) -> list:
    """``moto.cognitoidp.utils.expand_attrs``: a dict as ``[{"Name", "Value"}]``."""
    from moto.cognitoidp.utils import expand_attrs as expand

    return expand(attributes)


def validate_username_format(username: str, _format: str) -> bool:
    """``moto.cognitoidp.utils.validate_username_format``: whether ``username`` looks like an email or
    a phone number (``_format``)."""
    from moto.cognitoidp.utils import validate_username_format as validate

    return validate(username, _format=_format)


def __getattr__(name: str):  # PEP 562: moto's classes, imported on first use
    if name == "UserStatus":
        return _cognito().UserStatus  # moto.cognitoidp.models.UserStatus (a str enum)
    if name == "MotoError":
        from moto.core.exceptions import JsonRESTError  # what moto's backends raise: AWS's code and message

        return JsonRESTError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def extra(obj, name: str, default: Any = None) -> Any:
    """labkit's own attribute ``name`` on a moto object (stored as ``_labkit_<name>``), or ``default``."""
    return getattr(obj, _EXTRA + name, default)


def set_extra(obj, name: str, value: Any) -> None:
    """Hang labkit's attribute ``name`` on a moto object (a user's secrets, a pool's alias index)."""
    setattr(obj, _EXTRA + name, value)


def drop_apigateway_stage_stubs() -> None:
    """moto registers a ``responses`` callback per REST API stage URL (``RestAPI.resource_callback``),
    which would answer plain-HTTP calls to ``execute-api`` addresses before the sandbox does: remove them."""
    from moto.apigateway.models import RestAPI
    from moto.core.models import responses_mock

    for registered in list(responses_mock.registered()):
        callback = getattr(registered, "callback", None)
        if getattr(callback, "__func__", None) is RestAPI.resource_callback:
            responses_mock.remove(registered)


def drop_extra(obj, name: str) -> None:
    """Forget labkit's attribute ``name`` on a moto object, if it has one."""
    if hasattr(obj, _EXTRA + name):
        delattr(obj, _EXTRA + name)


def lighten_user_pools() -> None:
    """moto imports its one shipped RSA key again for every pool (~140 ms): in
    ``CognitoIdpUserPool.__init__``, ``self.json_web_key = jwk.RSAKey.import_key(load_resource(...))``.
    Pools here are signed with their own keys (labkit.keys), so the module global ``jwk`` becomes a
    no-op and ``json_web_key`` a class attribute that imports moto's key once, only if moto itself
    signs (idempotent)."""
    from types import SimpleNamespace

    models = _cognito()
    if getattr(models, "_labkit_light", False):
        return
    real_import = models.jwk.RSAKey.import_key
    cache: dict = {}

    def load_once(data):
        key = cache.get("key")
        if key is None:
            key = cache["key"] = real_import(data)
        return key

    class _LazyKey:
        """The ``json_web_key`` attribute: imported on first read, shared by every pool."""

        def __get__(self, obj, objtype=None):
            if obj is None:
                return self
            from moto.utilities.utils import load_resource

            return load_once(load_resource("cognitoidp/resources/jwks-private.json"))

        def __set__(self, obj, value):
            pass

    models.CognitoIdpUserPool.json_web_key = _LazyKey()
    models.jwk = SimpleNamespace(RSAKey=SimpleNamespace(import_key=lambda data: None))
    models._labkit_light = True
