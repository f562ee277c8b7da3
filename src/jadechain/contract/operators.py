"""The operators contract code may apply, and what they cost on integers.

Integer operators do work that grows with their operands' size (a few of them, `*`, `**`, `<<`,
also make results much larger than their operands). `int_bits` bounds the size of a result before
it is made, so an integer over INT_BITS_MAX bits is refused first, and `int_work` gives the items
of work an operation does, so it is charged first.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from jadechain.contract.limits import ITEMS_PER_FUEL, WORD_BITS

ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
LINEAR = frozenset({"+", "-", "&", "|", "^", ">>"})
SMALL = 2 ** (ITEMS_PER_FUEL * WORD_BITS - 1)  # integers under 1,024 bits: one unit of fuel
UNARY: dict[str, Callable[[Any], Any]] = {"-": operator.neg, "~": operator.invert}
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "is": operator.is_,
    "is not": operator.is_not,
}


def int_bits(symbol: str, left: int, right: int, left_bits: int, right_bits: int) -> int:
    """A lower bound on the bits of `left symbol right` for the operators that multiply size:
    over INT_BITS_MAX, the result is refused before it is made (else it is made and checked; it
    has at most twice the bits of this bound)."""
    if symbol == "*":
        return left_bits + right_bits - 1 if left and right else 0
    if symbol == "**":
        return (left_bits - 1) * right + 1 if right > 0 and abs(left) > 1 else 1
    if symbol == "<<":
        return left_bits + max(right, 0) if left else 0
    return max(left_bits, right_bits)


def int_work(symbol: str, left: int, right: int, left_bits: int, right_bits: int) -> int:
    """Items (64-bit words) of work of an integer operation: linear for + - & | ^ >> <<,
    words x words / 2 for *, quotient words x divisor words / 2 for // % /, and the result's
    words squared / 2 for ** (a few squarings of growing size)."""
    left_words, right_words = left_bits // WORD_BITS, right_bits // WORD_BITS
    if symbol == "*":
        return left_words * right_words // 2
    if symbol in ("//", "%", "/"):
        quotient = max(left_bits - right_bits, 0) // WORD_BITS + 1
        return quotient * (right_words + 1) // 2
    if symbol == "**":
        bits = left_bits * right if right > 0 and abs(left) > 1 else 1  # the result's, at most
        return (bits // WORD_BITS) ** 2 // 2
    if symbol == "<<":
        return (left_bits + max(right, 0)) // WORD_BITS
    return max(left_words, right_words)
