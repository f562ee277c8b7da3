"""Self-describing keys, signatures and digests: forms, validation and clear errors."""

from __future__ import annotations

import pytest

from jadechain.crypto import (
    Algorithm,
    Digest,
    KeyPair,
    MalformedDigestError,
    MalformedKeyError,
    MalformedSignatureError,
    PrivateKey,
    PublicKey,
    Signature,
    UnknownAlgorithmError,
    algorithm_from_code,
    algorithm_from_name,
    hash_data,
    sign,
    verify,
)
from jadechain.crypto.base58 import Base58Error


def test_codes_name_their_kind() -> None:
    assert Algorithm.SM2.is_signature
    assert not Algorithm.SM2.is_hash
    assert Algorithm.SM3.is_hash
    assert not Algorithm.SM3.is_signature
    assert Algorithm.SM4_GCM.is_symmetric_cipher
    assert len({int(a) for a in Algorithm}) == len(Algorithm)
    assert all(0 < a <= 0xFFFF for a in Algorithm)


def test_lookup_by_code_and_name() -> None:
    assert algorithm_from_code(int(Algorithm.ED25519)) is Algorithm.ED25519
    assert algorithm_from_name(" SM2 ") is Algorithm.SM2
    with pytest.raises(UnknownAlgorithmError, match="0x7777"):
        algorithm_from_code(0x7777)
    with pytest.raises(UnknownAlgorithmError, match="known: "):
        algorithm_from_name("rsa")


def test_byte_forms_carry_algorithm_and_type(keypair: KeyPair) -> None:
    code = int(keypair.algorithm).to_bytes(2, "big")
    assert keypair.public.to_bytes() == code + b"\x01" + keypair.public.raw
    assert keypair.private.to_bytes() == code + b"\x02" + keypair.private.raw
    signature = keypair.sign(b"message")
    assert signature.to_bytes() == code + signature.raw
    assert PublicKey.from_bytes(keypair.public.to_bytes()) == keypair.public
    assert PublicKey.from_base58(keypair.public.to_base58()) == keypair.public
    assert PrivateKey.from_base58(keypair.private.to_base58()) == keypair.private
    assert Signature.from_base58(signature.to_base58()) == signature


def test_sign_and_verify_every_algorithm(keypair: KeyPair) -> None:
    signature = sign(keypair.private, b"payload")
    assert verify(keypair.public, b"payload", signature)
    assert not verify(keypair.public, b"payloaD", signature)
    other = KeyPair.generate(keypair.algorithm)
    assert not verify(other.public, b"payload", signature)
    flipped = bytearray(signature.raw)
    flipped[5] ^= 1
    assert not verify(keypair.public, b"payload", Signature(signature.algorithm, bytes(flipped)))
    assert KeyPair.from_private(keypair.private) == keypair
    assert keypair.public.validate() is keypair.public


def test_truncated_key_is_refused_clearly(keypair: KeyPair) -> None:
    with pytest.raises(MalformedKeyError, match=r"must be .* bytes, got"):
        PublicKey.from_bytes(keypair.public.to_bytes()[:-1])
    with pytest.raises(MalformedKeyError, match="too short"):
        PublicKey.from_bytes(b"\x41")
    with pytest.raises(MalformedKeyError, match="not a public key"):
        PublicKey.from_bytes(keypair.private.to_bytes())


def test_unknown_code_is_refused_clearly() -> None:
    with pytest.raises(UnknownAlgorithmError, match="unknown algorithm code 0x7777"):
        PublicKey.from_bytes(b"\x77\x77\x01" + bytes(32))


def test_malformed_signature_is_refused_clearly(keypair: KeyPair) -> None:
    signature = keypair.sign(b"m")
    with pytest.raises(MalformedSignatureError, match="must be 64 bytes, got 63"):
        Signature.from_bytes(signature.to_bytes()[:-1])
    with pytest.raises(MalformedSignatureError, match="not a signature algorithm"):
        Signature(Algorithm.SHA256, bytes(64))


def test_digest_length_is_checked() -> None:
    digest = hash_data(Algorithm.SHA256, b"x")
    assert Digest.from_bytes(digest.to_bytes()) == digest
    with pytest.raises(MalformedDigestError, match="must be 32 bytes"):
        Digest(Algorithm.SM3, bytes(31))


def test_bad_base58_is_refused_clearly() -> None:
    with pytest.raises(Base58Error, match="invalid Base58 character '0'"):
        PublicKey.from_base58("0OIl")


def test_invalid_curve_point_fails_validation() -> None:
    # 33 bytes with a valid prefix but an x with no point on P-256 / secp256k1.
    for algorithm in (Algorithm.ECDSA_P256, Algorithm.SECP256K1):
        bogus = PublicKey(algorithm, b"\x02" + b"\xff" * 32)
        with pytest.raises(MalformedKeyError, match="not a valid curve point"):
            bogus.validate()


def test_verify_with_invalid_point_is_false_not_crash() -> None:
    signer = KeyPair.generate(Algorithm.SECP256K1)
    signature = signer.sign(b"m")
    bogus = PublicKey(Algorithm.SECP256K1, b"\x02" + b"\xff" * 32)
    assert not verify(bogus, b"m", signature)


def test_mixed_algorithms_never_verify() -> None:
    ed = KeyPair.generate(Algorithm.ED25519)
    k1 = KeyPair.generate(Algorithm.SECP256K1)
    assert not verify(k1.public, b"m", ed.sign(b"m"))


def test_values_are_immutable_and_private_keys_do_not_print(keypair: KeyPair) -> None:
    with pytest.raises(AttributeError):
        keypair.public.raw = b""
    assert keypair.private.to_base58() not in repr(keypair)
    assert keypair.private.to_base58() not in str(keypair.private)
