"""The methods of str and bytes contract code may call, and the codecs they (and `str()` and
`bytes()`) may use.

Each listed method whose cost depends on its arguments or its text has a guard, called with the
execution, the text and the call's arguments: each call is charged 1, plus 1 per ITEMS_PER_FUEL
items of the work it does, and a result over ALLOC_MAX items is refused. Only the built-in UTF,
ASCII and Latin-1 codecs and the standard error handlers are allowed.

The guards keep the names they have always had: a call with the wrong arguments raises a
TypeError that names the guard (`_affix.<locals>.method() missing 1 required positional argument:
'prefix'`), and that message is part of the transaction's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jadechain.contract.guards import Execution
from jadechain.contract.limits import ALLOC_MAX, ITEMS_PER_FUEL, OBJECT_ITEMS, refuse

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
TEXT_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    bytes: frozenset(_BYTES_METHODS - {"isidentifier", "isprintable"}),
}
"""The methods of str and bytes contract code may read."""


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


# --- str and bytes methods -----------------------------------------------------------------------


def _transformed(name: str) -> Callable[..., Any]:
    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        execution.charge_work(len(text))
        return _made(execution, len(text), getattr(text, name)(*args, **kwargs))

    return method


def _linear(name: str) -> Callable[..., Any]:
    """A method reading its text once (`find`, `count`, `isdigit`, `partition`, ...)."""

    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        sub = args[0] if args else None
        execution.charge_work(len(text) + (len(sub) if isinstance(sub, str | bytes) else 0))
        return getattr(text, name)(*args, **kwargs)

    return method


def _affix(name: str) -> Callable[..., Any]:
    """`startswith` / `endswith`: compares the prefixes (a str or a tuple of them)."""

    def method(execution: Execution, text: Any, prefix: Any, *args: Any) -> Any:
        execution.charge_work(execution.weigh(prefix))
        return getattr(text, name)(prefix, *args)

    return method


def _stripped(name: str) -> Callable[..., Any]:
    """`strip(chars)` looks each stripped character up in `chars`."""

    def method(execution: Execution, text: Any, chars: Any = None) -> Any:
        width = len(chars) if isinstance(chars, str | bytes) else 0
        execution.charge_work(len(text) * (1 + width // 512))
        return getattr(text, name)(chars)

    return method


def _split(name: str) -> Callable[..., Any]:
    """`split`, `rsplit`, `splitlines`: a list of new strings, each charged as a new object."""

    def method(execution: Execution, text: Any, *args: Any, **kwargs: Any) -> Any:
        sep = args[0] if args else kwargs.get("sep")
        execution.charge_work(len(text) + (len(sep) if isinstance(sep, str | bytes) else 0))
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
    execution.charge_work(len(text) + len(old))
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    execution.charge_size(len(text) + found * (len(new) - len(old)))
    return text.replace(old, new, count)


def _hex(execution: Execution, data: bytes, *args: Any) -> str:
    execution.charge_work(len(data))
    return _made(execution, len(data), data.hex(*args))  # type: ignore[no-any-return]


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
    for name in TEXT_METHODS[kind]:
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


TEXT_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {
    **_text_guards(str),
    **_text_guards(bytes),
    (str, "encode"): _encode,
    (bytes, "decode"): _decode,
    (bytes, "hex"): _hex,
}
"""The guard of each method of str and bytes whose cost depends on its arguments or its text."""
