"""The one table of crypto algorithms and their 2-byte codes.

A code is self-describing: its high bits say what kind of algorithm it is (hash, signature,
encryption, asymmetric, symmetric) and its low byte is a unique id. Every key, signature and digest
carries its code, so values of different suites can coexist in one ledger. Codes are part of the
on-ledger format: they never change once released (tests/vectors pins them).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from jadechain.crypto.errors import UnknownAlgorithmError

# Flag bits of an algorithm code (high byte), in the spirit of JD Chain's CryptoAlgorithm codes.
FLAG_HASH = 0x2000
FLAG_SIGNATURE = 0x4000
FLAG_ENCRYPTION = 0x8000
FLAG_ASYMMETRIC = 0x0100
FLAG_SYMMETRIC = 0x0200


class Algorithm(enum.IntEnum):
    """Every algorithm jadechain knows, by its 2-byte code."""

    SM2 = FLAG_SIGNATURE | FLAG_ENCRYPTION | FLAG_ASYMMETRIC | 0x02
    SM3 = FLAG_HASH | 0x03
    SM4_GCM = FLAG_ENCRYPTION | FLAG_SYMMETRIC | 0x04
    ED25519 = FLAG_SIGNATURE | FLAG_ASYMMETRIC | 0x15
    ECDSA_P256 = FLAG_SIGNATURE | FLAG_ASYMMETRIC | 0x16
    SECP256K1 = FLAG_SIGNATURE | FLAG_ASYMMETRIC | 0x17
    SHA256 = FLAG_HASH | 0x18
    AES_256_GCM = FLAG_ENCRYPTION | FLAG_SYMMETRIC | 0x1A

    @property
    def info(self) -> AlgorithmInfo:
        return ALGORITHMS[self]

    @property
    def is_signature(self) -> bool:
        return bool(self & FLAG_SIGNATURE)

    @property
    def is_hash(self) -> bool:
        return bool(self & FLAG_HASH)

    @property
    def is_symmetric_cipher(self) -> bool:
        return bool(self & FLAG_ENCRYPTION) and bool(self & FLAG_SYMMETRIC)


@dataclass(frozen=True, slots=True)
class AlgorithmInfo:
    """Sizes and names of one algorithm. Sizes are in bytes; 0 means "not applicable"."""

    algorithm: Algorithm
    name: str
    provider: str
    private_key_bytes: int = 0
    public_key_bytes: int = 0
    signature_bytes: int = 0
    digest_bytes: int = 0
    key_bytes: int = 0


ALGORITHMS: dict[Algorithm, AlgorithmInfo] = {
    info.algorithm: info
    for info in (
        AlgorithmInfo(Algorithm.SM2, "sm2", "sm", 32, 65, 64),
        AlgorithmInfo(Algorithm.SM3, "sm3", "sm", digest_bytes=32),
        AlgorithmInfo(Algorithm.SM4_GCM, "sm4-gcm", "sm", key_bytes=16),
        AlgorithmInfo(Algorithm.ED25519, "ed25519", "classic", 32, 32, 64),
        AlgorithmInfo(Algorithm.ECDSA_P256, "ecdsa-p256", "classic", 32, 33, 64),
        AlgorithmInfo(Algorithm.SECP256K1, "secp256k1", "classic", 32, 33, 64),
        AlgorithmInfo(Algorithm.SHA256, "sha256", "classic", digest_bytes=32),
        AlgorithmInfo(Algorithm.AES_256_GCM, "aes-256-gcm", "classic", key_bytes=32),
    )
}

_BY_NAME = {info.name: info.algorithm for info in ALGORITHMS.values()}

SIGNATURE_ALGORITHMS = tuple(a for a in Algorithm if a.is_signature)
SIGNATURE_NAMES = tuple(a.info.name for a in SIGNATURE_ALGORITHMS)
HASH_ALGORITHMS = tuple(a for a in Algorithm if a.is_hash)


def algorithm_from_code(code: int) -> Algorithm:
    """The algorithm with this 2-byte code, or UnknownAlgorithmError."""
    try:
        return Algorithm(code)
    except ValueError:
        raise UnknownAlgorithmError(f"unknown algorithm code 0x{code:04x}") from None


def algorithm_from_name(name: str) -> Algorithm:
    """The algorithm with this name (case-insensitive, e.g. "sm2", "ed25519")."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise UnknownAlgorithmError(f"unknown algorithm {name!r}; known: {known}") from None


def require_kind(algorithm: Algorithm, *, signature: bool = False, hashing: bool = False) -> None:
    """Raise UnknownAlgorithmError when `algorithm` is not of the kind asked for."""
    if signature and not algorithm.is_signature:
        raise UnknownAlgorithmError(f"{algorithm.info.name} is not a signature algorithm")
    if hashing and not algorithm.is_hash:
        raise UnknownAlgorithmError(f"{algorithm.info.name} is not a hash algorithm")
