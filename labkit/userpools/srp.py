"""SRP-6a as Amazon Cognito runs it for ``USER_SRP_AUTH`` (the server's half).

Cognito's constants and encodings are those of AWS's own client, ``AuthenticationHelper.js`` in
amazon-cognito-identity-js (mirrored by pycognito's ``aws_srp.py``): the 3072-bit group of RFC 5054
appendix A, g = 2, k = H(N | g), u = H(A | B), x = H(salt | H(pool_name + user_id + ":" + password)),
and the session key is HKDF-SHA256 (RFC 5869) of S with salt u and info ``"Caldera Derived Key"``.

The server stores only the verifier v = g^x mod N and the salt, never the password. The client
proves it knows the password by an HMAC over the pool name, its user id, the SECRET_BLOCK and a
timestamp, keyed with the session key; no password (and nothing a listener could replay) travels.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G_HEX = "2"
G = 2
INFO = b"Caldera Derived Key"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pad_hex(value: int | str) -> str:
    """Hex with an even number of digits and a leading 00 when the top bit is set (a positive
    big-endian integer), as AuthenticationHelper.padHex does before hashing."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2 == 1:
        return "0" + text
    if text[0] in "89abcdefABCDEF":
        return "00" + text
    return text


def _hex_hash(hex_string: str) -> str:
    return _sha256_hex(bytes.fromhex(hex_string))


K = int(_hex_hash("00" + N_HEX + "0" + G_HEX), 16)


def pool_name(pool_id: str) -> str:
    """The part of the pool id after the region, which Cognito mixes into x and the claim."""
    return pool_id.split("_", 1)[1]


def private_x(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = _sha256_hex(f"{pool_name(pool_id)}{user_id}:{password}".encode("utf-8"))
    return int(_hex_hash(pad_hex(salt_hex) + inner), 16)


class _FixedBase:
    """g^e mod N for exponents of up to 256 bits, by a precomputed comb table.

    Every verifier (v = g^x) and every server value g^b has the same base, so the powers
    g^(d * 256^j) are computed once (32 x 256 products, ~0.2 s, ~3 MB) and each exponentiation is
    then at most 32 modular products instead of ~300: about 5x faster than ``pow`` for 3072-bit N.
    Exponents wider than the table fall back to ``pow``. Tested against ``pow`` in the test suite.
    """

    WINDOW = 8
    BITS = 256

    def __init__(self, base: int, modulus: int):
        self.base, self.modulus = base, modulus
        self._table: list[list[int]] | None = None
        self._lock = threading.Lock()

    def _build(self) -> list[list[int]]:
        with self._lock:
            if self._table is None:
                table, step = [], self.base % self.modulus
                for _ in range(self.BITS // self.WINDOW):
                    row = [1, step]
                    for _ in range(2, 1 << self.WINDOW):
                        row.append(row[-1] * step % self.modulus)
                    table.append(row)
                    step = row[-1] * step % self.modulus  # base^(256^(j+1))
                self._table = table
            return self._table

    def warm(self) -> None:
        """Build the table in a background thread, so no sign-in waits for it."""
        threading.Thread(target=self._build, name="labkit-srp-table", daemon=True).start()

    def __call__(self, exponent: int) -> int:
        if exponent < 0 or exponent.bit_length() > self.BITS:
            return pow(self.base, exponent, self.modulus)
        table = self._table or self._build()
        mask, result, j = (1 << self.WINDOW) - 1, 1, 0
        while exponent:
            digit = exponent & mask
            if digit:
                result = result * table[j][digit] % self.modulus
            exponent >>= self.WINDOW
            j += 1
        return result


g_pow = _FixedBase(G, N)


def make_verifier(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    """v = g^x mod N: what the pool keeps instead of the password."""
    return g_pow(private_x(pool_id, user_id, password, salt_hex))


@dataclass
class ServerChallenge:
    """The server's side of one PASSWORD_VERIFIER exchange."""

    b: int
    B: int
    A: int
    salt_hex: str
    verifier: int

    @property
    def srp_b_hex(self) -> str:
        return f"{self.B:x}"


def start(A_hex: str, verifier: int, salt_hex: str, random) -> ServerChallenge:
    """B = k*v + g^b mod N, with b from the sandbox's seeded random. Raises ValueError for A % N == 0.

    b has 256 bits (RFC 5054 section 2.5.3 asks for at least 256): the client's a keeps its 1024.
    """
    A = int(A_hex, 16)
    if A % N == 0:
        raise ValueError("SRP_A is not valid")
    b = random.getrandbits(256) | (1 << 255)
    B = (K * verifier + g_pow(b)) % N
    return ServerChallenge(b=b, B=B, A=A, salt_hex=salt_hex, verifier=verifier)


def session_key(ch: ServerChallenge) -> bytes:
    """S = (A * v^u)^b mod N, then HKDF(S, salt=u, info="Caldera Derived Key")[:16]."""
    u = int(_hex_hash(pad_hex(ch.A) + pad_hex(ch.B)), 16)
    S = pow(ch.A * pow(ch.verifier, u, N), ch.b, N)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=16, salt=bytes.fromhex(pad_hex(u)), info=INFO)
    return hkdf.derive(bytes.fromhex(pad_hex(S)))


def expected_signature(ch: ServerChallenge, pool_id: str, user_id: str, secret_block_b64: str, timestamp: str) -> str:
    msg = pool_name(pool_id).encode() + user_id.encode() + base64.b64decode(secret_block_b64) + timestamp.encode()
    return base64.b64encode(hmac.new(session_key(ch), msg, hashlib.sha256).digest()).decode()


def claim_is_valid(ch: ServerChallenge, pool_id: str, user_id: str, secret_block_b64: str, timestamp: str, signature: str) -> bool:
    """The PASSWORD_CLAIM_SIGNATURE check (constant-time compare)."""
    try:
        want = expected_signature(ch, pool_id, user_id, secret_block_b64, timestamp)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(want.encode(), (signature or "").encode())


# ---------------------------------------------------------------- remembered devices
# Device authentication (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) is the same SRP-6a exchange with the
# device in the user's place: the app made the verifier at ConfirmDevice, with x = H(salt | H(DeviceGroupKey +
# DeviceKey + ":" + device password)) (AuthenticationHelper.generateHashDevice in amazon-cognito-identity-js,
# pycognito's generate_hash_device), and signs DeviceGroupKey + DeviceKey + SECRET_BLOCK + TIMESTAMP.

def device_claim_is_valid(ch: ServerChallenge, device_group_key: str, device_key: str, secret_block_b64: str,
                          timestamp: str, signature: str) -> bool:
    """The PASSWORD_CLAIM_SIGNATURE check of DEVICE_PASSWORD_VERIFIER (constant-time compare)."""
    try:
        msg = device_group_key.encode() + device_key.encode() + base64.b64decode(secret_block_b64) + timestamp.encode()
        want = base64.b64encode(hmac.new(session_key(ch), msg, hashlib.sha256).digest()).decode()
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(want.encode(), (signature or "").encode())
