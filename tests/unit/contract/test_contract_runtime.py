"""The runtime: context, writes through the ledger's handlers, versions, calls, determinism."""

from __future__ import annotations

import pytest

from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger
from jadechain.ledger.values import Int64, Json, Text
from jadechain.storage import MemoryStore
from jadechain.testing import LocalChain
from jadechain.testing.contracts import ContractFailed, ContractTester

HEADER = "from jadechain.contract import Contract, ContractError, method\n"

NOTES = (
    HEADER
    + """
class Notes(Contract):
    @method
    def write(self, ctx, account: str, key: str, value) -> int:
        return ctx.set(account, key, value)

    @method
    def announce(self, ctx, account: str, topic: str, content: dict) -> int:
        return ctx.emit(account, topic, content)

    @method
    def read(self, ctx, account: str, key: str):
        return ctx.get(account, key)

    @method
    def about(self, ctx) -> dict:
        return {"signers": ctx.signers, "tx": ctx.tx_hash, "height": ctx.height,
                "time": ctx.time_ms, "me": ctx.address, "caller": ctx.caller}

    @method
    def work(self, ctx, n: int) -> list[int]:
        squares = [i * i for i in range(n)]
        total = 0
        for square in squares:
            total += square
        ctx.set(ctx.address, "total", total)
        return squares
"""
)


@pytest.fixture
def notes() -> ContractTester:
    return ContractTester(NOTES).deploy()


def test_context_describes_the_call(notes: ContractTester) -> None:
    about = notes.call("about")
    assert notes.last is not None
    assert about["signers"] == [notes.chain.admin.address]
    assert about["tx"] == notes.last.tx_hash.raw.hex()
    assert about["height"] == notes.last.height
    assert about["me"] == notes.address
    assert about["caller"] is None
    assert about["time"] == notes.chain.ledger.head.time_ms


def test_writes_go_through_handlers_and_are_derived_operations(notes: ContractTester) -> None:
    account = notes.data_account()
    assert notes.call("write", account, "k", "v1") == 0
    assert notes.call("write", account, "k", {"b": 1, "a": [2]}) == 1
    assert notes.entry(account, "k") == {"a": [2], "b": 1}
    assert notes.last is not None
    [derived] = notes.last.derived_operations
    assert derived == m.SetEntries(account, [m.EntryWrite("k", Json('{"a":[2],"b":1}'), 0)])
    assert notes.call("read", account, "k") == {"a": [2], "b": 1}
    assert notes.call("read", account, "missing") is None


def test_contract_write_needs_the_signers_permission(notes: ContractTester) -> None:
    account = notes.data_account()  # owned by the admin
    stranger = notes.user()
    with pytest.raises(ContractFailed) as failed:
        notes.call("write", account, "k", 1, by=stranger)
    assert failed.value.code is m.TxCode.PERMISSION_DENIED
    assert notes.entry(account, "k") is None


def test_events(notes: ContractTester) -> None:
    events = notes.event_account()
    assert notes.call("announce", events, "lots", {"lot": 7}) == 0
    assert notes.call("announce", events, "lots", {"lot": 8}) == 1
    assert notes.events(events, "lots") == [{"lot": 7}, {"lot": 8}]


def test_argument_and_method_checks(notes: ContractTester) -> None:
    with pytest.raises(ContractFailed, match="argument 'n' must not be str"):
        notes.call("work", "3")
    with pytest.raises(ContractFailed, match="no method 'nothing'"):
        notes.call("nothing")
    with pytest.raises(ContractFailed, match="takes 1 arguments, got 2"):
        notes.call("work", 1, 2)
    assert notes.call("work", 4) == [0, 1, 4, 9]
    assert notes.entry(notes.address, "total") == 14


def test_upgrade_runs_the_latest_version() -> None:
    tester = ContractTester(HEADER + "class V(Contract):\n    @method\n    def v(self, ctx):\n"
                            "        return 1\n").deploy()  # fmt: skip
    assert tester.call("v") == 1
    tester.upgrade(tester.source.replace("return 1", "return 2"))
    assert tester.call("v") == 2
    stale = tester.chain.submit([m.DeployContract(tester.key.public, tester.source, 0)])
    assert stale.code is m.TxCode.VERSION_CONFLICT


