"""Unit-test a contract with pytest: an in-memory ledger, no network.

    from jadechain.testing.contracts import ContractTester

    def test_bump() -> None:
        tester = ContractTester("examples/counter.py").deploy()
        assert tester.call("bump", 2) == 2
        alice = tester.user()
        assert tester.call("bump", 3, by=alice) == 5
        assert tester.entry(tester.address, "count") == 5

`call` returns the method's result as a Python value and raises `ContractFailed` (with the
transaction's `code` and `message`) when the transaction fails; `submit` returns the raw
`TransactionResult` instead. Each call is one transaction in its own block, signed by `by`
(default: the ledger's admin, who holds every permission).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jadechain.contract.convert import to_ledger, to_python
from jadechain.contract.runtime import PythonRuntime
from jadechain.crypto import KeyPair
from jadechain.ledger import genesis, queries
from jadechain.ledger import model as m
from jadechain.testing import LocalChain

__all__ = ["ContractFailed", "ContractTester"]


COUNTER_SOURCE = """from jadechain.contract import Contract, method


class Counter(Contract):
    @method
    def bump(self, ctx, by: int) -> int:
        count = ctx.get(ctx.address, "count", 0) + by
        ctx.set(ctx.address, "count", count)
        return count
"""  # the smallest useful contract: one method that reads and writes its own state


class ContractFailed(AssertionError):  # noqa: N818 - a failure outcome, like OperationFailed
    """A contract transaction that was recorded with a failure code."""

    def __init__(self, result: m.TransactionResult) -> None:
        super().__init__(f"{result.code.value}: {result.message}")
        self.result = result
        self.code = result.code
        self.message = result.message


def _source(source_or_path: str | Path) -> str:
    if isinstance(source_or_path, Path):
        return source_or_path.read_text(encoding="utf-8")
    if source_or_path.endswith(".py") and "\n" not in source_or_path:
        return Path(source_or_path).read_text(encoding="utf-8")
    return source_or_path


class ContractTester:
    """One contract on a fresh in-memory ledger (or on `chain`, to test several together)."""

    def __init__(
        self,
        source_or_path: str | Path,
        chain: LocalChain | None = None,
        fuel_max: int | None = None,
    ) -> None:
        self.source = _source(source_or_path)
        self.chain = chain or LocalChain()
        self.key = self.chain.key()
        self.address = self.key.address
        self.last: m.TransactionResult | None = None
        if fuel_max is not None:
            self.chain.ok([m.UpdateLedgerSettings(contract_fuel_max=fuel_max)])

    def check(self) -> None:
        """Raise OperationFailed with the line number if the sandbox refuses the source."""
        PythonRuntime().check(self.source)

    def deploy(self, by: KeyPair | None = None) -> ContractTester:
        self._submit_ok(m.DeployContract(self.key.public, self.source), by)
        return self

    def upgrade(self, source_or_path: str | Path, by: KeyPair | None = None) -> ContractTester:
        account = queries.account(self.chain.ledger, self.address)
        assert account is not None, "deploy the contract first"
        self.source = _source(source_or_path)
        op = m.DeployContract(self.key.public, self.source, account.contract_version)
        self._submit_ok(op, by)
        return self

    def submit(self, method: str, *args: Any, by: KeyPair | None = None) -> m.TransactionResult:
        """Invoke `method` in one transaction; the result, whatever its code."""
        values = [to_ledger(arg) for arg in args]
        result = self.chain.submit([m.InvokeContract(self.address, method, values)], _by(by))
        self.last = result
        return result

    def call(self, method: str, *args: Any, by: KeyPair | None = None) -> Any:
        """Invoke `method`; its result as a Python value, or ContractFailed."""
        result = self.submit(method, *args, by=by)
        if result.code is not m.TxCode.SUCCESS:
            raise ContractFailed(result)
        [value] = result.operation_results
        return None if value is None else to_python(value)

    def entry(self, account: str, key: str) -> Any:
        """The latest value at `key` of `account` as a Python value, or None."""
        found = queries.entry(self.chain.ledger, account, key)
        return None if found is None else to_python(found[1])

    def events(self, account: str, topic: str) -> list[Any]:
        """The contents of the events of `topic`, oldest first (up to 1000)."""
        found = queries.events(self.chain.ledger, account, topic, limit=1000)
        return [to_python(value) for _, value in found]

    def user(self, roles: Sequence[str] = (genesis.ADMIN_ROLE,)) -> KeyPair:
        """A new registered user holding `roles` (default: every permission)."""
        return self.chain.user(roles)

    def data_account(self, by: KeyPair | None = None) -> str:
        return self.chain.data_account(_by(by))

    def event_account(self, by: KeyPair | None = None) -> str:
        account = self.chain.key()
        self.chain.ok([m.RegisterEventAccount(account.public)], _by(by))
        return account.address

    def state_root(self) -> bytes:
        return self.chain.ledger.head.state_root.raw

    def _submit_ok(self, operation: m.Operation, by: KeyPair | None) -> None:
        result = self.chain.submit([operation], _by(by))
        self.last = result
        if result.code is not m.TxCode.SUCCESS:
            raise ContractFailed(result)


def _by(by: KeyPair | None) -> list[KeyPair]:
    return [] if by is None else [by]
