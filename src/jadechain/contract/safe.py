"""What contract code can reach: a small set of builtins and a whitelist of attributes.

The builtins are the pure, deterministic ones, wrapped where they could make a huge value, consume
an iterable without fuel, or turn a non-plain object into text (whose text would hold a memory
address and differ between nodes). `str`, `int`, `bool`, `bytes`, `list`, `dict` and `tuple` are
`SafeType`s: callable like the type, usable with `isinstance` and in annotations (`list[int]`).

`read_attribute` (the instrumented form of every `obj.name`) allows listed methods of plain types
(`dict.keys`, `values` and `items` return lists, so no set-like views), the context's API,
`args` of exceptions, and the names a contract's own classes define. Anything else fails with
AttributeError.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Iterable
from typing import Any

from jadechain.contract import ContractError
from jadechain.contract.context import CONTEXT_API, ContractContext
from jadechain.contract.guards import ALLOC_MAX, Execution, refuse

SANDBOX_MODULE = "jadechain_contract"

_STR_METHODS = frozenset(
    [
        "capitalize",
        "casefold",
        "count",
        "encode",
        "endswith",
        "find",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "isidentifier",
        "islower",
        "isnumeric",
        "isprintable",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
    ]
)
_BYTES_METHODS = (_STR_METHODS - {"encode", "casefold", "isdecimal", "isnumeric"}) | {
    "decode",
    "hex",
}
_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    bytes: frozenset(_BYTES_METHODS - {"isidentifier", "isprintable"}),
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
_CHEAP = frozenset(
    [
        "append",
        "pop",
        "popitem",
        "get",
        "setdefault",
        "bit_length",
        "start",
        "stop",
        "step",
        "clear",
        "startswith",
        "endswith",
        "insert",
    ]
)


class SafeType:
    """A plain type as contract code sees it."""

    def __init__(
        self,
        real: type,
        construct: Callable[..., Any],
        extras: dict[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.real = real
        self.construct = construct
        self.extras = extras or {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.construct(*args, **kwargs)

    def __getitem__(self, parameters: Any) -> TypeAlias:
        items = parameters if isinstance(parameters, tuple) else (parameters,)
        return TypeAlias(self, items)


class TypeAlias:
    """`list[int]`, `dict[str, int]` in a contract's annotations."""

    def __init__(self, origin: SafeType, parameters: tuple[Any, ...]) -> None:
        self.origin = origin
        self.parameters = parameters


def conforms(value: Any, annotation: Any) -> bool:
    """Whether `value` matches a contract annotation (missing or unknown ones match anything)."""
    if isinstance(annotation, TypeAlias):
        if not conforms(value, annotation.origin):
            return False
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        key_type, value_type = _item_types(annotation)
        return all(conforms(v, value_type) and conforms(k, key_type) for k, v in items)
    if isinstance(annotation, SafeType):
        if annotation.real is int:
            return type(value) is int
        return isinstance(value, annotation.real)
    return True


def _item_types(alias: TypeAlias) -> tuple[Any, Any]:
    if alias.origin.real is dict and len(alias.parameters) == 2:
        return alias.parameters[0], alias.parameters[1]
    return None, alias.parameters[0] if len(alias.parameters) == 1 else None


def _real_types(spec: Any) -> Any:
    if isinstance(spec, tuple):
        return tuple(_real_types(item) for item in spec)
    return spec.real if isinstance(spec, SafeType) else spec


