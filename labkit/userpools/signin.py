"""Signing in to a user pool: the auth flows, the challenges, and the sign-ins waiting for an answer.

Developer guide, "Authentication flows" and "Authentication sessions and challenges"
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html):
``InitiateAuth``/``AdminInitiateAuth`` start a sign-in with an ``AuthFlow``; Cognito answers with tokens or
a ``ChallengeName`` (and a ``Session``), which ``RespondToAuthChallenge`` answers, until tokens.

Each auth flow and each challenge is one class, registered in one place (:data:`FLOWS`, :data:`CHALLENGES`);
the operations (:mod:`.service`) and the hosted UI (:mod:`labkit.hostedui.oauth`) only ask the registries.
A new flow is one :class:`AuthFlow` subclass; a new challenge one :class:`Challenge` subclass. Choice-based
sign-in is built that way below: the ``USER_AUTH`` flow (:class:`UserAuth`) offers every registered challenge
whose ``first_factor`` the pool's ``SignInPolicy.AllowedFirstAuthFactors`` allows and whose
:meth:`Challenge.available` says the user can use (``SELECT_CHALLENGE`` lists them), and ``EMAIL_OTP`` is this
one class::

    @CHALLENGES.register
    class EmailOtp(OneTimeCode):
        '''EMAIL_OTP: a sign-in code by email.'''
        name, first_factor, attribute, medium = "EMAIL_OTP", "EMAIL_OTP", "email", "EMAIL"

``SMS_OTP`` is the same with the phone number; passkeys will be one more::

    @CHALLENGES.register
    class WebAuthn(Challenge):
        '''WEB_AUTHN: CREDENTIAL_REQUEST_OPTIONS, answered with a CREDENTIAL (an assertion).'''
        name, first_factor = "WEB_AUTHN", "WEB_AUTHN"

        def available(self, signin, pool, client, user): ...       # the user has a passkey
        def choose(self, signin, pool, client, user, username, answers): ...   # the request options
        def answer(self, signin, pool, client, pending, user, responses, session): ...  # verify, then
            # return signin.after_first_factor(pool, client, user)

A challenge with a ``stage`` is also offered after the first factor (``"password"``: before MFA, e.g.
NEW_PASSWORD_REQUIRED; ``"mfa"``: a second factor) when its :meth:`Challenge.offered` says so, in the order
of registration.
"""

from __future__ import annotations

import base64
import contextvars
from dataclasses import dataclass, field
from typing import ClassVar

from ..errors import ServiceError
from ..inbox import mask
from ..moto_adapter import UserStatus
from . import attributes, clients, codes, mfa, passwords, plans, srp, users
from .exceptions import CodeMismatch, InvalidParameter, LimitExceeded, NotAuthorized, SoftwareTokenMFANotFound, UserNotFound

CHALLENGE_SECONDS = 180  # AuthSessionValidity's default: 3 minutes
#: The order of the stages of a sign-in after its first factor ("device": a remembered device, :mod:`.devices`).
STAGES = ("password", "device", "mfa")
#: The DEVICE_KEY the app presented in this request (AuthParameters or ChallengeResponses), or the one the
#: waiting sign-in was started with: what :mod:`.devices` reads to authenticate a remembered device.
PRESENTED_DEVICE: contextvars.ContextVar = contextvars.ContextVar("labkit_presented_device", default=None)


@dataclass
class Pending:
    """A sign-in waiting for the user's next answer (a Session, or an SRP SECRET_BLOCK)."""

    name: str
    pool_id: str
    client_id: str
    username: str
    expires: float
    srp: object = None
    source: str = "Authentication"
    extra: dict = field(default_factory=dict)


