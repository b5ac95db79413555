"""Multi-factor authentication with an authenticator app (TOTP, RFC 6238) or SMS.

Developer guide, "Adding MFA to a user pool": AssociateSoftwareToken gives the user a base32 secret
for the app; VerifySoftwareToken proves the app is set up; SetUserMFAPreference turns it on. At
sign-in Cognito asks for the app's current code (SOFTWARE_TOKEN_MFA challenge) or texts a code
(SMS_MFA challenge, only to a verified phone number).
"""

from __future__ import annotations

import base64

import pyotp


def new_secret(random) -> str:
    """A 32-character base32 secret (160 bits), the shape AssociateSoftwareToken returns."""
    return base64.b32encode(random.randbytes(20)).decode().rstrip("=")


STEP = 30  # seconds per code (RFC 6238's default, what authenticator apps and Cognito use)


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code ``code`` is: this 30-second step, or the one before or after it (the
    tolerance Cognito documents for clock drift); None for a wrong code."""
    if not secret or not code or not str(code).isdigit():
        return None
    totp, step = pyotp.TOTP(secret), int(now // STEP)
    for candidate in (step, step - 1, step + 1):
        if totp.verify(str(code), for_time=candidate * STEP, valid_window=0):
            return candidate
    return None


def totp_is_valid(secret: str, code: str, now: float) -> bool:
    return totp_step(secret, code, now) is not None


def accept_totp(secrets, secret: str, code: str, now: float) -> bool:
    """Accept ``code`` once: RFC 6238 section 5.2, "the verifier MUST NOT accept the second attempt of the
    same OTP after the successful validation has been issued for the first OTP". A code of a step no later
    than the last one accepted for this user (VerifySoftwareToken or a sign-in) is refused like a wrong code
    (AWS documents no separate message for a replay, so none is invented)."""
    step = totp_step(secret, code, now)
    if step is None or (secrets.totp_last_step is not None and step <= secrets.totp_last_step):
        return False
    secrets.totp_last_step = step
    return True


def pool_allows(pool) -> bool:
    return (pool.mfa_config or "OFF") in ("ON", "OPTIONAL")


# ====================================================================== the pool's MFA configuration
# SetUserPoolMfaConfig / GetUserPoolMfaConfig (API reference). moto keeps MfaConfiguration, SMS and TOTP on
# its pool; labkit keeps the email MFA configuration beside it (UpdateUserPool does not take it, so it must
# survive an UpdateUserPool, as on AWS).

_EMAIL_CONFIG = "email_mfa_config"  # labkit's attribute on moto's pool
_EMAIL_ENABLED = "email_mfa"  # labkit's attribute on moto's user: EmailMfaSettings.Enabled
#: Developer guide, "Email MFA" (cognito-user-pool-settings-advanced-security-email-mfa.html): "To enable
#: email-based MFA, the user pool must be configured to use the Amazon SES email-sending configuration
#: instead of the default email configuration." The wording of the error is labkit's reconstruction (AWS
#: answers InvalidParameterException; its exact text is not published).
NEEDS_SES = ("Email MFA configuration requires that the user pool sends email with Amazon SES: set "
             "EmailConfiguration.EmailSendingAccount to DEVELOPER (with the SourceArn of an SES identity).")
#: Observed from AWS (public issues go-to-k/cdkd#1923 and lgallard/terraform-aws-cognito-user-pool#74).
OFF_WITH_FACTOR = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
#: Observed from AWS (public issue aws/aws-sdk-js#4186).
NO_FACTOR = "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
MODES = ("OFF", "ON", "OPTIONAL")


def email_config(pool) -> dict | None:
    """The pool's EmailMfaConfiguration (Message, Subject), or None when email MFA is not configured."""
    from .. import moto_adapter

    return moto_adapter.extra(pool, _EMAIL_CONFIG)


def email_message(pool, code: str) -> tuple[str, str]:
    """(subject, body) of an email with a sign-in or MFA code (EmailMfaConfiguration's Subject and Message
    when the pool has them; else Cognito's default wording, as labkit reconstructs it)."""
    cfg = email_config(pool) or {}
    body = cfg.get("Message") or "Your one-time code is {####}"
    return cfg.get("Subject") or "Your one-time code", body.replace("{####}", code)


def _validation(field: str, value, constraint: str):
    from .exceptions import InvalidParameter

    return InvalidParameter(f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}")


