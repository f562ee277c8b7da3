"""Self-describing crypto values: public keys, private keys, signatures and digests.

Byte forms (all on-ledger; pinned by tests/vectors/golden.json):
- digest      = code(2, big-endian) || digest bytes
- signature   = code(2) || raw signature (fixed width per algorithm)
- public key  = code(2) || 0x01 || raw public key
- private key = code(2) || 0x02 || raw private key

The text form of each is Base58 of its byte form. Decoding checks the algorithm code and the exact
length for that algorithm, so a truncated or padded value is refused with a clear error. Whether a
public key is a point on its curve is checked by `PublicKey.validate()` at the edges (the check
costs a native call); a signature check with an invalid key simply fails.
"""

from __future__ import annotations

from typing import ClassVar, Self

from jadechain.crypto.algorithms import Algorithm, algorithm_from_code
from jadechain.crypto.base58 import b58decode, b58encode
from jadechain.crypto.errors import (
    CryptoError,
    MalformedDigestError,
    MalformedKeyError,
    MalformedSignatureError,
)

CODE_BYTES = 2
KEY_TYPE_PUBLIC = 0x01
KEY_TYPE_PRIVATE = 0x02


_LAYOUTS: dict[tuple[type, Algorithm], tuple[int, bytes]] = {}


class _Tagged:
    """A raw value tagged with its algorithm. Immutable, hashable, ordered by byte form."""

    __slots__ = ("_encoded", "algorithm", "raw")
    _key_type: ClassVar[int | None] = None
    _error: ClassVar[type[CryptoError]] = CryptoError
    _what: ClassVar[str] = "value"

    algorithm: Algorithm
    raw: bytes
    _encoded: bytes

    def __init__(self, algorithm: Algorithm, raw: bytes) -> None:
        # (expected length, header) per (class, algorithm), so the hot path is two dict lookups.
        layout = _LAYOUTS.get((type(self), algorithm))
        if layout is None:
            layout = _LAYOUTS[(type(self), algorithm)] = self._layout(algorithm)
        expected, header = layout
        if len(raw) != expected:
            raise self._error(
                f"{algorithm.info.name} {self._what} must be {expected} bytes, got {len(raw)}"
            )
        raw = bytes(raw)
        object.__setattr__(self, "algorithm", algorithm)
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "_encoded", header + raw)

    @classmethod
    def _layout(cls, algorithm: Algorithm) -> tuple[int, bytes]:
        header = algorithm.to_bytes(CODE_BYTES, "big")
        if cls._key_type is not None:
            header += bytes([cls._key_type])
        return cls._expected_length(algorithm), header

    @classmethod
    def _expected_length(cls, algorithm: Algorithm) -> int:
        raise NotImplementedError

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        header = CODE_BYTES + (0 if cls._key_type is None else 1)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise cls._error(f"{cls._what} must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < header:
            raise cls._error(f"{cls._what} too short: {len(data)} bytes")
        algorithm = algorithm_from_code(int.from_bytes(data[:CODE_BYTES], "big"))
        if cls._key_type is not None and data[CODE_BYTES] != cls._key_type:
            raise cls._error(f"not a {cls._what}: key type byte is 0x{data[CODE_BYTES]:02x}")
        return cls(algorithm, data[header:])

    @classmethod
    def from_base58(cls, text: str) -> Self:
        return cls.from_bytes(b58decode(text))

    def to_bytes(self) -> bytes:
        return self._encoded

    def __bytes__(self) -> bytes:
        return self._encoded

    def to_base58(self) -> str:
        return b58encode(self._encoded)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Tagged)
            and type(other) is type(self)
            and other._encoded == self._encoded
        )

    def __lt__(self, other: Self) -> bool:
        return self._encoded < other._encoded

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._encoded))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.algorithm.info.name}, {self.to_base58()})"

    def __str__(self) -> str:
        return self.to_base58()


class Digest(_Tagged):
    __slots__ = ()
    _error = MalformedDigestError
    _what = "digest"

    @classmethod
    def _expected_length(cls, algorithm: Algorithm) -> int:
        if not algorithm.is_hash:
            raise MalformedDigestError(f"{algorithm.info.name} is not a hash algorithm")
        return algorithm.info.digest_bytes


class Signature(_Tagged):
    __slots__ = ()
    _error = MalformedSignatureError
    _what = "signature"

    @classmethod
    def _expected_length(cls, algorithm: Algorithm) -> int:
        if not algorithm.is_signature:
            raise MalformedSignatureError(f"{algorithm.info.name} is not a signature algorithm")
        return algorithm.info.signature_bytes


class PublicKey(_Tagged):
    __slots__ = ()
    _key_type = KEY_TYPE_PUBLIC
    _error = MalformedKeyError
    _what = "public key"

    @classmethod
    def _expected_length(cls, algorithm: Algorithm) -> int:
        if not algorithm.is_signature:
            raise MalformedKeyError(f"{algorithm.info.name} has no key pairs")
        return algorithm.info.public_key_bytes

    def validate(self) -> Self:
        """Check that the key is a valid point for its algorithm; MalformedKeyError if not."""
        from jadechain.crypto.registry import signature_scheme

        signature_scheme(self.algorithm).check_public(self.raw)
        return self


class PrivateKey(_Tagged):
    __slots__ = ()
    _key_type = KEY_TYPE_PRIVATE
    _error = MalformedKeyError
    _what = "private key"

    @classmethod
    def _expected_length(cls, algorithm: Algorithm) -> int:
        if not algorithm.is_signature:
            raise MalformedKeyError(f"{algorithm.info.name} has no key pairs")
        return algorithm.info.private_key_bytes

    def __repr__(self) -> str:
        # Never print secret material, not even by accident in a traceback.
        return f"PrivateKey({self.algorithm.info.name}, <secret>)"

    def __str__(self) -> str:
        return self.__repr__()
