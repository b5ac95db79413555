"""``labkit.Sandbox``: a private, offline AWS for one kernel, in which Cognito behaves as documented.

    with labkit.Sandbox() as sb:                 # or: sb = labkit.Sandbox.fresh()  (notebooks)
        idp = boto3.client("cognito-idp")        # plain boto3; no endpoint_url, no real account
        ...

Inside it every boto3 client talks to the sandbox in-process. ``Sandbox(serve=True)`` also serves the
same state on http://127.0.0.1:<free port> (``sb.endpoint_url``) for browsers and the AWS CLI.
"""

from __future__ import annotations

import difflib
import importlib
import os
import random
import tempfile
import threading
import time
import weakref

from . import errors, moto_adapter
from .credentials import CredentialStore
from .inbox import Mailbox, PostOffice
from .keys import KeyRing
from .wire import addressing, inprocess
from .wire.dispatch import Dispatcher
from .wire.request import Request, aws_url, classify

ACCOUNT_ID = "123456789012"  # moto's default account; fixed so notebooks print the same ARNs
DEFAULT_SEED = 2026
DEFAULT_REGION = "us-east-1"
# The sandbox's administrator credentials: what the learner's own set-up calls are signed with.
ADMIN_ACCESS_KEY = "AKIALABKITSANDBOX001"
ADMIN_SECRET_KEY = "labkit/sandbox/not-a-real-secret-key/0001"

# The concepts the sandbox is made of; each module's ``install(sandbox)`` registers its services.
COMPONENTS = ("userpools", "identitypools", "sts", "iam", "sync", "idps", "saml", "hostedui", "awslambda", "apigateway",
              "console")

_REGIONS: list[str] | None = None


def cognito_regions() -> list[str]:
    """Regions where Amazon Cognito user pools exist (from botocore's endpoint data)."""
    global _REGIONS
    if _REGIONS is None:
        import botocore.session

        _REGIONS = sorted(botocore.session.get_session().get_available_regions("cognito-idp"))
    return _REGIONS


def check_region(region: str) -> str:
    if not isinstance(region, str) or region not in cognito_regions():
        near = difflib.get_close_matches(str(region), cognito_regions(), n=2, cutoff=0.8)
        hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise errors.UnknownRegion(
            f"{region!r} is not a region where Amazon Cognito exists.{hint} "
            f"Use one of: {', '.join(cognito_regions())} (the lab's default is {DEFAULT_REGION!r})."
        )
    return region


class Clock:
    """The sandbox's time: real time plus an offset a lesson can move forward (``sb.advance``)."""

    def __init__(self):
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float):
        if seconds < 0:
            raise ValueError("The sandbox's clock only moves forward; pass a positive number of seconds.")
        self.offset += seconds


