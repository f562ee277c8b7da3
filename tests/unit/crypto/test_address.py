"""Addresses: derivation, checksum and parsing."""

from __future__ import annotations

import hashlib

import pytest

from jadechain.crypto import (
    AddressError,
    Algorithm,
    KeyPair,
    PublicKey,
    address_of,
    is_address,
    parse_address,
)
from jadechain.crypto.base58 import b58check_decode


def test_address_names_algorithm_and_key_hash(keypair: KeyPair) -> None:
    address = keypair.address
    algorithm, key_hash = parse_address(address)
    assert algorithm is keypair.algorithm
    assert len(key_hash) == 20
    body = b58check_decode(address)
    assert body[0] == 0x4A
    assert is_address(address)


def test_sm2_uses_sm3_and_others_ripemd160() -> None:
    raw = bytes(range(32))
    classic = PublicKey(Algorithm.ED25519, raw)
    expected = hashlib.new("ripemd160", hashlib.sha256(raw).digest()).digest()
    assert parse_address(address_of(classic))[1] == expected
    sm2 = KeyPair.generate(Algorithm.SM2).public
    assert parse_address(address_of(sm2))[1] == hashlib.new("sm3", sm2.raw).digest()[:20]


def test_typo_is_caught_by_checksum(keypair: KeyPair) -> None:
    address = keypair.address
    replacement = "2" if address[-1] != "2" else "3"
    mistyped = address[:-1] + replacement
    with pytest.raises(AddressError, match="checksum"):
        parse_address(mistyped)
    assert not is_address(mistyped)
    assert not is_address("")
    assert not is_address("not-an-address")
