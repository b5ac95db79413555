"""Passkeys (WebAuthn) in a user pool: the pool as relying party, registration, and the ``WEB_AUTHN`` challenge.

Developer guide, "Authentication flows: passkey sign-in"
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html#amazon-cognito-user-pools-authentication-flow-methods-passkey)
and the API reference (StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential, SetUserPoolMfaConfig, WebAuthnConfigurationType):

* The pool is a WebAuthn *relying party*. ``SetUserPoolMfaConfig(WebAuthnConfiguration={"RelyingPartyId",
  "UserVerification"})`` sets its RP ID (by default the pool's domain: the prefix domain
  ``<prefix>.auth.<region>.amazoncognito.com`` or the custom domain; with neither, registration fails with
  ``WebAuthnConfigurationMissingException``) and whether authenticators must verify the user (``required``)
  or are only asked to (``preferred``, the default). Passkeys are an Essentials feature (:mod:`.plans`).
* A signed-in user (access token with ``aws.cognito.signin.user.admin``) asks StartWebAuthnRegistration for
  ``CredentialCreationOptions`` (the JSON form of ``PublicKeyCredentialCreationOptions``), gives them to
  ``navigator.credentials.create()``, and hands the result to CompleteWebAuthnRegistration, which checks it
  (challenge, origin, RP ID hash, attestation, user verification) and stores the public key.
* USER_AUTH offers ``WEB_AUTHN`` to a user with a passkey where ``AllowedFirstAuthFactors`` includes it.
  The challenge's ``CREDENTIAL_REQUEST_OPTIONS`` go to ``navigator.credentials.get()``; RespondToAuthChallenge
  with ``CREDENTIAL`` (the assertion, as JSON) is checked (challenge, origin, RP ID hash, signature with the
  stored key, sign counter, user verification) and signs the user in.

Every check is made by the ``webauthn`` relying-party library (py_webauthn, Duo Labs); this module decides
which of AWS's errors each failure is. Error messages marked "reconstruction" are labkit's best wording:
AWS documents the error codes (botocore's cognito-idp model) but not their texts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import ClassVar
from urllib.parse import urlsplit

import webauthn
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json, parse_client_data_json
from webauthn.helpers import parse_attestation_object, parse_registration_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse, WebAuthnException
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, COSEAlgorithmIdentifier, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

from .. import moto_adapter
from . import plans
from .exceptions import (InvalidParameter, LimitExceeded, NotAuthorized, ResourceNotFound, WebAuthnChallengeNotFound,
                         WebAuthnClientMismatch, WebAuthnConfigurationMissing, WebAuthnCredentialNotSupported,
                         WebAuthnNotEnabled, WebAuthnOriginNotAllowed, WebAuthnRelyingPartyMismatch)
from .signin import CHALLENGE_SECONDS, CHALLENGES, Challenge, allowed_first_factors

#: WebAuthnConfigurationType.UserVerification: "required" | "preferred" (the default).
USER_VERIFICATION = ("required", "preferred")
#: WebAuthnConfigurationType.FactorConfiguration.
FACTOR_CONFIGURATION = ("SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION")
#: How long a registration challenge lives (reconstruction: the same three minutes as a sign-in session).
REGISTRATION_SECONDS = 180
#: Amazon Cognito quotas: passkeys per user (reconstruction of the documented limit of 20).
MAX_PASSKEYS = 20
#: ES256 and RS256, the algorithms Cognito offers in pubKeyCredParams (-7, -257).
ALGORITHMS = [-7, -257]

_CONFIG = "webauthn"  # the pool's WebAuthnConfiguration (moto_adapter.extra)
_CREDS = "passkeys"  # the user's registered passkeys
_PENDING = "passkey_registration"  # the user's registration in progress


@dataclass
class Passkey:
    """One registered credential: what the pool keeps (the public key, never a secret)."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    rp_id: str
    created: float
    attachment: str | None = None
    transports: list = field(default_factory=list)
    name: str = "Passkey"
    aaguid: str = ""

    def describe(self) -> dict:
        out = {"CredentialId": bytes_to_base64url(self.credential_id), "FriendlyCredentialName": self.name,
               "RelyingPartyId": self.rp_id, "AuthenticatorTransports": list(self.transports), "CreatedAt": self.created}
        if self.attachment:
            out["AuthenticatorAttachment"] = self.attachment
        return out


