"""The ``cognito-idp`` operations labkit answers itself (Amazon Cognito user pools API reference).

Each method takes the operation's parameters (a dict, as the API reference names them) and returns
its result dict, or raises the API's error. moto's backend is the storage of pools, clients, users
and groups; the operations not listed here (ListUsers, CreateGroup, DescribeUserPool...) are moto's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
from dataclasses import dataclass, field

from moto.backends import get_backend
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, UserStatus
from moto.cognitoidp.utils import expand_attrs, flatten_attrs, validate_username_format
from moto.core.exceptions import JsonRESTError

from ..errors import ServiceError
from ..inbox import mask
from ..wire.dispatch import Service, operation
from . import attributes, codes, mfa, passwords, srp, users
from .exceptions import (
    CodeMismatch,
    EnableSoftwareTokenMFA,
    InvalidParameter,
    NotAuthorized,
    PasswordResetRequired,
    ResourceNotFound,
    SoftwareTokenMFANotFound,
    UnsupportedTokenType,
    UnsupportedUserState,
    UserNotConfirmed,
    UserNotFound,
    UsernameExists,
    from_moto,
)
from .issuing import PROTECTED_CLAIMS, Session, TokenIssuer, user_from_claims
from .triggers import Triggers

# App client auth flows (API reference, CreateUserPoolClient, ExplicitAuthFlows).
DEFAULT_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
                "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH"}
FLOW_NEEDS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
}
CHALLENGE_SECONDS = 180  # AuthSessionValidity's default: 3 minutes
# "Amazon Cognito allows five failed sign-in attempts. After that it starts temporary lockouts with
# exponentially increasing times starting at 1 second and doubling after each failed attempt up to
# about 15 minutes" (developer guide, "User sign-in: lockout behavior for failed sign-in attempts").
PASSWORD_TRIES = 5
PASSWORD_LOCKOUT = 15 * 60
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits


@dataclass
class Challenge:
    """A sign-in waiting for the user's next answer (a Session, or an SRP SECRET_BLOCK)."""

    name: str
    pool_id: str
    client_id: str
    username: str
    expires: float
    srp: object = None
    source: str = "Authentication"
    extra: dict = field(default_factory=dict)


