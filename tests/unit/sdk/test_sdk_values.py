"""Python values become the ledger's typed values, and what has no typed value is refused."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jadechain.ledger.values import (
    INT64_MAX,
    INT64_MIN,
    VALUE_BYTES_MAX,
    Bool,
    Bytes,
    Int64,
    Json,
    Text,
    Timestamp,
    Value,
)
from jadechain.sdk import to_value


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("harvested", Text("harvested")),
        ("", Text("")),
        ("茶叶", Text("茶叶")),
        (True, Bool(True)),
        (False, Bool(False)),
        (0, Int64(0)),
        (INT64_MAX, Int64(INT64_MAX)),
        (INT64_MIN, Int64(INT64_MIN)),
        (b"\x00\xff", Bytes(b"\x00\xff")),
        (bytearray(b"ab"), Bytes(b"ab")),
        (memoryview(b"cd"), Bytes(b"cd")),
        ({"b": 1, "a": [True, None]}, Json('{"a":[true,null],"b":1}')),
        ([], Json("[]")),
        ([1, "x"], Json('[1,"x"]')),
        (datetime.datetime(1970, 1, 1, 0, 0, 1, 500, tzinfo=datetime.UTC), Timestamp(1000)),
        (
            datetime.datetime(2024, 1, 1, 8, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
            Timestamp(1_704_067_200_000),
        ),
    ],
)
def test_conversions(given: Any, expected: Value) -> None:
    converted = to_value(given)
    assert converted == expected
    assert type(converted) is type(expected)


def test_bool_is_checked_before_int() -> None:
    assert type(to_value(True)) is Bool
    assert type(to_value(1)) is Int64


def test_enum_members_become_plain_values() -> None:
    import enum

    class Size(enum.IntEnum):
        BIG = 7

    class Colour(enum.StrEnum):
        JADE = "jade"

    number = to_value(Size.BIG)
    assert number == Int64(7)
    assert type(number.value) is int
    text = to_value(Colour.JADE)
    assert text == Text("jade")
    assert type(text.value) is str


@pytest.mark.parametrize("value", [Text("x"), Int64(5), Bytes(b""), Bool(False), Timestamp(9)])
def test_typed_values_pass_through(value: Value) -> None:
    assert to_value(value) is value


@pytest.mark.parametrize("number", [INT64_MAX + 1, INT64_MIN - 1, 2**200])
def test_int_out_of_range(number: int) -> None:
    with pytest.raises(ValueError, match="int64 range"):
        to_value(number)


@pytest.mark.parametrize("value", [None, 1.5, {1, 2}, (1, 2), object(), complex(1, 2)])
def test_unsupported_types(value: object) -> None:
    with pytest.raises(ValueError, match="unsupported value type"):
        to_value(value)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        to_value(datetime.datetime(2024, 1, 1))


def test_datetime_before_the_epoch_is_refused() -> None:
    with pytest.raises(ValueError, match="timestamp out of range"):
        to_value(datetime.datetime(1969, 12, 31, tzinfo=datetime.UTC))


@pytest.mark.parametrize(
    "data", [{"x": float("nan")}, [float("inf")], {"x": object()}, {"k": {1, 2}}]
)
def test_non_json_data_is_refused(data: Any) -> None:
    with pytest.raises(ValueError, match="not JSON data"):
        to_value(data)


def test_cyclic_json_is_refused() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="not JSON data"):
        to_value(cycle)


def test_explicit_values_are_checked_too() -> None:
    with pytest.raises(ValueError, match="int64 value out of range"):
        to_value(Int64(INT64_MAX + 1))
    with pytest.raises(ValueError, match="canonical form"):
        to_value(Json('{"b":1, "a":2}'))


def test_oversized_values_are_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        to_value(b"x" * (VALUE_BYTES_MAX + 1))
    assert to_value("y" * VALUE_BYTES_MAX) == Text("y" * VALUE_BYTES_MAX)