def set_pool_config(pool, params: dict) -> dict:
    """SetUserPoolMfaConfig: MfaConfiguration (OFF, ON, OPTIONAL) and the factors' configuration; email MFA
    (EmailMfaConfiguration) only on the Essentials plan or higher and on a pool that sends email with SES.
    Returns the configuration as GetUserPoolMfaConfig shows it."""
    from .. import moto_adapter
    from . import plans
    from .exceptions import InvalidParameter

    if not any(k in params for k in ("MfaConfiguration", "SmsMfaConfiguration", "SoftwareTokenMfaConfiguration",
                                     "EmailMfaConfiguration")):
        return pool_config(pool)  # a call about passkeys only (WebAuthnConfiguration): the MFA stays as it is
    mode = params.get("MfaConfiguration") or pool.mfa_config or "OFF"
    if mode not in MODES:
        raise _validation("mfaConfiguration", mode, f"Member must satisfy enum value set: [{', '.join(MODES)}]")
    sms = params.get("SmsMfaConfiguration")
    totp = params.get("SoftwareTokenMfaConfiguration")
    email = params.get("EmailMfaConfiguration")
    if email is not None:
        plans.require(plans.tier_of(pool), "email MFA")
        message = email.get("Message")
        if message is not None and (len(message) < 6 or "{####}" not in message):
            raise _validation("emailMfaConfiguration.message", message,
                              "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*"
                              "\\{####\\}[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*")
    factors = bool(sms) or bool((totp or {}).get("Enabled")) or email is not None
    if mode == "OFF" and factors:
        raise InvalidParameter(OFF_WITH_FACTOR)
    if mode != "OFF" and not factors:
        raise InvalidParameter(NO_FACTOR)
    if email is not None:
        sending = (pool.extended_config.get("EmailConfiguration") or {}).get("EmailSendingAccount") or "COGNITO_DEFAULT"
        if sending != "DEVELOPER":
            raise InvalidParameter(NEEDS_SES)
    pool.mfa_config = mode
    pool.sms_mfa_config = sms or None
    pool.token_mfa_config = totp if (totp or {}).get("Enabled") else None
    moto_adapter.set_extra(pool, _EMAIL_CONFIG, dict(email) if email is not None else None)
    return pool_config(pool)


def pool_config(pool) -> dict:
    """GetUserPoolMfaConfig (the parts this module keeps; WebAuthnConfiguration is the passkeys module's)."""
    out = {"MfaConfiguration": pool.mfa_config or "OFF"}
    if pool.sms_mfa_config:
        out["SmsMfaConfiguration"] = pool.sms_mfa_config
    if pool.token_mfa_config:
        out["SoftwareTokenMfaConfiguration"] = pool.token_mfa_config
    if email_config(pool) is not None:
        out["EmailMfaConfiguration"] = email_config(pool)
    return out


# ====================================================================== a user's email MFA
def email_mfa_enabled(user) -> bool:
    from .. import moto_adapter

    return bool(moto_adapter.extra(user, _EMAIL_ENABLED))


def set_email_preference(pool, user, settings: dict) -> None:
    """EmailMfaSettings of SetUserMFAPreference / AdminSetUserMFAPreference. Email MFA is an Essentials
    feature (FeatureUnavailableInTierException on Lite); the user needs an email address (AWS can send
    MFA codes to an unverified one: developer guide, "SMS and email message MFA")."""
    from .. import moto_adapter
    from . import plans, users
    from .exceptions import InvalidParameter

    if not settings:
        return
    if settings.get("Enabled") or settings.get("PreferredMfa"):
        plans.require(plans.tier_of(pool), "email MFA")
        if email_config(pool) is None:
            # labkit's reconstruction of AWS's answer for a pool without EmailMfaConfiguration.
            raise InvalidParameter("Email MFA is not configured for the user pool (SetUserPoolMfaConfig EmailMfaConfiguration).")
        if not users.attribute(user, "email"):
            # The wording of SMS's "User does not have delivery config set to turn on SMS_MFA", for email.
            raise InvalidParameter("User does not have delivery config set to turn on EMAIL_OTP")
    if "Enabled" in settings:
        moto_adapter.set_extra(user, _EMAIL_ENABLED, bool(settings["Enabled"]))
    if settings.get("PreferredMfa"):
        user.preferred_mfa_setting = "EMAIL_OTP"
    if user.preferred_mfa_setting == "EMAIL_OTP" and not email_mfa_enabled(user):
        user.preferred_mfa_setting = None


def email_mfa_offered(pool, user) -> bool:
    """The EMAIL_OTP MFA challenge follows a password: the pool has MFA on or optional with email MFA
    configured (on a plan that has it), and the user turned email MFA on and has an email address. When the
    user has more than one MFA factor, the preferred one is asked (SignIn.next_challenge)."""
    from . import plans, users

    return (pool_allows(pool) and email_config(pool) is not None and plans.has(plans.tier_of(pool), "email MFA")
            and email_mfa_enabled(user) and bool(users.attribute(user, "email")))


def user_has_mfa(user) -> bool:
    """The user turned on an MFA factor (TOTP, SMS or email)."""
    return bool(user.software_token_mfa_enabled or user.sms_mfa_enabled or email_mfa_enabled(user))
