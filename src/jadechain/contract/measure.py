"""The size of the text of plain data (`str()`, `repr()`, `ascii()`, f-strings), measured before
the text is made, so it can be charged for, and refused over a limit, first.

The sandbox uses it for every value contract code turns into text, and the runtime for the
arguments of an exception it reports.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from jadechain.contract.limits import (
    ALLOC_MAX,
    DATA_DEPTH_MAX,
    INT_DIGITS_MAX,
    ITEMS_PER_FUEL,
    kind_name,
    refuse,
    too_big,
    too_deep,
)

_TEN_TO_DIGITS_MAX = 10**INT_DIGITS_MAX


def int_text_size(value: int) -> int:
    """An upper bound on the characters of `str(value)`; ValueError over INT_DIGITS_MAX digits."""
    if not -_TEN_TO_DIGITS_MAX < value < _TEN_TO_DIGITS_MAX:
        raise ValueError(
            f"contracts turn integers of at most {INT_DIGITS_MAX} digits into text "
            f"(this one has {value.bit_length()} bits)"
        )
    return (value.bit_length() * 1233 >> 12) + 2 + (value < 0)  # 1233/4096 < log10(2)


class TextMeasure:
    """Measures the text of plain data before it is made: `str()`, `repr()` or `ascii()` of
    None, bool, int, float, str, bytes, and lists, tuples, dicts and exceptions of those.

    `charge(units)` is called with fuel for each element visited (and for strings that must be
    rendered to be measured); the measure stops with `too_long()` as soon as the text would exceed
    `limit` characters. Anything else raises TypeError, integers over INT_DIGITS_MAX digits
    ValueError, data nested deeper than DATA_DEPTH_MAX `ContractAbort`.
    """

    def __init__(self, charge: Callable[[int], None], limit: int) -> None:
        self.charge = charge
        self.limit = limit
        self.memo: dict[tuple[int, str], tuple[object, int]] = {}

    def too_long(self, size: int) -> BaseException:
        return refuse(f"a text of {size} or more characters exceeds the limit of {self.limit}")

    def size(self, value: Any, mode: str, depth: int = 0) -> int:
        """`mode`: "s" for str(), "r" for repr(), "a" for ascii()."""
        if depth > DATA_DEPTH_MAX:
            raise too_deep()
        kind = type(value)
        if kind is list or kind is tuple or kind is dict:
            return self._container(value, mode, depth)
        self.charge(1)
        if kind is str:
            return len(value) if mode == "s" else self._rendered(value, mode)
        if kind is int:
            return int_text_size(value)
        if kind is bool or value is None:
            return 5 if value is False else 4
        if kind is float:
            return len(repr(value))
        if kind is bytes:
            return self._rendered(value, "a" if mode == "a" else "r")
        if isinstance(value, BaseException):  # a bound on both str() and repr()
            return len(kind.__name__) + 2 + self.size(value.args, "a" if mode == "a" else "r")
        raise TypeError(f"contracts may only turn plain data into text, not {kind_name(value)}")

    def _container(self, value: Any, mode: str, depth: int) -> int:
        count = len(value)
        if count > ALLOC_MAX:
            raise too_big(count)
        self.charge(1 + count // ITEMS_PER_FUEL)
        size = 2 + 2 * max(count - 1, 0)
        if type(value) is tuple and count == 1:
            size += 1
        children: Iterable[Any] = value
        if type(value) is dict:
            size += 2 * count
            children = itertools.chain.from_iterable(value.items())
        inner = "a" if mode == "a" else "r"
        for item in children:
            size += self.size(item, inner, depth + 1)
            if size > self.limit:
                raise self.too_long(size)
        return size

    def _rendered(self, value: str | bytes, mode: str) -> int:
        """The length of repr() (or ascii()) of a str or bytes: counted, or rendered once."""
        key = (id(value), mode)
        known = self.memo.get(key)
        if known is not None:
            return known[1]
        if type(value) is str and value.isprintable() and (mode == "r" or value.isascii()):
            both_quotes = "'" in value and '"' in value
            size = len(value) + 2 + value.count("\\") + (value.count("'") if both_quotes else 0)
        else:
            self.charge(len(value) // ITEMS_PER_FUEL)
            size = len(ascii(value) if mode == "a" else repr(value))
        self.memo[key] = (value, size)
        return size
