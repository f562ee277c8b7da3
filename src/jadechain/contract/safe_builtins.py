"""The builtins of contract code: a small set of the pure, deterministic ones, made fresh for each
execution.

They are wrapped where they could make a huge value, consume an iterable without fuel, or turn a
non-plain object into text (whose text would hold a memory address and differ between nodes).
`str`, `int`, `bool`, `bytes`, `list`, `dict` and `tuple` are `SafeType`s
(`jadechain.contract.safe_types`); integers read from text or bytes are held to the same limits
as those that operators make (INT_DIGITS_MAX digits of text, INT_BITS_MAX bits).

The functions here keep their names: a TypeError for a call with the wrong arguments names them
(`make_builtins.<locals>.total()`), and that message is part of the transaction's result.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from jadechain.contract import ContractError
from jadechain.contract.collection_methods import sort_values
from jadechain.contract.guards import Execution
from jadechain.contract.limits import INT_BITS_MAX, INT_DIGITS_MAX, ITEMS_PER_FUEL, refuse
from jadechain.contract.safe_types import SafeType, real_types
from jadechain.contract.text_methods import _decode, _encode  # guards named in messages


def make_builtins(execution: Execution) -> dict[str, Any]:
    """The builtins of one execution: fresh wrappers bound to its fuel."""
    collect = execution.collect

    def build_class(*args: Any, **kwargs: Any) -> Any:
        cls = builtins.__build_class__(*args, **kwargs)
        execution.charge(len(getattr(cls, "__mro__", ())))  # its MRO was computed
        return cls

    def text(value: Any = "", *args: Any, **kwargs: Any) -> str:
        if isinstance(value, bytes) and (args or kwargs):
            return _decode(execution, value, *args, **kwargs)
        if args or kwargs:
            return str(value, *args, **kwargs)  # TypeError, as in Python
        return execution.text(value, "s")

    def to_int(value: Any = 0, *args: Any, **kwargs: Any) -> int:
        if not isinstance(value, str | bytes):
            return int(value, *args, **kwargs)
        base = args[0] if args else kwargs.get("base", 10)
        size = len(value.strip())
        if base not in (2, 4, 8, 16, 32) and size > INT_DIGITS_MAX:
            raise ValueError(
                f"contracts read integers of at most {INT_DIGITS_MAX} digits from text "
                f"in base {base} (this text has {size} characters)"
            )
        execution.charge(1 + len(value) // ITEMS_PER_FUEL)
        return _checked_int(int(value, *args, **kwargs))

    def from_bytes(data: Any, *args: Any, **kwargs: Any) -> int:
        if not isinstance(data, bytes):
            data = bytes(collect(data))
        execution.charge(1 + len(data) // ITEMS_PER_FUEL)
        return _checked_int(int.from_bytes(data, *args, **kwargs))

    def to_bytes(value: Any = b"", *args: Any, **kwargs: Any) -> bytes:
        if isinstance(value, int):
            execution.charge_size(value)
            return bytes(value)
        if isinstance(value, str) and (args or kwargs):
            return _encode(execution, value, *args, **kwargs)
        if isinstance(value, str | bytes):
            return bytes(value, *args, **kwargs)  # the same bytes, or TypeError as in Python
        return bytes(collect(value))

    def from_hex(text: Any) -> bytes:
        if isinstance(text, str):
            execution.charge(1 + len(text) // ITEMS_PER_FUEL)
        return bytes.fromhex(text)

    def sequence(kind: type) -> Callable[..., Any]:
        return lambda items=(): kind(collect(items))

    def mapping(items: Any = (), /, **named: Any) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        execution.update(result, items, **named)
        return result

    def over_items(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 1:
                args = (collect(args[0]),)
            return function(*args, **kwargs)

        return call

    def extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, key: Any = None, **options: Any) -> Any:
            if not args or (len(args) > 1 and "default" in options):
                return pick(*args, **options)  # TypeError, as in Python
            values = collect(args[0]) if len(args) == 1 else list(args)
            keys = values if key is None else list(map(key, values))
            execution.charge(1 + execution.weigh(keys) // ITEMS_PER_FUEL)
            if not values or key is None:
                return pick(values, **options)
            return values[pick(range(len(keys)), key=keys.__getitem__)]

        return call

    def total(items: Iterable[Any], start: Any = 0) -> Any:
        values = collect(items)
        if not set(map(type, [start, *values])) <= _NUMBERS:
            raise TypeError("sum() adds numbers only in contracts")
        execution.charge(1 + execution.weigh([start, *values]) // ITEMS_PER_FUEL)
        result = sum(values, start)
        return _checked_int(result) if type(result) is int else result

    def ordered(items: Iterable[Any], key: Any = None, reverse: bool = False) -> list[Any]:
        return sort_values(execution, collect(items), key, reverse)

    def is_instance(value: Any, spec: Any) -> bool:
        return isinstance(value, real_types(spec))

    return {
        "__build_class__": build_class,
        "str": SafeType(str, text),
        "int": SafeType(int, to_int, {"from_bytes": from_bytes}),
        "bool": SafeType(bool, bool),
        "bytes": SafeType(bytes, to_bytes, {"fromhex": from_hex}),
        "list": SafeType(list, sequence(list)),
        "tuple": SafeType(tuple, sequence(tuple)),
        "dict": SafeType(dict, mapping),
        "repr": lambda value: execution.text(value, "r"),
        "isinstance": is_instance,
        "len": len,
        "abs": abs,
        "chr": chr,
        "ord": ord,
        "divmod": execution.divide,
        "range": range,
        "enumerate": enumerate,
        "zip": zip,
        "reversed": reversed,
        "min": extreme(min),
        "max": extreme(max),
        "any": over_items(any),
        "all": over_items(all),
        "sum": total,
        "sorted": ordered,
        **EXCEPTIONS,
    }


_NUMBERS = frozenset({int, bool, float})


def _checked_int(value: int) -> int:
    if value.bit_length() > INT_BITS_MAX:
        bits = value.bit_length()
        raise refuse(f"an integer of {bits} bits exceeds the limit of {INT_BITS_MAX}")
    return value


EXCEPTIONS: dict[str, type[Exception]] = {
    error.__name__: error
    for error in (
        Exception,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        LookupError,
        ArithmeticError,
        ZeroDivisionError,
        OverflowError,
        AssertionError,
        AttributeError,
        NameError,
    )
}
EXCEPTIONS["ContractError"] = ContractError
