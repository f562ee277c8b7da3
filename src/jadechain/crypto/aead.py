"""AEAD ciphers shared by both providers: AES-256-GCM and SM4-GCM through `cryptography`.

Sealed form = nonce(12) || ciphertext || tag(16). The nonce is random per message (96 bits),
which is safe for the message counts of key files and envelopes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import DecryptionError, MalformedKeyError

NONCE_BYTES = 12
TAG_BYTES = 16


def _check_key(algorithm: Algorithm, key: bytes) -> None:
    if len(key) != algorithm.info.key_bytes:
        raise MalformedKeyError(
            f"{algorithm.info.name} key must be {algorithm.info.key_bytes} bytes, got {len(key)}"
        )


def _split(sealed: bytes) -> tuple[bytes, bytes, bytes]:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"ciphertext too short: {len(sealed)} bytes")
    return sealed[:NONCE_BYTES], sealed[NONCE_BYTES:-TAG_BYTES], sealed[-TAG_BYTES:]


@dataclass(frozen=True)
class AesGcm:
    algorithm: Algorithm = Algorithm.AES_256_GCM

    def encrypt(self, key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
        _check_key(self.algorithm, key)
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)

    def decrypt(self, key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
        _check_key(self.algorithm, key)
        nonce, body, tag = _split(sealed)
        try:
            return AESGCM(key).decrypt(nonce, body + tag, associated)
        except InvalidTag:
            raise DecryptionError("AES-GCM authentication failed") from None


@dataclass(frozen=True)
class Sm4Gcm:
    algorithm: Algorithm = Algorithm.SM4_GCM

    def encrypt(self, key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
        _check_key(self.algorithm, key)
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self.encrypt_with_nonce(key, nonce, plaintext, associated)

    def encrypt_with_nonce(
        self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes = b""
    ) -> bytes:
        """Ciphertext || tag for a caller-chosen nonce (test vectors; never reuse a nonce)."""
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return body + encryptor.tag

    def decrypt(self, key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
        _check_key(self.algorithm, key)
        nonce, body, tag = _split(sealed)
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(associated)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionError("SM4-GCM authentication failed") from None
