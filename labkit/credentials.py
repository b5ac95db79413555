"""Temporary AWS credentials that the sandbox issues, and what each one stands for.

On AWS, ``GetCredentialsForIdentity``, ``AssumeRoleWithWebIdentity``, ``AssumeRoleWithSAML`` and
``AssumeRole`` return an access key id (``ASIA...``), a secret, a session token and an expiry; every
later call signed with that key is made *as the assumed role*, limited by its policies. moto returns
one constant key pair that IAM does not know. Here each issue is recorded, so that the IAM component
can evaluate a call signed with it, and STS ``GetCallerIdentity`` can say who it is.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

_UPPER_DIGITS = string.ascii_uppercase + "234567"
_SECRET_CHARS = string.ascii_letters + string.digits + "+/"


@dataclass
class IssuedCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float  # epoch seconds, on the sandbox's clock
    account_id: str
    role_arn: str  # arn:aws:iam::123456789012:role/Cognito_PoolAuth_Role
    role_id: str  # AROA...
    session_name: str
    source: str  # the STS/Cognito operation that issued them
    session_policies: list = field(default_factory=list)  # JSON texts passed as Policy / PolicyArns
    context: dict = field(default_factory=dict)  # condition keys and policy variables they carry
    identity_id: str | None = None
    subject: str | None = None  # SubjectFromWebIdentityToken / SAML subject

    @property
    def assumed_role_arn(self) -> str:
        role_name = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account_id}:assumed-role/{role_name}/{self.session_name}"

    @property
    def user_id(self) -> str:
        """``aws:userid`` of an assumed-role session: ``<role id>:<session name>``."""
        return f"{self.role_id}:{self.session_name}"

    def as_boto3(self) -> dict:
        """Keyword arguments for ``boto3.client(...)`` / ``boto3.Session(...)``."""
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


class CredentialStore:
    """Every credential set the sandbox has issued, by access key id."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self._by_key: dict[str, IssuedCredentials] = {}

    def issue(self, *, role_arn: str, role_id: str, session_name: str, duration: int, source: str,
              context: dict | None = None, session_policies=(), identity_id: str | None = None,
              subject: str | None = None) -> IssuedCredentials:
        rnd = self.sandbox.random
        creds = IssuedCredentials(
            access_key_id="ASIA" + "".join(rnd.choice(_UPPER_DIGITS) for _ in range(16)),
            secret_access_key="".join(rnd.choice(_SECRET_CHARS) for _ in range(40)),
            session_token="IQoJb3JpZ2luX2VjE" + "".join(rnd.choice(_SECRET_CHARS) for _ in range(300)),
            expiration=self.sandbox.clock.time() + duration,
            account_id=self.sandbox.account_id,
            role_arn=role_arn,
            role_id=role_id,
            session_name=session_name,
            source=source,
            session_policies=list(session_policies),
            context=dict(context or {}),
            identity_id=identity_id,
            subject=subject,
        )
        self._by_key[creds.access_key_id] = creds
        return creds

    def get(self, access_key_id: str | None) -> IssuedCredentials | None:
        return self._by_key.get(access_key_id or "")

    def expired(self, creds: IssuedCredentials) -> bool:
        return self.sandbox.clock.time() >= creds.expiration

    def __len__(self):
        return len(self._by_key)