class Registry:
    """Classes by the names Cognito gives them (each class's ``name`` and ``aliases``), in the order
    they were registered. ``@FLOWS.register`` / ``@CHALLENGES.register`` is the one place a new flow or
    challenge is made known (see the module's docstring for a worked example)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._classes: list = []
        self._by_name: dict = {}

    def register(self, cls):
        instance = cls()
        self._classes.append(instance)
        for name in (cls.name, *getattr(cls, "aliases", ())):
            if name in self._by_name:
                raise ValueError(f"The {self.kind} {name} is registered twice.")
            self._by_name[name] = instance
        return cls

    def get(self, name: str | None):
        return self._by_name.get(name or "")

    def names(self) -> list:
        return list(self._by_name)

    def __iter__(self):
        return iter(self._classes)


FLOWS = Registry("auth flow")
CHALLENGES = Registry("challenge")


class AuthFlow:
    """One ``AuthFlow`` of InitiateAuth / AdminInitiateAuth.

    ``needs``: the app client's ExplicitAuthFlows value that allows it; ``apis``: the operations that accept
    it (the others answer "Initiate Auth method not supported").
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple] = ()
    needs: ClassVar[str] = ""
    apis: ClassVar[frozenset] = frozenset({"InitiateAuth", "AdminInitiateAuth"})

    def start(self, signin: "SignIn", pool, client, params: dict, ap: dict) -> dict:
        raise NotImplementedError


class Challenge:
    """One ``ChallengeName``: how it starts (:meth:`begin`), when it is offered after a first factor
    (:meth:`offered`, with its ``stage``) and how RespondToAuthChallenge answers it (:meth:`answer`)."""

    name: ClassVar[str] = ""
    stage: ClassVar[str | None] = None
    #: The AuthFactorType (SignInPolicy.AllowedFirstAuthFactors) this challenge is a first factor of, if any:
    #: USER_AUTH offers it when the pool allows that factor and :meth:`available` says the user can use it.
    first_factor: ClassVar[str | None] = None

    def available(self, signin: "SignIn", pool, client, user) -> bool:
        return False

    def choose(self, signin: "SignIn", pool, client, user, username: str, answers: dict) -> dict:
        """Start this first factor, chosen by PREFERRED_CHALLENGE or a SELECT_CHALLENGE ANSWER."""
        raise NotImplementedError

    @property
    def answer_key(self) -> str:
        """The ChallengeResponses key of the user's answer (``SMS_MFA_CODE``...)."""
        return f"{self.name}_CODE"

    def offered(self, signin: "SignIn", pool, client, user) -> bool:
        return False

    def begin(self, signin: "SignIn", pool, client, user, source: str) -> dict:
        raise NotImplementedError

    def take(self, signin: "SignIn", pool, client, params: dict, responses: dict):
        """The waiting sign-in this answer continues, and its user (the Session, SECRET_HASH and USERNAME checked)."""
        token = params.get("Session")
        pending = signin.take(token, params.get("ChallengeName") or "", client.id)
        user = pool.users.get(pending.username)
        if user is None:
            raise signin.model.no_such_user(client)
        username = responses.get("USERNAME")
        clients.check_secret_hash(client, responses.get("SECRET_HASH"), username, user.username, user.id)
        if username and users.find(pool, username) is not user:
            raise signin.model.no_such_user(client)
        return pending, user

    def answer(self, signin: "SignIn", pool, client, pending: Pending, user, responses: dict, session: str | None) -> dict:
        raise InvalidParameter(f"Unsupported challenge {self.name}")


