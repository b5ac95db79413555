"""The ``cognito-idp`` operations labkit answers itself (Amazon Cognito user pools API reference,
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/Welcome.html).

Every operation has the same shape: ``operation(params, ctx)`` unpacks the request (the parameters as
the API reference names them), calls the model (:class:`.models.UserPoolsModel`, sign-in:
:mod:`.signin`) and packs the answer; errors are :mod:`.exceptions`. moto's backend is the storage of
pools, clients, users and groups; the operations not listed here (ListUsers, CreateGroup,
DescribeUserPool...) are moto's.
"""

from __future__ import annotations

from .. import moto_adapter
from ..wire.dispatch import Service, operation
from . import mfa, passkeys
from .devices import DeviceOperations
from .exceptions import DuplicateProvider, InvalidParameter, Unauthorized, UnsupportedTokenType, from_moto
from .models import UserPoolsModel, mfa_settings


class UserPoolService(DeviceOperations, Service):
    signing_name = "cognito-idp"
    protocol = "json"
    # A malformed pool or client id is a validation error on AWS, not "not found" (labkit.constraints).
    checked_identifiers = frozenset({"UserPoolId", "ClientId"})
    constraint_error = InvalidParameter

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.model = UserPoolsModel(sandbox)
        # What other components read: the tokens (identity pools check ID tokens), the triggers.
        self.tokens = self.model.tokens
        self.triggers = self.model.triggers

    def handle(self, request):
        try:
            return super().handle(request)
        except moto_adapter.MotoError as exc:  # moto's backend raised one of AWS's errors while we used it
            return self.error(from_moto(exc))

    def pool(self, pool_id: str, region: str | None = None):
        return self.model.pool(pool_id, region)

    # ================================================================== pools and clients
    @operation("CreateUserPool")
    def create_user_pool(self, params, ctx):
        """CreateUserPool with an id shaped like AWS's (region + "_" + 9 alphanumerics)."""
        settings = dict(params)
        name = settings.pop("PoolName", None)
        pool = self.model.create_pool(ctx.account_id, ctx.region, name, settings)
        return {"UserPool": pool.to_json(extended=True)}

    @operation("UpdateUserPool")
    def update_user_pool(self, params, ctx):
        """UpdateUserPool: the feature plan (UserPoolTier) and what it allows are checked."""
        settings = dict(params)
        pool = self.model.pool(settings.pop("UserPoolId", ""), ctx.region)
        self.model.update_pool(pool, settings)
        return {}

    @operation("CreateUserPoolClient")
    def create_user_pool_client(self, params, ctx):
        """CreateUserPoolClient with a 26-character id and, if asked, a client secret like AWS's."""
        settings = dict(params)
        pool = self.model.pool(settings.pop("UserPoolId", ""), ctx.region)
        client = self.model.create_client(pool, bool(settings.pop("GenerateSecret", False)), settings)
        return {"UserPoolClient": client.to_json(extended=True)}

    @operation("UpdateUserPoolClient")
    def update_user_pool_client(self, params, ctx):
        """UpdateUserPoolClient: checked as CreateUserPoolClient is (flows, token lifetimes, rotation)."""
        settings = dict(params)
        pool = self.model.pool(settings.pop("UserPoolId", ""), ctx.region)
        client = self.model.update_client(pool, settings.pop("ClientId", ""), settings)
        return {"UserPoolClient": client.to_json(extended=True)}

    @operation("CreateIdentityProvider")
    def create_identity_provider(self, params, ctx):
        """CreateIdentityProvider: a second provider of the same name is refused (moto replaces the first)."""
        pool_id, name = params.get("UserPoolId", ""), params.get("ProviderName")
        if name in self.model.pool(pool_id, ctx.region).identity_providers:
            raise DuplicateProvider(f"{name} already exists in user pool {pool_id}")
        return ctx.moto()

    # ================================================================== sign-up
    @operation("SignUp")
    def sign_up(self, params, ctx):
        """SignUp: a new UNCONFIRMED user (PreSignUp may confirm it); the code goes to the AutoVerifiedAttributes address."""
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        return self.model.sign_up(pool, client, username=params.get("Username") or "", password=params.get("Password"),
                                  attributes_given=params.get("UserAttributes"), validation_data=params.get("ValidationData"),
                                  client_metadata=params.get("ClientMetadata"), secret_hash=params.get("SecretHash"))

    def _client_user(self, params, ctx):
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        username = params.get("Username")
        return pool, client, username, self.model.client_user(pool, client, username, params.get("SecretHash"))

    @operation("ConfirmSignUp")
    def confirm_sign_up(self, params, ctx):
        """ConfirmSignUp: the code from the sign-up message confirms the user and verifies that address."""
        pool, client, _, user = self._client_user(params, ctx)
        self.model.confirm_sign_up(pool, client, user, params.get("ConfirmationCode"))
        return {}

    @operation("ResendConfirmationCode")
    def resend_confirmation_code(self, params, ctx):
        """ResendConfirmationCode: a new sign-up code (the previous one stops working)."""
        pool, _, username, user = self._client_user(params, ctx)
        return {"CodeDeliveryDetails": self.model.resend_confirmation_code(pool, user, username)}

    @operation("AdminConfirmSignUp")
    def admin_confirm_sign_up(self, params, ctx):
        """AdminConfirmSignUp: confirm without a code (runs PostConfirmation)."""
        pool, user = self._admin_user(params, ctx)
        self.model.admin_confirm_sign_up(pool, user)
        return {}

    # ================================================================== admin-created users and passwords
    def _admin_user(self, params, ctx):
        pool = self.model.pool(params.get("UserPoolId"), ctx.region)
        return pool, self.model.user(pool, params.get("Username"))

    @operation("AdminCreateUser")
    def admin_create_user(self, params, ctx):
        """AdminCreateUser: a FORCE_CHANGE_PASSWORD user and an invitation with a temporary password."""
        pool = self.model.pool(params.get("UserPoolId"), ctx.region)
        user = self.model.admin_create_user(
            pool, username=params.get("Username") or "", action=params.get("MessageAction"), attrs=params.get("UserAttributes"),
            temporary_password=params.get("TemporaryPassword"), validation_data=params.get("ValidationData"),
            client_metadata=params.get("ClientMetadata"), mediums=params.get("DesiredDeliveryMediums"))
        return {"User": user.to_json(extended=True)}

    @operation("AdminSetUserPassword")
    def admin_set_user_password(self, params, ctx):
        """AdminSetUserPassword: a permanent password confirms the user; a temporary one forces a change."""
        pool, user = self._admin_user(params, ctx)
        self.model.admin_set_password(pool, user, params.get("Password") or "", bool(params.get("Permanent")))
        return {}

    @operation("AdminResetUserPassword")
    def admin_reset_user_password(self, params, ctx):
        """AdminResetUserPassword: RESET_REQUIRED, and a forgot-password code to the verified address."""
        pool, user = self._admin_user(params, ctx)
        self.model.admin_reset_password(pool, user)
        return {}

    @operation("ForgotPassword")
    def forgot_password(self, params, ctx):
        """ForgotPassword: a one-hour code to the verified email or phone (AccountRecoverySetting)."""
        pool, _, username, user = self._client_user(params, ctx)
        return {"CodeDeliveryDetails": self.model.forgot_password(pool, user, username)}

    @operation("ConfirmForgotPassword")
    def confirm_forgot_password(self, params, ctx):
        """ConfirmForgotPassword: the code and a new password that meets the policy."""
        pool, client, _, user = self._client_user(params, ctx)
        self.model.confirm_forgot_password(pool, client, user, params.get("ConfirmationCode"), params.get("Password") or "")
        return {}

    # ================================================================== signing in
    @operation("InitiateAuth")
    def initiate_auth(self, params, ctx):
        """InitiateAuth: any flow of the registry (:data:`.signin.FLOWS`) the app client allows."""
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        return self.model.signin.start(pool, client, params, "InitiateAuth")

    @operation("AdminInitiateAuth")
    def admin_initiate_auth(self, params, ctx):
        """AdminInitiateAuth: as InitiateAuth, plus ADMIN_USER_PASSWORD_AUTH, for a back end with AWS credentials."""
        pool, client = self.model.pool_client(params.get("UserPoolId"), params.get("ClientId"), ctx.region)
        return self.model.signin.start(pool, client, params, "AdminInitiateAuth")

    @operation("RespondToAuthChallenge")
    def respond_to_auth_challenge(self, params, ctx):
        """RespondToAuthChallenge: any challenge of the registry (:data:`.signin.CHALLENGES`)."""
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        return self.model.signin.answer(pool, client, params)

    @operation("AdminRespondToAuthChallenge")
    def admin_respond_to_auth_challenge(self, params, ctx):
        """AdminRespondToAuthChallenge: as RespondToAuthChallenge."""
        pool, client = self.model.pool_client(params.get("UserPoolId"), params.get("ClientId"), ctx.region)
        return self.model.signin.answer(pool, client, params)

    # ================================================================== tokens: refresh, revoke, sign out
    @operation("GetTokensFromRefreshToken")
    def get_tokens_from_refresh_token(self, params, ctx):
        """GetTokensFromRefreshToken: the refresh operation of clients that rotate refresh tokens (and of any other)."""
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        result = self.model.tokens_from_refresh_token(pool, client, params.get("RefreshToken"), params.get("ClientSecret"))
        return {"AuthenticationResult": result}

    @operation("RevokeToken")
    def revoke_token(self, params, ctx):
        """RevokeToken: ends a refresh token and every access and ID token issued from it."""
        pool, client = self.model.client(params.get("ClientId"), ctx.region)
        if client.generate_secret and params.get("ClientSecret") != client.secret:
            raise Unauthorized("Invalid client secret")
        token = params.get("Token") or ""
        if token.count(".") == 2:
            raise UnsupportedTokenType("Only refresh tokens can be revoked")
        self.model.tokens.revoke(token, client.id)
        return {}

    @operation("GlobalSignOut")
    def global_sign_out(self, params, ctx):
        """GlobalSignOut: ends every session of the access token's user."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.sign_out(pool, user)
        return {}

    @operation("AdminDisableUser")
    def admin_disable_user(self, params, ctx):
        """AdminDisableUser also revokes the user's tokens (API reference)."""
        pool, user = self._admin_user(params, ctx)
        self.model.disable(pool, user)
        return {}

    @operation("AdminUserGlobalSignOut")
    def admin_user_global_sign_out(self, params, ctx):
        """AdminUserGlobalSignOut: ends every session of the user."""
        pool, user = self._admin_user(params, ctx)
        self.model.sign_out(pool, user)
        return {}

    # ================================================================== the signed-in user (access token)
    @operation("GetUser")
    def get_user(self, params, ctx):
        """GetUser: the access token's user (the token is checked: signature, expiry, revocation)."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        out = {"Username": user.username, "UserAttributes": user.attributes}
        settings = mfa_settings(user)
        if settings:
            out["UserMFASettingList"] = settings
            out["PreferredMfaSetting"] = user.preferred_mfa_setting or settings[0]
        return out

    @operation("GetUserAuthFactors")
    def get_user_auth_factors(self, params, ctx):
        """GetUserAuthFactors: the access token's user's sign-in factors (USER_AUTH) and MFA settings."""
        pool, user, claims = self.model.by_access_token(params.get("AccessToken"))
        return self.model.auth_factors(pool, pool.clients.get(claims.get("client_id")), user)

    @operation("AdminGetUserAuthFactors")
    def admin_get_user_auth_factors(self, params, ctx):
        """AdminGetUserAuthFactors: as GetUserAuthFactors, by an administrator."""
        pool, user = self._admin_user(params, ctx)
        return self.model.auth_factors(pool, None, user)

    @operation("UpdateUserAttributes")
    def update_user_attributes(self, params, ctx):
        """UpdateUserAttributes: schema-checked; a changed auto-verified email or phone gets a code."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        return {"CodeDeliveryDetailsList": self.model.update_attributes(pool, user, params.get("UserAttributes") or [])}

    @operation("AdminUpdateUserAttributes")
    def admin_update_user_attributes(self, params, ctx):
        """AdminUpdateUserAttributes: schema-checked (immutable attributes stay as they are)."""
        pool, user = self._admin_user(params, ctx)
        self.model.update_attributes(pool, user, params.get("UserAttributes") or [], admin=True)
        return {}

    @operation("GetUserAttributeVerificationCode")
    def get_user_attribute_verification_code(self, params, ctx):
        """GetUserAttributeVerificationCode: a code to the email or phone to verify."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        return {"CodeDeliveryDetails": self.model.send_attribute_code(pool, user, params.get("AttributeName"))}

    @operation("VerifyUserAttribute")
    def verify_user_attribute(self, params, ctx):
        """VerifyUserAttribute: the code marks the attribute verified."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.verify_attribute(pool, user, params.get("AttributeName"), params.get("Code"))
        return {}

    @operation("DeleteUserAttributes")
    def delete_user_attributes(self, params, ctx):
        """DeleteUserAttributes: with the user's access token."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.delete_attributes(pool, user, params.get("UserAttributeNames"))
        return {}

    @operation("ChangePassword")
    def change_password(self, params, ctx):
        """ChangePassword: the previous password, and a new one that meets the policy."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.change_password(pool, user, params.get("PreviousPassword") or "", params.get("ProposedPassword") or "")
        return {}

    @operation("DeleteUser")
    def delete_user(self, params, ctx):
        """DeleteUser: the access token's user deletes themselves."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.delete_user(pool, user)
        return {}

    # ================================================================== MFA
    def _token_or_setup_user(self, params):
        """The user of an MFA set-up call: by access token, or by the Session of an MFA_SETUP challenge."""
        if params.get("AccessToken"):
            pool, user, _ = self.model.by_access_token(params["AccessToken"])
            return pool, user
        return self.model.mfa_setup_user(params.get("Session"))

    @operation("AssociateSoftwareToken")
    def associate_software_token(self, params, ctx):
        """AssociateSoftwareToken: a new authenticator-app secret (by access token, or a MFA_SETUP Session)."""
        secret = self.model.new_software_token_secret()
        pool, user = self._token_or_setup_user(params)
        self.model.associate_software_token(pool, user, secret)
        if params.get("AccessToken"):
            return {"SecretCode": secret}
        return {"SecretCode": secret, "Session": params["Session"]}

    @operation("VerifySoftwareToken")
    def verify_software_token(self, params, ctx):
        """VerifySoftwareToken: a code from the app proves it is set up (EnableSoftwareTokenMFAException if not)."""
        pool, user = self._token_or_setup_user(params)
        self.model.verify_software_token(pool, user, params.get("UserCode"))
        out = {"Status": "SUCCESS"}
        if params.get("Session"):
            out["Session"] = params["Session"]
        return out

    @operation("SetUserMFAPreference")
    def set_user_mfa_preference(self, params, ctx):
        """SetUserMFAPreference: turn TOTP or SMS MFA on or off, and pick the preferred one."""
        pool, user, _ = self.model.by_access_token(params.get("AccessToken"))
        self.model.set_mfa(pool, user, params.get("SMSMfaSettings") or {}, params.get("SoftwareTokenMfaSettings") or {},
                           params.get("EmailMfaSettings"))
        return {}

    @operation("AdminSetUserMFAPreference")
    def admin_set_user_mfa_preference(self, params, ctx):
        """AdminSetUserMFAPreference: as SetUserMFAPreference, by an administrator."""
        pool, user = self._admin_user(params, ctx)
        self.model.set_mfa(pool, user, params.get("SMSMfaSettings") or {}, params.get("SoftwareTokenMfaSettings") or {},
                           params.get("EmailMfaSettings"))
        return {}

    @operation("SetUserPoolMfaConfig")
    def set_user_pool_mfa_config(self, params, ctx):
        """SetUserPoolMfaConfig: MfaConfiguration and the factors (email MFA: :func:`.mfa.set_pool_config`), and
        the pool as WebAuthn relying party (:mod:`.passkeys`); a call with only WebAuthnConfiguration leaves MFA."""
        pool = self.model.pool(params.get("UserPoolId"), ctx.region)
        webauthn = passkeys.check_config(pool, params)
        result = mfa.set_pool_config(pool, params)
        passkeys.store_config(pool, webauthn)
        return {**result, "WebAuthnConfiguration": passkeys.describe_config(pool)}

    @operation("GetUserPoolMfaConfig")
    def get_user_pool_mfa_config(self, params, ctx):
        """GetUserPoolMfaConfig: as SetUserPoolMfaConfig left it, with WebAuthnConfiguration."""
        pool = self.model.pool(params.get("UserPoolId"), ctx.region)
        return {**mfa.pool_config(pool), "WebAuthnConfiguration": passkeys.describe_config(pool)}

    # ================================================================== passkeys (WebAuthn)
    @operation("StartWebAuthnRegistration")
    def start_web_authn_registration(self, params, ctx):
        """StartWebAuthnRegistration: CredentialCreationOptions for the access token's user."""
        pool, user, claims = self.model.by_access_token(params.get("AccessToken"))
        return {"CredentialCreationOptions": passkeys.start_registration(self.model, pool, claims.get("client_id"), user)}

    @operation("CompleteWebAuthnRegistration")
    def complete_web_authn_registration(self, params, ctx):
        """CompleteWebAuthnRegistration: the authenticator's credential, checked, becomes the user's passkey."""
        pool, user, claims = self.model.by_access_token(params.get("AccessToken"))
        passkeys.complete_registration(self.model, pool, claims.get("client_id"), user, params.get("Credential"))
        return {}

    @operation("ListWebAuthnCredentials")
    def list_web_authn_credentials(self, params, ctx):
        """ListWebAuthnCredentials: the access token's user's passkeys."""
        _, user, _ = self.model.by_access_token(params.get("AccessToken"))
        return passkeys.list_credentials(user, params.get("MaxResults"), params.get("NextToken"))

    @operation("DeleteWebAuthnCredential")
    def delete_web_authn_credential(self, params, ctx):
        """DeleteWebAuthnCredential: one of the access token's user's passkeys."""
        _, user, _ = self.model.by_access_token(params.get("AccessToken"))
        passkeys.delete_credential(user, params.get("CredentialId"))
        return {}