@dataclass
class Registration:
    challenge: bytes
    client_id: str
    rp_id: str
    expires: float


# --------------------------------------------------------------------------- the pool as relying party
def config(pool) -> dict:
    return moto_adapter.extra(pool, _CONFIG) or {}


def domain_rp_id(pool) -> str | None:
    """The pool's domain as AWS uses it for the default RP ID (custom domain, else the prefix domain)."""
    domain = pool.domain
    if domain is None:
        return None
    name = domain.domain
    return name if "." in name else f"{name}.auth.{pool.region}.amazoncognito.com"


def rp_id(pool) -> str:
    """The relying party ID: WebAuthnConfiguration.RelyingPartyId, or the pool's domain."""
    rp = config(pool).get("RelyingPartyId") or domain_rp_id(pool)
    if not rp:
        raise WebAuthnConfigurationMissing()
    return rp


def user_verification(pool) -> str:
    return config(pool).get("UserVerification") or "preferred"


def check_config(pool, params: dict) -> dict | None:
    """SetUserPoolMfaConfig's WebAuthnConfiguration, checked (validation and the plan), not yet stored."""
    cfg = params.get("WebAuthnConfiguration")
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise InvalidParameter("WebAuthnConfiguration must be an object.")
    rp = cfg.get("RelyingPartyId")
    if rp is not None and not (isinstance(rp, str) and 1 <= len(rp) <= 127):
        raise InvalidParameter(f"1 validation error detected: Value '{rp}' at 'webAuthnConfiguration.relyingPartyId' "
                               "failed to satisfy constraint: Member must have length less than or equal to 127")
    if rp is not None and ("/" in rp or ":" in rp or " " in rp):
        # reconstruction: an RP ID is a domain name, never a URL
        raise InvalidParameter(f"RelyingPartyId {rp} is not a valid domain name.")
    uv = cfg.get("UserVerification")
    if uv is not None and uv not in USER_VERIFICATION:
        raise InvalidParameter(f"1 validation error detected: Value '{uv}' at 'webAuthnConfiguration.userVerification' "
                               "failed to satisfy constraint: Member must satisfy enum value set: [required, preferred]")
    factor = cfg.get("FactorConfiguration")
    if factor is not None and factor not in FACTOR_CONFIGURATION:
        raise InvalidParameter(f"1 validation error detected: Value '{factor}' at 'webAuthnConfiguration.factorConfiguration' "
                               "failed to satisfy constraint: Member must satisfy enum value set: "
                               "[SINGLE_FACTOR, MULTI_FACTOR_WITH_USER_VERIFICATION]")
    # WebAuthnConfigurationType: "To activate this setting, your user pool must be in the Essentials tier or higher."
    plans.require(plans.tier_of(pool), "passkeys")
    return {k: v for k, v in cfg.items() if k in ("RelyingPartyId", "UserVerification", "FactorConfiguration") and v}


def store_config(pool, cfg: dict | None) -> None:
    if cfg is not None:
        moto_adapter.set_extra(pool, _CONFIG, cfg)


def describe_config(pool) -> dict:
    """GetUserPoolMfaConfig's WebAuthnConfiguration: the RP ID in force (empty when none) and the UV setting."""
    cfg = config(pool)
    out = {"UserVerification": user_verification(pool)}
    rp = cfg.get("RelyingPartyId") or domain_rp_id(pool)
    if rp:
        out["RelyingPartyId"] = rp
    if cfg.get("FactorConfiguration"):
        out["FactorConfiguration"] = cfg["FactorConfiguration"]
    return out


def describe_mfa_config(backend, pool) -> dict:
    """GetUserPoolMfaConfig's answer from storage (moto's MFA settings) with WebAuthnConfiguration."""
    out = {k: v for k, v in backend.get_user_pool_mfa_config(pool.id).items() if v is not None}
    return {**out, "WebAuthnConfiguration": describe_config(pool)}


def with_config(pool, response):
    """A moto answer of Set/GetUserPoolMfaConfig with the pool's WebAuthnConfiguration added."""
    if response is None or response.status != 200:
        return response
    body = json.loads(response.body or b"{}")
    body["WebAuthnConfiguration"] = describe_config(pool)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return replace(response, body=json.dumps(body).encode(), headers=headers)


