"""The provider seam: what a signature, hash or cipher implementation must offer.

Schemes work on raw bytes (no algorithm tags); the tagged types in `types.py` and the functions
in `jadechain.crypto` wrap them. A provider module (`classic`, `sm`) registers one object per
algorithm.
"""

from __future__ import annotations

from typing import Protocol

from jadechain.crypto.algorithms import Algorithm


class SignatureScheme(Protocol):
    algorithm: Algorithm

    def generate(self) -> tuple[bytes, bytes]:
        """A new key pair as (raw private key, raw public key)."""
        ...

    def public_from_private(self, private: bytes) -> bytes: ...

    def sign(self, private: bytes, message: bytes) -> bytes: ...

    def verify(self, public: bytes, message: bytes, signature: bytes) -> bool:
        """True when the signature is valid. Never raises for a well-sized bad signature or key."""
        ...

    def check_public(self, public: bytes) -> None:
        """Raise MalformedKeyError unless `public` is a valid public key."""
        ...

    def check_private(self, private: bytes) -> None:
        """Raise MalformedKeyError unless `private` is a valid private key."""
        ...


class HashScheme(Protocol):
    algorithm: Algorithm

    def digest(self, data: bytes) -> bytes: ...


class CipherScheme(Protocol):
    """Authenticated symmetric encryption. Output = nonce || ciphertext || tag."""

    algorithm: Algorithm

    def encrypt(self, key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes: ...

    def decrypt(self, key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
        """Raise DecryptionError when `sealed` is malformed or fails authentication."""
        ...
