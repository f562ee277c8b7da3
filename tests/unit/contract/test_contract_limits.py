"""Limits that keep contracts deterministic and the node unharmed: integers and their text,
code size, code nesting, JSON numbers; each refusal is the same on every node, whatever the
interpreter's settings (PYTHONINTMAXSTRDIGITS) and the caller's stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jadechain.ledger import model as m
from jadechain.ledger.values import Json
from jadechain.testing import LocalChain
from jadechain.testing.contracts import COUNTER_SOURCE as COUNTER
from jadechain.testing.contracts import ContractFailed, ContractTester

HEADER = "from jadechain.contract import Contract, ContractError, method\n"


def contract(body: str) -> str:
    lines = "\n".join("        " + line for line in body.strip("\n").splitlines())
    return f"{HEADER}\nclass Probe(Contract):\n    @method\n    def run(self, ctx):\n{lines}\n"


def run(body: str) -> m.TransactionResult:
    return ContractTester(contract(body)).deploy().submit("run")


# --- integers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "return int.from_bytes(b'\\xff' * 8193, 'big')",
        "return int.from_bytes([255] * 8193, 'little')",
        "return int.from_bytes(b'\\x80' + bytes(8192), 'big', signed=True) - 1",
        "return int('f' * 16385, 16)",
        "return int('1' * 65537, 2)",
        "x = int.from_bytes(b'\\xff' * 8192, 'big')\nreturn sum([x, x])",
    ],
)
def test_integers_over_65536_bits_are_refused_from_every_source(body: str) -> None:
    result = run(body)
    assert result.code is m.TxCode.CONTRACT_ERROR
    assert "exceeds the limit of 65536" in result.message


def test_integers_up_to_the_limit_are_made() -> None:
    body = (
        "return [int.from_bytes(b'\\xff' * 8192, 'big').bit_length(),"
        " int('f' * 16384, 16).bit_length(), (2 ** 65535).bit_length()]"
    )
    assert ContractTester(contract(body)).deploy().call("run") == [65536, 65536, 65536]


def test_integer_literals_over_the_limit_are_refused_at_deploy() -> None:
    tester = ContractTester(contract(f"return {hex(2**65536)}"))
    with pytest.raises(ContractFailed) as failed:
        tester.deploy()
    assert failed.value.code is m.TxCode.INVALID_OPERATION
    assert "an integer of 65537 bits exceeds the limit of 65536" in failed.value.message


# Each outcome must not depend on the interpreter's int_max_str_digits (4300 by default; a node
# may run with PYTHONINTMAXSTRDIGITS=0, no limit, or any limit from 640).
DIGITS_BODIES = [
    "return str(2 ** 30000)",
    "return len(f'{2 ** 20000}')",
    "return repr([2 ** 5000])",
    "return int('7' * 5000)",
    "return [2 ** 20000]",
    "ctx.set(ctx.address, 'k', [2 ** 20000])",
    "raise ContractError(2 ** 20000)",
    "x = " + "1" * 5000,
    "return str(10 ** 639)",
    "return str(int('9' * 640))[:3]",
    "return [10 ** 639]",
]
DIGITS_SCRIPT = """
import json, sys
from jadechain.ledger import model as m
from jadechain.testing.contracts import ContractTester
from jadechain.contract.convert import to_python

out = []
for source in json.loads(sys.stdin.read()):
    tester = ContractTester(source)
    deployed = tester.chain.submit([m.DeployContract(tester.key.public, source)])
    if deployed.code is not m.TxCode.SUCCESS:
        out.append(["deploy", deployed.code.value, deployed.message])
        continue
    result = tester.submit("run")
    values = [None if v is None else repr(to_python(v))[:80] for v in result.operation_results]
    out.append([result.code.value, result.message, result.fuel_used, values])
