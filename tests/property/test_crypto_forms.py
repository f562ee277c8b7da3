"""Property tests: Base58 and the self-describing forms round-trip for any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jadechain.crypto import Algorithm, CryptoError, Digest, PublicKey, Signature
from jadechain.crypto.algorithms import HASH_ALGORITHMS, SIGNATURE_ALGORITHMS
from jadechain.crypto.base58 import b58check_decode, b58check_encode, b58decode, b58encode


@given(st.binary(max_size=200))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    assert b58check_decode(b58check_encode(data)) == data


def _one_digit_at_a_time(data: bytes) -> str:
    """Base58 by its definition: the number's digits in base 58, a "1" per leading zero byte."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        digits = alphabet[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


@given(st.binary(max_size=200))
def test_base58_two_digits_at_a_time_matches_the_definition(data: bytes) -> None:
    assert b58encode(data) == _one_digit_at_a_time(data)


def test_base58_known_answers() -> None:
    assert b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert b58encode(bytes.fromhex("0000287fb4cd")) == "11233QC4"
    assert b58encode(b"\0") == "1"
    assert b58encode(b"") == ""
    assert b58encode(b"\x39") == "z"  # 57: one digit; its pair's leading "1" is stripped


@given(st.sampled_from(HASH_ALGORITHMS), st.binary(min_size=32, max_size=32))
def test_digest_round_trip(algorithm: Algorithm, raw: bytes) -> None:
    digest = Digest(algorithm, raw)
    assert Digest.from_bytes(digest.to_bytes()) == digest
    assert Digest.from_base58(digest.to_base58()) == digest


@given(st.sampled_from(SIGNATURE_ALGORITHMS), st.data())
def test_public_key_and_signature_round_trip(algorithm: Algorithm, data: st.DataObject) -> None:
    info = algorithm.info
    raw_key = data.draw(st.binary(min_size=info.public_key_bytes, max_size=info.public_key_bytes))
    raw_sig = data.draw(st.binary(min_size=info.signature_bytes, max_size=info.signature_bytes))
    key = PublicKey(algorithm, raw_key)
    assert PublicKey.from_bytes(key.to_bytes()) == key
    signature = Signature(algorithm, raw_sig)
    assert Signature.from_base58(signature.to_base58()) == signature


@given(st.binary(max_size=100))
def test_arbitrary_bytes_never_crash_decoders(data: bytes) -> None:
    for kind in (PublicKey, Signature, Digest):
        try:
            value = kind.from_bytes(data)
        except CryptoError:
            continue
        assert value.to_bytes() == data
