"""The contract workloads of `jadechain bench run` (`transfer`, `smallbank`): their contracts'
business rules under ContractTester, and their setup and load committing on a ledger. No timing
is asserted (benchmarks are not tests)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from jadechain.bench import contracts, outcomes, presign, workloads
from jadechain.bench.contract_workloads import SMALLBANK_MIX, SmallBank
from jadechain.ledger import model as m
from jadechain.testing import LocalChain
from jadechain.testing.contracts import ContractFailed, ContractTester

CONTRACTS = Path(contracts.__file__).parent
Bank = dict[str, list[int]]  # customer -> [checking, savings]


def _transfer(accounts: int, money: int) -> ContractTester:
    tester = ContractTester(contracts.source("transfer")).deploy()
    for number in range(accounts):
        assert tester.call("open_account", f"a{number}", money) == money
    return tester


def _balances(tester: ContractTester, accounts: int) -> list[int]:
    return [tester.call("query", f"a{number}") for number in range(accounts)]


@pytest.mark.parametrize("name", ["transfer", "smallbank"])
def test_the_contracts_pass_the_sandbox(name: str) -> None:
    ContractTester(CONTRACTS / f"{name}.py").check()


def test_transfers_conserve_the_total_and_refuse_insufficient_funds() -> None:
    tester, rng = _transfer(4, 100), random.Random(7)
    refused = 0
    for _ in range(40):
        source, target = rng.sample(range(4), 2)
        before = _balances(tester, 4)
        result = tester.submit("transfer", f"a{source}", f"a{target}", rng.randrange(1, 80))
        if result.code is m.TxCode.CONTRACT_ERROR:
            refused += 1
            assert "insufficient funds" in result.message
            assert _balances(tester, 4) == before
        else:
            assert result.code is m.TxCode.SUCCESS
        assert sum(_balances(tester, 4)) == 400
    assert refused > 0


def test_transfer_refusals() -> None:
    tester = _transfer(2, 10)
    for method, args in [
        ("transfer", ("a0", "a1", 11)),
        ("transfer", ("a0", "a0", 1)),
        ("transfer", ("a0", "a1", 0)),
        ("transfer", ("a0", "nobody", 1)),
        ("open_account", ("a1", 5)),
        ("query", ("nobody",)),
    ]:
        with pytest.raises(ContractFailed) as failed:
            tester.call(method, *args)
        assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert _balances(tester, 2) == [10, 10]


def _apply(bank: Bank, method: str, args: list[object]) -> bool:
    """The SmallBank rules on a plain model; False where the contract must refuse."""
    if method == "amalgamate":
        dest, source = str(args[0]), str(args[1])
        bank[dest][0] += sum(bank[source])
        bank[source] = [0, 0]
        return True
    customer, amount = str(args[-2]), int(str(args[-1]))
    checking, savings = bank[customer]
    if method == "send_payment":
        if checking < amount:
            return False
        bank[customer][0] -= amount
        bank[str(args[0])][0] += amount
    elif method == "transact_savings":
        if savings + amount < 0:
            return False
        bank[customer][1] += amount
    elif method == "deposit_checking":
        bank[customer][0] += amount
    else:  # write_check
        bank[customer][0] -= amount + (1 if checking + savings < amount else 0)
    return True


def test_smallbank_follows_the_smallbank_rules_over_a_random_mix() -> None:
    tester = ContractTester(contracts.source("smallbank")).deploy()
    bank: Bank = {f"c{n}": [150, 50] for n in range(4)}
    for customer in bank:
        tester.call("create_account", customer, "name", 150, 50)
    workload = SmallBank(accounts=4, seed=11)
    refused = 0
    for index in range(80):
        method, args = workload.draw(random.Random(workload.seed + index))
        assert workload.kind(index) == method
        assert method in SMALLBANK_MIX
        result = tester.submit(method, *args)
        expected = _apply(bank, method, args)
        assert result.code is (m.TxCode.SUCCESS if expected else m.TxCode.CONTRACT_ERROR)
        refused += not expected
    assert {c: tester.call("query", c) for c in bank} == bank
    assert refused > 0


def test_smallbank_refusals_change_nothing() -> None:
    tester = ContractTester(contracts.source("smallbank")).deploy()
    tester.call("create_account", "c0", "zero", 10, 5)
    tester.call("create_account", "c1", "one", 10, 5)
    for method, args in [
        ("send_payment", ("c1", "c0", 11)),
        ("transact_savings", ("c0", -6)),
        ("deposit_checking", ("c0", -1)),
        ("amalgamate", ("c0", "c0")),
        ("create_account", ("c0", "again", 1, 1)),
        ("write_check", ("nobody", 1)),
    ]:
        with pytest.raises(ContractFailed) as failed:
            tester.call(method, *args)
        assert failed.value.code is m.TxCode.CONTRACT_ERROR
    assert [tester.call("query", c) for c in ("c0", "c1")] == [[10, 5], [10, 5]]
    assert tester.call("write_check", "c0", 20) == -11  # overdraft: 20 plus a penalty of 1


@pytest.mark.parametrize("name", ["transfer", "smallbank"])
def test_setup_and_presigned_load_commit_on_a_ledger(name: str) -> None:
    chain = LocalChain()
    contract = chain.key()
    workload = workloads.workload_named(name, accounts=300, balance=150)
    time_ms = chain.ledger.head.time_ms + 1000
    setup = workload.setup(chain.ledger.id, chain.admin, contract, time_ms)
    assert len(setup) == 3  # the deployment, then 250 + 50 accounts
    for tx in setup:
        [result] = chain.block([tx]).block.results
        assert result.code is m.TxCode.SUCCESS, result.message
    job = presign.SignJob.of(workload, chain.admin, chain.ledger.id, contract.address, time_ms, 50)
    batches = presign.presign(job, 100, workers=1)
    presign.decoded(batches)
    blocks = [chain.block(batch.transactions or []).block for batch in batches]
    codes = {r.tx_hash.raw.hex(): r.code.value for b in blocks for r in b.results}
    keys = [batch.raw_keys or [] for batch in batches]
    found = outcomes.split(workload, keys, set(codes), codes)
    by_code, by_operation = found["codes"], found["by_operation"]
    assert isinstance(by_code, dict)
    assert isinstance(by_operation, dict)
    assert sum(by_code.values()) == 100
    assert set(by_code) <= {"success", "contract_error"}
    assert set(by_operation) <= {"transfer", *SMALLBANK_MIX}
    assert workload.parameters() == {"accounts": 300, "opening_balance": 150}


def test_contract_workloads_need_two_accounts() -> None:
    with pytest.raises(ValueError, match="two accounts"):
        workloads.workload_named("transfer", accounts=1)
