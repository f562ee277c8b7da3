"""The one canonical binary encoding, and the JSON views.

Binary: MessagePack through msgspec Structs. Struct fields are written in declaration order, dict
keys sorted (`order="deterministic"`), integers in their shortest form, so one value has exactly one
encoding and hashes of encodings are stable. `decode_canonical` refuses any input that is not the
canonical encoding of what it decodes to, so a peer or client cannot smuggle a second encoding of
the same content past a hash check.

Crypto values (public and private keys, signatures, digests) are written as their self-describing
byte forms in MessagePack and as Base58 text in JSON. Plain `bytes` fields are Base64 in JSON.

Records that are part of the ledger's format subclass `Record`; changing one changes the golden
encodings pinned in tests/vectors, which is the point: a format change must be deliberate.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from jadechain.crypto.types import Digest, PrivateKey, PublicKey, Signature

T = TypeVar("T")

_CRYPTO_TYPES: tuple[type, ...] = (PublicKey, PrivateKey, Signature, Digest)
_CRYPTO_TYPE_SET = frozenset(_CRYPTO_TYPES)


class CodecError(ValueError):
    """Bytes or JSON that do not decode to the expected type, or are not canonical."""


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """Base of every encoded ledger record: immutable, strict about unknown fields.

    Subclasses repeat `frozen=True` in their class line so that type checkers see it too.
    `gc=False`: records are immutable trees of values and cannot form reference cycles, so the
    cyclic garbage collector need not track the many thousands a block creates.
    """


def _enc_binary(obj: Any) -> Any:
    if type(obj) in _CRYPTO_TYPE_SET:  # hot: every digest and key of every record
        return obj._encoded
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


def _enc_json(obj: Any) -> Any:
    if isinstance(obj, _CRYPTO_TYPES):
        return obj.to_base58()  # type: ignore[attr-defined]
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


def _dec_hook(type_: type, obj: Any) -> Any:
    # A CryptoError is a ValueError, which msgspec reports as a ValidationError with the field path.
    if type_ in _CRYPTO_TYPES:
        if isinstance(obj, str):
            return type_.from_base58(obj)  # type: ignore[attr-defined]
        if isinstance(obj, bytes):
            return type_.from_bytes(obj)  # type: ignore[attr-defined]
        raise TypeError(f"expected {type_.__name__}, got {type(obj).__name__}")
    raise NotImplementedError(f"cannot decode {type_.__name__}")


# msgspec raises UnicodeDecodeError (not a DecodeError) for strings that are not UTF-8.
_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError)

_binary_encoder = msgspec.msgpack.Encoder(enc_hook=_enc_binary, order="deterministic")
_json_encoder = msgspec.json.Encoder(enc_hook=_enc_json, order="deterministic")
_binary_decoders: dict[Any, msgspec.msgpack.Decoder[Any]] = {}
_json_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def encode(obj: Any) -> bytes:
    """The canonical MessagePack bytes of `obj`."""
    return _binary_encoder.encode(obj)


def decode(data: bytes, type_: type[T]) -> T:
    """Decode MessagePack bytes as `type_`; CodecError with the path of the bad field."""
    decoder = _binary_decoders.get(type_)
    if decoder is None:
        decoder = _binary_decoders[type_] = msgspec.msgpack.Decoder(type_, dec_hook=_dec_hook)
    try:
        return decoder.decode(data)  # type: ignore[no-any-return]
    except _DECODE_ERRORS as error:
        raise CodecError(f"cannot decode {_name(type_)}: {error}") from None


def decode_canonical(data: bytes, type_: type[T]) -> T:
    """Decode, and refuse input that is not exactly the canonical encoding of the result."""
    value = decode(data, type_)
    if encode(value) != bytes(data):
        raise CodecError(f"non-canonical encoding of {_name(type_)}")
    return value


def to_json(obj: Any) -> bytes:
    """The JSON view of `obj` (UTF-8 bytes, keys of plain dicts sorted)."""
    return _json_encoder.encode(obj)


def from_json(data: bytes | str, type_: type[T]) -> T:
    decoder = _json_decoders.get(type_)
    if decoder is None:
        decoder = _json_decoders[type_] = msgspec.json.Decoder(type_, dec_hook=_dec_hook)
    try:
        return decoder.decode(data)  # type: ignore[no-any-return]
    except _DECODE_ERRORS as error:
        raise CodecError(f"cannot decode {_name(type_)} from JSON: {error}") from None


def to_builtins(obj: Any) -> Any:
    """The JSON view as Python dicts, lists, strings and numbers."""
    return msgspec.json.decode(to_json(obj))


def _name(type_: Any) -> str:
    return getattr(type_, "__name__", None) or str(type_)
