"""The plain types as contract code sees them: callable like the type, usable with `isinstance`
and in annotations (`list[int]`), and the check of values against those annotations.

`str`, `int`, `bool`, `bytes`, `list`, `dict` and `tuple` are `SafeType`s in a contract's builtins
(`jadechain.contract.safe_builtins`); the runtime checks a method's arguments and result against
its annotations with `conforms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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


def real_types(spec: Any) -> Any:
    if isinstance(spec, tuple):
        return tuple(real_types(item) for item in spec)
    return spec.real if isinstance(spec, SafeType) else spec
