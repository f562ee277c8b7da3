"""Typed values stored in data accounts, events and contract arguments.

A value is a tagged record: text, int64, bytes, bool, json (canonical JSON text) or timestamp
(milliseconds since the epoch). The tag travels with the value, so a reader knows what it holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jadechain.codec import Record

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
VALUE_BYTES_MAX = 4 * 1024 * 1024  # one value; a transaction has its own, larger bound
JSON_DEPTH_MAX = 64  # levels of nested arrays and objects in a json value
JSON_INT_DIGITS_MAX = 640  # decimal digits of one json integer (Python's lowest digit limit)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


class InvalidValueError(ValueError):
    """A value that breaks its type's rules."""


class Text(Record, frozen=True, tag="text"):
    value: str

    def check(self) -> None:
        if len(self.value.encode()) > VALUE_BYTES_MAX:
            raise InvalidValueError(f"text value exceeds {VALUE_BYTES_MAX} bytes")


class Int64(Record, frozen=True, tag="int64"):
    value: int

    def check(self) -> None:
        if not INT64_MIN <= self.value <= INT64_MAX:
            raise InvalidValueError(f"int64 value out of range: {self.value}")


class Bytes(Record, frozen=True, tag="bytes"):
    value: bytes

    def check(self) -> None:
        if len(self.value) > VALUE_BYTES_MAX:
            raise InvalidValueError(f"bytes value exceeds {VALUE_BYTES_MAX} bytes")


class Bool(Record, frozen=True, tag="bool"):
    value: bool

    def check(self) -> None:
        return None


class Json(Record, frozen=True, tag="json"):
    """JSON text in canonical form: sorted keys, no spaces, no NaN; checked by `check`."""

    value: str

    @classmethod
    def of(cls, data: Any) -> Json:
        return cls(canonical_json(data))

    def check(self) -> None:
        """Valid, canonical and within limits that do not depend on the interpreter's settings
        (every node must reach the same verdict): nesting at most `JSON_DEPTH_MAX` levels,
        integers of at most `JSON_INT_DIGITS_MAX` digits (below any `PYTHONINTMAXSTRDIGITS`),
        finite numbers only."""
        if len(self.value.encode()) > VALUE_BYTES_MAX:
            raise InvalidValueError(f"json value exceeds {VALUE_BYTES_MAX} bytes")
        depth = json_depth(self.value)
        if depth > JSON_DEPTH_MAX:
            raise InvalidValueError(f"json value nests {depth} levels, over {JSON_DEPTH_MAX}")
        try:
            data = json.loads(self.value, parse_int=_bounded_int, parse_constant=_no_constant)
            text = canonical_json(data)
        except ValueError as error:  # JSONDecodeError, an integer too long, inf
            raise InvalidValueError(f"json value is not valid JSON: {error}") from None
        if text != self.value:
            raise InvalidValueError("json value is not in canonical form (sorted keys, no spaces)")

    def data(self) -> Any:
        return json.loads(self.value)


class Timestamp(Record, frozen=True, tag="timestamp"):
    value: int  # milliseconds since 1970-01-01T00:00:00Z

    def check(self) -> None:
        if not 0 <= self.value <= INT64_MAX:
            raise InvalidValueError(f"timestamp out of range: {self.value}")


Value = Text | Int64 | Bytes | Bool | Json | Timestamp


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > JSON_INT_DIGITS_MAX:
        raise ValueError(f"an integer has more than {JSON_INT_DIGITS_MAX} digits")
    return int(digits)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def canonical_json(data: Any) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def decode_value(data: bytes) -> Value:
    """A value from its canonical bytes (CodecError if they are not one)."""
    from jadechain import codec

    value: Value = codec.decode(data, Value)  # type: ignore[arg-type]
    return value
