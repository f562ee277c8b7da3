"""Typed values: each checks its own rules; encodings carry the type."""

from __future__ import annotations

import os
import subprocess
import sys

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
        (Json("1" * 641), "more than 640 digits"),
        (Json("[" * 65 + "]" * 65), "nests 65 levels, over 64"),
        (Json("[" * 100_000 + "]" * 100_000), "nests 100000 levels"),
        (Json("1e400"), "Out of range float"),
        (Json("[NaN]"), "NaN is not a JSON number"),
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


def test_json_limits_are_inclusive_and_ignore_brackets_in_strings() -> None:
    for text in ["1" * 640, "-" + "1" * 640, "[" * 64 + "]" * 64, '{"a":"[[[{{{"}']:
        Json(text).check()


HOSTILE_JSON = ["1" * 5000, "[" * 100_000 + "]" * 100_000, "1e400"]


@pytest.mark.parametrize("text", HOSTILE_JSON)
def test_hostile_json_fails_its_transaction_not_the_block(chain: LocalChain, text: str) -> None:
    account = chain.data_account()
    result = chain.submit([m.SetEntries(account, [m.EntryWrite("k", Json(text), m.NEW)])])
    assert result.code is m.TxCode.INVALID_OPERATION  # before: ValueError/RecursionError out of
    # the executor, failing the whole block (a node's pipeline stops on it)
    after = chain.submit([m.SetEntries(account, [m.EntryWrite("k", Json("[1]"), m.NEW)])])
    assert after.code is m.TxCode.SUCCESS


def test_json_verdicts_do_not_depend_on_the_interpreters_digit_limit() -> None:
    script = (
        "from jadechain.ledger.values import Json, InvalidValueError\n"
        "for text in ['1' * 640, '1' * 641, '1' * 5000, '1' * 4300]:\n"
        "    try:\n        Json(text).check(); print('ok')\n"
        "    except InvalidValueError as error: print(error)\n"
    )
    verdicts = set()
    for setting in ["", "0", "640", "100000"]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONINTMAXSTRDIGITS"}
        if setting:
            env["PYTHONINTMAXSTRDIGITS"] = setting
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        verdicts.add(run.stdout)
    [only] = verdicts
    assert only.splitlines()[0] == "ok"
    assert all("more than 640 digits" in line for line in only.splitlines()[1:])
