"""Key pairs, signing, verification and hashing on the self-describing types."""

from __future__ import annotations

from dataclasses import dataclass

from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import MalformedKeyError
from jadechain.crypto.registry import hash_scheme, signature_scheme
from jadechain.crypto.types import Digest, PrivateKey, PublicKey, Signature


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A private key with its public key. `repr` never shows the private key."""

    public: PublicKey
    private: PrivateKey

    def __post_init__(self) -> None:
        if self.public.algorithm != self.private.algorithm:
            raise MalformedKeyError("public and private key are of different algorithms")

    @classmethod
    def generate(cls, algorithm: Algorithm) -> KeyPair:
        private_raw, public_raw = signature_scheme(algorithm).generate()
        return cls(PublicKey(algorithm, public_raw), PrivateKey(algorithm, private_raw))

    @classmethod
    def from_private(cls, private: PrivateKey) -> KeyPair:
        """The key pair of a private key (checks that the key is valid for its algorithm)."""
        public_raw = signature_scheme(private.algorithm).public_from_private(private.raw)
        return cls(PublicKey(private.algorithm, public_raw), private)

    @property
    def algorithm(self) -> Algorithm:
        return self.public.algorithm

    @property
    def address(self) -> str:
        from jadechain.crypto.address import address_of

        return address_of(self.public)

    def sign(self, message: bytes) -> Signature:
        return sign(self.private, message)


def sign(private: PrivateKey, message: bytes) -> Signature:
    raw = signature_scheme(private.algorithm).sign(private.raw, message)
    return Signature(private.algorithm, raw)


def verify(public: PublicKey, message: bytes, signature: Signature) -> bool:
    """True when `signature` is `public`'s signature of `message`. Never raises for bad input."""
    if public.algorithm != signature.algorithm:
        return False
    return signature_scheme(public.algorithm).verify(public.raw, message, signature.raw)


def hash_data(algorithm: Algorithm, data: bytes) -> Digest:
    return Digest(algorithm, hash_scheme(algorithm).digest(data))
