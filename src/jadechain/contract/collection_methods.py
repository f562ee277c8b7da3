"""The methods of lists, tuples and dicts contract code may call (and the few of ints and
ranges), and the sort that `sorted()` and `list.sort` share.

Each listed method whose cost depends on its arguments or its object has a guard, called with the
execution, the object and the call's arguments: each call is charged 1, plus 1 per
ITEMS_PER_FUEL items of the work it does (the items it compares, moves or copies), and a list or
dict that would grow over ALLOC_MAX items is refused. `dict.keys`, `values` and `items` return
lists, so contract code sees no set-like views.

As in `jadechain.contract.text_methods`, the guards keep their names: a TypeError for a call with
the wrong arguments names them, and that message is part of the transaction's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jadechain.contract.guards import Execution
from jadechain.contract.limits import ALLOC_MAX, ENTRY_ITEMS, ITEMS_PER_FUEL, OBJECT_ITEMS, refuse
from jadechain.contract.weights import weigh

COLLECTION_METHODS: dict[type, frozenset[str]] = {
    list: frozenset(
        [
            "append",
            "clear",
            "copy",
            "count",
            "extend",
            "index",
            "insert",
            "pop",
            "remove",
            "reverse",
            "sort",
        ]
    ),
    dict: frozenset(
        [
            "clear",
            "copy",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        ]
    ),
    tuple: frozenset({"count", "index"}),
    int: frozenset({"bit_length", "to_bytes"}),
    bool: frozenset({"bit_length"}),
    range: frozenset({"start", "stop", "step", "count", "index"}),
}
"""The methods of lists, tuples, dicts, ints and ranges contract code may read."""


def sort_values(execution: Execution, values: list[Any], key: Any, reverse: Any) -> list[Any]:
    """`sorted(values, key=key, reverse=reverse)`, charged about n log n comparisons of the keys'
    weight (each key computed once, by contract code that is metered itself)."""
    keys = values if key is None else list(map(key, values))
    rounds = max(1, len(keys).bit_length())
    execution.charge(1 + execution.weigh(keys) * rounds // ITEMS_PER_FUEL)
    if key is None:
        return sorted(values, reverse=reverse)
    order = sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
    return list(map(values.__getitem__, order))


def _searched(execution: Execution, count: int, needle: Any) -> None:
    """A search comparing `needle` with up to `count` elements."""
    if count:
        execution.charge_work(count * (1 + weigh(needle, execution.items_left() // count)))
    else:
        execution.charge_work(0)


def _index_of(size: int, index: Any) -> int:
    """Where `insert` or `pop` with `index` acts in a list of `size` items."""
    if not isinstance(index, int):
        return size
    if index < 0:
        index += size
    return min(max(int(index), 0), size)


# --- lists, tuples and dicts ---------------------------------------------------------------------


def _append(execution: Execution, items: list[Any], value: Any) -> None:
    if len(items) >= ALLOC_MAX:
        raise refuse(f"a value of {len(items) + 1} items exceeds the limit of {ALLOC_MAX}")
    execution.charge(1)
    items.append(value)


def _insert(execution: Execution, items: list[Any], index: Any, value: Any) -> None:
    if len(items) >= ALLOC_MAX:
        raise refuse(f"a value of {len(items) + 1} items exceeds the limit of {ALLOC_MAX}")
    execution.charge_work(len(items) - _index_of(len(items), index))  # the items after it move
    items.insert(index, value)


def _pop(execution: Execution, items: list[Any], *args: Any) -> Any:
    moved = len(items) - _index_of(len(items), args[0]) - 1 if args else 0
    execution.charge_work(moved)
    return items.pop(*args)


def _search(name: str) -> Callable[..., Any]:
    """`count`, `index` of lists and tuples, and `remove`: compare the value with each item."""

    def method(execution: Execution, items: Any, value: Any, *args: Any) -> Any:
        _searched(execution, len(items), value)
        if name == "remove":
            execution.charge_work(len(items))  # the items after it move
        return getattr(items, name)(value, *args)

    return method


def _sized(name: str) -> Callable[..., Any]:
    """`reverse`, `clear`: work linear in the list's size."""

    def method(execution: Execution, items: Any) -> Any:
        execution.charge_work(len(items) if name == "reverse" else 0)
        return getattr(items, name)()

    return method