class Sandbox:
    """A private AWS for Cognito lessons. See the module docstring."""

    _active: "Sandbox | None" = None
    _lock = threading.RLock()

    def __init__(self, *, seed: int = DEFAULT_SEED, region: str = DEFAULT_REGION, serve: bool = False, port: int = 0):
        self.region = check_region(region)
        if not isinstance(seed, int):
            raise TypeError(f"seed must be an int (it makes ids repeat from run to run), not {type(seed).__name__}")
        self.seed = seed
        self.account_id = ACCOUNT_ID
        self.serve = serve
        self.port = port
        self.clock = Clock()
        self.random = random.Random(seed)
        self.post_office = PostOffice()
        self.keys = None  # KeyRing, made at start
        self.issued = None  # CredentialStore, made at start
        self.dispatcher: Dispatcher | None = None
        self.components: dict[str, object] = {}
        self._http = None
        self._moto = None
        self._saved_env: dict[str, str] | None = None
        self._state = "new"  # new -> running -> stopped
        self._tmp = None

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def current(cls) -> "Sandbox | None":
        """The sandbox running in this process, if any."""
        return cls._active

    @classmethod
    def fresh(cls, **kwargs) -> "Sandbox":
        """Stop whatever sandbox runs in this process and start a new one: the notebook's first cell.

        Running that cell again (or Run All twice) always gives the same clean state.
        """
        with cls._lock:
            new = cls(**kwargs)  # bad arguments (an unknown region...) fail here, leaving the running one alone
            if cls._active is not None:
                cls._active.stop()
            return new.start()

    def start(self) -> "Sandbox":
        with Sandbox._lock:
            if self._state == "running":
                raise errors.SandboxAlreadyRunning(
                    "This sandbox is already running; keep using it, or call sb.stop() before starting it again."
                )
            if self._state == "stopped":
                raise errors.SandboxAlreadyRunning(
                    "A stopped sandbox cannot be started again (its state is gone). Make a new one: "
                    "sb = labkit.Sandbox.fresh()"
                )
            if Sandbox._active is not None:
                raise errors.SandboxAlreadyRunning(
                    "Another labkit Sandbox is already running in this kernel. Stop it first "
                    "(labkit.Sandbox.current().stop()), or use labkit.Sandbox.fresh(), which does that for you."
                )
            moto_adapter.check_contract()  # the moto internals labkit relies on: fail now, loudly
            inprocess.install()
            self._isolate_environment()
            try:
                self._moto = moto_adapter.start(self.seed)
                self._set_environment()
                self.dispatcher = Dispatcher(self)
                self.keys = KeyRing()
                self.issued = CredentialStore(self)
                for name in _enabled_components():
                    module = _component(name)
                    if module is not None and hasattr(module, "install"):
                        self.components[name] = module.install(self)
                Sandbox._active = self
                inprocess._active = self
                moto_adapter.check_contract()  # and now that the mock runs: do labkit's hooks take effect?
                self._state = "running"
                if self.serve:
                    from .wire.http import HttpServer

                    self._http = HttpServer(self, port=self.port).start()
            except BaseException:
                self._teardown()
                raise
            return self

    def stop(self) -> None:
        """Stop the sandbox, forget its state and give the environment back as it was."""
        with Sandbox._lock:
            if self._state != "running":
                return
            self._teardown()

    def _teardown(self):
        if self._http is not None:
            self._http.stop()
            self._http = None
        if Sandbox._active is self:
            Sandbox._active = None
            inprocess._active = None
        if self.keys is not None:
            self.keys.close()
        if self._moto is not None:
            moto_adapter.stop(self._moto)
            self._moto = None
        self._restore_environment()
        self._state = "stopped"

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self):  # a forgotten sandbox must not leave the process pointing at it
        try:
            if self._state == "running" and Sandbox._active is self:
                self.stop()
        except Exception:
            pass

    @property
    def running(self) -> bool:
        return self._state == "running"

    def __repr__(self) -> str:
        where = f", serving {self.endpoint_url}" if self._http else ""
        return f"<labkit.Sandbox {self._state}: region {self.region}, account {self.account_id}, seed {self.seed}{where}>"

    # ------------------------------------------------------------------ environment
    def _isolate_environment(self):
        """Hide every AWS_* variable (real keys, profiles, endpoints, config files) while we run."""
        self._saved_env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        for key in self._saved_env:
            del os.environ[key]

    def _set_environment(self):
        self._tmp = tempfile.mkdtemp(prefix="labkit-")
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": ADMIN_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET_KEY,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                # No config or credentials file is read: they may hold real profiles.
                "AWS_CONFIG_FILE": os.path.join(self._tmp, "no-config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self._tmp, "no-credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )

    def _restore_environment(self):
        if self._saved_env is None:
            return
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(self._saved_env)
        self._saved_env = None
        if self._tmp:
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # ------------------------------------------------------------------ answering
    def _client_guard(self, request=None, **_):
        """First before-send handler of every client made inside this sandbox."""
        if self._state != "running":
            raise errors.SandboxNotRunning(
                "This boto3 client was created inside a labkit Sandbox that has since stopped, so it has "
                "nowhere to send its request (and never falls back to real AWS). Create the client again "
                "after starting a sandbox, e.g. re-run the notebook's set-up cell and then the cell that "
                "makes the client."
            )
        return None

    def _answer_botocore(self, prepared):
        """The in-process transport's entry: a botocore request in, a botocore response out."""
        url = prepared.url
        if inprocess.is_loopback(url):
            return None  # addressed to our own HTTP endpoint (or another local server): let it go
        if not inprocess.is_aws(url):
            raise errors.LeftTheSandbox(
                f"The labkit sandbox stopped a request to {url}: it would have left this machine. "
                "Inside a sandbox, boto3 clients talk to the sandbox (leave endpoint_url unset, or use "
                "sb.endpoint_url) and nothing talks to the internet or to real AWS. If you meant to use "
                "your own AWS account, stop the sandbox first (sb.stop())."
            )
        request = inprocess.from_botocore(prepared)
        classify(request, self.region)
        if request.region and request.region not in _known_regions(request.service):
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url=url)
        response = self._answer(request, classified=True)
        if response is None:
            raise errors.LeftTheSandbox(
                f"The labkit sandbox stopped a request to {url}: it would have left this machine. "
                "Inside a sandbox nothing talks to the internet or to real AWS. If you meant to use your "
                "own AWS account, stop the sandbox first (sb.stop()) and use your credentials explicitly."
            )
        return inprocess.to_botocore(url, response)

    def _answer(self, request: Request, classified: bool = False):
        if self._state != "running":
            return None
        if not classified:
            classify(request, self.region)
        original = request.url
        if request.transport != "http" and inprocess.is_loopback(request.url):  # caught on its way to our endpoint
            addressing.arrive(request)
        if request.transport == "http" or not inprocess.is_aws(request.url):
            request.url = aws_url(request)
        try:
            response, by = self.dispatcher.handle(request)  # unsimulated operations answer NotSimulated (labkit.wire.faults)
        finally:
            request.url = original
        return response

    # ------------------------------------------------------------------ the outside world
    def inbox(self, address: str) -> Mailbox:
        """The messages Cognito delivered to an email address or phone number (E.164, +15555550100)."""
        return self.post_office.mailbox(address)

    def authenticator_app(self, secret: str):
        """The user's authenticator app for an AssociateSoftwareToken ``SecretCode``: its codes follow the
        sandbox's clock (``sb.advance`` moves them too). See :mod:`labkit.authenticator_app`."""
        from .authenticator_app import AuthenticatorApp

        return AuthenticatorApp(secret, self.clock)

    def idp(self, name: str, **options):
        """A mock identity provider that plays the outside world: ``"google"``, ``"facebook"``,
        ``"amazon"``, or an OIDC provider registered with ``sb.idp("oidc", issuer=...)``."""
        if name in ("active-directory", "adfs", "saml"):
            saml = self.components.get("saml")
            if saml is None:
                raise errors.LabkitError("This sandbox has no simulated Active Directory (labkit.saml is missing).")
            return saml.directory(**options)
        idps = self.components.get("idps")
        if idps is None:
            raise errors.LabkitError("This sandbox has no mock identity providers (labkit.idps is missing).")
        return idps.get(name, **options)

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward: tokens and codes expire as if that time had passed."""
        self.clock.advance(seconds)

    @property
    def endpoint_url(self) -> str:
        """Where the sandbox listens over HTTP (only with ``serve=True``)."""
        if self._http is None:
            raise errors.LabkitError(
                "This sandbox is not served over HTTP. Start it with labkit.Sandbox(serve=True) "
                "(or labkit.Sandbox.fresh(serve=True)) to get an endpoint_url for browsers and the AWS CLI."
            )
        return self._http.url

    @property
    def calls(self):
        """The requests this sandbox answered, oldest first (what the flow pictures draw)."""
        return self.dispatcher.log if self.dispatcher else []

    @property
    def admin_credentials(self) -> dict:
        """The sandbox account's administrator key pair, ``{"AccessKeyId": ..., "SecretAccessKey": ...}``:
        what in-process boto3 clients sign with by default (and what ``python -m labkit serve`` prints).
        Every request is verified against it or against credentials the sandbox issued (labkit.auth)."""
        return {"AccessKeyId": ADMIN_ACCESS_KEY, "SecretAccessKey": ADMIN_SECRET_KEY}

    @property
    def credentials(self) -> dict:
        """The administrator credentials of the sandbox's account (what set-up calls are signed with)."""
        return {"aws_access_key_id": ADMIN_ACCESS_KEY, "aws_secret_access_key": ADMIN_SECRET_KEY, "region_name": self.region}


_ALL_REGIONS: set | None = None


def _known_regions(service: str) -> set:
    """Every region of every AWS partition (loaded once): a client for any other region names an
    endpoint that does not exist, which on AWS fails to connect."""
    global _ALL_REGIONS
    if _ALL_REGIONS is None:
        import botocore.loaders

        data = botocore.loaders.create_loader().load_data("endpoints")
        _ALL_REGIONS = {r for p in data["partitions"] for r in p.get("regions", {})}
        _ALL_REGIONS |= {"aws-global"} | set(cognito_regions())
    return _ALL_REGIONS


def _enabled_components() -> tuple[str, ...]:
    """All of COMPONENTS, or those named in LABKIT_COMPONENTS (comma-separated; a debugging aid
    to look at raw moto behind one service: ``LABKIT_COMPONENTS=userpools``)."""
    chosen = os.environ.get("LABKIT_COMPONENTS")
    if chosen is None:
        return COMPONENTS
    return tuple(n for n in (x.strip() for x in chosen.split(",")) if n in COMPONENTS)


def _component(name: str):
    try:
        return importlib.import_module(f"labkit.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"labkit.{name}":
            return None
        raise
