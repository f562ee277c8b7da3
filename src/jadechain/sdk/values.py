"""Python values to the ledger's typed values (`jadechain.ledger.values`)."""

from __future__ import annotations

import datetime
from typing import Any

from jadechain.ledger.values import (
    INT64_MAX,
    INT64_MIN,
    Bool,
    Bytes,
    Int64,
    InvalidValueError,
    Json,
    Text,
    Timestamp,
    Value,
)

_VALUE_TYPES = (Text, Int64, Bytes, Bool, Json, Timestamp)

PlainValue = Value | str | int | bool | bytes | dict[str, Any] | list[Any] | datetime.datetime
"""What the builder accepts where the ledger stores a typed `Value`."""


def to_value(value: object) -> Value:
    """The typed value of a Python value; ValueError when there is none.

    - a `Value` (Text, Int64, Bytes, Bool, Json, Timestamp) passes through (and is checked);
    - `bool` -> Bool (before int: `True` is an int in Python);
    - `int` -> Int64, which must lie in [-2**63, 2**63 - 1];
    - `str` -> Text; `bytes`, `bytearray`, `memoryview` -> Bytes;
    - `dict`, `list` -> Json in canonical form (sorted keys, no spaces; no NaN or infinity);
    - a timezone-aware `datetime` -> Timestamp (milliseconds since the epoch).
    Anything else (None, float, set, naive datetime, ...) is refused.
    """
    typed = _convert(value)
    try:
        typed.check()
    except InvalidValueError as error:
        raise ValueError(str(error)) from None
    return typed


def _convert(value: object) -> Value:
    if isinstance(value, _VALUE_TYPES):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"integer out of the int64 range [-2**63, 2**63 - 1]: {value}")
        return Int64(int(value))
    if isinstance(value, str):
        return Text(str.__str__(value))  # a plain str, also for str subclasses and StrEnums
    if isinstance(value, bytes | bytearray | memoryview):
        return Bytes(bytes(value))
    if isinstance(value, dict | list):
        return _json(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a datetime value needs a timezone (e.g. datetime.UTC)")
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        return Timestamp((value - epoch) // datetime.timedelta(milliseconds=1))
    raise ValueError(
        f"unsupported value type {type(value).__name__}: use str, int, bool, bytes, dict, list, "
        "an aware datetime, or a jadechain.ledger.values Value"
    )


def _json(data: dict[Any, Any] | list[Any]) -> Json:
    try:
        return Json.of(data)
    except (TypeError, ValueError) as error:  # unserialisable objects, NaN, cycles
        raise ValueError(f"value is not JSON data: {error}") from None