class SignIn:
    """The sign-ins of one sandbox's pools: starting them, the waiting ones, answering them."""

    def __init__(self, model):
        self.model = model
        self.pending: dict[str, Pending] = {}

    @property
    def now(self) -> float:
        return self.model.now

    # ------------------------------------------------------------------ InitiateAuth
    def start(self, pool, client, params: dict, api: str) -> dict:
        """InitiateAuth / AdminInitiateAuth (``api``): the flow's first step, as the app client allows."""
        device = PRESENTED_DEVICE.set((params.get("AuthParameters") or {}).get("DEVICE_KEY"))
        try:
            return self._start(pool, client, params, api)
        finally:
            PRESENTED_DEVICE.reset(device)

    def _start(self, pool, client, params: dict, api: str) -> dict:
        name = params.get("AuthFlow") or ""
        flow = FLOWS.get(name)
        if flow is not None and api not in flow.apis:
            raise InvalidParameter(f"Initiate Auth method not supported: {name}")
        if flow is None:
            raise InvalidParameter(f"1 validation error detected: Value '{name}' at 'authFlow' failed to satisfy constraint: "
                                   f"Member must satisfy enum value set: [{', '.join(_enum_order(FLOWS.names()))}]")
        if flow.needs not in clients.flows(client):
            if name == "USER_SRP_AUTH":  # AWS words this one differently (aws-serverless-workshops#277, Amplify's default flow)
                raise InvalidParameter("USER_SRP_AUTH is not enabled for the client.")
            raise InvalidParameter(f"{name} flow not enabled for this client")
        return flow.start(self, pool, client, params, params.get("AuthParameters") or {})

    def first_factor_user(self, pool, client, ap: dict):
        """``(username, user)`` of a flow that names its user (USERNAME and SECRET_HASH checked); the user is
        None when no user has that name (the flow decides what to answer)."""
        username = ap.get("USERNAME")
        if not username:
            raise InvalidParameter("Missing required parameter USERNAME")
        clients.check_secret_hash(client, ap.get("SECRET_HASH"), username)
        return username, users.find(pool, username)

    def password_sign_in(self, pool, client, params: dict, ap: dict) -> dict:
        """USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH: PreAuthentication, the password, then what follows."""
        username, user = self.first_factor_user(pool, client, ap)
        if ap.get("PASSWORD") is None:
            raise InvalidParameter("Missing required parameter PASSWORD")
        if user is None:
            raise self.model.no_such_user(client)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        self.model.pre_authentication(pool, client, user, params.get("ClientMetadata"))
        self.model.check_password(pool, user, ap["PASSWORD"])
        return self.after_first_factor(pool, client, user)

    # ------------------------------------------------------------------ what follows a first factor
    def after_first_factor(self, pool, client, user, source: str = "Authentication") -> dict:
        """Password (or SRP proof) accepted: NEW_PASSWORD_REQUIRED, an MFA challenge, or tokens."""
        self.model.user_can_sign_in(pool, user)
        return self.next_step(pool, client, user, source, STAGES)

    def next_challenge(self, pool, client, user, stages=STAGES) -> Challenge | None:
        """The challenge the user must answer next (none: tokens), without starting it."""
        for stage in stages:
            offered = [c for c in CHALLENGES if c.stage == stage and c.offered(self, pool, client, user)]
            if offered:  # the user's preferred MFA when it is one of them (SetUserMFAPreference PreferredMfa)
                return next((c for c in offered if c.name == user.preferred_mfa_setting), offered[0])
        return None

    def next_step(self, pool, client, user, source: str, stages=STAGES) -> dict:
        challenge = self.next_challenge(pool, client, user, stages)
        if challenge is None:
            return self.tokens(pool, client, user, source)
        return challenge.begin(self, pool, client, user, source)

    def tokens(self, pool, client, user, source: str) -> dict:
        from . import devices

        result = self.model.issue(pool, client, user, source)
        devices.new_device_metadata(self.model, pool, user, result)  # a pool that tracks devices: NewDeviceMetadata
        return {"ChallengeParameters": {}, "AuthenticationResult": result}

    # ------------------------------------------------------------------ waiting sign-ins
    def challenge(self, name: str, pool, client, user, source: str, parameters: dict, **pending) -> dict:
        """A challenge answer (ChallengeName, Session, ChallengeParameters); the sign-in waits for the user."""
        pending.setdefault("extra", {}).setdefault("device_key", PRESENTED_DEVICE.get())
        session = self.new_session(Pending(name, pool.id, client.id, user.username, self.now + CHALLENGE_SECONDS,
                                           source=source, **pending))
        return {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters}

    def new_session(self, pending: Pending) -> str:
        token = base64.b64encode(self.model.random.randbytes(192)).decode()
        self.pending[token] = pending
        return token

    def take(self, token: str | None, name: str, client_id: str) -> Pending:
        """The sign-in waiting under ``token`` (it is used up: a wrong answer puts it back with :meth:`keep`)."""
        pending = self.pending.pop(token or "", None)
        if pending is None or pending.name != name or pending.client_id != client_id or self.now > pending.expires:
            raise NotAuthorized("Invalid session for the user, session is expired.")
        return pending

    def peek(self, token: str | None, name: str) -> Pending:
        pending = self.pending.get(token or "")
        if pending is None or pending.name != name or self.now > pending.expires:
            raise NotAuthorized("Invalid session for the user, session is expired.")
        return pending

    def keep(self, token: str, pending: Pending) -> None:
        """Let the user answer again with the same Session (a mistyped code or a refused password)."""
        self.pending[token] = pending

    # ------------------------------------------------------------------ RespondToAuthChallenge
    def answer(self, pool, client, params: dict) -> dict:
        name = params.get("ChallengeName") or ""
        responses = params.get("ChallengeResponses") or {}
        challenge = CHALLENGES.get(name) or Challenge()
        pending, user = challenge.take(self, pool, client, params, responses)
        device = PRESENTED_DEVICE.set(responses.get("DEVICE_KEY") or pending.extra.get("device_key"))
        try:
            return challenge.answer(self, pool, client, pending, user, responses, params.get("Session"))
        finally:
            PRESENTED_DEVICE.reset(device)


