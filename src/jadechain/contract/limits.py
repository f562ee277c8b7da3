"""The limits and units of the sandbox's dynamic half, and the error that enforces them.

Fuel is counted in *items*, ITEMS_PER_FUEL items per unit of fuel. An item is an element of a
list or tuple, a character of a str, a byte, 64 bits of an int, or half a dict entry when data is
read; making a dict entry counts ENTRY_ITEMS, making a new small object (a number from a range, a
pair from `zip` or `items()`, a piece of a split string) OBJECT_ITEMS, and an element the runtime
has to inspect one at a time in Python (a nested list, a value turned into text or into a ledger
value, a pair put into a dict) VISIT_ITEMS: one unit of fuel. The items of a copy are charged
before the copy is made, so no value a guard makes exceeds ALLOC_MAX items, and the memory one
invocation can hold is bounded by its fuel (about 128 bytes per unit).

Limits are enforced with `ContractAbort`, a `BaseException` that contract code cannot catch (the
sandbox forbids bare `except` and `except BaseException`, and `finally`), so running out of fuel,
a too-deep call chain or a refused allocation always ends the transaction.
"""

from __future__ import annotations

import sys

from jadechain.ledger.model import TxCode
from jadechain.ledger.values import VALUE_BYTES_MAX

DEPTH_MAX = 64  # contract frames (functions, methods, lambdas) on the stack of one invocation
ALLOC_MAX = VALUE_BYTES_MAX  # items (characters, bytes, elements, entries) in one value made
INT_BITS_MAX = 65536  # the largest integer an operation, a conversion or int.from_bytes makes
INT_DIGITS_MAX = 640  # decimal digits of an integer turned into text, or read from text
DATA_DEPTH_MAX = 32  # nesting of data that comparisons, text and ledger values accept
PLAIN_DEPTH_MAX = DATA_DEPTH_MAX
ITEMS_PER_FUEL = 16  # one unit of fuel per this many items
WORD_BITS = 64  # an int counts one item per this many bits
TEXT_PER_ITEM = 8  # characters or bytes compared or hashed per item
ENTRY_ITEMS = 4  # one dict entry made (about 32 bytes)
OBJECT_ITEMS = 8  # one new small object made (about 64 bytes with its reference)
VISIT_ITEMS = ITEMS_PER_FUEL  # one element inspected on its own, in Python: one unit of fuel
COLLECT_CHUNK = 4096  # items read from an unsized iterable between two charges

# CPython refuses int<->decimal text conversions over `sys.get_int_max_str_digits()` digits, a
# setting each node may change (PYTHONINTMAXSTRDIGITS, -X int_max_str_digits; 0 means no limit).
# It never refuses numbers of at most `str_digits_check_threshold` (640) digits, whatever the
# setting, so the sandbox refuses anything longer itself: the same outcome on every node.
assert sys.int_info.str_digits_check_threshold >= INT_DIGITS_MAX


class ContractAbort(BaseException):
    """Ends a contract invocation with a transaction code; contract code cannot catch it."""

    def __init__(self, code: TxCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def refuse(message: str) -> ContractAbort:
    return ContractAbort(TxCode.CONTRACT_ERROR, message)


def too_big(items: int) -> ContractAbort:
    return refuse(f"a value of {items} items exceeds the limit of {ALLOC_MAX}")


def too_deep() -> ContractAbort:
    return refuse(f"data nested deeper than {DATA_DEPTH_MAX} levels")


def kind_name(value: object) -> str:
    return type(value).__name__
