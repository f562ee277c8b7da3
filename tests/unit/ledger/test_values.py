"""Typed values: each checks its own rules; encodings carry the type."""

from __future__ import annotations

import pytest

from jadechain import codec
from jadechain.ledger import model as m
from jadechain.ledger.values import (
    INT64_MAX,
    Bool,
    Bytes,
    Int64,
    InvalidValueError,
    Json,
    Text,
    Timestamp,
    Value,
    decode_value,
)
from jadechain.testing import LocalChain


def test_every_type_round_trips_with_its_tag() -> None:
    values: list[Value] = [
        Text("é"),
        Int64(-5),
        Bytes(b"\x00"),
        Bool(True),
        Json.of({"b": 1, "a": [1]}),
        Timestamp(0),
    ]
    for value in values:
        value.check()
        assert decode_value(codec.encode(value)) == value
        assert codec.to_builtins(value)["type"] in {
            "text",
            "int64",
            "bytes",
            "bool",
            "json",
            "timestamp",
        }
    assert Json.of({"b": 1, "a": [1]}).value == '{"a":[1],"b":1}'


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (Int64(INT64_MAX + 1), "int64 value out of range"),
        (Json('{"b":1, "a":2}'), "not in canonical form"),
        (Json("{nope"), "not valid JSON"),
        (Timestamp(-1), "timestamp out of range"),
        (Bytes(b"x" * (4 * 1024 * 1024 + 1)), "exceeds"),
    ],
)
def test_invalid_values_say_why(
    value: Text | Int64 | Bytes | Json | Timestamp, reason: str
) -> None:
    with pytest.raises(InvalidValueError, match=reason):
        value.check()


def test_invalid_value_fails_its_transaction(chain: LocalChain) -> None:
    account = chain.data_account()
    result = chain.submit([m.SetEntries(account, [m.EntryWrite("k", Json("{bad"), m.NEW)])])
    assert result.code is m.TxCode.INVALID_OPERATION
    assert "not valid JSON" in result.message