def _enum_order(names: list) -> list:
    """The names in the order of botocore's AuthFlowType enum (the order AWS's validation message uses)."""
    try:
        import botocore.session

        enum = botocore.session.get_session().get_service_model("cognito-idp").shape_for("AuthFlowType").enum
    except Exception:  # noqa: BLE001 - only the order of a message depends on it
        return names
    position = {n: i for i, n in enumerate(enum)}
    return sorted(names, key=lambda n: position.get(n, len(position)))


# ====================================================================== the auth flows
@FLOWS.register
class UserSrpAuth(AuthFlow):
    """USER_SRP_AUTH, step 1: the PASSWORD_VERIFIER challenge (SRP_B, SALT, SECRET_BLOCK)."""

    name, needs = "USER_SRP_AUTH", "ALLOW_USER_SRP_AUTH"

    def start(self, signin, pool, client, params, ap):
        username, user = signin.first_factor_user(pool, client, ap)
        return srp_challenge(signin, pool, client, user, username, ap.get("SRP_A"))


def srp_challenge(signin, pool, client, user, username: str, srp_a: str | None) -> dict:
    """The PASSWORD_VERIFIER challenge (SRP_B, SALT, SECRET_BLOCK) for USER_SRP_AUTH and PASSWORD_SRP."""
    if not srp_a:
        raise InvalidParameter("Missing required parameter SRP_A")
    model = signin.model
    if user is None:
        if not clients.hides_users(client):
            raise UserNotFound("User does not exist.")
        # Pretend, as Cognito does: a challenge no password can answer.
        verifier = passwords.Verifier.make(pool.id, username, model.random.randbytes(16).hex(), model.random)
        user_id = username
    else:
        model.pre_authentication(pool, client, user)
        verifier = model.secrets(pool, user).verifier or passwords.Verifier.make(
            pool.id, user.username, model.random.randbytes(16).hex(), model.random)
        user_id = verifier.user_id
    try:
        server = srp.start(srp_a, verifier.v, verifier.salt_hex, model.random)
    except ValueError:
        raise InvalidParameter("SRP_A is not valid") from None
    secret_block = base64.b64encode(model.random.randbytes(512)).decode()
    signin.keep(secret_block, Pending("PASSWORD_VERIFIER", pool.id, client.id, user.username if user else "",
                                      signin.now + CHALLENGE_SECONDS, srp=server,
                                      extra={"user_id": user_id, "device_key": PRESENTED_DEVICE.get()}))
    return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
        "SALT": verifier.salt_hex, "SECRET_BLOCK": secret_block, "SRP_B": server.srp_b_hex,
        "USERNAME": user_id, "USER_ID_FOR_SRP": user_id}}


@FLOWS.register
class RefreshTokenAuth(AuthFlow):
    """REFRESH_TOKEN_AUTH (or REFRESH_TOKEN): new ID and access tokens for a refresh token of this client."""

    name, aliases, needs = "REFRESH_TOKEN_AUTH", ("REFRESH_TOKEN",), "ALLOW_REFRESH_TOKEN_AUTH"

    def start(self, signin, pool, client, params, ap):
        result = signin.model.refresh(pool, client, ap.get("REFRESH_TOKEN"), ap.get("SECRET_HASH"), ap.get("USERNAME"))
        return {"ChallengeParameters": {}, "AuthenticationResult": result}


