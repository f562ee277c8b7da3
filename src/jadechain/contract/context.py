"""`ctx`: what a contract method sees of its transaction and the ledger.

Reads go to the transaction's state overlay. Writes and events become ordinary `SetEntries` and
`PublishEvents` operations run through the ledger's own handlers with the transaction's signers,
so they need the same permissions as direct operations; they are recorded, in order, as the
transaction's derived operations. One exception: a contract writes its *own* entries (at
`ctx.address`) without a data account, as the contract itself is their only writer.

A failed write (permission, version conflict, size) ends the whole transaction: contract code
cannot catch it, so it never continues on half-written state.

Fuel: READ_FUEL per read and WRITE_FUEL per write or event, each plus 1 per 16 bytes of the
account, key and value it handles; converting a value to a ledger value costs 1 per element of
its lists and dicts (measured, and refused over the ledger's value limit, before it is encoded);
CALL_FUEL per contract call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jadechain import codec
from jadechain.contract.convert import to_ledger, to_python
from jadechain.contract.guards import Execution
from jadechain.contract.limits import ContractAbort
from jadechain.ledger import model as m
from jadechain.ledger.operations import HANDLERS, Context, OperationFailed, write_entries
from jadechain.ledger.state import entry_key_of_pointer, latest_version_key, topic_key
from jadechain.ledger.values import Value, decode_value

READ_FUEL = 10
WRITE_FUEL = 50
CALL_FUEL = 20

CONTEXT_API = frozenset(
    [
        "signers",
        "tx_hash",
        "height",
        "time_ms",
        "address",
        "caller",
        "get",
        "version",
        "set",
        "emit",
        "call",
    ]
)

Invoker = Callable[[str, str, list[Value], str], Value | None]
"""Run (contract address, method, arguments, calling contract's address) in this execution."""


class ContractContext:
    """The `ctx` argument of every contract method."""

    __slots__ = ("_address", "_caller", "_execution", "_invoke", "_ledger")

    def __init__(
        self,
        ledger: Context,
        execution: Execution,
        address: str,
        caller: str | None,
        invoke: Invoker,
    ) -> None:
        self._ledger = ledger
        self._execution = execution
        self._address = address
        self._caller = caller
        self._invoke = invoke

    @property
    def signers(self) -> list[str]:
        """Addresses of the transaction's endpoint signers."""
        return self._ledger.signer_addresses()

    @property
    def tx_hash(self) -> str:
        return self._ledger.tx_hash.hex()

    @property
    def height(self) -> int:
        """Height of the block being built."""
        return self._ledger.height

    @property
    def time_ms(self) -> int:
        """The block's time (milliseconds since the epoch): the same on every node."""
        return self._ledger.time_ms

    @property
    def address(self) -> str:
        """This contract's address."""
        return self._address

    @property
    def caller(self) -> str | None:
        """The calling contract's address, or None when a transaction invoked this one."""
        return self._caller

    def get(self, account: str, key: str, default: Any = None) -> Any:
        """The latest value of `key` in `account` (a data account or a contract), or `default`."""
        state = self._ledger.state
        self._execution.charge(READ_FUEL + _key_size(account, key) // 16)
        pointer = latest_version_key(account, key)
        version = state.counter(pointer)
        if version is None:
            return default
        data = state.get(entry_key_of_pointer(pointer, version))
        assert data is not None, "a version pointer without its entry"
        self._execution.charge(len(data) // 16)
        return to_python(decode_value(data))

    def version(self, account: str, key: str) -> int:
        """The latest version of `key` in `account`, or -1 if it has none."""
        self._execution.charge(READ_FUEL + _key_size(account, key) // 16)
        version = self._ledger.state.counter(latest_version_key(account, key))
        return -1 if version is None else version

    def set(self, account: str, key: str, value: Any, expected_version: int | None = None) -> int:
        """Write `value` at `key`; `expected_version` None means "whatever is current".

        Returns the new version. Needs `write_data` and ownership (or the writer role) of the
        account, as a direct `SetEntries` would; the contract's own address needs neither.
        """
        typed = to_ledger(value, self._execution.charge)
        expected = self.version(account, key) if expected_version is None else expected_version
        size = _key_size(account, key) + len(codec.encode(typed))
        self._execution.charge(WRITE_FUEL + size // 16)
        write = m.EntryWrite(key, typed, int(expected))
        operation = m.SetEntries(account, [write])
        if account == self._address:
            self._run(lambda: write_entries(self._ledger, account, [write]), operation)
        else:
            self._run(lambda: HANDLERS[m.SetEntries](self._ledger, operation), operation)
        return int(expected) + 1

    def emit(self, account: str, topic: str, content: Any) -> int:
        """Publish `content` under `topic` in the event account; returns its sequence."""
        typed = to_ledger(content, self._execution.charge)
        size = _key_size(account, topic) + len(codec.encode(typed))
        self._execution.charge(WRITE_FUEL + size // 16)
        current = self._ledger.state.counter(topic_key(account, topic))
        sequence = -1 if current is None else current
        operation = m.PublishEvents(account, [m.EventWrite(topic, typed, sequence)])
        self._run(lambda: HANDLERS[m.PublishEvents](self._ledger, operation), operation)
        return sequence + 1

    def call(self, contract: str, method: str, *args: Any) -> Any:
        """Call `method` of another contract (its latest version) with plain arguments."""
        self._execution.charge(CALL_FUEL + _key_size(contract, method) // 16)
        values = [to_ledger(arg, self._execution.charge) for arg in args]
        result = self._invoke(contract, method, values, self._address)
        return None if result is None else to_python(result)

    def _run(self, action: Callable[[], Any], operation: m.Operation) -> None:
        try:
            action()
        except OperationFailed as failure:
            raise ContractAbort(failure.code, failure.message) from None
        self._ledger.derived.append(operation)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _key_size(account: Any, key: Any) -> int:
    """The characters of an account and a key (TypeError unless both are text)."""
    return len(_text(account)) + len(_text(key))
