"""Base58 (Bitcoin alphabet) and Base58Check text forms.

Keys, digests, signatures and addresses are shown to people as Base58: no characters that look
alike (0/O, I/l), and a double-click selects the whole value.
"""

from __future__ import annotations

import hashlib

from jadechain.crypto.errors import CryptoError

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: index for index, char in enumerate(ALPHABET)}
CHECKSUM_BYTES = 4
TEXT_CHARS_MAX = 4096  # no key, digest, signature or address is anywhere near this long


class Base58Error(CryptoError):
    """Text that is not valid Base58 or whose Base58Check checksum does not match."""


_PAIRS = [high + low for high in ALPHABET for low in ALPHABET]  # two digits at a time
_PAIR_BASE = 58 * 58


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    pairs: list[str] = []
    while number:
        number, remainder = divmod(number, _PAIR_BASE)
        pairs.append(_PAIRS[remainder])
    digits = "".join(reversed(pairs)).lstrip("1")  # a leading zero digit of the top pair
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + digits


def b58decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise Base58Error(f"expected Base58 text, got {type(text).__name__}")
    if len(text) > TEXT_CHARS_MAX:
        raise Base58Error(f"Base58 text too long: {len(text)} characters > {TEXT_CHARS_MAX}")
    number = 0
    for position, char in enumerate(text):
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise Base58Error(f"invalid Base58 character {char!r} at position {position}") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    leading_ones = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_ones + body


def checksum(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()[:CHECKSUM_BYTES]


def b58check_encode(data: bytes) -> str:
    return b58encode(data + checksum(data))


def b58check_decode(text: str) -> bytes:
    raw = b58decode(text)
    if len(raw) < CHECKSUM_BYTES:
        raise Base58Error("Base58Check text too short to hold a checksum")
    data, check = raw[:-CHECKSUM_BYTES], raw[-CHECKSUM_BYTES:]
    if checksum(data) != check:
        raise Base58Error("Base58Check checksum mismatch: the text is mistyped or corrupted")
    return data
