"""Ledger values to the plain Python values contracts see, and back.

text -> str, int64 -> int, bytes -> bytes, bool -> bool, json -> its data (dict, list, ...),
timestamp -> int (milliseconds). Back: bool -> Bool, int -> Int64, str -> Text, bytes -> Bytes,
list, tuple and dict -> Json (canonical text); anything else is refused with TypeError, a value
over the ledger's limits with ValueError.
"""

from __future__ import annotations

import math
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

JSON_DEPTH_MAX = 32


def to_python(value: Value) -> Any:
    if isinstance(value, Json):
        return value.data()
    if isinstance(value, Text | Int64 | Bytes | Bool | Timestamp):
        return value.value
    raise TypeError(f"not a ledger value: {type(value).__name__}")


def to_ledger(data: Any) -> Value:
    """The ledger value of plain Python data (TypeError or ValueError if there is none)."""
    value = _convert(data)
    try:
        value.check()
    except InvalidValueError as error:
        raise ValueError(str(error)) from None
    return value


def _convert(data: Any) -> Value:
    if isinstance(data, bool):
        return Bool(data)
    if isinstance(data, int):
        if not INT64_MIN <= data <= INT64_MAX:
            raise ValueError("an integer value must fit in int64")
        return Int64(int(data))
    if isinstance(data, str):
        return Text(data)
    if isinstance(data, bytes):
        return Bytes(data)
    if isinstance(data, list | tuple | dict):
        _check_json(data, 0)
        return Json.of(data)
    raise TypeError(f"a ledger value is str, int, bool, bytes, list or dict, not {_kind(data)}")


def _kind(data: object) -> str:
    return type(data).__name__


def _check_json(data: Any, depth: int) -> None:
    if depth > JSON_DEPTH_MAX:
        raise ValueError(f"JSON data nested deeper than {JSON_DEPTH_MAX} levels")
    if data is None or isinstance(data, bool | int | str):
        return
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError("JSON data may not hold NaN or infinity")
        return
    if isinstance(data, dict):
        for key, item in data.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are text, not {_kind(key)}")
            _check_json(item, depth + 1)
        return
    if isinstance(data, list | tuple):
        for item in data:
            _check_json(item, depth + 1)
        return
    raise TypeError(f"JSON data holds no {_kind(data)}")
