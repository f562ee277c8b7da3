"""The dynamic half of the sandbox: fuel, call depth, and size guards on growing operations.

One `Execution` meters one top-level contract invocation, including the contracts it calls. Its
fuel is charged by the instrumented code (calls, loop iterations) and by the guards (allocations by
size), never by time, so the same code and inputs use the same fuel on every node.

Limits are enforced with `ContractAbort`, a `BaseException` that contract code cannot catch (the
sandbox forbids bare `except` and `except BaseException`, and `finally`), so running out of fuel,
a too-deep call chain or a refused allocation always ends the transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jadechain.ledger.model import TxCode
from jadechain.ledger.values import VALUE_BYTES_MAX

DEPTH_MAX = 64  # contract frames (functions, methods, lambdas) on the stack of one invocation
ALLOC_MAX = VALUE_BYTES_MAX  # items (characters, bytes, elements) in one sequence a guard makes
INT_BITS_MAX = 65536  # the largest integer a guarded operation makes
ITEMS_PER_FUEL = 16  # allocation: one unit of fuel per this many items made
PLAIN_DEPTH_MAX = 32  # nesting of plain data that str(), repr() and f-strings accept
SEQUENCES = (str, bytes, list, tuple)
PLAIN_SCALARS = (type(None), bool, int, float, str, bytes)


class ContractAbort(BaseException):
    """Ends a contract invocation with a transaction code; contract code cannot catch it."""

    def __init__(self, code: TxCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def refuse(message: str) -> ContractAbort:
    return ContractAbort(TxCode.CONTRACT_ERROR, message)


def _bits(value: int) -> int:
    return int(value).bit_length()


def _size(value: object) -> int | None:
    return len(value) if isinstance(value, SEQUENCES) else None


class Execution:
    """Fuel and call depth of one invocation (shared with the contracts it calls)."""

    def __init__(self, fuel_max: int) -> None:
        self.fuel_max = fuel_max
        self.fuel_used = 0
        self.depth = 0

    def charge(self, units: int) -> None:
        used = self.fuel_used + units
        if used > self.fuel_max:
            self.fuel_used = self.fuel_max
            raise ContractAbort(TxCode.OUT_OF_FUEL, f"out of fuel (limit {self.fuel_max})")
        self.fuel_used = used

    def tick(self) -> None:
        self.charge(1)

    def charge_size(self, items: int) -> None:
        """Refuse a value of more than ALLOC_MAX items, else charge for making it."""
        if items > ALLOC_MAX:
            raise refuse(f"a value of {items} items exceeds the limit of {ALLOC_MAX}")
        self.charge(1 + max(items, 0) // ITEMS_PER_FUEL)

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """What instrumented `for` loops and comprehensions iterate: one unit per item."""
        for item in iterable:
            self.charge(1)
            yield item

    def collect(self, iterable: Iterable[Any]) -> list[Any]:
        """The items of `iterable` as a list, refused if too many and charged by count."""
        try:
            size: int | None = len(iterable)  # type: ignore[arg-type]
        except (TypeError, OverflowError):
            size = None
        if size is not None:
            self.charge_size(size)
            return list(iterable)
        items: list[Any] = []
        for item in iterable:
            items.append(item)
            if len(items) % ITEMS_PER_FUEL == 0:
                self.charge_size(len(items))
        self.charge(1)
        return items

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """A contract function metered per call and counted against the depth limit."""
        execution = self

        @functools.wraps(function)
        def metered(*args: Any, **kwargs: Any) -> Any:
            execution.charge(1)
            if execution.depth >= DEPTH_MAX:
                raise refuse(f"call depth exceeds the limit of {DEPTH_MAX}")
            execution.depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                execution.depth -= 1

        return metered

    # --- operators that can make huge values ----------------------------------------------------

    def operate(self, symbol: str, left: Any, right: Any) -> Any:
        self._check(symbol, left, right)
        return _OPERATIONS[symbol](left, right)

    def operate_in_place(self, symbol: str, left: Any, right: Any) -> Any:
        self._check(symbol, left, right)
        return _IN_PLACE[symbol](left, right)

    def _check(self, symbol: str, left: Any, right: Any) -> None:
        if symbol == "%" and isinstance(left, str | bytes):
            raise TypeError("%-formatting is not allowed in contracts; use f-strings")
        both_ints = isinstance(left, int) and isinstance(right, int)
        if both_ints:
            self._check_int(symbol, left, right)
            return
        if symbol == "+":
            left_size, right_size = _size(left), _size(right)
            if left_size is not None and right_size is not None:
                self.charge_size(left_size + right_size)
        elif symbol == "*":
            self._check_repeat(left, right)
            self._check_repeat(right, left)

    def _check_repeat(self, sequence: Any, count: Any) -> None:
        size = _size(sequence)
        if size is not None and isinstance(count, int):
            self.charge_size(size * max(int(count), 0))

    def _check_int(self, symbol: str, left: int, right: int) -> None:
        bits = max(_bits(left), _bits(right)) + 1
        if symbol == "*":
            bits = _bits(left) + _bits(right)
        elif symbol == "**" and right > 0 and abs(left) > 1:
            bits = _bits(left) * right
        elif symbol == "<<" and right > 0:
            bits = _bits(left) + right
        if bits > INT_BITS_MAX:
            raise refuse(f"an integer of about {bits} bits exceeds the limit of {INT_BITS_MAX}")
        self.charge(1 + bits // 1024)

    # --- plain data -------------------------------------------------------------------------

    def plain(self, value: Any) -> Any:
        """`value`, if it is plain data (whose text is the same on every node)."""
        self._check_plain(value, 0)
        return value

    def _check_plain(self, value: Any, depth: int) -> None:
        if depth > PLAIN_DEPTH_MAX:
            raise refuse(f"data nested deeper than {PLAIN_DEPTH_MAX} levels")
        if isinstance(value, PLAIN_SCALARS):
            self.charge(1)
            return
        if isinstance(value, BaseException):
            value = value.args
        if isinstance(value, dict):
            self.charge_size(len(value))
            for key, item in value.items():
                self._check_plain(key, depth + 1)
                self._check_plain(item, depth + 1)
            return
        if isinstance(value, list | tuple):
            self.charge_size(len(value))
            for item in value:
                self._check_plain(item, depth + 1)
            return
        raise TypeError(f"contracts may only turn plain data into text, not {_kind(value)}")


def _kind(value: object) -> str:
    return type(value).__name__


def _add_in_place(left: Any, right: Any) -> Any:
    left += right
    return left


def _mul_in_place(left: Any, right: Any) -> Any:
    left *= right
    return left


_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "**": lambda a, b: a**b,
    "<<": lambda a, b: a << b,
    "%": lambda a, b: a % b,
}
_IN_PLACE: dict[str, Callable[[Any, Any], Any]] = {
    **_OPERATIONS,
    "+": _add_in_place,
    "*": _mul_in_place,
}
