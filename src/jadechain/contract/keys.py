"""Which values contract code may use as dict keys, and the checks and costs of putting keys in.

Keys are limited to types whose hashes contract code cannot make collide (str, bytes, 64-bit
ints, bool, None), so a dict cannot be flooded with colliding keys whose insertion takes
quadratic time.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from typing import Any

from jadechain.contract.limits import kind_name
from jadechain.contract.weights import TEXTS, of_kinds
from jadechain.ledger.values import INT64_MAX, INT64_MIN

_KEY_RULE = "dict keys in contracts are str, bytes, int (64-bit), bool or None"
_PAIRS = frozenset({tuple, list})
_KEYS = frozenset({str, bytes, bool, int, type(None)})


def plain_pairs(items: list[Any]) -> bool:
    """Whether `items` are all (key, value) tuples or lists with valid keys (checked in C)."""
    if not set(map(type, items)) <= _PAIRS or not set(map(len, items)) <= {2}:
        return False
    keys = list(map(operator.itemgetter(0), items))
    kinds = set(map(type, keys))
    if not kinds <= _KEYS:
        return False
    if int in kinds:
        numbers = list(of_kinds(keys, kinds, frozenset({int})))
        return bool(min(numbers) >= INT64_MIN and max(numbers) <= INT64_MAX)
    return True


def checked_pair(pair: Any) -> tuple[Any, Any]:
    """One (key, value) for a dict, its key checked (TypeError, ValueError as for dict())."""
    key, value = pair
    return check_key(key), value


def check_key(value: Any) -> Any:
    """`value`, if it may be a dict key: a type whose hashes contract code cannot make collide
    (ints beyond 64 bits can be chosen to share a hash; tuples too)."""
    kind = type(value)
    if kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            raise TypeError(f"{_KEY_RULE}; this int does not fit in 64 bits")
    elif kind not in _KEYS:
        raise TypeError(f"{_KEY_RULE}, not {kind_name(value)}")
    return value


def text_size(keys: Iterable[Any]) -> int:
    """The characters and bytes of the str and bytes among `keys` (hashed, then compared)."""
    listed = list(keys)
    return sum(map(len, itertools.compress(listed, map(TEXTS.__contains__, map(type, listed)))))