@FLOWS.register
class CustomAuth(AuthFlow):
    """CUSTOM_AUTH: needs the Define/Create/Verify auth challenge triggers, which labkit does not play."""

    name, needs = "CUSTOM_AUTH", "ALLOW_CUSTOM_AUTH"

    def start(self, signin, pool, client, params, ap):
        raise InvalidParameter("Custom auth lambda trigger is not configured for the user pool.")


@FLOWS.register
class UserPasswordAuth(AuthFlow):
    """USER_PASSWORD_AUTH: the password itself, over TLS (InitiateAuth only)."""

    name, needs, apis = "USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", frozenset({"InitiateAuth"})

    def start(self, signin, pool, client, params, ap):
        return signin.password_sign_in(pool, client, params, ap)


@FLOWS.register
class AdminUserPasswordAuth(AuthFlow):
    """ADMIN_USER_PASSWORD_AUTH (legacy name ADMIN_NO_SRP_AUTH): a back end with AWS credentials sends the password."""

    name, aliases, needs = "ADMIN_USER_PASSWORD_AUTH", ("ADMIN_NO_SRP_AUTH",), "ALLOW_ADMIN_USER_PASSWORD_AUTH"
    apis = frozenset({"AdminInitiateAuth"})

    def start(self, signin, pool, client, params, ap):
        return signin.password_sign_in(pool, client, params, ap)


def client_flow_settings() -> set:
    """The ALLOW_ values of ExplicitAuthFlows: the ones the registered flows need."""
    return {flow.needs for flow in FLOWS}


# ====================================================================== the challenges
@CHALLENGES.register
class PasswordVerifier(Challenge):
    """USER_SRP_AUTH, step 2: the client's proof (PASSWORD_CLAIM_SIGNATURE) that it knows the password."""

    name = "PASSWORD_VERIFIER"

    def take(self, signin, pool, client, params, responses):
        block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        pending = signin.pending.pop(block, None)
        if (pending is None or pending.name != self.name or pending.client_id != client.id or pending.pool_id != pool.id
                or signin.now > pending.expires):
            raise NotAuthorized("Incorrect username or password.")
        username = responses.get("USERNAME")
        user = pool.users.get(pending.username) if pending.username else None
        clients.check_secret_hash(client, responses.get("SECRET_HASH"), username, pending.extra["user_id"], pending.username)
        named = users.find(pool, username)
        if user is None:
            raise NotAuthorized("Incorrect username or password.")
        if named is not user:
            raise signin.model.no_such_user(client)
        return pending, user

    def answer(self, signin, pool, client, pending, user, responses, session):
        ok = srp.claim_is_valid(pending.srp, pool.id, pending.extra["user_id"], responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "",
                                responses.get("TIMESTAMP") or "", responses.get("PASSWORD_CLAIM_SIGNATURE") or "")
        model = signin.model
        s = model.secrets(pool, user)
        model.refuse_while_locked(s)
        if not ok:
            model.wrong_password(s)
        s.wrong_passwords = 0
        return signin.after_first_factor(pool, client, user)


