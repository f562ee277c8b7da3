"""The sandbox: refused source at deploy (with line numbers), escapes and limits at run time."""

from __future__ import annotations

import pytest

from jadechain.contract.sandbox import SandboxError, check_source
from jadechain.ledger import model as m
from jadechain.testing.contracts import ContractFailed, ContractTester

HEADER = "from jadechain.contract import Contract, ContractError, method\n"


def contract(body: str) -> str:
    """A contract whose method `run(self, ctx)` has `body` (indented by 8)."""
    lines = "\n".join("        " + line for line in body.strip("\n").splitlines())
    return f"{HEADER}\nclass Probe(Contract):\n    @method\n    def run(self, ctx):\n{lines}\n"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import os", "import is not allowed"),
        ("from os import path", "only 'from jadechain.contract import"),
        ("from jadechain.contract import Contract as _C", "starting with '_'"),
        ("__import__('os')", "starting with '_'"),
        ("x = ().__class__.__subclasses__()", "starting with '_'"),
        ("getattr(1, '__cl' + 'ass__')", "'getattr' is not allowed"),
        ("x = '{0.__class__}'.format(1)", "attribute 'format'"),
        ("x = type(1)", "'type' is not allowed"),
        ("eval('1')", "'eval' is not allowed"),
        ("x = open('/etc/passwd')", "'open' is not allowed"),
        ("def f():\n    global y", "global is not allowed"),
        ("async def f():\n    pass", "async def is not allowed"),
        ("def f():\n    yield 1", "yield is not allowed"),
        ("x = (i for i in range(3))", "generator expression"),
        ("x = {1, 2}", "a set"),
        ("try:\n    pass\nexcept:\n    pass", "bare 'except:'"),
        ("try:\n    pass\nexcept BaseException:\n    pass", "'BaseException' is not allowed"),
        ("try:\n    pass\nfinally:\n    pass", "try/finally"),
        ("class A(Contract, metaclass=M):\n    pass", "metaclasses"),
        ("x = f'{1:>1000000000}'", "format specs"),
        ("x = 1\nx.y = 2", "assigning or deleting attributes"),
        ("x = vars()", "'vars' is not allowed"),
        ("with x:\n    pass", "with is not allowed"),
        ("x = (lambda: 0).gi_frame", "attribute 'gi_frame'"),
    ],
)
def test_refused_source_names_the_rule(source: str, reason: str) -> None:
    with pytest.raises(SandboxError, match=reason):
        check_source(source)


def test_deploy_refuses_with_line_number() -> None:
    tester = ContractTester(HEADER + "\n\nimport os\n")
    with pytest.raises(ContractFailed) as failed:
        tester.deploy()
    assert failed.value.code is m.TxCode.INVALID_OPERATION
    assert "line 4: import is not allowed" in failed.value.message


def test_syntax_error_has_line_number() -> None:
    with pytest.raises(SandboxError, match="line 2: syntax error"):
        check_source("x = 1\ndef (:\n")


def probe(body: str, fuel_max: int | None = None) -> ContractTester:
    return ContractTester(contract(body), fuel_max=fuel_max).deploy()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return (1).real", "may not read attribute 'real' of int"),
        ("return ctx.get.__self__", None),  # refused at deploy; covered above
        ("return str(ctx)", "only turn plain data into text"),
        ("return f'{self}'", "only turn plain data into text"),
        ("return '%s' % 1", "%-formatting"),
        ("return Contract.mro", None),
        ("return Exception.args", "may not read attribute 'args' of type"),
        ("return str.real", "may not read attribute 'real' of SafeType"),
    ],
)
def test_runtime_escapes_fail_cleanly(body: str, message: str | None) -> None:
    if message is None:
        with pytest.raises(SandboxError):
            check_source(contract(body))
        return
    tester = probe(body)
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert message in failed.value.message
    tester.chain.ok([m.RegisterDataAccount(tester.chain.key().public)])  # the node is unharmed


def test_infinite_loop_runs_out_of_fuel_and_rolls_back() -> None:
    tester = probe('ctx.set(ctx.address, "k", 1)\nwhile True:\n    pass', fuel_max=10_000)
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.OUT_OF_FUEL
    assert tester.last is not None
    assert tester.last.fuel_used == 10_000
    assert tester.entry(tester.address, "k") is None  # rolled back


def test_fuel_error_cannot_be_caught() -> None:
    body = """
while True:
    try:
        while True:
            pass
    except Exception:
        pass
"""
    tester = probe(body, fuel_max=5_000)
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.OUT_OF_FUEL


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return len([0] * 10**9)", "exceeds the limit"),
        ("return len('x' * 10**10)", "exceeds the limit"),
        ("return 2 ** 10**10", "exceeds the limit"),
        ("return 1 << 10**9", "exceeds the limit"),
        ("x = 'ab'\nwhile True:\n    x += x", "exceeds the limit"),
        ("x = [1]\nwhile True:\n    x.extend(x)", "exceeds the limit"),
        ("return len(bytes(10**10))", "exceeds the limit"),
        ("return (1).to_bytes(10**10, 'big')", "exceeds the limit"),
        ("return len(','.join(['x' * 4194304, 'y']))", "exceeds the limit"),
        ("return 'a'.replace('', 'x' * 4000000)", "exceeds the limit"),
    ],
)
def test_huge_allocations_are_refused_before_they_happen(body: str, message: str) -> None:
    tester = probe(body)
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert message in failed.value.message


def test_list_of_huge_range_runs_out_of_fuel() -> None:
    tester = probe("return len(list(range(10**12)))", fuel_max=100_000)
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.CONTRACT_ERROR  # refused by size before iterating


def test_deep_recursion_fails_cleanly() -> None:
    source = f"""{HEADER}
def down(n):
    return down(n + 1)

class Deep(Contract):
    @method
    def run(self, ctx):
        try:
            return down(0)
        except Exception:
            return -1
"""
    tester = ContractTester(source).deploy()
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert "call depth exceeds the limit of 64" in failed.value.message


def test_oversized_result_and_value_fail_cleanly() -> None:
    tester = probe("return 'x' * 4194304 + 'y'")
    with pytest.raises(ContractFailed, match="exceeds the limit"):
        tester.call("run")
    big = probe("ctx.set(ctx.address, 'k', 'x' * 4194304 + 'y')")
    with pytest.raises(ContractFailed, match="exceeds the limit"):
        big.call("run")


def test_set_iteration_order_and_views_are_not_reachable() -> None:
    tester = probe("return {'b': 1, 'a': 2}.keys()")
    assert tester.call("run") == ["b", "a"]


def test_exception_message_has_contract_line() -> None:
    tester = probe("x = 1\nraise ContractError(f'no luck {x}')")
    with pytest.raises(ContractFailed) as failed:
        tester.call("run")
    assert failed.value.message == "ContractError at line 7: no luck 1"


def test_restricted_python_is_a_second_independent_check() -> None:
    from jadechain.contract.sandbox import SandboxError, _check_restricted

    _check_restricted("from jadechain.contract import Contract\n\nx = [1, 2]\n")
    with pytest.raises(SandboxError) as refused:
        _check_restricted("x = 1\ny = ().__class__\n")
    assert refused.value.line == 2
    assert "RestrictedPython" in str(refused.value)
