"""The user's passkey device, played by labkit (as :mod:`labkit.inbox` plays their mailbox).

A software authenticator together with the browser around it: it answers ``navigator.credentials.create()``
(registration) and ``navigator.credentials.get()`` (sign-in) with the JSON a browser's
``PublicKeyCredential.toJSON()`` gives, which is what an app sends to Cognito::

    device = labkit.passkey_authenticator(origin="https://my-prefix.auth.us-east-1.amazoncognito.com")
    credential = device.create(idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"])
    idp.complete_web_authn_registration(AccessToken=at, Credential=credential)
    ...
    assertion = device.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])

Keys are real P-256 (ES256) key pairs made with ``cryptography``; the authenticator data, the client data and
the "none" attestation are laid out as the WebAuthn Level 2 recommendation says (CBOR by ``cbor2``). The
private keys never leave the device. Unlike a browser, the device does not refuse an RP ID its origin may not
claim: it lets a lesson show what the user pool refuses (``origin=`` another site, ``user_verified=False``).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import uuid
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from .errors import LabkitError

#: labkit's authenticator model (an AAGUID of its own, as every authenticator model has).
AAGUID = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/cognito-lab/labkit/passkey-authenticator").bytes
_UP, _UV, _BE, _BS, _AT = 0x01, 0x04, 0x08, 0x10, 0x40
ES256 = -7


def _b64u(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64u(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class StoredCredential:
    """A passkey on the device: its id, the RP it belongs to, the account, the private key, the counter."""

    credential_id: bytes
    rp_id: str
    user_handle: bytes
    user_name: str
    key: ec.EllipticCurvePrivateKey
    sign_count: int = 0

    @property
    def id(self) -> str:
        return _b64u(self.credential_id)


class PasskeyAuthenticator:
    """A platform authenticator (a phone's or laptop's passkey store) in the browser at ``origin``.

    ``user_verified``: whether the device checks the user (fingerprint, face, PIN) -- the UV flag.
    ``synced``: a multi-device passkey (backup eligible and backed up), as iCloud Keychain and Google
    Password Manager make them.
    """

    def __init__(self, origin: str, *, user_verified: bool = True, synced: bool = True, attachment: str = "platform",
                 transports: tuple = ("internal", "hybrid")):
        if "://" not in origin:
            raise LabkitError(f"origin is a web origin such as https://example.com, not {origin!r}.")
        self.origin = origin.rstrip("/")
        self.user_verified = user_verified
        self.synced = synced
        self.attachment = attachment
        self.transports = list(transports)
        self.credentials: list[StoredCredential] = []

    def __repr__(self):
        return f"<PasskeyAuthenticator at {self.origin}: {len(self.credentials)} passkey(s)>"

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _options(options) -> dict:
        if isinstance(options, (str, bytes)):
            options = json.loads(options)
        if not isinstance(options, dict):
            raise LabkitError("Give the device the options Cognito returned (a dict or its JSON text).")
        return options.get("publicKey", options)

    def _flags(self, attested: bool) -> int:
        flags = _UP | (_UV if self.user_verified else 0) | ((_BE | _BS) if self.synced else 0)
        return flags | (_AT if attested else 0)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False},
                          separators=(",", ":")).encode()

    # ------------------------------------------------------------------ navigator.credentials.create()
    def create(self, options) -> dict:
        """A new passkey for ``options`` (CredentialCreationOptions): the registration credential's JSON."""
        o = self._options(options)
        try:
            rp_id, challenge = o["rp"]["id"], o["challenge"]
            user_handle, user_name = _unb64u(o["user"]["id"]), o["user"].get("name", "")
        except (KeyError, TypeError) as err:
            raise LabkitError(f"These are not WebAuthn creation options (missing {err}).") from None
        algs = [p.get("alg") for p in o.get("pubKeyCredParams") or []]
        if algs and ES256 not in algs:
            raise LabkitError("NotSupportedError: this authenticator makes ES256 keys only, and the options do not allow them.")
        excluded = {c.get("id") for c in o.get("excludeCredentials") or []}
        if any(c.id in excluded and c.rp_id == rp_id for c in self.credentials):
            raise LabkitError("InvalidStateError: this device already holds a passkey for this account "
                              "(it is in excludeCredentials).")
        key = ec.generate_private_key(ec.SECP256R1())
        cred = StoredCredential(os.urandom(32), rp_id, user_handle, user_name, key)
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(True)]) + struct.pack(">I", 0)
                     + AAGUID + struct.pack(">H", len(cred.credential_id)) + cred.credential_id + cose)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials.append(cred)
        return {"id": cred.id, "rawId": cred.id, "type": "public-key", "authenticatorAttachment": self.attachment,
                "response": {"clientDataJSON": _b64u(self._client_data("webauthn.create", challenge)),
                             "attestationObject": _b64u(attestation), "transports": list(self.transports)},
                "clientExtensionResults": {}}

    # ------------------------------------------------------------------ navigator.credentials.get()
    def get(self, options) -> str:
        """An assertion for ``options`` (CREDENTIAL_REQUEST_OPTIONS): the JSON text to send as CREDENTIAL."""
        o = self._options(options)
        try:
            rp_id, challenge = o["rpId"], o["challenge"]
        except (KeyError, TypeError) as err:
            raise LabkitError(f"These are not WebAuthn request options (missing {err}).") from None
        allowed = [c.get("id") for c in o.get("allowCredentials") or []]
        if allowed:
            cred = next((c for c in self.credentials if c.id in allowed), None)
        else:
            cred = next((c for c in self.credentials if c.rp_id == rp_id), None)
        if cred is None:
            raise LabkitError("NotAllowedError: this device holds no passkey these options ask for.")
        cred.sign_count += 1
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(False)]) + struct.pack(">I", cred.sign_count)
        client_data = self._client_data("webauthn.get", challenge)
        signature = cred.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": cred.id, "rawId": cred.id, "type": "public-key", "authenticatorAttachment": self.attachment,
                           "response": {"clientDataJSON": _b64u(client_data), "authenticatorData": _b64u(auth_data),
                                        "signature": _b64u(signature), "userHandle": _b64u(cred.user_handle)},
                           "clientExtensionResults": {}})


def passkey_authenticator(origin: str, **kw) -> PasskeyAuthenticator:
    """``labkit.passkey_authenticator(origin=...)``: the user's device with its passkeys (:class:`PasskeyAuthenticator`)."""
    return PasskeyAuthenticator(origin, **kw)