def test_contracts_call_contracts() -> None:
    chain = LocalChain()
    callee = ContractTester(NOTES, chain).deploy()
    caller_source = (
        HEADER
        + """
class Caller(Contract):
    @method
    def relay(self, ctx, target: str) -> dict:
        return ctx.call(target, "about")

    @method
    def loop(self, ctx) -> int:
        return ctx.call(ctx.address, "loop")
"""
    )
    caller = ContractTester(caller_source, chain).deploy()
    about = caller.call("relay", callee.address)
    assert about["me"] == callee.address
    assert about["caller"] == caller.address
    with pytest.raises(ContractFailed, match="nest deeper than"):
        caller.call("loop")
    with pytest.raises(ContractFailed) as failed:
        caller.call("relay", chain.key().address)
    assert failed.value.code is m.TxCode.NOT_FOUND


def test_invoke_needs_contract_operation_permission(notes: ContractTester) -> None:
    notes.chain.ok(
        [m.ConfigureRoles([m.RoleSpec("DIRECT", [], [m.TransactionPermission.DIRECT_OPERATION])])]
    )
    direct = notes.user(["DIRECT"])
    assert notes.submit("about", by=direct).code is m.TxCode.PERMISSION_DENIED


def test_two_ledgers_agree_on_blocks_state_and_fuel() -> None:
    """Two independent ledgers from one genesis execute the same contract transactions."""
    chain = LocalChain()
    other = Ledger.create(MemoryStore(), chain.ledger.init_document())
    contract = chain.key()
    account = chain.data_account()
    founding = chain.ledger.block(1)
    assert founding is not None
    other.append(founding.transactions, founding.header.time_ms)
    scripts: list[list[m.Operation]] = [
        [m.DeployContract(contract.public, NOTES)],
        [m.UpdateLedgerSettings(contract_fuel_max=200_000)],
        [m.InvokeContract(contract.address, "work", [Int64(n)]) for n in (3, 50, 500)],
        [m.InvokeContract(contract.address, "write", [Text(account), Text("k"), Text("v")])],
        [m.InvokeContract(contract.address, "work", [Int64(10**9)])],  # out of fuel
    ]
    for operations in scripts:
        tx = chain.tx(operations)
        time_ms = chain.ledger.head.time_ms + 1000
        mine, theirs = chain.ledger.append([tx], time_ms), other.append([tx], time_ms)
        assert mine.block_hash == theirs.block_hash
        assert mine.block.results == theirs.block.results
    assert chain.ledger.head.state_root == other.head.state_root
    [result] = mine.block.results
    assert result.code is m.TxCode.OUT_OF_FUEL
    assert result.fuel_used == chain.ledger.settings().contract_fuel_max


def test_values_round_trip(notes: ContractTester) -> None:
    account = notes.data_account()
    for value in ("text", 7, True, b"\x00\x01", [1, "a"], {"k": [True]}):
        notes.call("write", account, "v", value)
        assert notes.entry(account, "v") == value
    assert notes.last is not None
    assert notes.last.operation_results[0] == Int64(5)


def test_freeze_and_unfreeze(notes: ContractTester) -> None:
    notes.chain.ok([m.SetContractState(notes.address, True)])
    with pytest.raises(ContractFailed) as frozen:
        notes.call("about")
    assert frozen.value.code is m.TxCode.INVALID_STATE
    again = notes.chain.submit([m.SetContractState(notes.address, True)])
    assert again.code is m.TxCode.INVALID_STATE  # already frozen
    stranger = notes.user(roles=())
    denied = notes.chain.submit([m.SetContractState(notes.address, False)], by=[stranger])
    assert denied.code is m.TxCode.PERMISSION_DENIED
    notes.chain.ok([m.SetContractState(notes.address, False)])
    assert notes.call("about")["me"] == notes.address
