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
from jadechain.contract.guards import (
    ALLOC_MAX,
    ENTRY_ITEMS,
    INT_BITS_MAX,
    INT_DIGITS_MAX,
    ITEMS_PER_FUEL,
    OBJECT_ITEMS,
    Execution,
    refuse,
    weigh,
)

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


class SafeType:
    """A plain type as contract code sees it."""

    __iter__ = None  # not iterable: `x in list` and `for x in list` would call __getitem__ forever

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


def conforms(value: Any, annotation: Any, charge: Callable[[int], None] | None = None) -> bool:
    """Whether `value` matches a contract annotation (missing or unknown ones match anything).

    `charge(1)` is called for each element an annotation such as `list[int]` makes it check."""
    if isinstance(annotation, TypeAlias):
        if not conforms(value, annotation.origin):
            return False
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        key_type, value_type = _item_types(annotation)
        for key, item in items:
            if charge is not None:
                charge(1)
            if not (conforms(item, value_type, charge) and conforms(key, key_type, charge)):
                return False
        return True
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


# --- text codecs ---------------------------------------------------------------------------------

_ENCODINGS = frozenset(
    [
        "utf-8",
        "utf8",
        "ascii",
        "us-ascii",
        "latin-1",
        "latin1",
        "iso-8859-1",
        "iso8859-1",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
    ]
)
_ERROR_HANDLERS = frozenset(
    [
        "strict",
        "ignore",
        "replace",
        "backslashreplace",
        "xmlcharrefreplace",
        "surrogateescape",
        "surrogatepass",
    ]
)


def _codec(encoding: Any, errors: Any) -> None:
    """Refuse codecs other than the built-in UTF and Latin-1 ones (others run Python code, some
    in quadratic time, and may import modules) and error handlers other than the standard ones."""
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in _ENCODINGS:
        raise ValueError(f"contracts may use the encodings {', '.join(sorted(_ENCODINGS))}")
    if not isinstance(errors, str) or errors not in _ERROR_HANDLERS:
        handlers = ", ".join(sorted(_ERROR_HANDLERS))
        raise ValueError(f"contracts may use the error handlers {handlers}")


def _made(execution: Execution, source_size: int, result: Any) -> Any:
    """`result` of a text method, refused if over ALLOC_MAX items, and charged for what it adds
    to the source's size (the source's own size was charged before the call)."""
    if len(result) > ALLOC_MAX:
        raise refuse(f"a value of {len(result)} items exceeds the limit of {ALLOC_MAX}")
    execution.charge_items(max(len(result) - source_size, 0))
    return result