def origin_allowed(origin: str, rp: str) -> bool:
    """The origin may claim the RP ID (WebAuthn's rule): its host is the RP ID or a subdomain of it, over
    https (http only for localhost, as browsers allow)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or not (host == rp or host.endswith("." + rp)):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and (host == "localhost" or host.endswith(".localhost")))


def check_enabled(pool) -> None:
    plans.require(plans.tier_of(pool), "passkeys")
    if "WEB_AUTHN" not in allowed_first_factors(pool):
        raise WebAuthnNotEnabled()


# --------------------------------------------------------------------------- a user's passkeys
def passkeys(user) -> list:
    creds = moto_adapter.extra(user, _CREDS)
    if creds is None:
        creds = []
        moto_adapter.set_extra(user, _CREDS, creds)
    return creds


def start_registration(model, pool, client_id: str, user) -> dict:
    """StartWebAuthnRegistration: CredentialCreationOptions for this user (the challenge waits for them)."""
    check_enabled(pool)
    rp = rp_id(pool)
    mine = passkeys(user)
    if len(mine) >= MAX_PASSKEYS:
        raise LimitExceeded(f"A user can register at most {MAX_PASSKEYS} passkeys.")  # reconstruction
    challenge = model.random.randbytes(32)
    uv = user_verification(pool)
    options = webauthn.generate_registration_options(
        rp_id=rp, rp_name=rp, user_name=user.username, user_id=user.id.encode(), user_display_name=user.username,
        challenge=challenge, timeout=REGISTRATION_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(resident_key=ResidentKeyRequirement.REQUIRED,
                                                               user_verification=UserVerificationRequirement(uv)),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in mine if p.rp_id == rp],
        supported_pub_key_algs=[COSEAlgorithmIdentifier(a) for a in ALGORITHMS])
    moto_adapter.set_extra(user, _PENDING, Registration(challenge, client_id, rp, model.now + REGISTRATION_SECONDS))
    return json.loads(webauthn.options_to_json(options))


def _as_json(credential) -> str:
    if isinstance(credential, str):
        return credential
    if isinstance(credential, dict):
        return json.dumps(credential)
    raise InvalidParameter("Credential must be a JSON object.")  # reconstruction


def complete_registration(model, pool, client_id: str, user, credential) -> Passkey:
    """CompleteWebAuthnRegistration: the credential checked against the waiting challenge, then kept."""
    check_enabled(pool)
    pending = moto_adapter.extra(user, _PENDING)
    if pending is None or model.now > pending.expires:
        raise WebAuthnChallengeNotFound()
    if pending.client_id != client_id:
        raise WebAuthnClientMismatch()
    text = _as_json(credential)
    try:
        parsed = parse_registration_credential_json(text)
        client_data = parse_client_data_json(parsed.response.client_data_json)
        auth_data = parse_attestation_object(parsed.response.attestation_object).auth_data
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError):
        raise InvalidParameter("The passkey credential is not a valid registration response.") from None  # reconstruction
    if client_data.challenge != pending.challenge:
        raise WebAuthnChallengeNotFound()
    if not origin_allowed(client_data.origin, pending.rp_id):
        raise WebAuthnOriginNotAllowed()
    if auth_data.rp_id_hash != hashlib.sha256(pending.rp_id.encode()).digest():
        raise WebAuthnRelyingPartyMismatch()
    try:
        verified = webauthn.verify_registration_response(
            credential=text, expected_challenge=pending.challenge, expected_rp_id=pending.rp_id,
            expected_origin=client_data.origin, require_user_verification=user_verification(pool) == "required",
            supported_pub_key_algs=[COSEAlgorithmIdentifier(a) for a in ALGORITHMS])
    except InvalidRegistrationResponse as err:
        # An unsupported algorithm or attestation, or no user verification where the pool requires it.
        raise WebAuthnCredentialNotSupported(f"The passkey credential is not supported: {err}") from None
    mine = passkeys(user)
    if any(p.credential_id == verified.credential_id for p in mine):
        raise InvalidParameter("This passkey is already registered for the user.")  # reconstruction
    moto_adapter.set_extra(user, _PENDING, None)
    passkey = Passkey(verified.credential_id, verified.credential_public_key, verified.sign_count, pending.rp_id, model.now,
                      attachment=getattr(parsed.authenticator_attachment, "value", None),
                      transports=[t.value for t in (parsed.response.transports or [])], aaguid=verified.aaguid,
                      name=f"Passkey {len(mine) + 1}")
    mine.append(passkey)
    return passkey


def list_credentials(user, max_results=None, next_token: str | None = None) -> dict:
    """ListWebAuthnCredentials: the user's passkeys, oldest first, MaxResults (0-20) a page."""
    if max_results is not None and not (isinstance(max_results, int) and 0 <= max_results <= 20):
        raise InvalidParameter(f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
                               "constraint: Member must have value less than or equal to 20")
    size = 20 if not max_results else max_results
    start = 0
    if next_token:
        try:
            start = int(next_token)
        except ValueError:
            raise InvalidParameter("Invalid pagination token.") from None  # reconstruction
    creds = passkeys(user)
    out = {"Credentials": [p.describe() for p in creds[start:start + size]]}
    if start + size < len(creds):
        out["NextToken"] = str(start + size)
    return out


