"""The `classic` provider: Ed25519 (libsodium), ECDSA P-256 (cryptography), secp256k1
(libsecp256k1 through coincurve), SHA-256 (hashlib) and AES-256-GCM.

Libraries were chosen by measurement (../shared/reference/libs.md): PyNaCl verifies Ed25519 twice as
fast as `cryptography`, and coincurve is ten times faster than OpenSSL on secp256k1.

ECDSA signatures are 64 bytes r || s and always low-S (s <= n/2), so each (key, message) has exactly
one valid encoding per signature; a high-S signature does not verify.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

import coincurve
import nacl.bindings as sodium
import nacl.exceptions
from coincurve.ecdsa import cdata_to_der, der_to_cdata, deserialize_compact, serialize_compact
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from jadechain.crypto.aead import AesGcm
from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import MalformedKeyError

PARSED_KEYS_CACHED_MAX = 4096  # parsed public/private key objects kept per algorithm

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _check_scalar(name: str, private: bytes, order: int) -> int:
    if len(private) != 32:
        raise MalformedKeyError(f"{name} private key must be 32 bytes, got {len(private)}")
    scalar = int.from_bytes(private, "big")
    if not 0 < scalar < order:
        raise MalformedKeyError(f"{name} private key is out of range (0 < d < n)")
    return scalar


# --- Ed25519 -------------------------------------------------------------------------------------


@lru_cache(maxsize=PARSED_KEYS_CACHED_MAX)
def _ed25519_expanded(seed: bytes) -> bytes:
    return sodium.crypto_sign_seed_keypair(seed)[1]


@dataclass(frozen=True)
class Ed25519:
    algorithm: Algorithm = Algorithm.ED25519

    def generate(self) -> tuple[bytes, bytes]:
        seed = os.urandom(32)
        return seed, self.public_from_private(seed)

    def public_from_private(self, private: bytes) -> bytes:
        self.check_private(private)
        return _ed25519_expanded(private)[32:]

    def sign(self, private: bytes, message: bytes) -> bytes:
        self.check_private(private)
        signed: bytes = sodium.crypto_sign(message, _ed25519_expanded(private))
        return signed[:64]

    def verify(self, public: bytes, message: bytes, signature: bytes) -> bool:
        if len(public) != 32 or len(signature) != 64:
            return False
        try:
            sodium.crypto_sign_open(signature + message, public)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError):
            return False
        return True

    def check_public(self, public: bytes) -> None:
        if len(public) != 32:
            raise MalformedKeyError(f"ed25519 public key must be 32 bytes, got {len(public)}")
        if not sodium.crypto_core_ed25519_is_valid_point(public):
            raise MalformedKeyError("ed25519 public key is not a valid curve point")

    def check_private(self, private: bytes) -> None:
        if len(private) != 32:
            raise MalformedKeyError(f"ed25519 private key must be 32 bytes, got {len(private)}")


# --- ECDSA P-256 ---------------------------------------------------------------------------------


@lru_cache(maxsize=PARSED_KEYS_CACHED_MAX)
def _p256_public(public: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except ValueError:
        raise MalformedKeyError("ecdsa-p256 public key is not a valid curve point") from None


@lru_cache(maxsize=PARSED_KEYS_CACHED_MAX)
def _p256_private(private: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(_check_scalar("ecdsa-p256", private, P256_ORDER), ec.SECP256R1())


@dataclass(frozen=True)
class EcdsaP256:
    algorithm: Algorithm = Algorithm.ECDSA_P256

    def generate(self) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        return private, self.public_from_private(private)

    def public_from_private(self, private: bytes) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        key = _p256_private(private).public_key()
        return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)

    def sign(self, private: bytes, message: bytes) -> bytes:
        der = _p256_private(private).sign(message, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        s = min(s, P256_ORDER - s)  # low-S: one encoding per signature
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def verify(self, public: bytes, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < P256_ORDER and 0 < s <= P256_ORDER // 2):
            return False
        try:
            key = _p256_public(public)
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, MalformedKeyError):
            return False
        return True

    def check_public(self, public: bytes) -> None:
        if len(public) != 33:
            raise MalformedKeyError(
                f"ecdsa-p256 public key must be 33 bytes (compressed), got {len(public)}"
            )
        _p256_public(public)

    def check_private(self, private: bytes) -> None:
        _check_scalar("ecdsa-p256", private, P256_ORDER)


# --- secp256k1 -----------------------------------------------------------------------------------


@lru_cache(maxsize=PARSED_KEYS_CACHED_MAX)
def _k1_public(public: bytes) -> coincurve.PublicKey:
    try:
        return coincurve.PublicKey(public)
    except ValueError:
        raise MalformedKeyError("secp256k1 public key is not a valid curve point") from None


@lru_cache(maxsize=PARSED_KEYS_CACHED_MAX)
def _k1_private(private: bytes) -> coincurve.PrivateKey:
    _check_scalar("secp256k1", private, SECP256K1_ORDER)
    return coincurve.PrivateKey(private)


@dataclass(frozen=True)
class Secp256k1:
    algorithm: Algorithm = Algorithm.SECP256K1

    def generate(self) -> tuple[bytes, bytes]:
        key = coincurve.PrivateKey()
        return key.secret, key.public_key.format(compressed=True)

    def public_from_private(self, private: bytes) -> bytes:
        return _k1_private(private).public_key.format(compressed=True)

    def sign(self, private: bytes, message: bytes) -> bytes:
        der = _k1_private(private).sign(message)  # libsecp256k1 always signs low-S
        compact: bytes = serialize_compact(der_to_cdata(der))
        return compact

    def verify(self, public: bytes, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            der = cdata_to_der(deserialize_compact(signature))
            return _k1_public(public).verify(der, message)
        except (ValueError, MalformedKeyError):
            return False

    def check_public(self, public: bytes) -> None:
        if len(public) != 33:
            raise MalformedKeyError(
                f"secp256k1 public key must be 33 bytes (compressed), got {len(public)}"
            )
        _k1_public(public)

    def check_private(self, private: bytes) -> None:
        _check_scalar("secp256k1", private, SECP256K1_ORDER)


# --- hashes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sha256:
    algorithm: Algorithm = Algorithm.SHA256

    def digest(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()


SCHEMES = (Ed25519(), EcdsaP256(), Secp256k1(), Sha256(), AesGcm())