def _copy(execution: Execution, items: Any) -> Any:
    execution.charge_size(len(items), ENTRY_ITEMS if isinstance(items, dict) else 1)
    return items.copy()


def _sort_in_place(
    execution: Execution, items: list[Any], *, key: Any = None, reverse: bool = False
) -> None:
    items[:] = sort_values(execution, list(items), key, reverse)


def _looked_up(name: str) -> Callable[..., Any]:
    """`get`, `pop` of a dict: one lookup, charged by the key's weight."""

    def method(execution: Execution, mapping: dict[Any, Any], key: Any, *args: Any) -> Any:
        execution.charge_work(execution.weigh(key))
        return getattr(mapping, name)(key, *args)

    return method


def _setdefault(
    execution: Execution, mapping: dict[Any, Any], key: Any, default: Any = None
) -> Any:
    execution.key(key)
    if len(mapping) >= ALLOC_MAX and key not in mapping:
        raise refuse(f"a value of {len(mapping) + 1} items exceeds the limit of {ALLOC_MAX}")
    execution.charge(1)
    return mapping.setdefault(key, default)


def _popitem(execution: Execution, mapping: dict[Any, Any]) -> Any:
    execution.charge(1)
    return mapping.popitem()


def _update(execution: Execution, mapping: dict[Any, Any], *args: Any, **named: Any) -> None:
    execution.update(mapping, *args, **named)


def _extend(execution: Execution, items: list[Any], more: Iterable[Any]) -> None:
    execution.extend(items, more)


def _listing(what: str, per_item: int) -> Callable[..., list[Any]]:
    def listed(execution: Execution, mapping: dict[Any, Any]) -> list[Any]:
        execution.charge_size(len(mapping), per_item)
        return list(getattr(mapping, what)())

    return listed


# --- ints and ranges -----------------------------------------------------------------------------


def _int_to_bytes(
    execution: Execution, value: int, length: int = 1, byteorder: str = "big", signed: bool = False
) -> bytes:
    execution.charge_size(length)
    return value.to_bytes(length, byteorder, signed=signed)  # type: ignore[arg-type]


def _range_search(name: str) -> Callable[..., Any]:
    """`count`, `index` of a range: arithmetic for an int, item by item for anything else."""

    def method(execution: Execution, numbers: range, value: Any) -> Any:
        if type(value) in (int, bool):
            execution.charge(1)
        else:  # Python compares `value` with each number in turn
            execution.charge(1 + _length(numbers) * (1 + execution.weigh(value) // ITEMS_PER_FUEL))
        return getattr(numbers, name)(value)

    return method


def _length(numbers: range) -> int:
    try:
        return len(numbers)
    except OverflowError:
        return 2**63


COLLECTION_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {
    (list, "append"): _append,
    (list, "clear"): _sized("clear"),
    (list, "copy"): _copy,
    (list, "count"): _search("count"),
    (list, "extend"): _extend,
    (list, "index"): _search("index"),
    (list, "insert"): _insert,
    (list, "pop"): _pop,
    (list, "remove"): _search("remove"),
    (list, "reverse"): _sized("reverse"),
    (list, "sort"): _sort_in_place,
    (dict, "clear"): _sized("clear"),
    (dict, "copy"): _copy,
    (dict, "get"): _looked_up("get"),
    (dict, "pop"): _looked_up("pop"),
    (dict, "popitem"): _popitem,
    (dict, "setdefault"): _setdefault,
    (dict, "update"): _update,
    (dict, "keys"): _listing("keys", 1),
    (dict, "values"): _listing("values", 1),
    (dict, "items"): _listing("items", OBJECT_ITEMS),
    (tuple, "count"): _search("count"),
    (tuple, "index"): _search("index"),
    (int, "to_bytes"): _int_to_bytes,
    (range, "count"): _range_search("count"),
    (range, "index"): _range_search("index"),
}
"""The guard of each method of lists, tuples, dicts, ints and ranges whose cost depends on its
arguments or its object; the others (`int.bit_length`, `range.start`, ...) are returned as they
are."""