def delete_credential(user, credential_id: str | None) -> None:
    """DeleteWebAuthnCredential: that passkey no longer signs the user in."""
    creds = passkeys(user)
    for p in creds:
        if bytes_to_base64url(p.credential_id) == credential_id:
            creds.remove(p)
            return
    raise ResourceNotFound("Credential not found.")  # reconstruction


# --------------------------------------------------------------------------- the WEB_AUTHN challenge
@CHALLENGES.register
class WebAuthn(Challenge):
    """WEB_AUTHN: CREDENTIAL_REQUEST_OPTIONS (JSON), answered with CREDENTIAL (the assertion, JSON)."""

    name, first_factor = "WEB_AUTHN", "WEB_AUTHN"
    answer_key: ClassVar[str] = "CREDENTIAL"

    def available(self, signin, pool, client, user):
        try:
            rp = rp_id(pool)
        except WebAuthnConfigurationMissing:
            return False
        return plans.has(plans.tier_of(pool), "passkeys") and any(p.rp_id == rp for p in passkeys(user))

    def choose(self, signin, pool, client, user, username, answers):
        plans.require(plans.tier_of(pool), "passkeys")
        signin.model.pre_authentication(pool, client, user)
        return self.begin(signin, pool, client, user, "Authentication")

    def begin(self, signin, pool, client, user, source):
        rp = rp_id(pool)
        challenge = signin.model.random.randbytes(32)
        options = webauthn.generate_authentication_options(
            rp_id=rp, challenge=challenge, timeout=CHALLENGE_SECONDS * 1000,
            allow_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys(user) if p.rp_id == rp],
            user_verification=UserVerificationRequirement(user_verification(pool)))
        return signin.challenge(self.name, pool, client, user, source,
                                {"CREDENTIAL_REQUEST_OPTIONS": webauthn.options_to_json(options)},
                                extra={"challenge": challenge, "rp_id": rp})

    def answer(self, signin, pool, client, pending, user, responses, session):
        text = responses.get("CREDENTIAL")
        if not text:
            raise InvalidParameter("Missing required parameter CREDENTIAL")
        rp = pending.extra["rp_id"]
        try:
            parsed = parse_authentication_credential_json(text)
            client_data = parse_client_data_json(parsed.response.client_data_json)
        except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError):
            raise InvalidParameter("The CREDENTIAL is not a valid WebAuthn assertion.") from None  # reconstruction
        passkey = next((p for p in passkeys(user) if p.credential_id == parsed.raw_id and p.rp_id == rp), None)
        # Each refusal below is NotAuthorizedException, as for a wrong password (the texts are reconstructions).
        if passkey is None:
            raise NotAuthorized("The passkey is not registered for this user.")
        if not origin_allowed(client_data.origin, rp):
            raise NotAuthorized("The passkey assertion's origin is not allowed for the user pool's relying party ID.")
        try:
            verified = webauthn.verify_authentication_response(
                credential=text, expected_challenge=pending.extra["challenge"], expected_rp_id=rp,
                expected_origin=client_data.origin, credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=user_verification(pool) == "required")
        except InvalidAuthenticationResponse as err:
            raise NotAuthorized(f"The passkey assertion could not be verified: {err}") from None
        passkey.sign_count = verified.new_sign_count
        # "Adding MFA to a user pool": MFA adds a factor "to sign in your users who have passwords as their
        # primary authentication factor"; a passkey sign-in is not asked for one (the password stage only).
        signin.model.user_can_sign_in(pool, user)
        return signin.next_step(pool, client, user, pending.source, ("password",))

