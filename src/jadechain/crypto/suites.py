"""Crypto suites: the algorithm set a ledger chooses at creation.

- `classic`: Ed25519 signatures, SHA-256 hashes, AES-256-GCM encryption.
- `sm`: SM2 signatures, SM3 hashes, SM4-GCM encryption.
A ledger also lists the signature algorithms it accepts (by default its suite's own); keys of
other algorithms coexist because every value names its algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass

from jadechain.crypto.algorithms import Algorithm
from jadechain.crypto.errors import UnknownAlgorithmError


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    signature: Algorithm
    hash: Algorithm
    cipher: Algorithm


CLASSIC = Suite("classic", Algorithm.ED25519, Algorithm.SHA256, Algorithm.AES_256_GCM)
SM = Suite("sm", Algorithm.SM2, Algorithm.SM3, Algorithm.SM4_GCM)
SUITES = {suite.name: suite for suite in (CLASSIC, SM)}


def suite_by_name(name: str) -> Suite:
    try:
        return SUITES[name.strip().lower()]
    except KeyError:
        raise UnknownAlgorithmError(
            f"unknown crypto suite {name!r}; known: {', '.join(SUITES)}"
        ) from None


def suite_for_signature(algorithm: Algorithm) -> Suite:
    """The suite whose cipher protects keys of this algorithm: SM2 keys use SM4, others AES."""
    return SM if algorithm is Algorithm.SM2 else CLASSIC
