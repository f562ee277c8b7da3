"""Addresses: the short, checksummed name of a public key.

address = Base58Check(version || algorithm code(2) || key hash(20))
key hash = first 20 bytes of SM3(raw public key) for SM2 keys (SM3-160, so an SM ledger needs no
foreign hash), and RIPEMD-160(SHA-256(raw public key)) for every other algorithm. The algorithm code
inside makes the same raw bytes under two algorithms give two addresses.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from jadechain.crypto.algorithms import Algorithm, algorithm_from_code
from jadechain.crypto.base58 import b58check_decode, b58check_encode
from jadechain.crypto.errors import CryptoError
from jadechain.crypto.types import PublicKey

ADDRESS_VERSION = 0x4A
KEY_HASH_BYTES = 20
ADDRESS_BYTES = 1 + 2 + KEY_HASH_BYTES
ADDRESSES_CACHED_MAX = 65536


class AddressError(CryptoError):
    """Text that is not a valid jadechain address."""


def key_hash(public: PublicKey) -> bytes:
    if public.algorithm is Algorithm.SM2:
        return hashlib.new("sm3", public.raw).digest()[:KEY_HASH_BYTES]
    return hashlib.new("ripemd160", hashlib.sha256(public.raw).digest()).digest()


@lru_cache(maxsize=ADDRESSES_CACHED_MAX)
def address_of(public: PublicKey) -> str:
    body = bytes([ADDRESS_VERSION]) + public.algorithm.to_bytes(2, "big") + key_hash(public)
    return b58check_encode(body)


def parse_address(text: str) -> tuple[Algorithm, bytes]:
    """(algorithm, key hash) of an address; AddressError if it is malformed or mistyped."""
    try:
        body = b58check_decode(text)
    except CryptoError as error:
        raise AddressError(f"invalid address {text[:64]!r}: {error}") from None
    if len(body) != ADDRESS_BYTES or body[0] != ADDRESS_VERSION:
        raise AddressError(f"invalid address {text[:64]!r}: wrong length or version")
    return algorithm_from_code(int.from_bytes(body[1:3], "big")), body[3:]


def is_address(text: str) -> bool:
    try:
        parse_address(text)
    except CryptoError:
        return False
    return True