@CHALLENGES.register
class NewPasswordRequired(Challenge):
    """NEW_PASSWORD_REQUIRED: a user with a temporary password (AdminCreateUser) chooses their own."""

    name, stage, answer_key = "NEW_PASSWORD_REQUIRED", "password", "NEW_PASSWORD"

    def offered(self, signin, pool, client, user):
        return user.status == UserStatus.FORCE_CHANGE_PASSWORD

    def begin(self, signin, pool, client, user, source):
        from .models import new_password_attributes

        s = signin.model.secrets(pool, user)
        if s.temporary_expires is not None and signin.now > s.temporary_expires:
            raise NotAuthorized("Temporary password has expired and must be reset by an administrator.")
        return signin.challenge(self.name, pool, client, user, "Authentication", {
            "USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": new_password_attributes(user)})

    def answer(self, signin, pool, client, pending, user, responses, session):
        new = responses.get("NEW_PASSWORD")
        if not new:
            raise InvalidParameter("Missing required parameter NEW_PASSWORD")
        try:
            passwords.check(pool, new)
        except ServiceError:
            signin.keep(session, pending)  # the learner may try another password
            raise
        extra = [{"Name": k[len("userAttributes."):], "Value": v} for k, v in responses.items() if k.startswith("userAttributes.")]
        if extra:
            attributes.check(pool, extra, creating=False)
            user.update_attributes(extra)
            users.changed(pool)
        users.set_password(pool, user, new, signin.model.random)
        user.status = UserStatus.CONFIRMED
        return signin.next_step(pool, client, user, "NewPasswordChallenge", ("mfa",))


@CHALLENGES.register
class SoftwareTokenMfa(Challenge):
    """SOFTWARE_TOKEN_MFA: the current code of the user's authenticator app (preferred unless SMS is)."""

    name, stage = "SOFTWARE_TOKEN_MFA", "mfa"

    def offered(self, signin, pool, client, user):
        if not mfa.pool_allows(pool) or not (user.software_token_mfa_enabled and signin.model.secrets(pool, user).totp_secret):
            return False
        return user.preferred_mfa_setting != "SMS_MFA" or not SmsMfa.usable(user)

    def begin(self, signin, pool, client, user, source):
        return signin.challenge(self.name, pool, client, user, source, {"USER_ID_FOR_SRP": user.username})

    def answer(self, signin, pool, client, pending, user, responses, session):
        secrets = signin.model.secrets(pool, user)
        if not mfa.accept_totp(secrets, secrets.totp_secret, responses.get("SOFTWARE_TOKEN_MFA_CODE"), signin.now):
            signin.keep(session, pending)  # the user may type the code again
            raise CodeMismatch("Invalid code or auth state for the user.")
        return signin.tokens(pool, client, user, pending.source)