def make_builtins(execution: Execution) -> dict[str, Any]:
    """The builtins of one execution: fresh wrappers bound to its fuel."""
    collect = execution.collect

    def text(value: Any = "", *args: Any) -> str:
        if args and isinstance(value, bytes):
            return str(value, *args)
        return str(execution.plain(value))

    def to_bytes(value: Any = b"", *args: Any) -> bytes:
        if isinstance(value, int):
            execution.charge_size(value)
            return bytes(value)
        if isinstance(value, str):
            return bytes(value, *args)
        return bytes(collect(value))

    def sequence(kind: type) -> Callable[..., Any]:
        return lambda items=(): kind(collect(items))

    def mapping(items: Any = (), **named: Any) -> dict[Any, Any]:
        return dict(collect(items.items() if isinstance(items, dict) else items), **named)

    def over_items(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 1:
                args = (collect(args[0]),)
            return function(*args, **kwargs)

        return call

    def total(items: Iterable[Any], start: int = 0) -> Any:
        values = collect(items)
        if not all(isinstance(v, int | float) for v in [start, *values]):
            raise TypeError("sum() adds numbers only in contracts")
        return sum(values, start)

    def ordered(items: Iterable[Any], key: Any = None, reverse: bool = False) -> list[Any]:
        values = collect(items)
        execution.charge(1 + len(values) * max(1, len(values).bit_length()) // 16)
        return sorted(values, key=key, reverse=reverse)

    def is_instance(value: Any, spec: Any) -> bool:
        return isinstance(value, _real_types(spec))

    return {
        "__build_class__": builtins.__build_class__,
        "str": SafeType(str, text),
        "int": SafeType(int, int, {"from_bytes": int.from_bytes}),
        "bool": SafeType(bool, bool),
        "bytes": SafeType(bytes, to_bytes, {"fromhex": bytes.fromhex}),
        "list": SafeType(list, sequence(list)),
        "tuple": SafeType(tuple, sequence(tuple)),
        "dict": SafeType(dict, mapping),
        "repr": lambda value: repr(execution.plain(value)),
        "isinstance": is_instance,
        "len": len,
        "abs": abs,
        "chr": chr,
        "ord": ord,
        "divmod": divmod,
        "range": range,
        "enumerate": enumerate,
        "zip": zip,
        "reversed": reversed,
        "min": over_items(min),
        "max": over_items(max),
        "any": over_items(any),
        "all": over_items(all),
        "sum": total,
        "sorted": ordered,
        **EXCEPTIONS,
    }


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


# --- attributes ----------------------------------------------------------------------------------


def _own_names(cls: type) -> set[str]:
    """The public names the contract's own classes (in `cls`'s MRO) define."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__ == SANDBOX_MODULE:
            names.update(name for name in vars(klass) if not name.startswith("_"))
    return names


def read_attribute(execution: Execution, obj: Any, name: str) -> Any:
    """`obj.name` for contract code, if the sandbox allows it (AttributeError if not)."""
    kind = type(obj)
    if isinstance(obj, SafeType) and name in obj.extras:
        return obj.extras[name]
    if name in _METHODS.get(kind, ()):
        return _method(execution, obj, name)
    if kind is ContractContext and name in CONTEXT_API:
        return getattr(obj, name)
    if isinstance(obj, BaseException) and name == "args":
        return obj.args
    owner = obj if isinstance(obj, type) else kind
    if name in _own_names(owner):
        return getattr(obj, name)
    raise AttributeError(f"contracts may not read attribute {name!r} of {kind.__name__}")


def _method(execution: Execution, obj: Any, name: str) -> Any:
    if name not in _CHEAP and isinstance(obj, str | bytes | list | tuple | dict):
        execution.charge(1 + len(obj) // 16)
    guarded = _GUARDED.get(name)
    if guarded is not None and not isinstance(obj, range):
        return functools.partial(guarded, execution, obj)
    return getattr(obj, name)


def _join(execution: Execution, separator: Any, parts: Iterable[Any]) -> Any:
    items = execution.collect(parts)
    size = sum(len(p) for p in items if isinstance(p, str | bytes))
    execution.charge_size(size + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _replace(execution: Execution, text: Any, old: Any, new: Any, count: int = -1) -> Any:
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    execution.charge_size(len(text) + found * (len(new) - len(old)))
    return text.replace(old, new, count)


def _extend(execution: Execution, items: list[Any], more: Iterable[Any]) -> None:
    added = execution.collect(more)
    execution.charge_size(len(items) + len(added))
    items.extend(added)


def _int_to_bytes(
    execution: Execution, value: int, length: int = 1, byteorder: str = "big", signed: bool = False
) -> bytes:
    if length > ALLOC_MAX:
        raise refuse(f"a value of {length} bytes exceeds the limit of {ALLOC_MAX}")
    return value.to_bytes(length, byteorder, signed=signed)  # type: ignore[arg-type]


def _listing(what: str) -> Callable[..., list[Any]]:
    def listed(execution: Execution, mapping: dict[Any, Any]) -> list[Any]:
        execution.charge_size(len(mapping))
        return list(getattr(mapping, what)())

    return listed


_GUARDED: dict[str, Callable[..., Any]] = {
    "join": _join,
    "replace": _replace,
    "extend": _extend,
    "to_bytes": _int_to_bytes,
    "keys": _listing("keys"),
    "values": _listing("values"),
    "items": _listing("items"),
}
