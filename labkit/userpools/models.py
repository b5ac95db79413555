"""The user pools of one sandbox: their state and what Cognito decides, without the wire.

moto's backend is the storage of pools, clients, users and groups (``CognitoIdpUserPool``,
``CognitoIdpUser``); labkit keeps beside it what moto does not (password verifiers, codes, MFA secrets:
:mod:`.users`; tokens and sessions: :mod:`.issuing`; sign-ins in progress: :mod:`.signin`; Lambda
triggers: :mod:`.triggers`). :class:`UserPoolsModel` is every rule of the developer guide that the
operations of :mod:`.service` call: sign-up and confirmation codes, passwords and lockout, the end of a
sign-in, tokens and their claims, attribute updates, MFA set-up.
"""

from __future__ import annotations

import functools

import hmac
import json
import string

from .. import moto_adapter
from ..errors import ServiceError
from ..moto_adapter import UserStatus, expand_attrs, flatten_attrs, validate_username_format
from . import attributes, clients, codes, mfa, passwordless, passwords, plans, pretoken, users
from .exceptions import (
    CodeMismatch,
    EnableSoftwareTokenMFA,
    InvalidParameter,
    NotAuthorized,
    PasswordResetRequired,
    ResourceNotFound,
    SoftwareTokenMFANotFound,
    UnsupportedUserState,
    UserNotConfirmed,
    UserNotFound,
    UsernameExists,
)
from .issuing import PROTECTED_CLAIMS, Session, TokenIssuer, user_from_claims
from .signin import SignIn, client_flow_settings
from .triggers import PostConfirmation, PreAuthentication, PreSignUp, PreTokenGeneration, Triggers, pre_token_version

# "Amazon Cognito allows five failed sign-in attempts. After that it starts temporary lockouts with
# exponentially increasing times starting at 1 second and doubling after each failed attempt up to
# about 15 minutes" (developer guide, "User sign-in: lockout behavior for failed sign-in attempts").
PASSWORD_TRIES = 5
PASSWORD_LOCKOUT = 15 * 60
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
#: The scope the user API (GetUser, ChangePassword...) needs in an access token.
ADMIN_SCOPE = "aws.cognito.signin.user.admin"



#: SignUp with a username that is not what a pool with UsernameAttributes signs in with (AWS's wording).
USERNAME_SHOULD_BE = {
    ("email",): "Username should be an email.",
    ("phone_number",): "Username should be a phone number.",
    ("email", "phone_number"): "Username should be either an email or a phone number.",
}