def _encode(
    execution: Execution, text: str, encoding: Any = "utf-8", errors: Any = "strict"
) -> bytes:
    _codec(encoding, errors)
    execution.charge(1 + len(text) // ITEMS_PER_FUEL)
    return _made(execution, len(text), text.encode(encoding, errors))  # type: ignore[no-any-return]


def _decode(
    execution: Execution, data: bytes, encoding: Any = "utf-8", errors: Any = "strict"
) -> str:
    _codec(encoding, errors)
    execution.charge(1 + len(data) // ITEMS_PER_FUEL)
    return _made(execution, len(data), data.decode(encoding, errors))  # type: ignore[no-any-return]


# --- builtins ------------------------------------------------------------------------------------


def _sort(execution: Execution, values: list[Any], key: Any, reverse: Any) -> list[Any]:
    """`sorted(values, key=key, reverse=reverse)`, charged about n log n comparisons of the keys'
    weight (each key computed once, by contract code that is metered itself)."""
    keys = values if key is None else list(map(key, values))
    rounds = max(1, len(keys).bit_length())
    execution.charge(1 + execution.weigh(keys) * rounds // ITEMS_PER_FUEL)
    if key is None:
        return sorted(values, reverse=reverse)
    order = sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
    return list(map(values.__getitem__, order))


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
        return _sort(execution, collect(items), key, reverse)

    def is_instance(value: Any, spec: Any) -> bool:
        return isinstance(value, _real_types(spec))

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


# --- attributes ----------------------------------------------------------------------------------


def _own_names(execution: Execution, cls: type) -> frozenset[str]:
    """The public names the contract's own classes (in `cls`'s MRO) define (cached per class)."""
    names: frozenset[str] | None = execution.cache.get(cls)
    if names is None:
        found: set[str] = set()
        for klass in cls.__mro__:
            if klass.__module__ == SANDBOX_MODULE:
                found.update(name for name in vars(klass) if not name.startswith("_"))
        names = execution.cache[cls] = frozenset(found)
    return names


def read_attribute(execution: Execution, obj: Any, name: str) -> Any:
    """`obj.name` for contract code, if the sandbox allows it (AttributeError if not)."""
    kind = type(obj)
    if isinstance(obj, SafeType) and name in obj.extras:
        return obj.extras[name]
    if name in _METHODS.get(kind, ()):
        guard = _GUARDS.get((kind, name))
        if guard is None:
            return getattr(obj, name)
        return functools.partial(guard, execution, obj)
    if kind is ContractContext and name in CONTEXT_API:
        return getattr(obj, name)
    if isinstance(obj, BaseException) and name == "args":
        return obj.args
    owner = obj if isinstance(obj, type) else kind
    if name in _own_names(execution, owner):
        return getattr(obj, name)
    raise AttributeError(f"contracts may not read attribute {name!r} of {kind.__name__}")


# --- methods: each call is charged 1, plus 1 per ITEMS_PER_FUEL items of the work it does -------


def _work(execution: Execution, items: int) -> None:
    execution.charge(1 + max(items, 0) // ITEMS_PER_FUEL)


def _searched(execution: Execution, count: int, needle: Any) -> None:
    """A search comparing `needle` with up to `count` elements."""
    if count:
        _work(execution, count * (1 + weigh(needle, execution.items_left() // count)))
    else:
        _work(execution, 0)


def _index_of(size: int, index: Any) -> int:
    """Where `insert` or `pop` with `index` acts in a list of `size` items."""
    if not isinstance(index, int):
        return size
    if index < 0:
        index += size
    return min(max(int(index), 0), size)


# str and bytes


def _transformed(name: str) -> Callable[..., Any]:
    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        _work(execution, len(text))
        return _made(execution, len(text), getattr(text, name)(*args, **kwargs))

    return method


def _linear(name: str) -> Callable[..., Any]:
    """A method reading its text once (`find`, `count`, `isdigit`, `partition`, ...)."""

    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        sub = args[0] if args else None
        _work(execution, len(text) + (len(sub) if isinstance(sub, str | bytes) else 0))
        return getattr(text, name)(*args, **kwargs)

    return method


def _affix(name: str) -> Callable[..., Any]:
    """`startswith` / `endswith`: compares the prefixes (a str or a tuple of them)."""

    def method(execution: Execution, text: Any, prefix: Any, *args: Any) -> Any:
        _work(execution, execution.weigh(prefix))
        return getattr(text, name)(prefix, *args)

    return method


def _stripped(name: str) -> Callable[..., Any]:
    """`strip(chars)` looks each stripped character up in `chars`."""

    def method(execution: Execution, text: Any, chars: Any = None) -> Any:
        width = len(chars) if isinstance(chars, str | bytes) else 0
        _work(execution, len(text) * (1 + width // 512))
        return getattr(text, name)(chars)

    return method


def _split(name: str) -> Callable[..., Any]:
    """`split`, `rsplit`, `splitlines`: a list of new strings, each charged as a new object."""

    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        sep = args[0] if args else kwargs.get("sep")
        _work(execution, len(text) + (len(sep) if isinstance(sep, str | bytes) else 0))
        parts = getattr(text, name)(*args, **kwargs)
        if len(parts) > ALLOC_MAX:
            raise refuse(f"a value of {len(parts)} items exceeds the limit of {ALLOC_MAX}")
        execution.charge_items(len(parts) * OBJECT_ITEMS)
        return parts

    return method


def _join(execution: Execution, separator: Any, parts: Iterable[Any]) -> Any:
    items = execution.collect(parts)
    try:
        size = sum(map(len, items))  # join refuses anything but text (or bytes) itself
    except TypeError:
        size = sum(len(p) for p in items if isinstance(p, str | bytes))
    execution.charge_size(size + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _replace(execution: Execution, text: Any, old: Any, new: Any, count: int = -1) -> Any:
    _work(execution, len(text) + len(old))
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    execution.charge_size(len(text) + found * (len(new) - len(old)))
    return text.replace(old, new, count)


def _hex(execution: Execution, data: bytes, *args: Any) -> str:
    _work(execution, len(data))
    return _made(execution, len(data), data.hex(*args))  # type: ignore[no-any-return]


# lists, tuples and dicts


def _append(execution: Execution, items: list[Any], value: Any) -> None:
    if len(items) >= ALLOC_MAX:
        raise refuse(f"a value of {len(items) + 1} items exceeds the limit of {ALLOC_MAX}")
    execution.charge(1)
    items.append(value)


def _insert(execution: Execution, items: list[Any], index: Any, value: Any) -> None:
    if len(items) >= ALLOC_MAX:
        raise refuse(f"a value of {len(items) + 1} items exceeds the limit of {ALLOC_MAX}")
    _work(execution, len(items) - _index_of(len(items), index))  # the items after it move
    items.insert(index, value)


def _pop(execution: Execution, items: list[Any], *args: Any) -> Any:
    moved = len(items) - _index_of(len(items), args[0]) - 1 if args else 0
    _work(execution, moved)
    return items.pop(*args)


def _search(name: str) -> Callable[..., Any]:
    """`count`, `index` of lists and tuples, and `remove`: compare the value with each item."""

    def method(execution: Execution, items: Any, value: Any, *args: Any) -> Any:
        _searched(execution, len(items), value)
        if name == "remove":
            _work(execution, len(items))  # the items after it move
        return getattr(items, name)(value, *args)

    return method


def _sized(name: str) -> Callable[..., Any]:
    """`reverse`, `clear`: work linear in the list's size."""

    def method(execution: Execution, items: Any) -> Any:
        _work(execution, len(items) if name == "reverse" else 0)
        return getattr(items, name)()

    return method


def _copy(execution: Execution, items: Any) -> Any:
    execution.charge_size(len(items), ENTRY_ITEMS if isinstance(items, dict) else 1)
    return items.copy()


def _sort_in_place(
    execution: Execution, items: list[Any], *, key: Any = None, reverse: bool = False
) -> None:
    items[:] = _sort(execution, list(items), key, reverse)


def _looked_up(name: str) -> Callable[..., Any]:
    """`get`, `pop` of a dict: one lookup, charged by the key's weight."""

    def method(execution: Execution, mapping: dict[Any, Any], key: Any, *args: Any) -> Any:
        _work(execution, execution.weigh(key))
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


# ints and ranges


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


_READERS = frozenset(
    [
        "count",
        "find",
        "index",
        "rfind",
        "rindex",
        "partition",
        "rpartition",
        "removeprefix",
        "removesuffix",
    ]
)


def _text_guards(kind: type) -> dict[tuple[type, str], Callable[..., Any]]:
    guards: dict[tuple[type, str], Callable[..., Any]] = {}
    for name in _METHODS[kind]:
        if name.startswith("is") or name in _READERS:
            guards[kind, name] = _linear(name)
        elif name in ("capitalize", "casefold", "lower", "upper", "swapcase", "title"):
            guards[kind, name] = _transformed(name)
        elif name in ("startswith", "endswith"):
            guards[kind, name] = _affix(name)
        elif name in ("strip", "lstrip", "rstrip"):
            guards[kind, name] = _stripped(name)
        elif name in ("split", "rsplit", "splitlines"):
            guards[kind, name] = _split(name)
    guards[kind, "join"] = _join
    guards[kind, "replace"] = _replace
    return guards


_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {
    **_text_guards(str),
    **_text_guards(bytes),
    (str, "encode"): _encode,
    (bytes, "decode"): _decode,
    (bytes, "hex"): _hex,
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
"""The guard of each listed method whose cost depends on its arguments or object; the others
(`int.bit_length`, `range.start`, ...) are returned as they are."""
