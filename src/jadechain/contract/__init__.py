"""Python smart contracts: the authoring API a contract imports.

    from jadechain.contract import Contract, ContractError, method

    class Counter(Contract):
        @method
        def bump(self, ctx, by: int) -> int:
            count = ctx.get(ctx.address, "count", 0) + by
            ctx.set(ctx.address, "count", count)
            return count

A contract module defines one class deriving from `Contract`; its methods marked `@method` can be
invoked by transactions (`InvokeContract`) and by other contracts (`ctx.call`). Each receives the
call's context `ctx` (see `jadechain.contract.context.ContractContext`) and its arguments as plain
Python values (str, int, bool, bytes, and lists and dicts of those).

The code runs in a sandbox (`jadechain.contract.sandbox`, docs/contracts.md): no imports but this
module, no names or attributes starting with `_`, no reflection, clock, randomness or I/O, and
deterministic fuel for every loop iteration and call. The runtime lives in
`jadechain.contract.runtime`; `jadechain.testing.contracts` unit-tests a contract in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["API_NAMES", "Contract", "ContractError", "is_method", "method"]

F = TypeVar("F", bound=Callable[..., Any])

METHOD_MARK = "jadechain_contract_method"


class Contract:
    """Base class of a contract. A fresh instance serves each call: keep state in the ledger."""


class ContractError(Exception):
    """Raise it to fail the transaction with code `contract_error` and this message."""


def method(function: F) -> F:
    """Mark a contract method as callable by transactions and other contracts."""
    setattr(function, METHOD_MARK, True)
    return function


def is_method(function: object) -> bool:
    return getattr(function, METHOD_MARK, False) is True


API_NAMES = frozenset({"Contract", "ContractError", "method"})
"""The names a contract may import: `from jadechain.contract import Contract, method, ...`."""