@functools.lru_cache(maxsize=1)
def _fixed_at_creation() -> frozenset:
    """Pool settings CreateUserPool takes and UpdateUserPool does not: AWS never changes them afterwards."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    members = lambda op: set(model.operation_model(op).input_shape.members)  # noqa: E731
    return frozenset(members("CreateUserPool") - members("UpdateUserPool"))

class UserPoolsModel:
    """State and semantics of every user pool of one sandbox."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.triggers = Triggers()
        self.tokens = TokenIssuer(sandbox)
        self.signin = SignIn(self)

    # ================================================================== lookups
    @property
    def now(self) -> float:
        return self.sandbox.clock.time()

    @property
    def random(self):
        return self.sandbox.random

    def backend(self, region: str | None = None):
        return moto_adapter.backend("cognito-idp", self.sandbox.account_id, region or self.sandbox.region)

    def _regions(self):
        return moto_adapter.regions("cognito-idp", self.sandbox.account_id)

    def pool(self, pool_id: str, region: str | None = None):
        region = (pool_id or "").split("_", 1)[0] if "_" in (pool_id or "") else region
        try:
            pool = self.backend(region).user_pools.get(pool_id) if region in self._regions() else None
        except KeyError:
            pool = None
        if pool is None:
            raise ResourceNotFound(f"User pool {pool_id} does not exist.")
        return pool

    def client(self, client_id: str, region: str):
        """``(pool, client)`` of an app client id (the unauthenticated operations name only the client)."""
        for pool in self.backend(region).user_pools.values():
            client = pool.clients.get(client_id)
            if client is not None:
                return pool, client
        raise ResourceNotFound(f"User pool client {client_id} does not exist.")

    def pool_client(self, pool_id: str, client_id: str, region: str):
        """``(pool, client)`` of the admin operations, which name both."""
        pool = self.pool(pool_id, region)
        client = pool.clients.get(client_id)
        if client is None:
            raise ResourceNotFound(f"User pool client {client_id} does not exist.")
        return pool, client

    def secrets(self, pool, user):
        return users.secrets(pool, user, self.random)

    def no_such_user(self, client):
        """UserNotFoundException, or NotAuthorizedException when the client prevents user existence errors."""
        if clients.hides_users(client):
            return NotAuthorized("Incorrect username or password.")
        return UserNotFound("User does not exist.")

    def user(self, pool, username: str, client=None):
        user = users.find(pool, username)
        if user is None:
            raise self.no_such_user(client)
        return user

    def client_user(self, pool, client, username: str | None, secret_hash: str | None):
        """The user of an unauthenticated user call (SecretHash checked). None only where the client hides
        that a user does not exist (PreventUserExistenceErrors=ENABLED); otherwise UserNotFoundException."""
        clients.check_secret_hash(client, secret_hash, username)
        user = users.find(pool, username)
        if user is None and not clients.hides_users(client):
            # ConfirmSignUp, ResendConfirmationCode, ForgotPassword and ConfirmForgotPassword word it so on AWS
            # (quoted in amplify-js#10157, aws-sdk-ios#4837, aws-sdk-ios#1732); sign-in says "User does not exist."
            raise UserNotFound("Username/client id combination not found.")
        return user

    def by_access_token(self, token: str | None):
        """``(pool, user, claims)`` of an access token that may use the user API."""
        claims = self.tokens.check_access_token(token or "")
        # The user API needs the admin scope; a hosted-UI token asked for "openid email" only lacks it.
        if ADMIN_SCOPE not in str(claims.get("scope", "")).split():
            raise NotAuthorized("Access Token does not have required scopes")
        region = claims["iss"].rsplit("/", 1)[-1].split("_")[0]
        pool, user = user_from_claims(self.backend(region), claims)
        return pool, user, claims

    # ================================================================== pools and clients
    def create_pool(self, account_id: str, region: str, name: str | None, settings: dict):
        """A pool with an id shaped like AWS's (region + "_" + 9 alphanumerics)."""
        if not name:
            raise InvalidParameter("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
        policy = ((settings.get("Policies") or {}).get("PasswordPolicy")) or {}
        if policy and not 6 <= int(policy.get("MinimumLength", 8)) <= 99:
            raise InvalidParameter("Password policy minimum length must be between 6 and 99")
        settings["UserPoolTier"] = plans.check_tier(settings.get("UserPoolTier"))
        plans.check_pool_settings(settings, settings["UserPoolTier"])
        pool = moto_adapter.new_user_pool(account_id, region, name, settings)
        attributes.complete_schema(pool)
        new_id = f"{region}_" + "".join(self.random.choice(ALNUM) for _ in range(9))
        pool.id = new_id
        pool.arn = pool.arn.rsplit("/", 1)[0] + "/" + new_id
        self.backend(region).user_pools[new_id] = pool
        return pool

    def update_pool(self, pool, settings: dict) -> None:
        """UpdateUserPool: the configuration is replaced (moto's storage does that); the plan stays as it
        was unless the request names one, and what the new configuration turns on must be in that plan."""
        tier = plans.check_tier(settings.get("UserPoolTier") or plans.tier_of(pool))
        plans.check_pool_settings(settings, tier)
        # What CreateUserPool sets and UpdateUserPool cannot change (UsernameAttributes, AliasAttributes,
        # UsernameConfiguration...: members of the one input and not the other in the service model) stays;
        # moto's replacement dropped them, after which signing in by email failed (issue 18).
        kept = {k: pool.extended_config[k] for k in _fixed_at_creation() if k in pool.extended_config}
        self.backend(pool.region).update_user_pool(pool.id, {**settings, **kept, "UserPoolTier": tier})

    @staticmethod
    def check_client_settings(settings: dict) -> None:
        """ExplicitAuthFlows values (the registered flows' ALLOW_ values, or the legacy ones, never both),
        token lifetimes and refresh-token rotation (:func:`.clients.check_settings`)."""
        given = settings.get("ExplicitAuthFlows") or []
        for flow in given:
            if flow not in client_flow_settings() and flow not in clients.LEGACY_FLOWS:
                raise InvalidParameter(f"Invalid value for ExplicitAuthFlows: {flow}")
        if any(f.startswith("ALLOW_") for f in given) and any(f in clients.LEGACY_FLOWS for f in given):
            raise InvalidParameter("ExplicitAuthFlow combination of legacy and new values is not supported.")
        clients.check_settings(settings)

    def create_client(self, pool, generate_secret: bool, settings: dict):
        """An app client with a 26-character id and, if asked, a 51-character secret like AWS's."""
        self.check_client_settings(settings)
        client = self.backend(pool.region).create_user_pool_client(pool.id, generate_secret, settings)
        del pool.clients[client.id]
        client.id = "".join(self.random.choice(LOWER_ALNUM) for _ in range(26))
        client.secret = "".join(self.random.choice(LOWER_ALNUM) for _ in range(51))
        pool.clients[client.id] = client
        return client

    # ================================================================== codes
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

    # ================================================================== passwords
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

    def temporary_days(self, pool) -> int:
        return int(passwords.policy_of(pool).get("TemporaryPasswordValidityDays", 7))

    # ================================================================== sign-up and confirmation
    def sign_up(self, pool, client, *, username: str, password: str, attributes_given, validation_data, client_metadata,
                secret_hash: str | None) -> dict:
        """SignUp: a new UNCONFIRMED user (PreSignUp may confirm it); the code goes to the AutoVerifiedAttributes address."""
        clients.check_secret_hash(client, secret_hash, username)
        if (pool.extended_config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
            raise NotAuthorized("SignUp is not permitted for this user pool")
        by_attr = pool.extended_config.get("UsernameAttributes") or []
        implied = {}
        if by_attr:
            kind = next((a for a in by_attr if validate_username_format(username, _format=a)), None)
            if kind is None:
                # AWS names what this pool takes: "Username should be an email." in an email-only pool, "... a
                # phone number." in a phone-only one, "... either an email or a phone number." with both.
                raise InvalidParameter(USERNAME_SHOULD_BE.get(tuple(sorted(by_attr)), USERNAME_SHOULD_BE[("email", "phone_number")]))
            implied[kind] = username
        given = attributes.check(pool, attributes_given, creating=True, implied=implied)
        given.update(implied)
        if users.find(pool, username) is not None:
            raise UsernameExists("An account with the given email already exists." if by_attr else "User already exists")
        if password or not passwordless.may_sign_up_without_password(pool, client, given):
            passwords.check(pool, password or "")
        response = self.triggers.run(
            pool, PreSignUp, "PreSignUp_SignUp", username, client.id,
            {"userAttributes": dict(given), "validationData": _flat(validation_data), "clientMetadata": client_metadata or {}},
        )
        if response.get("autoVerifyEmail") and "email" in given:
            given["email_verified"] = "true"
        if response.get("autoVerifyPhone") and "phone_number" in given:
            given["phone_number_verified"] = "true"
        confirmed = bool(response.get("autoConfirmUser"))
        user = moto_adapter.new_user(pool.id, None if by_attr else username, None,
                                     UserStatus.CONFIRMED if confirmed else UserStatus.UNCONFIRMED, expand_attrs(given))
        pool.users[user.username] = user
        if password:
            users.set_password(pool, user, password, self.random)
        else:
            user.password = None  # a passwordless user: no verifier, signs in with a code (USER_AUTH)
            self.secrets(pool, user)
        result = {"UserConfirmed": confirmed, "UserSub": user.id}
        if not confirmed:
            attr = self.sign_up_attribute(pool, user)
            if attr:
                result["CodeDeliveryDetails"] = self.send_code(pool, user, "sign-up", attr)
        return result

    def confirm_sign_up(self, pool, client, user, code: str | None) -> None:
        """ConfirmSignUp: the code from the sign-up message confirms the user and verifies that address."""
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
            raise CodeMismatch()
        if user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorized(f"User cannot be confirmed. Current status is {status_of(user)}")
        s = self.secrets(pool, user)
        s.codes.redeem("sign-up", code, self.now, key="sign-up")
        user.status = UserStatus.CONFIRMED
        attr = s.code_sent_to.get("sign-up")
        if attr:
            user.update_attributes([{"Name": f"{attr}_verified", "Value": "true"}])
            users.changed(pool)
        self.post_confirmation(pool, client.id, user, "PostConfirmation_ConfirmSignUp")

    def admin_confirm_sign_up(self, pool, user) -> None:
        """AdminConfirmSignUp: confirm without a code (runs PostConfirmation)."""
        if user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorized(f"User cannot be confirmed. Current status is {status_of(user)}")
        user.status = UserStatus.CONFIRMED
        self.post_confirmation(pool, None, user, "PostConfirmation_ConfirmSignUp")

    def post_confirmation(self, pool, client_id, user, source):
        attrs = {**flatten_attrs(user.attributes), "cognito:user_status": status_of(user)}
        self.triggers.run(pool, PostConfirmation, source, user.username, client_id, {"userAttributes": attrs, "clientMetadata": {}})

    def resend_confirmation_code(self, pool, user, username: str) -> dict:
        """ResendConfirmationCode: a new sign-up code (the previous one stops working)."""
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
            return pretend_delivery(username)
        if user.status != UserStatus.UNCONFIRMED:
            raise InvalidParameter("User is already confirmed.")
        attr = self.sign_up_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Auto verification not turned on.")
        return self.send_code(pool, user, "sign-up", attr)

    # ================================================================== admin-created users and passwords
    def admin_create_user(self, pool, *, username: str, action: str | None, attrs, temporary_password: str | None,
                          validation_data, client_metadata, mediums):
        """AdminCreateUser: a FORCE_CHANGE_PASSWORD user and an invitation with a temporary password."""
        if action == "RESEND":
            user = self.user(pool, username)
            if user.status != UserStatus.FORCE_CHANGE_PASSWORD:
                raise UnsupportedUserState("Resend not possible. " + username + " status is not FORCE_CHANGE_PASSWORD.")
            password = passwords.temporary_password(pool, self.random)
        else:
            attrs = attrs or []
            by_attr = pool.extended_config.get("UsernameAttributes") or []
            implied = {a: username for a in by_attr if validate_username_format(username, _format=a)}
            attributes.check(pool, attrs, creating=True, implied=implied)
            password = temporary_password
            if password is not None:
                passwords.check(pool, password, admin=True)
            else:
                password = passwords.temporary_password(pool, self.random)
            if users.find(pool, username) is not None:
                raise UsernameExists("User account already exists")
            self.triggers.run(
                pool, PreSignUp, "PreSignUp_AdminCreateUser", username, None,
                {"userAttributes": attributes.flatten(attrs), "validationData": _flat(validation_data),
                 "clientMetadata": client_metadata or {}},
            )
            user = self.backend(pool.region).admin_create_user(pool.id, username, None, None, attrs)
        users.set_password(pool, user, password, self.random, temporary_for=self.temporary_days(pool) * 86400, now=self.now)
        if action != "SUPPRESS":
            for medium in mediums or ["SMS"]:
                attr = "email" if medium == "EMAIL" else "phone_number"
                to = users.attribute(user, attr)
                if to:
                    subject, body = codes.invitation_message(pool, medium, user.username, password)
                    codes.send(self.sandbox, to=to, medium=medium, subject=subject, body=body, code=password, purpose="invitation")
        return user

    def admin_set_password(self, pool, user, password: str, permanent: bool) -> None:
        """AdminSetUserPassword: a permanent password confirms the user; a temporary one forces a change."""
        passwords.check(pool, password)
        if permanent:
            users.set_password(pool, user, password, self.random)
            user.status = UserStatus.CONFIRMED  # "if you set a permanent password, their status becomes Confirmed"
        else:
            users.set_password(pool, user, password, self.random, temporary_for=self.temporary_days(pool) * 86400, now=self.now)
            user.status = UserStatus.FORCE_CHANGE_PASSWORD

    def admin_reset_password(self, pool, user) -> None:
        """AdminResetUserPassword: RESET_REQUIRED, and a forgot-password code to the verified address."""
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        attr = self.recovery_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
        self.send_code(pool, user, "forgot-password", attr)
        if user.status != UserStatus.UNCONFIRMED:
            user.status = UserStatus.RESET_REQUIRED

    def forgot_password(self, pool, user, username: str) -> dict:
        """ForgotPassword: a one-hour code to the verified email or phone (AccountRecoverySetting)."""
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
            return pretend_delivery(username)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        attr = self.recovery_attribute(pool, user)
        if attr is None:
            raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
        return self.send_code(pool, user, "forgot-password", attr)

    def confirm_forgot_password(self, pool, client, user, code: str | None, password: str) -> None:
        """ConfirmForgotPassword: the code and a new password that meets the policy."""
        if user is None:  # PreventUserExistenceErrors: answer as if the user existed
            raise CodeMismatch()
        passwords.check(pool, password)
        s = self.secrets(pool, user)
        s.codes.redeem("forgot-password", code, self.now, key="forgot-password")
        users.set_password(pool, user, password, self.random)
        if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
            user.status = UserStatus.CONFIRMED
        self.post_confirmation(pool, client.id, user, "PostConfirmation_ConfirmForgotPassword")

    def change_password(self, pool, user, previous: str, proposed: str) -> None:
        """ChangePassword: the previous password, and a new one that meets the policy."""
        self.check_password(pool, user, previous)
        passwords.check(pool, proposed)
        users.set_password(pool, user, proposed, self.random)

    def delete_user(self, pool, user) -> None:
        from .devices import forget_all

        self.tokens.sign_out(pool.id, user.username)
        forget_all(pool, user)
        for group in list(user.groups):
            group.users.discard(user)
        del pool.users[user.username]
        users.changed(pool)

    # ================================================================== the end of a sign-in
    def pre_authentication(self, pool, client, user, client_metadata=None):
        self.triggers.run(pool, PreAuthentication, "PreAuthentication_Authentication", user.username, client.id,
                          {"userAttributes": flatten_attrs(user.attributes), "validationData": client_metadata or {},
                           "userNotFound": False})

    def user_can_sign_in(self, pool, user) -> None:
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmed("User is not confirmed.")
        if user.status == UserStatus.RESET_REQUIRED:
            raise PasswordResetRequired("Password reset required for the user")

    def issue(self, pool, client, user, source: str, session: Session | None = None) -> dict:
        """Tokens for ``user``, after the PreTokenGeneration trigger (if any) has had its say: version 1
        customizes the ID token; versions 2 and 3 the ID and the access token, claims and scopes
        (:mod:`.pretoken`)."""
        flat = flatten_attrs(user.attributes)
        id_claims: dict = {}
        groups = sorted(user.groups, key=lambda g: (g.precedence if g.precedence is not None else 1 << 31, g.group_name))
        names = [g.group_name for g in groups]
        roles = [g.role_arn for g in groups if g.role_arn]
        preferred = next((g.role_arn for g in groups if g.role_arn and g.precedence is not None), None)
        request = {
            "userAttributes": {**flat, "cognito:user_status": status_of(user)},
            "groupConfiguration": {"groupsToOverride": names, "iamRolesToOverride": roles, "preferredRole": preferred},
            "clientMetadata": {},
        }
        version = pre_token_version(pool)
        scopes = [ADMIN_SCOPE]
        if version != "1":
            request["scopes"] = list(scopes)
        response = self.triggers.run(pool, PreTokenGeneration, f"TokenGeneration_{source}", user.username, client.id, request,
                                     version=version, response=pretoken.default_response(version))
        id_override, access_override, group_override = pretoken.overrides(response, version)
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
        pretoken.apply_id(id_claims, id_override)
        access_claims = {"cognito:groups": names} if names else {}
        scopes = pretoken.apply_access(access_claims, scopes, access_override)
        return self.tokens.issue(pool, client, user, id_claims=id_claims, access_claims=access_claims,
                                 session=session, with_refresh=session is None, scope=" ".join(scopes))

    def refresh(self, pool, client, token: str | None, secret_hash: str | None, username: str | None) -> dict:
        """REFRESH_TOKEN_AUTH: new ID and access tokens for a refresh token of this client."""
        session = self.tokens.session_for_refresh(token, client.id)
        user = pool.users.get(session.username)
        if user is None:
            raise NotAuthorized("Invalid Refresh Token")
        clients.check_secret_hash(client, secret_hash, username, user.username, user.id)
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        return self.issue(pool, client, user, "RefreshTokens", session=session)

    def update_client(self, pool, client_id: str, settings: dict):
        """UpdateUserPoolClient: the same checks as CreateUserPoolClient (on the settings the client will
        have), then moto's storage."""
        client = pool.clients.get(client_id)
        if client is None:
            raise ResourceNotFound(f"User pool client {client_id} does not exist.")
        self.check_client_settings({**client.extended_config, **settings})
        return self.backend(pool.region).update_user_pool_client(pool.id, client_id, settings)

    def tokens_from_refresh_token(self, pool, client, token: str | None, client_secret: str | None) -> dict:
        """GetTokensFromRefreshToken: new ID and access tokens, and on a client that rotates refresh tokens
        a new refresh token as well (API reference, GetTokensFromRefreshToken; RefreshTokenRotationType)."""
        if client.generate_secret:
            if not client_secret:
                raise NotAuthorized(f"Client {client.id} is configured for secret but secret was not received")
            if not hmac.compare_digest(client_secret, client.secret):
                raise NotAuthorized(f"Unable to verify secret for client {client.id}")
        session = self.tokens.session_for_refresh(token, client.id)
        user = pool.users.get(session.username)
        if user is None:
            raise NotAuthorized("Invalid Refresh Token")
        if not user.enabled:
            raise NotAuthorized("User is disabled.")
        result = self.issue(pool, client, user, "RefreshTokens", session=session)
        if clients.rotates_refresh_tokens(client):
            result["RefreshToken"] = self.tokens.rotate(session, token, clients.grace_seconds(client))
        return result

    def auth_factors(self, pool, client, user) -> dict:
        """GetUserAuthFactors: the user's MFA settings and the first factors USER_AUTH would offer them."""
        from .signin import available_challenges

        factors = {c.first_factor for c in available_challenges(self.signin, pool, client, user)}
        out = {"Username": user.username,
               "ConfiguredUserAuthFactors": [f for f in ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN") if f in factors]}
        settings = mfa_settings(user)
        if settings:
            out["UserMFASettingList"] = settings
            out["PreferredMfaSetting"] = user.preferred_mfa_setting or settings[0]
        return out

    def sign_out(self, pool, user) -> None:
        self.tokens.sign_out(pool.id, user.username)

    def disable(self, pool, user) -> None:
        """AdminDisableUser also revokes the user's tokens (API reference)."""
        user.enabled = False
        self.tokens.sign_out(pool.id, user.username)

    # ================================================================== attributes
    def update_attributes(self, pool, user, changes, admin: bool = False) -> list:
        """Schema-checked; a changed email or phone is unverified again, and (not for an admin) an
        auto-verified one gets a code. Returns the CodeDeliveryDetailsList."""
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
        return details

    def send_attribute_code(self, pool, user, attr: str) -> dict:
        if attr not in ("email", "phone_number") or not users.attribute(user, attr):
            raise InvalidParameter(f"User does not have a {attr}" if attr in ("email", "phone_number") else "Invalid attribute name")
        s = self.secrets(pool, user)
        destination = users.attribute(user, attr)
        medium = codes.medium_of(attr)
        code = s.codes.issue("verify-attribute", self.now, self.random, key=f"verify:{attr}")
        subject, body = codes.verification_message(pool, medium, code)
        codes.send(self.sandbox, to=destination, medium=medium, subject=subject, body=body, code=code, purpose="verify-attribute")
        return codes.delivery_details(medium, attr, destination)

    def verify_attribute(self, pool, user, attr: str, code: str | None) -> None:
        self.secrets(pool, user).codes.redeem("verify-attribute", code, self.now, key=f"verify:{attr}")
        user.update_attributes([{"Name": f"{attr}_verified", "Value": "true"}])
        users.changed(pool)

    def delete_attributes(self, pool, user, names) -> None:
        user.delete_attributes(names or [])
        users.changed(pool)

    # ================================================================== MFA
    def mfa_setup_user(self, session_token: str | None):
        """``(pool, user)`` of a sign-in waiting at MFA_SETUP (AssociateSoftwareToken / VerifySoftwareToken by Session)."""
        pending = self.signin.peek(session_token, "MFA_SETUP")
        pool = self.pool(pending.pool_id)
        return pool, pool.users[pending.username]

    def new_software_token_secret(self) -> str:
        return mfa.new_secret(self.random)

    def associate_software_token(self, pool, user, secret: str) -> None:
        """An authenticator-app secret for the user, pending until VerifySoftwareToken."""
        self.secrets(pool, user).totp_pending = secret

    def verify_software_token(self, pool, user, code: str | None) -> None:
        """A code from the app proves it is set up (EnableSoftwareTokenMFAException if not)."""
        s = self.secrets(pool, user)
        if not s.totp_pending:
            raise SoftwareTokenMFANotFound()
        if not mfa.accept_totp(s, s.totp_pending, code, self.now):
            raise EnableSoftwareTokenMFA("Code mismatch and fail enable Software Token MFA")  # AWS (aws-amplify-auth-starters#15)
        s.totp_secret, s.totp_pending = s.totp_pending, None
        user.token_verified = True
        if pool.mfa_config == "ON":
            user.software_token_mfa_enabled = True

    def set_mfa(self, pool, user, sms: dict, totp: dict, email: dict | None = None) -> None:
        """SetUserMFAPreference: turn TOTP, SMS or email MFA on or off, and pick the preferred one."""
        mfa.set_email_preference(pool, user, email or {})
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


def status_of(user) -> str:
    return str(getattr(user.status, "value", user.status))


def mfa_settings(user) -> list:
    out = []
    if user.software_token_mfa_enabled:
        out.append("SOFTWARE_TOKEN_MFA")
    if user.sms_mfa_enabled:
        out.append("SMS_MFA")
    if mfa.email_mfa_enabled(user):
        out.append("EMAIL_OTP")
    return out


def new_password_attributes(user) -> str:
    """The ``userAttributes`` of a NEW_PASSWORD_REQUIRED challenge (JSON, without ``sub``)."""
    return json.dumps({k: v for k, v in flatten_attrs(user.attributes).items() if k != "sub"})


def _flat(items) -> dict:
    return {i["Name"]: i.get("Value", "") for i in items or []}


def pretend_delivery(username: str) -> dict:
    """What Cognito answers for a user that does not exist when it hides user existence."""
    destination = username if "@" in (username or "") else f"{(username or 'x')[:1]}@example.com"
    return codes.delivery_details("EMAIL", "email", destination)


__all__ = ["UserPoolsModel", "ServiceError", "status_of", "mfa_settings"]
