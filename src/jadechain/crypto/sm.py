"""The `sm` provider: the Chinese national algorithms.

- SM2 signatures (GB/T 32918, distinguishing ID 1234567812345678) and SM2 public-key encryption,
  through the system OpenSSL 3 libcrypto (`openssl_sm2`): pure-Python SM2 is 40x slower.
- SM3 (GB/T 32905) through hashlib, which uses the same OpenSSL.
- SM4-GCM (GB/T 32907 block cipher in GCM mode, RFC 8998) through `cryptography`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from jadechain.crypto import openssl_sm2
from jadechain.crypto.aead import Sm4Gcm
from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import MalformedKeyError, ProviderUnavailableError


@dataclass(frozen=True)
class Sm2:
    algorithm: Algorithm = Algorithm.SM2

    def generate(self) -> tuple[bytes, bytes]:
        return openssl_sm2.sm2_generate()

    def public_from_private(self, private: bytes) -> bytes:
        return openssl_sm2.sm2_public_from_private(private)

    def sign(self, private: bytes, message: bytes) -> bytes:
        return openssl_sm2.sm2_sign(private, message)

    def verify(self, public: bytes, message: bytes, signature: bytes) -> bool:
        if len(signature) != openssl_sm2.SM2_SIGNATURE_BYTES:
            return False
        try:
            return openssl_sm2.sm2_verify(public, message, signature)
        except MalformedKeyError:
            return False

    def check_public(self, public: bytes) -> None:
        openssl_sm2.sm2_check_public(public)

    def check_private(self, private: bytes) -> None:
        openssl_sm2.sm2_public_from_private(private)

    def encrypt(self, public: bytes, plaintext: bytes) -> bytes:
        """SM2 public-key encryption (OpenSSL's C1C3C2 ASN.1 form)."""
        return openssl_sm2.sm2_encrypt(public, plaintext)

    def decrypt(self, private: bytes, ciphertext: bytes) -> bytes:
        return openssl_sm2.sm2_decrypt(private, ciphertext)


@dataclass(frozen=True)
class Sm3:
    algorithm: Algorithm = Algorithm.SM3

    def digest(self, data: bytes) -> bytes:
        try:
            return hashlib.new("sm3", data).digest()
        except ValueError:
            raise ProviderUnavailableError(
                "SM3 needs Python's hashlib linked to OpenSSL 3 (Debian package libssl3)"
            ) from None


SCHEMES = (Sm2(), Sm3(), Sm4Gcm())
