"""Code is checked again when a node loads it: code that reached the ledger's state without the
deploy check (a laxer deploy, or a tampered store) is refused at invoke, cleanly.

Each refused contract below would *run and succeed* if only the deploy check existed: it writes
its own storage and returns 1 using a construct the sandbox refuses but plain Python executes.
"""

from __future__ import annotations

import pytest

from jadechain.contract.runtime import PythonRuntime
from jadechain.ledger import model as m
from jadechain.ledger.state import LATEST_PREFIX, code_key
from jadechain.ledger.store import Ledger
from jadechain.storage import WriteBatch
from jadechain.testing import LocalChain
from jadechain.testing.contracts import COUNTER_SOURCE as COUNTER
from jadechain.testing.contracts import ContractFailed, ContractTester

HEADER = "from jadechain.contract import Contract, ContractError, method\n"


def refused(body: str) -> str:
    """A contract whose `run` executes `body` (from line 6), then writes "ran" and returns 1."""
    lines = "\n".join("        " + line for line in body.strip("\n").splitlines())
    return (
        f"{HEADER}\nclass Refused(Contract):\n    @method\n    def run(self, ctx) -> int:\n"
        f"{lines}\n        ctx.set(ctx.address, 'ran', True)\n        return 1\n"
    )


# (body, the line the sandbox names, its reason): each runs fine as plain Python.
REFUSED = [
    ("n = len({1, 2})", 6, "a set (its order is not deterministic)"),
    ("n = sum(i for i in range(3))", 6, "a generator expression"),
    ("n = 0\nif n == 0:\n    seen_ = 1\n    _seen = 2", 9, "name '_seen': names starting with '_'"),
    # accepted by jadechain's own AST rules, refused by RestrictedPython's policy alone
    ("totals = {'n': 0}\ntotals['n'] += 1", 7, "refused by RestrictedPython"),
]


class LaxRuntime(PythonRuntime):
    """A runtime whose deploy check accepts anything (an older or broken node's, say)."""

    def check(self, code: str) -> None:
        return None


def test_refused_sources_are_refused_at_deploy() -> None:
    """The premise: the real deploy check refuses each of them, naming the same line."""
    for body, line, reason in REFUSED:
        tester = ContractTester(refused(body))
        with pytest.raises(ContractFailed) as failed:
            tester.deploy()
        assert failed.value.code is m.TxCode.INVALID_OPERATION
        assert f"contract code refused: line {line}: " in failed.value.message
        assert reason in failed.value.message


def _assert_refused_then_healthy(chain: LocalChain, address: str, line: int, reason: str) -> None:
    """Invoking `address` fails with the sandbox's error; nothing changes; the ledger goes on."""
    counter = ContractTester(COUNTER, chain=chain).deploy()
    assert counter.call("bump", 2) == 2
    height, root = chain.ledger.height, chain.ledger.head.state_root

    result = chain.submit([m.InvokeContract(address, "run", [])])

    assert result.code is m.TxCode.CONTRACT_ERROR, result
    assert result.message.startswith(f"contract code refused: line {line}: "), result.message
    assert reason in result.message
    assert result.operation_results == []
    assert result.derived_operations == []
    assert result.fuel_used == 0  # refused before any of it ran
    assert chain.ledger.height == height + 1  # recorded as a failed transaction in its block
    assert chain.ledger.head.state_root == root  # rolled back: had it run, "ran" would be written

    # The ledger is unharmed: the next transactions (another contract, a direct write) work.
    assert counter.call("bump", 3) == 5
    assert counter.entry(counter.address, "count") == 5
    chain.data_account()
    assert chain.ledger.height == height + 3
    again = chain.submit([m.InvokeContract(address, "run", [])])
    assert again.code is m.TxCode.CONTRACT_ERROR  # refused every time, not only the first
    assert again.message == result.message


@pytest.mark.parametrize(("body", "line", "reason"), REFUSED)
def test_code_written_to_state_without_the_deploy_check_is_refused_at_load(
    body: str, line: int, reason: str
) -> None:
    """A node with a lax deploy check commits the code into state (a proper block, a proper state
    root); the real node, opening the same store, refuses the code when it loads it."""
    chain = LocalChain()
    contract = chain.key()
    lax = Ledger(chain.ledger.store, contract_runtime=LaxRuntime())
    outcome = lax.append(
        [chain.tx([m.DeployContract(contract.public, refused(body))])],
        chain.ledger.head.time_ms + 1000,
    )
    [deployed] = outcome.block.results
    assert deployed.code is m.TxCode.SUCCESS, deployed.message  # the code is in state now
    chain.ledger = Ledger(chain.ledger.store)  # the real runtime, on the same store
    stored = chain.ledger.state().get(code_key(contract.address, 0))
    assert stored == refused(body).encode()

    _assert_refused_then_healthy(chain, contract.address, line, reason)


@pytest.mark.parametrize(("body", "line", "reason"), REFUSED)
def test_tampered_stored_code_is_refused_at_load(body: str, line: int, reason: str) -> None:
    """A deployed, accepted contract whose stored code record is overwritten in the store."""
    chain = LocalChain()
    good = refused("n = 1")  # the same contract without the refused construct
    tester = ContractTester(good, chain=chain).deploy()
    assert tester.call("run") == 1  # it ran (and wrote "ran"); now tamper with its code
    batch = WriteBatch()
    batch.put(LATEST_PREFIX + code_key(tester.address, 0), refused(body).encode())
    chain.ledger.store.write(batch)

    _assert_refused_then_healthy(chain, tester.address, line, reason)