class UserPoolService(Service):
    signing_name = "cognito-idp"
    protocol = "json"

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.triggers = Triggers()
        self.tokens = TokenIssuer(sandbox)
        self.challenges: dict[str, Challenge] = {}

    def handle(self, request):
        try:
            return super().handle(request)
        except JsonRESTError as exc:  # moto's backend raised one of AWS's errors while we used it
            return self.error(from_moto(exc))

    # ================================================================== helpers
    @property
    def now(self) -> float:
        return self.sandbox.clock.time()

    @property
    def random(self):
        return self.sandbox.random

    def backend(self, region: str | None = None):
        return get_backend("cognito-idp")[self.sandbox.account_id][region or self.sandbox.region]

    def pool(self, pool_id: str, region: str | None = None) -> CognitoIdpUserPool:
        region = (pool_id or "").split("_", 1)[0] if "_" in (pool_id or "") else region
        try:
            pool = self.backend(region).user_pools.get(pool_id) if region in self._regions() else None
        except KeyError:
            pool = None
        if pool is None:
            raise ResourceNotFound(f"User pool {pool_id} does not exist.")
        return pool

    def _regions(self):
        return get_backend("cognito-idp")[self.sandbox.account_id].regions

    def client(self, client_id: str, region: str):
        for pool in self.backend(region).user_pools.values():
            client = pool.clients.get(client_id)
            if client is not None:
                return pool, client
        raise ResourceNotFound(f"User pool client {client_id} does not exist.")

    def secrets(self, pool, user):
        return users.secrets(pool, user, self.random)

    def check_secret_hash(self, client, given: str | None, *usernames: str) -> None:
        """SECRET_HASH = Base64(HMAC-SHA256(client secret, username + client id)) when the client has a secret."""
        if not client.generate_secret:
            return
        if not given:
            raise NotAuthorized(f"Client {client.id} is configured for secret but secret was not received")
        for name in usernames:
            if not name:
                continue
            want = base64.b64encode(hmac.new(client.secret.encode(), (name + client.id).encode(), hashlib.sha256).digest()).decode()
            if hmac.compare_digest(want, given):
                return
        raise NotAuthorized(f"Unable to verify secret hash for client {client.id}")

    def flows(self, client) -> set:
        given = client.extended_config.get("ExplicitAuthFlows")
        if not given:
            return set(DEFAULT_FLOWS)
        flows = {LEGACY_FLOWS.get(f, f) for f in given}
        if any(f in LEGACY_FLOWS for f in given):  # legacy values keep SRP and refresh on
            flows |= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
        return flows

    def require_flow(self, client, flow: str) -> None:
        need = FLOW_NEEDS.get(flow)
        if need is None:
            raise InvalidParameter(f"1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint: "
                                   "Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, "
                                   "CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH]")
        if need not in self.flows(client):
            raise InvalidParameter(f"{flow} flow not enabled for this client")

    def hides_users(self, client) -> bool:
        return (client.extended_config.get("PreventUserExistenceErrors") or "LEGACY") == "ENABLED"

    def no_such_user(self, client):
        """UserNotFoundException, or NotAuthorizedException when the client prevents user existence errors."""
        if client is not None and self.hides_users(client):
            return NotAuthorized("Incorrect username or password.")
        return UserNotFound("User does not exist.")

    def user(self, pool, username: str, client=None):
        user = users.find(pool, username)
        if user is None:
            raise self.no_such_user(client)
        return user

    def new_session(self, challenge: Challenge) -> str:
        token = base64.b64encode(self.random.randbytes(192)).decode()
        self.challenges[token] = challenge
        return token

    def take_session(self, token: str | None, name: str, client_id: str) -> Challenge:
        ch = self.challenges.pop(token or "", None)
        if ch is None or ch.name != name or ch.client_id != client_id or self.now > ch.expires:
            raise NotAuthorized("Invalid session for the user, session is expired.")
        return ch

    # ------------------------------------------------------------------ codes
    def send_code(self, pool, user, purpose: str, attribute: str) -> dict:
        """Make a code for ``purpose``, deliver it to the user's ``attribute`` (email or phone_number)."""
        s = self.secrets(pool, user)
        destination = users.attribute(user, attribute)
        medium = codes.medium_of(attribute)
        code = s.codes.issue(purpose, self.now, self.random, key=purpose)
        s.code_sent_to[purpose] = attribute
        subject, body = codes.verification_message(pool, medium, code)
        codes.send(self.sandbox, to=destination, medium=medium, subject=subject, body=body, code=code, purpose=purpose)
        return codes.delivery_details(medium, attribute, destination)

    def sign_up_attribute(self, pool, user) -> str | None:
        """Where a sign-up code goes: the first AutoVerifiedAttributes attribute the user has."""
        auto = pool.extended_config.get("AutoVerifiedAttributes") or []
        for attr in ("email", "phone_number"):
            if attr in auto and users.attribute(user, attr):
                return attr
        return None

    def recovery_attribute(self, pool, user) -> str | None:
        """Where a forgot-password code goes (AccountRecoverySetting, then any verified email/phone)."""
        setting = (pool.extended_config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
        order = [m["Name"] for m in sorted(setting, key=lambda m: m.get("Priority", 1))] or ["verified_email", "verified_phone_number"]
        for mech in order:
            attr = {"verified_email": "email", "verified_phone_number": "phone_number"}.get(mech)
            if attr and users.attribute(user, attr) and users.verified(user, attr):
                return attr
        return None

    # ------------------------------------------------------------------ passwords
    def check_password(self, pool, user, password: str) -> None:
        s = self.secrets(pool, user)
        self.refuse_while_locked(s)
        if s.verifier is None or not s.verifier.matches(pool.id, password or ""):
            self.wrong_password(s)
        s.wrong_passwords = 0

    def refuse_while_locked(self, s) -> None:
        if s.wrong_passwords >= PASSWORD_TRIES:
            lock = min(2 ** (s.wrong_passwords - PASSWORD_TRIES), PASSWORD_LOCKOUT)
            if self.now - s.last_wrong_password < lock:
                raise NotAuthorized("Password attempts exceeded")

    def wrong_password(self, s):
        if self.now - s.last_wrong_password >= PASSWORD_LOCKOUT:
            s.wrong_passwords = 0
        s.wrong_passwords += 1
        s.last_wrong_password = self.now
        raise NotAuthorized("Incorrect username or password.")

    # ------------------------------------------------------------------ the end of a sign-in
    def user_can_sign_in(self, pool, user) -> None:
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmed("User is not confirmed.")
        if user.status == UserStatus.RESET_REQUIRED:
            raise PasswordResetRequired("Password reset required for the user")

    def after_password(self, pool, client, user, *, metadata=None) -> dict:
        """Password (or SRP proof) accepted: NEW_PASSWORD_REQUIRED, an MFA challenge, or tokens."""
        self.user_can_sign_in(pool, user)
        s = self.secrets(pool, user)
        if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
            if s.temporary_expires is not None and self.now > s.temporary_expires:
                raise NotAuthorized("Temporary password has expired and must be reset by an administrator.")
            attrs = {k: v for k, v in flatten_attrs(user.attributes).items() if k != "sub"}
            ch = Challenge("NEW_PASSWORD_REQUIRED", pool.id, client.id, user.username, self.now + CHALLENGE_SECONDS)
            return {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": self.new_session(ch),
                    "ChallengeParameters": {"USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]",
                                            "userAttributes": json.dumps(attrs)}}
        return self.mfa_or_tokens(pool, client, user, "Authentication")

    def mfa_or_tokens(self, pool, client, user, source: str) -> dict:
        s = self.secrets(pool, user)
        if mfa.pool_allows(pool):
            totp = user.software_token_mfa_enabled and s.totp_secret
            sms = user.sms_mfa_enabled and users.verified(user, "phone_number")
            prefer = user.preferred_mfa_setting
            if totp and (prefer != "SMS_MFA" or not sms):
                ch = Challenge("SOFTWARE_TOKEN_MFA", pool.id, client.id, user.username, self.now + CHALLENGE_SECONDS, source=source)
                return {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": self.new_session(ch),
                        "ChallengeParameters": {"USER_ID_FOR_SRP": user.username}}
            if sms:
                phone = users.attribute(user, "phone_number")
                code = s.codes.issue("mfa", self.now, self.random, key="mfa")
                template = pool.extended_config.get("SmsAuthenticationMessage") or "Your authentication code is {####}. "
                body = template.replace("{####}", code)
                codes.send(self.sandbox, to=phone, medium="SMS", subject="", body=body, code=code, purpose="mfa")
                ch = Challenge("SMS_MFA", pool.id, client.id, user.username, self.now + CHALLENGE_SECONDS, source=source)
                return {"ChallengeName": "SMS_MFA", "Session": self.new_session(ch),
                        "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                                                "CODE_DELIVERY_DESTINATION": mask(phone), "USER_ID_FOR_SRP": user.username}}
            if pool.mfa_config == "ON":
                ch = Challenge("MFA_SETUP", pool.id, client.id, user.username, self.now + CHALLENGE_SECONDS, source=source)
                return {"ChallengeName": "MFA_SETUP", "Session": self.new_session(ch),
                        "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}}
        return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(pool, client, user, source)}

    def issue(self, pool, client, user, source: str, session: Session | None = None) -> dict:
        """Tokens for ``user``, after the PreTokenGeneration trigger (if any) has had its say."""
        flat = flatten_attrs(user.attributes)
        id_claims: dict = {}
        groups = sorted(user.groups, key=lambda g: (g.precedence if g.precedence is not None else 1 << 31, g.group_name))
        names = [g.group_name for g in groups]
        roles = [g.role_arn for g in groups if g.role_arn]
        preferred = next((g.role_arn for g in groups if g.role_arn and g.precedence is not None), None)
        request = {
            "userAttributes": {**flat, "cognito:user_status": _status(user)},
            "groupConfiguration": {"groupsToOverride": names, "iamRolesToOverride": roles, "preferredRole": preferred},
            "clientMetadata": {},
        }
        response = self.triggers.run(pool, "PreTokenGeneration", f"TokenGeneration_{source}", user.username, client.id,
                                     request, {"claimsOverrideDetails": None})
        override = (response or {}).get("claimsOverrideDetails") or {}
        group_override = override.get("groupOverrideDetails")
        if group_override:
            names = list(group_override.get("groupsToOverride") or [])
            roles = list(group_override.get("iamRolesToOverride") or [])
            preferred = group_override.get("preferredRole")
        if names:
            id_claims["cognito:groups"] = names
        for name, value in flat.items():
            if name != "sub" and attributes.readable(client, name):
                id_claims[name] = attributes.as_claim(name, value)
        if roles:
            id_claims["cognito:roles"] = roles
        if preferred:
            id_claims["cognito:preferred_role"] = preferred
        for name, value in (override.get("claimsToAddOrOverride") or {}).items():
            if name not in PROTECTED_CLAIMS and not name.startswith("cognito:"):
                id_claims[name] = value
        for name in override.get("claimsToSuppress") or []:
            if name not in PROTECTED_CLAIMS:
                id_claims.pop(name, None)
        access_claims = {"cognito:groups": names} if names else {}
        return self.tokens.issue(pool, client, user, id_claims=id_claims, access_claims=access_claims,
                                 session=session, with_refresh=session is None)

    # ================================================================== pools and clients
    @operation("CreateUserPool")
    def create_user_pool(self, params, ctx):
        """CreateUserPool with an id shaped like AWS's (region + "_" + 9 alphanumerics)."""
        params = dict(params)
        name = params.pop("PoolName", None)
        if not name:
            raise InvalidParameter("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
        policy = ((params.get("Policies") or {}).get("PasswordPolicy")) or {}
        if policy and not 6 <= int(policy.get("MinimumLength", 8)) <= 99:
            raise InvalidParameter("Password policy minimum length must be between 6 and 99")
        backend = self.backend(ctx.region)
        pool = CognitoIdpUserPool(ctx.account_id, ctx.region, name, params)
        attributes.complete_schema(pool)
        new_id = f"{ctx.region}_" + "".join(self.random.choice(ALNUM) for _ in range(9))
        pool.id = new_id
        pool.arn = pool.arn.rsplit("/", 1)[0] + "/" + new_id
        backend.user_pools[new_id] = pool
        return {"UserPool": pool.to_json(extended=True)}

    @operation("CreateUserPoolClient")
    def create_user_pool_client(self, params, ctx):
        """CreateUserPoolClient with a 26-character id and, if asked, a client secret like AWS's."""
        params = dict(params)
        pool = self.pool(params.pop("UserPoolId", ""), ctx.region)
        generate = bool(params.pop("GenerateSecret", False))
        for flow in params.get("ExplicitAuthFlows") or []:
            if flow not in FLOW_NEEDS.values() and flow not in LEGACY_FLOWS:
                raise InvalidParameter(f"Invalid value for ExplicitAuthFlows: {flow}")
        if any(f.startswith("ALLOW_") for f in params.get("ExplicitAuthFlows") or []) and any(
            f in LEGACY_FLOWS for f in params.get("ExplicitAuthFlows") or []
        ):
            raise InvalidParameter("ExplicitAuthFlow combination of legacy and new values is not supported.")
        client = self.backend(pool.region).create_user_pool_client(pool.id, generate, params)
        del pool.clients[client.id]
        client.id = "".join(self.random.choice(LOWER_ALNUM) for _ in range(26))
        client.secret = "".join(self.random.choice(LOWER_ALNUM) for _ in range(51))
        pool.clients[client.id] = client
        return {"UserPoolClient": client.to_json(extended=True)}

    # ================================================================== sign-up
    @operation("SignUp")
    def sign_up(self, params, ctx):
        """SignUp: a new UNCONFIRMED user (PreSignUp may confirm it); the code goes to the AutoVerifiedAttributes address."""
        pool, client = self.client(params.get("ClientId"), ctx.region)
        username = params.get("Username") or ""
        self.check_secret_hash(client, params.get("SecretHash"), username)
        if (pool.extended_config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
            raise NotAuthorized("SignUp is not permitted for this user pool")
        by_attr = pool.extended_config.get("UsernameAttributes") or []
        implied = {}
        if by_attr:
            kind = next((a for a in by_attr if validate_username_format(username, _format=a)), None)
            if kind is None:
                raise InvalidParameter("Username should be either an email or a phone number.")
            implied[kind] = username
        given = attributes.check(pool, params.get("UserAttributes"), creating=True, implied=implied)
        given.update(implied)
        if users.find(pool, username) is not None:
            raise UsernameExists("An account with the given email already exists." if by_attr else "User already exists")
        passwords.check(pool, params.get("Password") or "")
        response = self.triggers.run(
            pool, "PreSignUp", "PreSignUp_SignUp", username, client.id,
            {"userAttributes": dict(given), "validationData": _flat(params.get("ValidationData")),
             "clientMetadata": params.get("ClientMetadata") or {}},
            {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )
        if response.get("autoVerifyEmail") and "email" in given:
            given["email_verified"] = "true"
        if response.get("autoVerifyPhone") and "phone_number" in given:
            given["phone_number_verified"] = "true"
        confirmed = bool(response.get("autoConfirmUser"))
        user = CognitoIdpUser(pool.id, None if by_attr else username, None,
                              UserStatus.CONFIRMED if confirmed else UserStatus.UNCONFIRMED, expand_attrs(given))
        pool.users[user.username] = user
        users.set_password(pool, user, params["Password"], self.random)
        result = {"UserConfirmed": confirmed, "UserSub": user.id}
        if not confirmed:
            attr = self.sign_up_attribute(pool, user)
            if attr:
                result["CodeDeliveryDetails"] = self.send_code(pool, user, "sign-up", attr)
        return result

    def client_user(self, params, ctx):
        """The pool, app client, username and user of an unauthenticated user call (ClientId and
        SecretHash checked). The user is None only where the client hides that a user does not exist
        (PreventUserExistenceErrors=ENABLED); otherwise UserNotFoundException."""
        pool, client = self.client(params.get("ClientId"), ctx.region)
        username = params.get("Username")
        self.check_secret_hash(client, params.get("SecretHash"), username)
        user = users.find(pool, username)
        if user is None and not self.hides_users(client):
            raise UserNotFound("User does not exist.")
        return pool, client, username, user

    @operation("ConfirmSignUp")
    def confirm_sign_up(self, params, ctx):
        """ConfirmSignUp: the code from the sign-up message confirms the user and verifies that address."""
        pool, client, username, user = self.client_user(params, ctx)
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
                raise CodeMismatch()
        if user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorized(f"User cannot be confirmed. Current status is {_status(user)}")
        s = self.secrets(pool, user)
        s.codes.redeem("sign-up", params.get("ConfirmationCode"), self.now, key="sign-up")
        user.status = UserStatus.CONFIRMED
        attr = s.code_sent_to.get("sign-up")
        if attr:
            user.update_attributes([{"Name": f"{attr}_verified", "Value": "true"}])
            users.changed(pool)
        self.post_confirmation(pool, client.id, user, "PostConfirmation_ConfirmSignUp")
        return {}

    def post_confirmation(self, pool, client_id, user, source):
        attrs = {**flatten_attrs(user.attributes), "cognito:user_status": _status(user)}
        self.triggers.run(pool, "PostConfirmation", source, user.username, client_id,
                          {"userAttributes": attrs, "clientMetadata": {}}, {})

    @operation("ResendConfirmationCode")
    def resend_confirmation_code(self, params, ctx):
        """ResendConfirmationCode: a new sign-up code (the previous one stops working)."""
        pool, client, username, user = self.client_user(params, ctx)
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
                return {"CodeDeliveryDetails": _pretend_delivery(username)}
        if user.status != UserStatus.UNCONFIRMED:
            raise InvalidParameter("User is already confirmed.")
        attr = self.sign_up_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Auto verification not turned on.")
        return {"CodeDeliveryDetails": self.send_code(pool, user, "sign-up", attr)}

    @operation("AdminConfirmSignUp")
    def admin_confirm_sign_up(self, params, ctx):
        """AdminConfirmSignUp: confirm without a code (runs PostConfirmation)."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        if user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorized(f"User cannot be confirmed. Current status is {_status(user)}")
        user.status = UserStatus.CONFIRMED
        self.post_confirmation(pool, None, user, "PostConfirmation_ConfirmSignUp")
        return {}

    # ================================================================== admin-created users and passwords
    @operation("AdminCreateUser")
    def admin_create_user(self, params, ctx):
        """AdminCreateUser: a FORCE_CHANGE_PASSWORD user and an invitation with a temporary password."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        username = params.get("Username") or ""
        action = params.get("MessageAction")
        if action == "RESEND":
            user = self.user(pool, username)
            if user.status != UserStatus.FORCE_CHANGE_PASSWORD:
                raise UnsupportedUserState("Resend not possible. " + username + " status is not FORCE_CHANGE_PASSWORD.")
            password = passwords.temporary_password(pool, self.random)
        else:
            attrs = params.get("UserAttributes") or []
            by_attr = pool.extended_config.get("UsernameAttributes") or []
            implied = {a: username for a in by_attr if validate_username_format(username, _format=a)}
            attributes.check(pool, attrs, creating=True, implied=implied)
            password = params.get("TemporaryPassword")
            if password is not None:
                passwords.check(pool, password, admin=True)
            else:
                password = passwords.temporary_password(pool, self.random)
            if users.find(pool, username) is not None:
                raise UsernameExists("User account already exists")
            self.triggers.run(
                pool, "PreSignUp", "PreSignUp_AdminCreateUser", username, None,
                {"userAttributes": attributes.flatten(attrs), "validationData": _flat(params.get("ValidationData")),
                 "clientMetadata": params.get("ClientMetadata") or {}},
                {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
            )
            user = self.backend(pool.region).admin_create_user(pool.id, username, None, None, attrs)
        days = int(passwords.policy_of(pool).get("TemporaryPasswordValidityDays", 7))
        users.set_password(pool, user, password, self.random, temporary_for=days * 86400, now=self.now)
        if action != "SUPPRESS":
            for medium in params.get("DesiredDeliveryMediums") or ["SMS"]:
                attr = "email" if medium == "EMAIL" else "phone_number"
                to = users.attribute(user, attr)
                if to:
                    subject, body = codes.invitation_message(pool, medium, user.username, password)
                    codes.send(self.sandbox, to=to, medium=medium, subject=subject, body=body, code=password, purpose="invitation")
        return {"User": user.to_json(extended=True)}

    @operation("AdminSetUserPassword")
    def admin_set_user_password(self, params, ctx):
        """AdminSetUserPassword: a permanent password confirms the user; a temporary one forces a change."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        password = params.get("Password") or ""
        passwords.check(pool, password)
        if params.get("Permanent"):
            users.set_password(pool, user, password, self.random)
            user.status = UserStatus.CONFIRMED  # "if you set a permanent password, their status becomes Confirmed"
        else:
            days = int(passwords.policy_of(pool).get("TemporaryPasswordValidityDays", 7))
            users.set_password(pool, user, password, self.random, temporary_for=days * 86400, now=self.now)
            user.status = UserStatus.FORCE_CHANGE_PASSWORD
        return {}

    @operation("AdminResetUserPassword")
    def admin_reset_user_password(self, params, ctx):
        """AdminResetUserPassword: RESET_REQUIRED, and a forgot-password code to the verified address."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        attr = self.recovery_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
        self.send_code(pool, user, "forgot-password", attr)
        if user.status != UserStatus.UNCONFIRMED:
            user.status = UserStatus.RESET_REQUIRED
        return {}

    @operation("ForgotPassword")
    def forgot_password(self, params, ctx):
        """ForgotPassword: a one-hour code to the verified email or phone (AccountRecoverySetting)."""
        pool, client, username, user = self.client_user(params, ctx)
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
                return {"CodeDeliveryDetails": _pretend_delivery(username)}
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        attr = self.recovery_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
        return {"CodeDeliveryDetails": self.send_code(pool, user, "forgot-password", attr)}

    @operation("ConfirmForgotPassword")
    def confirm_forgot_password(self, params, ctx):
        """ConfirmForgotPassword: the code and a new password that meets the policy."""
        pool, client, username, user = self.client_user(params, ctx)
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
                raise CodeMismatch()
        password = params.get("Password") or ""
        passwords.check(pool, password)
        s = self.secrets(pool, user)
        s.codes.redeem("forgot-password", params.get("ConfirmationCode"), self.now, key="forgot-password")
        users.set_password(pool, user, password, self.random)
        if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
            user.status = UserStatus.CONFIRMED
        self.post_confirmation(pool, client.id, user, "PostConfirmation_ConfirmForgotPassword")
        return {}

    # ================================================================== signing in
    @operation("InitiateAuth")
    def initiate_auth(self, params, ctx):
        """InitiateAuth: USER_PASSWORD_AUTH, USER_SRP_AUTH, REFRESH_TOKEN_AUTH (as the app client allows)."""
        pool, client = self.client(params.get("ClientId"), ctx.region)
        return self.start_auth(pool, client, params, admin=False)

    @operation("AdminInitiateAuth")
    def admin_initiate_auth(self, params, ctx):
        """AdminInitiateAuth: as InitiateAuth, plus ADMIN_USER_PASSWORD_AUTH, for a back end with AWS credentials."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        client = pool.clients.get(params.get("ClientId"))
        if client is None:
            raise ResourceNotFound(f"User pool client {params.get('ClientId')} does not exist.")
        return self.start_auth(pool, client, params, admin=True)

    def start_auth(self, pool, client, params, *, admin: bool) -> dict:
        flow = params.get("AuthFlow") or ""
        if admin and flow == "USER_PASSWORD_AUTH" or not admin and flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            raise InvalidParameter(f"Initiate Auth method not supported: {flow}")
        self.require_flow(client, flow)
        ap = params.get("AuthParameters") or {}
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            session = self.tokens.session_for_refresh(ap.get("REFRESH_TOKEN"), client.id)
            user = pool.users.get(session.username)
            if user is None:
                raise NotAuthorized("Invalid Refresh Token")
            self.check_secret_hash(client, ap.get("SECRET_HASH"), ap.get("USERNAME"), user.username, user.id)
            if not user.enabled:
                raise NotAuthorized("User is disabled.")
            return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(pool, client, user, "RefreshTokens", session=session)}
        if flow == "CUSTOM_AUTH":
            raise InvalidParameter("Custom auth lambda trigger is not configured for the user pool.")
        username = ap.get("USERNAME")
        if not username:
            raise InvalidParameter("Missing required parameter USERNAME")
        self.check_secret_hash(client, ap.get("SECRET_HASH"), username)
        user = users.find(pool, username)
        if flow == "USER_SRP_AUTH":
            return self.srp_challenge(pool, client, user, username, ap.get("SRP_A"))
        if ap.get("PASSWORD") is None:
            raise InvalidParameter("Missing required parameter PASSWORD")
        if user is None:
            raise self.no_such_user(client)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        self.pre_authentication(pool, client, user, params)
        self.check_password(pool, user, ap["PASSWORD"])
        return self.after_password(pool, client, user)

    def pre_authentication(self, pool, client, user, params):
        self.triggers.run(pool, "PreAuthentication", "PreAuthentication_Authentication", user.username, client.id,
                          {"userAttributes": flatten_attrs(user.attributes), "validationData": params.get("ClientMetadata") or {},
                           "userNotFound": False}, {})

    def srp_challenge(self, pool, client, user, username, srp_a) -> dict:
        """USER_SRP_AUTH, step 1: the PASSWORD_VERIFIER challenge (SRP_B, SALT, SECRET_BLOCK)."""
        if not srp_a:
            raise InvalidParameter("Missing required parameter SRP_A")
        if user is None:
            if not self.hides_users(client):
                raise UserNotFound("User does not exist.")
            # Pretend, as Cognito does: a challenge no password can answer.
            verifier = passwords.Verifier.make(pool.id, username, self.random.randbytes(16).hex(), self.random)
            user_id = username
        else:
            self.pre_authentication(pool, client, user, {})
            verifier = self.secrets(pool, user).verifier or passwords.Verifier.make(
                pool.id, user.username, self.random.randbytes(16).hex(), self.random)
            user_id = verifier.user_id
        try:
            server = srp.start(srp_a, verifier.v, verifier.salt_hex, self.random)
        except ValueError:
            raise InvalidParameter("SRP_A is not valid") from None
        secret_block = base64.b64encode(self.random.randbytes(512)).decode()
        ch = Challenge("PASSWORD_VERIFIER", pool.id, client.id, user.username if user else "", self.now + CHALLENGE_SECONDS,
                       srp=server, extra={"user_id": user_id})
        self.challenges[secret_block] = ch
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
            "SALT": verifier.salt_hex, "SECRET_BLOCK": secret_block, "SRP_B": server.srp_b_hex,
            "USERNAME": user_id, "USER_ID_FOR_SRP": user_id}}

    @operation("RespondToAuthChallenge")
    def respond_to_auth_challenge(self, params, ctx):
        """RespondToAuthChallenge: PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, SMS_MFA, MFA_SETUP."""
        pool, client = self.client(params.get("ClientId"), ctx.region)
        return self.answer(pool, client, params)

    @operation("AdminRespondToAuthChallenge")
    def admin_respond_to_auth_challenge(self, params, ctx):
        """AdminRespondToAuthChallenge: as RespondToAuthChallenge."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        client = pool.clients.get(params.get("ClientId"))
        if client is None:
            raise ResourceNotFound(f"User pool client {params.get('ClientId')} does not exist.")
        return self.answer(pool, client, params)

    def answer(self, pool, client, params) -> dict:
        name = params.get("ChallengeName") or ""
        r = params.get("ChallengeResponses") or {}
        username = r.get("USERNAME")
        if name == "PASSWORD_VERIFIER":
            ch = self.challenges.pop(r.get("PASSWORD_CLAIM_SECRET_BLOCK") or "", None)
            if ch is None or ch.name != name or ch.client_id != client.id or ch.pool_id != pool.id or self.now > ch.expires:
                raise NotAuthorized("Incorrect username or password.")
            user = pool.users.get(ch.username) if ch.username else None
            self.check_secret_hash(client, r.get("SECRET_HASH"), username, ch.extra["user_id"], ch.username)
            named = users.find(pool, username)
            if user is None:
                raise NotAuthorized("Incorrect username or password.")
            if named is not user:
                raise self.no_such_user(client)
            ok = srp.claim_is_valid(ch.srp, pool.id, ch.extra["user_id"], r.get("PASSWORD_CLAIM_SECRET_BLOCK") or "",
                                    r.get("TIMESTAMP") or "", r.get("PASSWORD_CLAIM_SIGNATURE") or "")
            s = self.secrets(pool, user)
            self.refuse_while_locked(s)
            if not ok:
                self.wrong_password(s)
            s.wrong_passwords = 0
            return self.after_password(pool, client, user)
        ch = self.take_session(params.get("Session"), name, client.id)
        user = pool.users.get(ch.username)
        if user is None:
            raise self.no_such_user(client)
        self.check_secret_hash(client, r.get("SECRET_HASH"), username, user.username, user.id)
        if username and users.find(pool, username) is not user:
            raise self.no_such_user(client)
        if name == "NEW_PASSWORD_REQUIRED":
            new = r.get("NEW_PASSWORD")
            if not new:
                raise InvalidParameter("Missing required parameter NEW_PASSWORD")
            try:
                passwords.check(pool, new)
            except ServiceError:
                self.challenges[params["Session"]] = ch  # the learner may try another password
                raise
            extra = [{"Name": k[len("userAttributes."):], "Value": v} for k, v in r.items() if k.startswith("userAttributes.")]
            if extra:
                attributes.check(pool, extra, creating=False)
                user.update_attributes(extra)
                users.changed(pool)
            users.set_password(pool, user, new, self.random)
            user.status = UserStatus.CONFIRMED
            return self.mfa_or_tokens(pool, client, user, "NewPasswordChallenge")
        if name == "SOFTWARE_TOKEN_MFA":
            s = self.secrets(pool, user)
            if not mfa.totp_is_valid(s.totp_secret, r.get("SOFTWARE_TOKEN_MFA_CODE"), self.now):
                self.challenges[params["Session"]] = ch  # the user may type the code again
                raise CodeMismatch("Invalid code or auth state for the user.")
            return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(pool, client, user, ch.source)}
        if name == "SMS_MFA":
            s = self.secrets(pool, user)
            try:
                s.codes.redeem("mfa", r.get("SMS_MFA_CODE"), self.now, key="mfa")
            except ServiceError as err:
                if err.code == "CodeMismatchException":
                    self.challenges[params["Session"]] = ch
                    raise CodeMismatch("Invalid code or auth state for the user.") from None
                raise
            return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(pool, client, user, ch.source)}
        if name == "MFA_SETUP":
            s = self.secrets(pool, user)
            if not s.totp_secret:
                raise SoftwareTokenMFANotFound()
            user.software_token_mfa_enabled = True
            return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(pool, client, user, ch.source)}
        raise InvalidParameter(f"Unsupported challenge {name}")

    # ================================================================== tokens: refresh, revoke, sign out
    @operation("RevokeToken")
    def revoke_token(self, params, ctx):
        """RevokeToken: ends a refresh token and every access and ID token issued from it."""
        pool, client = self.client(params.get("ClientId"), ctx.region)
        if client.generate_secret and params.get("ClientSecret") != client.secret:
            raise ServiceError("UnauthorizedException", "Invalid client secret")
        token = params.get("Token") or ""
        if token.count(".") == 2:
            raise UnsupportedTokenType("Only refresh tokens can be revoked")
        self.tokens.revoke(token, client.id)
        return {}

    @operation("GlobalSignOut")
    def global_sign_out(self, params, ctx):
        """GlobalSignOut: ends every session of the access token's user."""
        pool, user, _ = self.by_access_token(params)
        self.tokens.sign_out(pool.id, user.username)
        return {}

    @operation("AdminDisableUser")
    def admin_disable_user(self, params, ctx):
        """AdminDisableUser also revokes the user's tokens (API reference)."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        user.enabled = False
        self.tokens.sign_out(pool.id, user.username)
        return {}

    @operation("AdminUserGlobalSignOut")
    def admin_user_global_sign_out(self, params, ctx):
        """AdminUserGlobalSignOut: ends every session of the user."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        self.tokens.sign_out(pool.id, user.username)
        return {}

    # ================================================================== the signed-in user (access token)
    def by_access_token(self, params):
        claims = self.tokens.check_access_token(params.get("AccessToken") or "")
        # The user API needs the admin scope; a hosted-UI token asked for "openid email" only lacks it.
        if "aws.cognito.signin.user.admin" not in str(claims.get("scope", "")).split():
            raise NotAuthorized("Access Token does not have required scopes")
        region = claims["iss"].rsplit("/", 1)[-1].split("_")[0]
        pool, user = user_from_claims(self.backend(region), claims)
        return pool, user, claims

    @operation("GetUser")
    def get_user(self, params, ctx):
        """GetUser: the access token's user (the token is checked: signature, expiry, revocation)."""
        pool, user, _ = self.by_access_token(params)
        out = {"Username": user.username, "UserAttributes": user.attributes}
        settings = _mfa_settings(user)
        if settings:
            out["UserMFASettingList"] = settings
            out["PreferredMfaSetting"] = user.preferred_mfa_setting or settings[0]
        return out

    @operation("UpdateUserAttributes")
    def update_user_attributes(self, params, ctx):
        """UpdateUserAttributes: schema-checked; a changed auto-verified email or phone gets a code."""
        pool, user, _ = self.by_access_token(params)
        return self.update_attributes(pool, user, params.get("UserAttributes") or [])

    @operation("AdminUpdateUserAttributes")
    def admin_update_user_attributes(self, params, ctx):
        """AdminUpdateUserAttributes: schema-checked (immutable attributes stay as they are)."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        self.update_attributes(pool, user, params.get("UserAttributes") or [], admin=True)
        return {}

    def update_attributes(self, pool, user, changes, admin: bool = False) -> dict:
        given = attributes.check(pool, changes, creating=False)
        auto = pool.extended_config.get("AutoVerifiedAttributes") or []
        before = dict(user.attribute_lookup)
        user.update_attributes(changes)
        users.changed(pool)
        details = []
        for attr in ("email", "phone_number"):
            if attr in given and given[attr] != before.get(attr) and f"{attr}_verified" not in given:
                user.update_attributes([{"Name": f"{attr}_verified", "Value": "false"}])
                if attr in auto and not admin:
                    details.append(self.send_attribute_code(pool, user, attr))
        return {"CodeDeliveryDetailsList": details}

    def send_attribute_code(self, pool, user, attr: str) -> dict:
        s = self.secrets(pool, user)
        destination = users.attribute(user, attr)
        medium = codes.medium_of(attr)
        code = s.codes.issue("verify-attribute", self.now, self.random, key=f"verify:{attr}")
        subject, body = codes.verification_message(pool, medium, code)
        codes.send(self.sandbox, to=destination, medium=medium, subject=subject, body=body, code=code, purpose="verify-attribute")
        return codes.delivery_details(medium, attr, destination)

    @operation("GetUserAttributeVerificationCode")
    def get_user_attribute_verification_code(self, params, ctx):
        """GetUserAttributeVerificationCode: a code to the email or phone to verify."""
        pool, user, _ = self.by_access_token(params)
        attr = params.get("AttributeName")
        if attr not in ("email", "phone_number") or not users.attribute(user, attr):
            raise InvalidParameter(f"User does not have a {attr}" if attr in ("email", "phone_number") else "Invalid attribute name")
        return {"CodeDeliveryDetails": self.send_attribute_code(pool, user, attr)}

    @operation("VerifyUserAttribute")
    def verify_user_attribute(self, params, ctx):
        """VerifyUserAttribute: the code marks the attribute verified."""
        pool, user, _ = self.by_access_token(params)
        attr = params.get("AttributeName")
        self.secrets(pool, user).codes.redeem("verify-attribute", params.get("Code"), self.now, key=f"verify:{attr}")
        user.update_attributes([{"Name": f"{attr}_verified", "Value": "true"}])
        users.changed(pool)
        return {}

    @operation("DeleteUserAttributes")
    def delete_user_attributes(self, params, ctx):
        """DeleteUserAttributes: with the user's access token."""
        pool, user, _ = self.by_access_token(params)
        user.delete_attributes(params.get("UserAttributeNames") or [])
        users.changed(pool)
        return {}

    @operation("ChangePassword")
    def change_password(self, params, ctx):
        """ChangePassword: the previous password, and a new one that meets the policy."""
        pool, user, _ = self.by_access_token(params)
        self.check_password(pool, user, params.get("PreviousPassword") or "")
        proposed = params.get("ProposedPassword") or ""
        passwords.check(pool, proposed)
        users.set_password(pool, user, proposed, self.random)
        return {}

    @operation("DeleteUser")
    def delete_user(self, params, ctx):
        """DeleteUser: the access token's user deletes themselves."""
        pool, user, _ = self.by_access_token(params)
        self.tokens.sign_out(pool.id, user.username)
        for group in list(user.groups):
            group.users.discard(user)
        del pool.users[user.username]
        users.changed(pool)
        return {}

    # ================================================================== MFA
    @operation("AssociateSoftwareToken")
    def associate_software_token(self, params, ctx):
        """AssociateSoftwareToken: a new authenticator-app secret (by access token, or a MFA_SETUP Session)."""
        secret = mfa.new_secret(self.random)
        if params.get("AccessToken"):
            pool, user, _ = self.by_access_token(params)
            self.secrets(pool, user).totp_pending = secret
            return {"SecretCode": secret}
        ch = self.challenges.get(params.get("Session") or "")
        if ch is None or ch.name != "MFA_SETUP" or self.now > ch.expires:
            raise NotAuthorized("Invalid session for the user, session is expired.")
        pool = self.pool(ch.pool_id)
        self.secrets(pool, pool.users[ch.username]).totp_pending = secret
        return {"SecretCode": secret, "Session": params["Session"]}

    @operation("VerifySoftwareToken")
    def verify_software_token(self, params, ctx):
        """VerifySoftwareToken: a code from the app proves it is set up (EnableSoftwareTokenMFAException if not)."""
        if params.get("AccessToken"):
            pool, user, _ = self.by_access_token(params)
        else:
            ch = self.challenges.get(params.get("Session") or "")
            if ch is None or ch.name != "MFA_SETUP" or self.now > ch.expires:
                raise NotAuthorized("Invalid session for the user, session is expired.")
            pool = self.pool(ch.pool_id)
            user = pool.users[ch.username]
        s = self.secrets(pool, user)
        if not s.totp_pending:
            raise SoftwareTokenMFANotFound()
        if not mfa.totp_is_valid(s.totp_pending, params.get("UserCode"), self.now):
            raise EnableSoftwareTokenMFA("Code mismatch")
        s.totp_secret, s.totp_pending = s.totp_pending, None
        user.token_verified = True
        if pool.mfa_config == "ON":
            user.software_token_mfa_enabled = True
        out = {"Status": "SUCCESS"}
        if params.get("Session"):
            out["Session"] = params["Session"]
        return out

    @operation("SetUserMFAPreference")
    def set_user_mfa_preference(self, params, ctx):
        """SetUserMFAPreference: turn TOTP or SMS MFA on or off, and pick the preferred one."""
        pool, user, _ = self.by_access_token(params)
        self.set_mfa(pool, user, params)
        return {}

    @operation("AdminSetUserMFAPreference")
    def admin_set_user_mfa_preference(self, params, ctx):
        """AdminSetUserMFAPreference: as SetUserMFAPreference, by an administrator."""
        pool = self.pool(params.get("UserPoolId"), ctx.region)
        user = self.user(pool, params.get("Username"))
        self.set_mfa(pool, user, params)
        return {}

    def set_mfa(self, pool, user, params):
        sms = params.get("SMSMfaSettings") or {}
        totp = params.get("SoftwareTokenMfaSettings") or {}
        s = self.secrets(pool, user)
        if totp.get("Enabled") and not s.totp_secret:
            raise InvalidParameter("User has not verified software token mfa")
        if sms.get("Enabled") and not (users.attribute(user, "phone_number") and users.verified(user, "phone_number")):
            raise InvalidParameter("User does not have delivery config set to turn on SMS_MFA")
        if "Enabled" in totp:
            user.software_token_mfa_enabled = bool(totp["Enabled"])
        if "Enabled" in sms:
            user.sms_mfa_enabled = bool(sms["Enabled"])
        if totp.get("PreferredMfa"):
            user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
        elif sms.get("PreferredMfa"):
            user.preferred_mfa_setting = "SMS_MFA"
        if user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA" and not user.software_token_mfa_enabled:
            user.preferred_mfa_setting = None
        if user.preferred_mfa_setting == "SMS_MFA" and not user.sms_mfa_enabled:
            user.preferred_mfa_setting = None


def _status(user) -> str:
    return str(getattr(user.status, "value", user.status))


def _flat(items) -> dict:
    return {i["Name"]: i.get("Value", "") for i in items or []}


def _mfa_settings(user) -> list:
    out = []
    if user.software_token_mfa_enabled:
        out.append("SOFTWARE_TOKEN_MFA")
    if user.sms_mfa_enabled:
        out.append("SMS_MFA")
    return out


def _pretend_delivery(username: str) -> dict:
    """What Cognito answers for a user that does not exist when it hides user existence."""
    destination = username if "@" in (username or "") else f"{(username or 'x')[:1]}@example.com"
    return codes.delivery_details("EMAIL", "email", destination)
