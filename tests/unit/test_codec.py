"""The canonical encoding: determinism, strictness, crypto values and clear errors."""

from __future__ import annotations

import msgspec
import pytest

from jadechain import codec
from jadechain.codec import CodecError, Record
from jadechain.crypto import Algorithm, Digest, KeyPair, PublicKey, Signature, hash_data


class Entry(Record, frozen=True, tag="entry"):
    key: str
    value: bytes
    version: int


class Envelope(Record, frozen=True):
    signer: PublicKey
    signature: Signature
    digest: Digest
    entries: list[Entry]
    labels: dict[str, int]
    note: str | None = None


def _envelope() -> Envelope:
    keypair = KeyPair.generate(Algorithm.ED25519)
    return Envelope(
        signer=keypair.public,
        signature=keypair.sign(b"x"),
        digest=hash_data(Algorithm.SHA256, b"x"),
        entries=[Entry("a", b"\x00\x01", 0), Entry("b", b"", -1)],
        labels={"zeta": 1, "alpha": 2},
    )


def test_binary_round_trip_and_canonical() -> None:
    envelope = _envelope()
    data = codec.encode(envelope)
    assert codec.decode(data, Envelope) == envelope
    assert codec.decode_canonical(data, Envelope) == envelope


def test_dict_keys_are_sorted_whatever_the_insertion_order() -> None:
    first = codec.encode({"b": 1, "a": 2})
    second = codec.encode({"a": 2, "b": 1})
    assert first == second


def test_non_canonical_input_is_refused() -> None:
    entry = Entry("a", b"v", 5)
    canonical = codec.encode(entry)
    # The same map with the version as a 64-bit integer: decodes fine, but is not canonical.
    wide = msgspec.msgpack.Encoder().encode({"type": "entry", "key": "a", "value": b"v"})
    wide = b"\x84" + wide[1:] + b"\xa7version\xcf" + (5).to_bytes(8, "big")
    assert codec.decode(wide, Entry) == entry
    assert wide != canonical
    with pytest.raises(CodecError, match="non-canonical"):
        codec.decode_canonical(wide, Entry)


def test_unknown_fields_and_wrong_types_name_the_problem() -> None:
    with pytest.raises(CodecError, match=r"\$\.version"):
        codec.from_json(b'{"type":"entry","key":"a","value":"","version":"7"}', Entry)
    with pytest.raises(CodecError, match="unknown field"):
        codec.from_json(b'{"type":"entry","key":"a","value":"","version":7,"x":1}', Entry)
    with pytest.raises(CodecError, match="cannot decode Entry"):
        codec.decode(b"\xc1", Entry)


def test_crypto_values_are_base58_in_json_and_validated() -> None:
    envelope = _envelope()
    view = codec.to_builtins(envelope)
    assert view["signer"] == envelope.signer.to_base58()
    assert view["entries"][0] == {"type": "entry", "key": "a", "value": "AAE=", "version": 0}
    assert codec.from_json(codec.to_json(envelope), Envelope) == envelope
    view["signer"] = view["signer"][:-3]
    with pytest.raises(CodecError, match=r"\$\.signer"):
        codec.from_json(codec.to_json(view), Envelope)


def test_garbage_crypto_bytes_are_a_codec_error() -> None:
    envelope = _envelope()
    raw = codec.to_builtins(envelope)
    raw["digest"] = "1111"
    with pytest.raises(CodecError):
        codec.from_json(codec.to_json(raw), Envelope)


def test_invalid_utf8_is_a_codec_error() -> None:
    data = codec.encode(Entry("ab", b"", 0)).replace(b"\xa2ab", b"\xa2\xff\xfe")
    with pytest.raises(CodecError, match="cannot decode Entry"):
        codec.decode(data, Entry)
    with pytest.raises(CodecError, match="from JSON"):
        codec.from_json(b'{"type":"entry","key":"\xff","value":"","version":0}', Entry)