print(json.dumps(out))
"""


def _outcomes(setting: str | None) -> list[list[object]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONINTMAXSTRDIGITS"}
    if setting is not None:
        env["PYTHONINTMAXSTRDIGITS"] = setting
    done = subprocess.run(
        [sys.executable, "-c", DIGITS_SCRIPT],
        input=json.dumps([contract(body) for body in DIGITS_BODIES]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    outcomes: list[list[object]] = json.loads(done.stdout)
    return outcomes


def test_int_text_conversions_are_the_same_whatever_the_interpreter_digit_limit() -> None:
    default = _outcomes(None)
    assert _outcomes("0") == default  # no limit
    assert _outcomes("640") == default  # the lowest limit the interpreter accepts
    by_body = dict(zip(DIGITS_BODIES, default, strict=True))
    refused = by_body["return str(2 ** 30000)"]
    assert refused[:1] == ["contract_error"]
    assert "contracts turn integers of at most 640 digits into text" in str(refused[1])
    assert by_body["x = " + "1" * 5000][:2] == ["deploy", "invalid_operation"]
    assert by_body["return str(10 ** 639)"][0] == "success"
    assert by_body["return str(int('9' * 640))[:3]"][0] == "success"


def test_json_integers_over_640_digits_are_refused_both_ways() -> None:
    result = run("return [10 ** 640]")
    assert result.code is m.TxCode.CONTRACT_ERROR
    assert "a JSON integer of more than 640 digits" in result.message
    chain = LocalChain()
    account = chain.data_account()
    stored = Json("[" + "1" * 700 + "]")  # nor can such a value reach a contract from the ledger
    write = chain.submit([m.SetEntries(account, [m.EntryWrite("big", stored, -1)])])
    assert write.code is m.TxCode.INVALID_OPERATION
    assert "an integer has more than 640 digits" in write.message


# --- code: size and nesting -----------------------------------------------------------------------


def test_code_over_the_size_limit_is_refused_at_deploy_with_its_size() -> None:
    from jadechain.contract.sandbox import CODE_BYTES_MAX

    filler = "# " + "x" * 98 + "\n"
    fits = COUNTER + filler * ((CODE_BYTES_MAX - len(COUNTER)) // len(filler))
    assert len(fits.encode()) <= CODE_BYTES_MAX
    assert ContractTester(fits).deploy().call("bump", 2) == 2
    too_big = fits + filler
    size = len(too_big.encode())
    assert size > CODE_BYTES_MAX
    tester = ContractTester(too_big)
    with pytest.raises(ContractFailed) as failed:
        tester.deploy()
    assert failed.value.code is m.TxCode.INVALID_OPERATION
    assert failed.value.message == (
        f"contract code refused: the code is {size} bytes, over the limit of {CODE_BYTES_MAX} bytes"
    )


def test_contract_test_command_reports_the_size_limit(tmp_path: Path) -> None:
    from jadechain.cli.contract import contract as contract_command
    from jadechain.contract.sandbox import CODE_BYTES_MAX

    path = tmp_path / "big.py"
    path.write_text(COUNTER + "#" * CODE_BYTES_MAX + "\n", encoding="utf-8")
    outcome = CliRunner().invoke(contract_command, ["test", str(path)])
    assert outcome.exit_code == 2
    assert f"over the limit of {CODE_BYTES_MAX} bytes" in outcome.output


@pytest.mark.parametrize(
    "code",
    [
        "x = 1\ny = " + " + ".join(["x"] * 300) + "\n",
        "x = 1\nif x == 0:\n    y = 0\n" + "elif x == 2:\n    y = 1\n" * 300,
        "x = 1\ny = " + "+".join(["x"] * 12000) + "\n",  # too deep for the parser itself
    ],
)
def test_code_nested_too_deep_is_refused_cleanly_at_deploy(code: str) -> None:
    """Deep code used to raise RecursionError out of the deploy check (failing the block), at
    a depth that depended on the caller's stack."""
    chain = LocalChain()
    result = chain.submit([m.DeployContract(chain.key().public, HEADER + code)])
    assert result.code is m.TxCode.INVALID_OPERATION
    assert result.message == "contract code refused: code nested deeper than 100 levels"
    assert ContractTester(COUNTER, chain).deploy().call("bump", 1) == 1  # the ledger goes on
