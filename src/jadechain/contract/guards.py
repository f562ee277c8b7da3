"""The dynamic half of the sandbox: guards on every operation whose cost grows with its operands.

`Execution` (a `jadechain.contract.meter.Meter`, which holds the fuel) is what the instrumented
code calls for operators, comparisons, subscripts, dict keys and the lists and dicts that grow:
each is charged by the work it may do, and refused if it would make a value over the size limit,
before it is done.

Comparisons cost by the data they may have to walk: `a == b` and `a < b` the smaller weight of the
two (`weigh`), `x in a_list` the list's length times (1 + the weight of `x`), `x in a_dict` the
weight of `x`, `s in text` the text's length. Nothing is charged for what costs no more than a
handful of machine words, so plain scalar comparisons stay free.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from typing import Any

from jadechain.contract.keys import check_key, checked_pair, plain_pairs, text_size
from jadechain.contract.limits import (
    ALLOC_MAX,
    ENTRY_ITEMS,
    INT_BITS_MAX,
    ITEMS_PER_FUEL,
    OBJECT_ITEMS,
    TEXT_PER_ITEM,
    VISIT_ITEMS,
    WORD_BITS,
    refuse,
    too_big,
)
from jadechain.contract.meter import Meter
from jadechain.contract.operators import (
    ARITHMETIC,
    COMPARISONS,
    LINEAR,
    SMALL,
    UNARY,
    int_bits,
    int_work,
)
from jadechain.contract.weights import INTS, NESTED, TEXTS, weigh

_SEQUENCES = frozenset({str, bytes, list, tuple})


def _slice_length(size: int, index: slice) -> int:
    return len(range(*index.indices(size)))


def _range_length(numbers: range) -> int:
    try:
        return len(numbers)
    except OverflowError:
        step = numbers.step
        return max(0, (numbers.stop - numbers.start + step - (1 if step > 0 else -1)) // step)


class _Target:
    """What an instrumented `obj[index] = value` / `del obj[index]` stores into: `obj`, guarded."""

    __slots__ = ("execution", "obj")

    def __init__(self, execution: Execution, obj: Any) -> None:
        self.execution = execution
        self.obj = obj

    def __setitem__(self, index: Any, value: Any) -> None:
        self.execution.set_item(self.obj, index, value)

    def __delitem__(self, index: Any) -> None:
        self.execution.del_item(self.obj, index)

    def __getitem__(self, index: Any) -> Any:
        return self.execution.get_item(self.obj, index)


class Execution(Meter):
    """Fuel, call depth and the guards of one invocation (shared with the contracts it calls)."""

    def __init__(self, fuel_max: int) -> None:
        super().__init__(fuel_max)
        self.last: Any = None  # the right operand of the latest comparison (chained comparisons)

    # --- operators ----------------------------------------------------------------------------

    def operate(self, symbol: str, left: Any, right: Any) -> Any:
        if type(left) in INTS and type(right) in INTS:
            if symbol in LINEAR and -SMALL < left < SMALL and -SMALL < right < SMALL:
                self.charge(1)  # what `_integers` charges for operands under 1,024 bits
                return ARITHMETIC[symbol](left, right)
            return self._integers(symbol, left, right)
        self._check(symbol, left, right)
        return ARITHMETIC[symbol](left, right)

    def operate_in_place(self, symbol: str, left: Any, right: Any) -> Any:
        kind = type(left)
        if kind is list and symbol == "+":
            self.extend(left, right)
            return left
        if kind is list and symbol == "*":
            self._check_repeat(left, right)
            left *= right
            return left
        if kind is dict and symbol == "|":
            self.update(left, right)
            return left
        return self.operate(symbol, left, right)

    def unary(self, symbol: str, operand: Any) -> Any:
        if type(operand) is int:
            self.charge(1 + operand.bit_length() // WORD_BITS // ITEMS_PER_FUEL)
        return UNARY[symbol](operand)

    def _integers(self, symbol: str, left: int, right: int) -> Any:
        left_bits, right_bits = left.bit_length(), right.bit_length()
        if symbol in ("*", "**", "<<"):  # refused before the value is made
            bits = int_bits(symbol, left, right, left_bits, right_bits)
            if bits > INT_BITS_MAX:
                limit = INT_BITS_MAX
                raise refuse(f"an integer of {bits} bits or more exceeds the limit of {limit}")
        work = int_work(symbol, left, right, left_bits, right_bits)
        self.charge(1 + work // ITEMS_PER_FUEL)
        result = ARITHMETIC[symbol](left, right)
        if type(result) is int and result.bit_length() > INT_BITS_MAX:
            bits = result.bit_length()
            raise refuse(f"an integer of {bits} bits exceeds the limit of {INT_BITS_MAX}")
        return result

    def divide(self, left: Any, right: Any) -> Any:
        """`divmod(left, right)`: charged as `//` for integers."""
        if type(left) in INTS and type(right) in INTS:
            work = int_work("//", left, right, left.bit_length(), right.bit_length())
            self.charge(1 + work // ITEMS_PER_FUEL)
        return divmod(left, right)

    def _check(self, symbol: str, left: Any, right: Any) -> None:
        if symbol == "%" and isinstance(left, str | bytes):
            raise TypeError("%-formatting is not allowed in contracts; use f-strings")
        if symbol == "+":
            if type(left) in _SEQUENCES and type(right) in _SEQUENCES:
                self.charge_size(len(left) + len(right))
        elif symbol == "*":
            self._check_repeat(left, right)
            self._check_repeat(right, left)
        elif symbol == "|" and type(left) is dict and type(right) is dict:
            self.charge_size(len(left) + len(right), ENTRY_ITEMS)

    def _check_repeat(self, sequence: Any, count: Any) -> None:
        if type(sequence) in _SEQUENCES and type(count) in INTS:
            self.charge_size(len(sequence) * max(int(count), 0))

    # --- comparisons --------------------------------------------------------------------------

    def compare(self, symbol: str, left: Any, right: Any) -> Any:
        """`left symbol right`, charged by the data it may walk."""
        if symbol in {"in", "not in"}:
            found = self.contains(right, left)
            result: Any = found if symbol == "in" else not found
        else:
            self.charge_items(self._compare_items(symbol, left, right))
            result = COMPARISONS[symbol](left, right)
        self.last = right
        return result

    def last_operand(self) -> Any:
        """The right operand of the latest comparison: the left one of the next in a chain."""
        return self.last

    def _compare_items(self, symbol: str, left: Any, right: Any) -> int:
        if symbol in {"is", "is not"}:
            return 0
        left_kind, right_kind = type(left), type(right)
        equality = symbol in {"==", "!="}
        if left_kind in TEXTS and right_kind in TEXTS:
            if equality and len(left) != len(right):
                return 0
            return min(len(left), len(right)) // TEXT_PER_ITEM
        if left_kind is int and right_kind is int:
            return int(min(left.bit_length(), right.bit_length())) // WORD_BITS
        if left_kind in NESTED and left_kind is right_kind:
            if equality and len(left) != len(right):
                return 0
            shorter = left if len(left) <= len(right) else right
            return weigh(shorter, self.items_left())  # a bound on the lighter one's weight
        return 0

    def contains(self, container: Any, item: Any) -> bool:
        """`item in container`, charged by what the search may walk."""
        kind = type(container)
        if kind is dict:
            items = self.weigh(item)
        elif kind is list or kind is tuple:
            count = len(container)
            items = count * (1 + weigh(item, self.items_left() // max(count, 1)))
        elif kind is str or kind is bytes:
            items = len(container) + (len(item) if type(item) in TEXTS else 0)
        elif kind is range:
            items = 0 if type(item) in INTS else VISIT_ITEMS * _range_length(container)
        elif hasattr(kind, "__next__"):  # an iterator (zip, enumerate, reversed)
            return self._find(container, item)
        else:
            items = 0
        self.charge_items(items)
        return item in container

    def _find(self, iterator: Iterator[Any], item: Any) -> bool:
        """`item in iterator`, consuming it up to the match as Python does: each element is
        charged as a new object plus a comparison with `item`."""
        per_element = OBJECT_ITEMS + 1 + weigh(item, self.items_left())
        seen = 0
        for element in iterator:
            seen += 1
            if seen % ITEMS_PER_FUEL == 0:
                self.charge(per_element)
            if element is item or element == item:
                break
        else:
            self.charge(seen % ITEMS_PER_FUEL * per_element // ITEMS_PER_FUEL)
            return False
        self.charge(seen % ITEMS_PER_FUEL * per_element // ITEMS_PER_FUEL)
        return True

    # --- subscripts and dict keys -------------------------------------------------------------

    def get_item(self, obj: Any, index: Any) -> Any:
        """`obj[index]`: slices are charged (and refused) by their length, dict lookups by the
        key's weight."""
        kind = type(obj)
        if type(index) is slice:
            if kind in _SEQUENCES:
                self.charge_size(_slice_length(len(obj), index))
        elif kind is dict:
            self.charge_items(self.weigh(index))
        return obj[index]

    def target(self, obj: Any) -> _Target:
        return _Target(self, obj)

    def set_item(self, obj: Any, index: Any, value: Any) -> None:
        kind = type(obj)
        if kind is dict:
            self.key(index)
            if len(obj) >= ALLOC_MAX and index not in obj:
                raise too_big(len(obj) + 1)
        elif kind is list and type(index) is slice:
            items = self.collect(value)
            size = len(obj) - _slice_length(len(obj), index) + len(items)
            if size > ALLOC_MAX:
                raise too_big(size)
            self.charge_items(len(obj))  # the items after the slice move
            value = items
        obj[index] = value

    def del_item(self, obj: Any, index: Any) -> None:
        kind = type(obj)
        if kind is list:
            size = len(obj)
            moved = size
            if type(index) in INTS:
                moved = size - (index + size if index < 0 else index) - 1
            self.charge_items(max(moved, 0))
        elif kind is dict:
            self.charge_items(self.weigh(index))
        del obj[index]

    def key(self, value: Any) -> Any:
        """`value`, if it may be a dict key (`check_key`), charged by its text's size."""
        if type(value) in TEXTS:
            self.charge_items(len(value))
        return check_key(value)

    # --- lists and dicts that grow ------------------------------------------------------------

    def extend(self, items: list[Any], more: Iterable[Any]) -> None:
        added = self.collect(more)
        if len(items) + len(added) > ALLOC_MAX:
            raise too_big(len(items) + len(added))
        items.extend(added)

    def update(self, target: dict[Any, Any], source: Any = (), /, **named: Any) -> None:
        """`target.update(source, **named)` (also `dict(...)` and `|=`), keys checked first."""
        pairs: Any = source
        if type(source) is dict:
            self.charge_size(len(source), ENTRY_ITEMS)
        else:
            items = self.collect(source)
            self.charge(len(items))  # each pair is checked on its own
            pairs = items if plain_pairs(items) else [checked_pair(pair) for pair in items]
            self.charge_items(text_size(map(operator.itemgetter(0), pairs)))
        if named:
            self.charge_size(len(named), ENTRY_ITEMS)
        target.update(pairs, **named)
        if len(target) > ALLOC_MAX:
            raise too_big(len(target))
