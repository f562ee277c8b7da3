"""Pluggable cryptography with the Chinese national algorithms as first-class citizens.

Public API: algorithms and suites, self-describing keys/signatures/digests, key pairs, signing,
verification, hashing, addresses, the batch verifier and encrypted key files.
"""

from jadechain.crypto.address import AddressError, address_of, is_address, parse_address
from jadechain.crypto.algorithms import (
    SIGNATURE_NAMES,
    Algorithm,
    algorithm_from_code,
    algorithm_from_name,
)
from jadechain.crypto.batch import BatchVerifier
from jadechain.crypto.errors import (
    CryptoError,
    DecryptionError,
    MalformedDigestError,
    MalformedKeyError,
    MalformedSignatureError,
    ProviderUnavailableError,
    UnknownAlgorithmError,
    WrongPasswordError,
)
from jadechain.crypto.keys import KeyPair, hash_data, sign, verify
from jadechain.crypto.suites import CLASSIC, SM, Suite, suite_by_name
from jadechain.crypto.types import Digest, PrivateKey, PublicKey, Signature

__all__ = [
    "CLASSIC",
    "SIGNATURE_NAMES",
    "SM",
    "AddressError",
    "Algorithm",
    "BatchVerifier",
    "CryptoError",
    "DecryptionError",
    "Digest",
    "KeyPair",
    "MalformedDigestError",
    "MalformedKeyError",
    "MalformedSignatureError",
    "PrivateKey",
    "ProviderUnavailableError",
    "PublicKey",
    "Signature",
    "Suite",
    "UnknownAlgorithmError",
    "WrongPasswordError",
    "address_of",
    "algorithm_from_code",
    "algorithm_from_name",
    "hash_data",
    "is_address",
    "parse_address",
    "sign",
    "suite_by_name",
    "verify",
]
