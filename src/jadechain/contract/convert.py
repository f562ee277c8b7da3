"""Ledger values to the plain Python values contracts see, and back.

text -> str, int64 -> int, bytes -> bytes, bool -> bool, json -> its data (dict, list, ...),
timestamp -> int (milliseconds). Back: bool -> Bool, int -> Int64, str -> Text, bytes -> Bytes,
list, tuple and dict -> Json (canonical text); anything else is refused with TypeError, a value
over the ledger's limits with ValueError.

Both directions give the same outcome on every node, whatever the interpreter's settings and
stack: JSON integers of more than INT_DIGITS_MAX digits and data nested deeper than
JSON_DEPTH_MAX levels are refused, and a JSON value's size is measured (with `charge` called for
fuel per element) and refused over the ledger's limit before its text is made.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from typing import Any

from jadechain.contract.limits import INT_DIGITS_MAX
from jadechain.ledger.values import (
    INT64_MAX,
    INT64_MIN,
    VALUE_BYTES_MAX,
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
_LONG_NUMBER = re.compile(rf"[0-9]{{{INT_DIGITS_MAX + 1}}}")
_NESTED = frozenset({list, dict})
_TOO_DEEP = f"JSON data nested deeper than {JSON_DEPTH_MAX} levels"
_TOO_BIG = f"json value exceeds {VALUE_BYTES_MAX} bytes"
_TEN_TO_DIGITS_MAX = 10**INT_DIGITS_MAX

Charge = Callable[[int], None]


def _free(units: int) -> None:
    return None


def to_python(value: Value) -> Any:
    if isinstance(value, Json):
        return json_data(value.value)
    if isinstance(value, Text | Int64 | Bytes | Bool | Timestamp):
        return value.value
    raise TypeError(f"not a ledger value: {type(value).__name__}")


def json_data(text: str) -> Any:
    """The data of JSON text; ValueError for integers over INT_DIGITS_MAX digits or nesting
    deeper than JSON_DEPTH_MAX (whether the interpreter's limits would have stopped it or not)."""
    try:
        if _LONG_NUMBER.search(text) is None:
            data = json.loads(text)
        else:
            data = json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    if text.count("[") + text.count("{") > JSON_DEPTH_MAX:
        _check_depth(data, 0)
    return data


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > INT_DIGITS_MAX:
        raise ValueError(f"a JSON integer of {digits} digits exceeds the limit of {INT_DIGITS_MAX}")
    return int(text)


def _check_depth(data: Any, depth: int) -> None:
    items = data.values() if type(data) is dict else data
    if not items:
        return
    if depth >= JSON_DEPTH_MAX:
        raise ValueError(_TOO_DEEP)
    nested = itertools.compress(items, map(_NESTED.__contains__, map(type, items)))
    for item in nested:
        _check_depth(item, depth + 1)


def to_ledger(data: Any, charge: Charge | None = None) -> Value:
    """The ledger value of plain Python data (TypeError or ValueError if there is none).

    `charge(units)` is called with fuel for each element of list, tuple and dict data."""
    value = _convert(data, charge or _free)
    try:
        value.check()
    except InvalidValueError as error:
        raise ValueError(str(error)) from None
    return value


def _convert(data: Any, charge: Charge) -> Value:
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
        _JsonSize(charge).size(data, 0)
        return Json.of(data)
    raise TypeError(f"a ledger value is str, int, bool, bytes, list or dict, not {_kind(data)}")


def _kind(data: object) -> str:
    return type(data).__name__


class _JsonSize:
    """The UTF-8 size of data's canonical JSON text, measured without making it; ValueError as
    soon as it exceeds the ledger's value limit (or for NaN, long integers, deep nesting),
    TypeError for what JSON cannot hold."""

    def __init__(self, charge: Charge) -> None:
        self.charge = charge
        self.total = 0
        self.memo: dict[int, tuple[str, int]] = {}

    def size(self, data: Any, depth: int) -> None:
        if depth > JSON_DEPTH_MAX:
            raise ValueError(_TOO_DEEP)
        kind = type(data)
        if kind is list or kind is tuple or kind is dict:
            count = len(data)
            self.charge(1 + count // 16)
            self._add(2 + max(count - 1, 0))
            if kind is dict:
                for key, item in data.items():
                    if not isinstance(key, str):
                        raise TypeError(f"JSON object keys are text, not {_kind(key)}")
                    self._add(1 + self._text(key))
                    self.size(item, depth + 1)
            else:
                for item in data:
                    self.size(item, depth + 1)
            return
        self.charge(1)
        self._add(self._scalar(data))

    def _scalar(self, data: Any) -> int:
        kind = type(data)
        if data is None or kind is bool:
            return 5 if data is False else 4
        if kind is int:
            if not -_TEN_TO_DIGITS_MAX < data < _TEN_TO_DIGITS_MAX:
                digits = f"more than {INT_DIGITS_MAX} digits"
                raise ValueError(f"a JSON integer of {digits} ({data.bit_length()} bits)")
            return len(str(data))
        if kind is float:
            if not math.isfinite(data):
                raise ValueError("JSON data may not hold NaN or infinity")
            return len(repr(data))
        if kind is str:
            return self._text(data)
        raise TypeError(f"JSON data holds no {_kind(data)}")

    def _add(self, size: int) -> None:
        self.total += size
        if self.total > VALUE_BYTES_MAX:
            raise ValueError(_TOO_BIG)

    def _text(self, text: str) -> int:
        known = self.memo.get(id(text))
        if known is not None:
            return known[1]
        if text.isascii() and text.isprintable():
            size = len(text) + 2 + text.count('"') + text.count("\\")
        elif text.isprintable():  # only " and \ are escaped
            size = len(text.encode("utf-8", "surrogatepass")) + 2 + text.count('"')
            size += text.count("\\")
        else:
            rendered = json.dumps(text, ensure_ascii=False)
            size = len(rendered.encode("utf-8", "surrogatepass"))
        self.memo[id(text)] = (text, size)
        return size
