"""Fuel and size accounting of one contract invocation: the base of `guards.Execution`.

One `Execution` meters one top-level contract invocation, including the contracts it calls. Its
fuel is charged by the instrumented code (`jadechain.contract.instrument`: calls, loop iterations,
operators, comparisons, subscripts, unpacking, f-strings) and by the builtins and methods
contract code reaches (`jadechain.contract.safe_builtins`, `jadechain.contract.attributes`), from
the code and the values it handles, never from time, so the same code and inputs use the same
fuel on every node.

`Meter` holds what does not depend on the operation guarded: the fuel and its charges (in items,
see `jadechain.contract.limits`), the size limit of values made, the call depth, iteration and
unpacking, and the text of `str()`, `repr()` and f-strings.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jadechain.contract.limits import (
    ALLOC_MAX,
    COLLECT_CHUNK,
    DEPTH_MAX,
    ENTRY_ITEMS,
    ITEMS_PER_FUEL,
    OBJECT_ITEMS,
    ContractAbort,
    refuse,
    too_big,
)
from jadechain.contract.measure import TextMeasure
from jadechain.contract.weights import weigh
from jadechain.ledger.model import TxCode

_REFERENCES = frozenset({list, tuple, dict, bytes})  # iterating them makes no new objects
_CONVERSIONS: dict[str, Callable[[Any], str]] = {"s": str, "r": repr, "a": ascii}
_FORMAT_CONVERSIONS = {-1: "s", ord("s"): "s", ord("r"): "r", ord("a"): "a"}


class Meter:
    """Fuel, call depth and the size of values made, for one invocation (shared with the
    contracts it calls)."""

    def __init__(self, fuel_max: int) -> None:
        self.fuel_max = fuel_max
        self.fuel_used = 0
        self.depth = 0
        self.cache: dict[Any, Any] = {}  # per-invocation memo of the builtins (class names, ...)

    # --- fuel ---------------------------------------------------------------------------------

    def charge(self, units: int) -> None:
        used = self.fuel_used + units
        if used > self.fuel_max:
            self.fuel_used = self.fuel_max
            raise ContractAbort(TxCode.OUT_OF_FUEL, f"out of fuel (limit {self.fuel_max})")
        self.fuel_used = used

    def tick(self) -> None:
        self.charge(1)

    def items_left(self) -> int:
        """Items whose charge would run out of fuel: a bound for walks that stop early."""
        return (self.fuel_max - self.fuel_used + 1) * ITEMS_PER_FUEL

    def charge_items(self, items: int) -> None:
        """Charge `items` of work (no minimum: less than ITEMS_PER_FUEL items are free)."""
        if items >= ITEMS_PER_FUEL:
            self.charge(items // ITEMS_PER_FUEL)

    def charge_size(self, items: int, per_item: int = 1) -> None:
        """Refuse a value of more than ALLOC_MAX items, else charge for making it."""
        if items > ALLOC_MAX:
            raise too_big(items)
        self.charge(1 + max(items, 0) * per_item // ITEMS_PER_FUEL)

    def charge_work(self, items: int) -> None:
        """Charge one guarded call: 1, plus 1 per ITEMS_PER_FUEL `items` of the work it does."""
        self.charge(1 + max(items, 0) // ITEMS_PER_FUEL)

    def made(self, value: Any) -> Any:
        """`value` (a comprehension's or display's result), if within ALLOC_MAX items."""
        if len(value) > ALLOC_MAX:
            raise too_big(len(value))
        return value

    def weigh(self, value: Any) -> int:
        return weigh(value, self.items_left())

    # --- iteration ----------------------------------------------------------------------------

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """What instrumented `for` loops and comprehensions iterate: one unit per item."""
        for item in iterable:
            self.charge(1)
            yield item

    def iterate_unpacked(self, iterable: Iterable[Any], shape: tuple[Any, ...]) -> Iterator[Any]:
        """`iterate` for a loop target with a starred name (`for a, *rest in ...`)."""
        for item in iterable:
            self.charge(1)
            yield self.unpack(item, shape)

    def collect(self, iterable: Iterable[Any], per_item: int | None = None) -> list[Any]:
        """The items of `iterable` as a list, refused if too many and charged by count (as new
        objects, unless they come from a list, tuple, dict or bytes)."""
        if per_item is None:
            per_item = 1 if type(iterable) in _REFERENCES else OBJECT_ITEMS
        try:
            size: int | None = len(iterable)  # type: ignore[arg-type]
        except (TypeError, OverflowError):
            size = None
        if size is not None:
            self.charge_size(size, per_item)
            return list(iterable)
        iterator = iter(iterable)
        self.charge(1)
        items: list[Any] = []
        while True:
            chunk = list(itertools.islice(iterator, COLLECT_CHUNK))
            items += chunk
            if len(items) > ALLOC_MAX:
                raise too_big(len(items))
            self.charge(len(chunk) * per_item // ITEMS_PER_FUEL)
            if len(chunk) < COLLECT_CHUNK:
                return items

    def unpack(self, value: Any, shape: tuple[Any, ...]) -> list[Any]:
        """`value` collected for a target with a starred name at some level (`a, *b = value`):
        `shape` lists (position, shape) of the nested targets that have one too."""
        items = self.collect(value)
        for position, inner in shape:
            if -len(items) <= position < len(items):
                items[position] = self.unpack(items[position], inner)
        return items

    def star(self, value: Any) -> list[Any]:
        """`*value` in a call or a display."""
        return self.collect(value)

    def double_star(self, mapping: Any) -> Any:
        """`**mapping` in a call or a dict display: a copy of its entries."""
        if type(mapping) is dict:
            self.charge_size(len(mapping), ENTRY_ITEMS)
        return mapping

    # --- calls --------------------------------------------------------------------------------

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

    # --- text ---------------------------------------------------------------------------------

    def text(self, value: Any, conversion: str = "s") -> str:
        """`str(value)` ("s"), `repr(value)` ("r") or `ascii(value)` ("a") of plain data, its
        size measured (and charged, and refused over ALLOC_MAX characters) before it is made."""
        if type(value) is str and conversion == "s":
            self.charge(1)
            return value
        size = TextMeasure(self.charge, ALLOC_MAX).size(value, conversion)
        self.charge_size(size)
        return _CONVERSIONS[conversion](value)

    def format_part(self, value: Any, conversion: int) -> str:
        """One `{value!c}` of an f-string, as text."""
        return self.text(value, _FORMAT_CONVERSIONS[conversion])

    def format_join(self, *parts: str) -> str:
        """An f-string from its parts (literal text and `format_part`s)."""
        self.charge_size(sum(map(len, parts)))
        return "".join(parts)