@CHALLENGES.register
class SmsMfa(Challenge):
    """SMS_MFA: a code texted to the user's verified phone number (SmsAuthenticationMessage)."""

    name, stage = "SMS_MFA", "mfa"

    @staticmethod
    def usable(user) -> bool:
        return bool(user.sms_mfa_enabled and users.verified(user, "phone_number"))

    def offered(self, signin, pool, client, user):
        return mfa.pool_allows(pool) and self.usable(user)

    def begin(self, signin, pool, client, user, source):
        model = signin.model
        phone = users.attribute(user, "phone_number")
        code = model.secrets(pool, user).codes.issue("mfa", signin.now, model.random, key="mfa")
        template = pool.extended_config.get("SmsAuthenticationMessage") or "Your authentication code is {####}. "
        codes.send(model.sandbox, to=phone, medium="SMS", subject="", body=template.replace("{####}", code), code=code, purpose="mfa")
        return signin.challenge(self.name, pool, client, user, source, {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": mask(phone), "USER_ID_FOR_SRP": user.username})

    def answer(self, signin, pool, client, pending, user, responses, session):
        try:
            signin.model.secrets(pool, user).codes.redeem("mfa", responses.get("SMS_MFA_CODE"), signin.now, key="mfa")
        except CodeMismatch:
            signin.keep(session, pending)
            raise CodeMismatch("Invalid code or auth state for the user.") from None
        return signin.tokens(pool, client, user, pending.source)


@CHALLENGES.register
class MfaSetup(Challenge):
    """MFA_SETUP: MFA is required and the user has none yet (AssociateSoftwareToken, VerifySoftwareToken with the Session)."""

    name, stage = "MFA_SETUP", "mfa"

    def offered(self, signin, pool, client, user):
        return mfa.pool_allows(pool) and pool.mfa_config == "ON" and not mfa.email_mfa_offered(pool, user)

    def begin(self, signin, pool, client, user, source):
        return signin.challenge(self.name, pool, client, user, source, {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'})

    def answer(self, signin, pool, client, pending, user, responses, session):
        if not signin.model.secrets(pool, user).totp_secret:
            raise SoftwareTokenMFANotFound()
        user.software_token_mfa_enabled = True
        return signin.tokens(pool, client, user, pending.source)


# ====================================================================== choice-based sign-in (USER_AUTH)
def allowed_first_factors(pool) -> list:
    """Policies.SignInPolicy.AllowedFirstAuthFactors (PASSWORD when the pool names none)."""
    return ((pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or ["PASSWORD"]


def available_challenges(signin, pool, client, user) -> list:
    """The first-factor challenges USER_AUTH offers this user: the pool allows the factor and the user can
    use it (a password, a verified email, a verified phone number...)."""
    factors = allowed_first_factors(pool)
    return [c for c in CHALLENGES if c.first_factor in factors and c.available(signin, pool, client, user)]


@FLOWS.register
class UserAuth(AuthFlow):
    """USER_AUTH, choice-based sign-in (developer guide, "Authentication with choice-based sign-in"): the
    PREFERRED_CHALLENGE when the user can use it, else SELECT_CHALLENGE with the AvailableChallenges.
    An Essentials feature (:mod:`.plans`)."""

    name, needs = "USER_AUTH", "ALLOW_USER_AUTH"

    def start(self, signin, pool, client, params, ap):
        plans.require(plans.tier_of(pool), "choice-based sign-in")
        username, user = signin.first_factor_user(pool, client, ap)
        if user is None:
            raise signin.model.no_such_user(client)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        offered = available_challenges(signin, pool, client, user)
        preferred = next((c for c in offered if c.name == ap.get("PREFERRED_CHALLENGE")), None)
        if preferred is not None:
            return preferred.choose(signin, pool, client, user, username, ap)
        out = signin.challenge(SelectChallenge.name, pool, client, user, "Authentication", {},
                               extra={"available": [c.name for c in offered]})
        out["AvailableChallenges"] = [c.name for c in offered]
        return out


@CHALLENGES.register
class SelectChallenge(Challenge):
    """SELECT_CHALLENGE: the user's ANSWER names one of the AvailableChallenges (with its own responses:
    PASSWORD, SRP_A...)."""

    name = "SELECT_CHALLENGE"

    def answer(self, signin, pool, client, pending, user, responses, session):
        chosen = CHALLENGES.get(responses.get("ANSWER"))
        if chosen is None or chosen.name not in pending.extra.get("available", []):
            signin.keep(session, pending)
            raise InvalidParameter(f"The challenge {responses.get('ANSWER')} is not available for this user.")
        return chosen.choose(signin, pool, client, user, responses.get("USERNAME") or user.username, responses)


@CHALLENGES.register
class PasswordFactor(Challenge):
    """PASSWORD: the password itself as the first factor of USER_AUTH."""

    name, first_factor = "PASSWORD", "PASSWORD"

    def available(self, signin, pool, client, user):
        return signin.model.secrets(pool, user).verifier is not None

    def choose(self, signin, pool, client, user, username, answers):
        if answers.get("PASSWORD") is None:
            raise InvalidParameter("Missing required parameter PASSWORD")
        signin.model.pre_authentication(pool, client, user)
        signin.model.check_password(pool, user, answers["PASSWORD"])
        return signin.after_first_factor(pool, client, user)


@CHALLENGES.register
class PasswordSrpFactor(PasswordFactor):
    """PASSWORD_SRP: the password proven by SRP (then PASSWORD_VERIFIER), the first factor of USER_AUTH."""

    name = "PASSWORD_SRP"

    def choose(self, signin, pool, client, user, username, answers):
        return srp_challenge(signin, pool, client, user, username, answers.get("SRP_A"))


class OneTimeCode(Challenge):
    """A passwordless sign-in code (an Essentials feature): eight digits to the user's verified ``attribute``,
    once, within the sign-in session, five wrong tries at most (:class:`.codes.CodeBook`)."""

    attribute: ClassVar[str] = ""
    medium: ClassVar[str] = ""

    def available(self, signin, pool, client, user):
        # Not for a user with MFA: "Amazon Cognito does not support enabling both MFA and passwordless sign-in
        # ... for the same user. If a user has MFA configured, passwordless sign-in options will not be
        # available" (Amplify docs, "Passwordless", citing the developer guide's MFA prerequisites).
        return (bool(users.attribute(user, self.attribute)) and users.verified(user, self.attribute)
                and not mfa.user_has_mfa(user))

    def choose(self, signin, pool, client, user, username, answers):
        plans.require(plans.tier_of(pool), "passwordless sign-in")
        signin.model.pre_authentication(pool, client, user)
        return self.send(signin, pool, client, user, "Authentication", "sign-in")

    def message(self, pool, code: str) -> tuple[str, str]:
        raise NotImplementedError

    def begin(self, signin, pool, client, user, source):
        return self.send(signin, pool, client, user, source, "sign-in")

    def send(self, signin, pool, client, user, source: str, purpose: str) -> dict:
        """Send a code for ``purpose`` ("sign-in": a first factor; "mfa": a second one) and wait for it."""
        model = signin.model
        to = users.attribute(user, self.attribute)
        key = self.name if purpose == "sign-in" else f"{self.name}:{purpose}"
        code = model.secrets(pool, user).codes.issue(purpose, signin.now, model.random, key=key)
        subject, body = self.message(pool, code)
        codes.send(model.sandbox, to=to, medium=self.medium, subject=subject, body=body, code=code, purpose=purpose)
        return signin.challenge(self.name, pool, client, user, source, {
            "CODE_DELIVERY_DELIVERY_MEDIUM": self.medium, "CODE_DELIVERY_DESTINATION": mask(to)},
            extra={"purpose": purpose, "key": key})

    def answer(self, signin, pool, client, pending, user, responses, session):
        purpose, key = pending.extra.get("purpose", "sign-in"), pending.extra.get("key", self.name)
        try:
            signin.model.secrets(pool, user).codes.redeem(purpose, responses.get(self.answer_key), signin.now, key=key)
        except CodeMismatch:
            signin.keep(session, pending)  # the user may type the code again (five tries)
            raise CodeMismatch("Invalid code or auth state for the user.") from None
        except LimitExceeded:
            signin.keep(session, pending)  # SDKs retry LimitExceededException: the retry gets it again
            raise
        if purpose == "mfa":
            return self.second_factor_passed(signin, pool, client, user, pending)
        return signin.after_first_factor(pool, client, user, pending.source)

    def second_factor_passed(self, signin, pool, client, user, pending) -> dict:
        return signin.tokens(pool, client, user, pending.source)


@CHALLENGES.register
class EmailOtp(OneTimeCode):
    """EMAIL_OTP: a sign-in code by email (EmailMfaConfiguration's Subject and Message when the pool has them);
    also the email MFA challenge after a password (:func:`.mfa.email_mfa_offered`). AWS's pages do not give the
    length of an email MFA code; labkit sends six digits, as Cognito's SMS MFA codes have (its passwordless
    sign-in codes have eight): a reconstruction."""

    name, first_factor, attribute, medium, stage = "EMAIL_OTP", "EMAIL_OTP", "email", "EMAIL", "mfa"

    def message(self, pool, code):
        return mfa.email_message(pool, code)

    def offered(self, signin, pool, client, user):
        return mfa.email_mfa_offered(pool, user)

    def begin(self, signin, pool, client, user, source):
        return self.send(signin, pool, client, user, source, "mfa")

    def second_factor_passed(self, signin, pool, client, user, pending):
        # "When a user completes their first MFA, Amazon Cognito marks their email address ... as verified."
        # (developer guide, "SMS and email message MFA")
        if not users.verified(user, "email"):
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])
            users.changed(pool)
        return signin.tokens(pool, client, user, pending.source)


@CHALLENGES.register
class SmsOtp(OneTimeCode):
    """SMS_OTP: a sign-in code by text message to the verified phone number (SmsAuthenticationMessage)."""

    name, first_factor, attribute, medium = "SMS_OTP", "SMS_OTP", "phone_number", "SMS"

    def message(self, pool, code):
        template = pool.extended_config.get("SmsAuthenticationMessage") or "Your one-time code is {####}"
        return "", template.replace("{####}", code)
