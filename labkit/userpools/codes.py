"""One-time codes a user pool sends, and the messages that carry them.

Developer guide, "Signing up and confirming user accounts" and "Recovering user accounts": a
sign-up or attribute code is valid for 24 hours, a forgot-password code for 1 hour; each works
once; after repeated wrong tries Cognito answers LimitExceededException. Messages are delivered to
the sandbox's post office (``sb.inbox(address)``), which plays the user's mailbox and phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..inbox import Message, mask
from .exceptions import CodeMismatch, ExpiredCode, LimitExceeded

HOUR = 3600
LIFETIME = {
    "sign-up": 24 * HOUR,
    "verify-attribute": 24 * HOUR,
    "forgot-password": 1 * HOUR,
    "mfa": 3 * 60,
    # A passwordless sign-in code (EMAIL_OTP / SMS_OTP) lives as long as the sign-in session it answers
    # (AuthSessionValidity, 3 minutes by default).
    "sign-in": 3 * 60,
}
#: Cognito's passwordless sign-in codes (EMAIL_OTP, SMS_OTP) have eight digits; its confirmation,
#: recovery and MFA codes six.
DIGITS = {"sign-in": 8}
MAX_WRONG_TRIES = 5
LOCKOUT_SECONDS = 15 * 60


@dataclass
class Code:
    value: str
    purpose: str
    issued_at: float
    expires_at: float
    used: bool = False


@dataclass
class CodeBook:
    """The codes of one user, by purpose (a new code replaces the previous one of that purpose)."""

    codes: dict
    wrong: dict  # purpose -> (count, last wrong time)

    @classmethod
    def empty(cls) -> "CodeBook":
        return cls({}, {})

    def issue(self, purpose: str, now: float, random, key: str | None = None) -> str:
        digits = DIGITS.get(purpose, 6)
        value = f"{random.randrange(10**digits):0{digits}d}"
        self.codes[key or purpose] = Code(value, purpose, now, now + LIFETIME[purpose])
        return value

    def redeem(self, purpose: str, given: str, now: float, key: str | None = None) -> None:
        """Accept ``given`` once, or raise CodeMismatch / ExpiredCode / LimitExceeded as Cognito does."""
        key = key or purpose
        count, last = self.wrong.get(key, (0, 0.0))
        if count >= MAX_WRONG_TRIES:
            if now - last < LOCKOUT_SECONDS:
                raise LimitExceeded()
            count = 0
        code = self.codes.get(key)
        if code is None or code.value != str(given or "").strip():
            self.wrong[key] = (count + 1, now)
            raise CodeMismatch()
        if code.used or now > code.expires_at:
            raise ExpiredCode()
        code.used = True
        self.wrong.pop(key, None)

    def pending(self, key: str) -> bool:
        return key in self.codes and not self.codes[key].used


# ---------------------------------------------------------------- delivery

def delivery_details(medium: str, attribute: str, destination: str) -> dict:
    """CodeDeliveryDetailsType: the true medium, attribute name and masked destination."""
    return {"Destination": mask(destination), "DeliveryMedium": medium, "AttributeName": attribute}


def medium_of(attribute: str) -> str:
    return "EMAIL" if attribute == "email" else "SMS"


def verification_message(pool, medium: str, code: str) -> tuple[str, str]:
    """(subject, body) from the pool's VerificationMessageTemplate (or its legacy fields)."""
    cfg = pool.extended_config
    tpl = cfg.get("VerificationMessageTemplate") or {}
    if medium == "EMAIL":
        subject = cfg.get("EmailVerificationSubject") or tpl.get("EmailSubject") or "Your verification code"
        body = cfg.get("EmailVerificationMessage") or tpl.get("EmailMessage") or "Your verification code is {####}. "
    else:
        subject = ""
        body = cfg.get("SmsVerificationMessage") or tpl.get("SmsMessage") or "Your verification code is {####}. "
    return subject, body.replace("{####}", code)


def invitation_message(pool, medium: str, username: str, password: str) -> tuple[str, str]:
    tpl = ((pool.extended_config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate")) or {}
    default = "Your username is {username} and temporary password is {####}. "
    if medium == "EMAIL":
        subject = tpl.get("EmailSubject") or "Your temporary password"
        body = tpl.get("EmailMessage") or default
    else:
        subject, body = "", tpl.get("SMSMessage") or default
    return subject, body.replace("{username}", username).replace("{####}", password)


def send(sandbox, *, to: str, medium: str, subject: str, body: str, code: str, purpose: str) -> Message:
    return sandbox.post_office.deliver(
        Message(to=to, medium=medium, subject=subject, body=body, code=code, purpose=purpose, sent_at=sandbox.clock.time())
    )
