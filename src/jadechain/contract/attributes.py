"""What `obj.name` gives contract code: the instrumented form of every attribute read.

`read_attribute` allows the listed methods of plain types (guarded by
`jadechain.contract.text_methods` and `jadechain.contract.collection_methods` where their cost
depends on their arguments), the extras of the `SafeType`s (`int.from_bytes`, `bytes.fromhex`),
the context's API, `args` of exceptions, and the names a contract's own classes define. Anything
else fails with AttributeError.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jadechain.contract.collection_methods import COLLECTION_GUARDS, COLLECTION_METHODS
from jadechain.contract.context import CONTEXT_API, ContractContext
from jadechain.contract.guards import Execution
from jadechain.contract.safe_types import SafeType
from jadechain.contract.text_methods import TEXT_GUARDS, TEXT_METHODS

SANDBOX_MODULE = "jadechain_contract"
"""The module name contract code runs as: it marks the classes a contract defines."""

_METHODS: dict[type, frozenset[str]] = {**TEXT_METHODS, **COLLECTION_METHODS}
_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {**TEXT_GUARDS, **COLLECTION_GUARDS}
"""The guard of each listed method whose cost depends on its arguments or object; the others
(`int.bit_length`, `range.start`, ...) are returned as they are."""


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
