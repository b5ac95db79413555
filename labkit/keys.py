"""Signing keys made at run time: one RSA key per user pool (and one for the identity service).

AWS signs each user pool's tokens with keys of that pool, published at
``https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json``. moto ships one private
key inside its wheel and signs every pool with it (kid ``dummy``), so anybody can forge tokens. Here
each pool gets its own 2048-bit key, generated in this process and never written anywhere.

RSA key generation costs ~25 ms, so a small stock is made ahead in a background thread: creating a
pool stays cheap and the first sign-in does not wait.
"""

from __future__ import annotations

import base64
import hashlib
import queue
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

STOCK = 3


def _b64u_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self):
        return self.private_key.public_key()

    @property
    def jwk(self) -> dict:
        """The public half as a JWK, in the member order Cognito's JWKS uses."""
        numbers = self.public_key.public_numbers()
        return {"alg": "RS256", "e": _b64u_uint(numbers.e), "kid": self.kid, "kty": "RSA", "n": _b64u_uint(numbers.n), "use": "sig"}


def _new_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyRing:
    """Keys by owner (a pool id, or ``"cognito-identity"``), generated on first use."""

    def __init__(self, stock: int = STOCK):
        self._keys: dict[str, SigningKey] = {}
        self._stock: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._want = stock
        if stock:
            threading.Thread(target=self._fill, name="labkit-keygen", daemon=True).start()

    def _fill(self):
        while not self._stop.is_set():
            if self._stock.qsize() >= self._want:
                self._stop.wait(0.05)
                continue
            self._stock.put(_new_private_key())

    def close(self):
        self._stop.set()

    def for_owner(self, owner: str) -> SigningKey:
        with self._lock:
            key = self._keys.get(owner)
            if key is None:
                try:
                    private = self._stock.get_nowait()
                except queue.Empty:
                    private = _new_private_key()
                pub = private.public_key().public_numbers()
                # A kid like Cognito's: base64 of a digest of the public key (44 characters).
                kid = base64.b64encode(hashlib.sha256(str(pub.n).encode()).digest()).decode()
                key = self._keys[owner] = SigningKey(kid, private)
            return key

    def get(self, owner: str) -> SigningKey | None:
        """The key of ``owner`` if it has one already (never makes one)."""
        return self._keys.get(owner)

    def jwks(self, owner: str) -> dict:
        return {"keys": [self.for_owner(owner).jwk]}

    def find(self, kid: str) -> SigningKey | None:
        for key in self._keys.values():
            if key.kid == kid:
                return key
        return None
