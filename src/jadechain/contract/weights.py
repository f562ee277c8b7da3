"""What comparing or hashing data may cost: its *weight*, in items (see
`jadechain.contract.limits`), measured before the work is done so the work can be charged first.

Comparisons and dict lookups walk their operands in C, at no cost Python can see; `weigh` bounds
what they may walk from the data's shape alone, stopping as soon as the bound exceeds what is left
of the fuel.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from jadechain.contract.limits import (
    DATA_DEPTH_MAX,
    TEXT_PER_ITEM,
    VISIT_ITEMS,
    WORD_BITS,
    too_deep,
)

TEXTS = frozenset({str, bytes})
INTS = frozenset({int, bool})
NESTED = frozenset({list, tuple, dict})


def weigh(value: Any, limit: int, depth: int = 0) -> int:
    """The items comparing or hashing `value` may walk: 1 per element (2 per dict entry), per
    TEXT_PER_ITEM characters or bytes, per 64-bit word of an int, and VISIT_ITEMS more per nested
    list, tuple or dict.

    Stops early, returning a number over `limit`, once the weight is known to exceed it. Computed
    at C speed except for nested containers, which are visited (and paid for) one by one.
    """
    kind = type(value)
    if kind is str or kind is bytes:
        return len(value) // TEXT_PER_ITEM
    if kind is int:
        return int(value.bit_length()) // WORD_BITS
    if kind is list or kind is tuple:
        return _weigh_items(value, len(value), limit, depth)
    if kind is dict:
        keys = _weigh_items(value.keys(), len(value), limit, depth)
        return keys + _weigh_items(value.values(), len(value), limit - keys, depth)
    return 0


def _weigh_items(items: Iterable[Any], count: int, limit: int, depth: int) -> int:
    if count == 0 or count > limit:
        return count
    try:  # the common case, integers only: one pass
        return count + sum(map(int.bit_length, items)) // WORD_BITS
    except TypeError:
        pass
    kinds = set(map(type, items))
    total = count
    if kinds & TEXTS:
        total += sum(map(len, of_kinds(items, kinds, TEXTS))) // TEXT_PER_ITEM
    if kinds & INTS:
        total += sum(map(int.bit_length, of_kinds(items, kinds, INTS))) // WORD_BITS
    if kinds & NESTED:
        if depth >= DATA_DEPTH_MAX:
            raise too_deep()
        for item in of_kinds(items, kinds, NESTED):
            if total > limit:
                break
            total += VISIT_ITEMS + weigh(item, limit - total, depth + 1)
    return total


def of_kinds(items: Iterable[Any], kinds: set[type], wanted: frozenset[type]) -> Iterable[Any]:
    if kinds <= wanted:
        return items
    return itertools.compress(items, map(wanted.__contains__, map(type, items)))
