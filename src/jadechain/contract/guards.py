"""The dynamic half of the sandbox: fuel, call depth, and guards on every operation whose cost
grows with its operands.

One `Execution` meters one top-level contract invocation, including the contracts it calls. Its
fuel is charged by the instrumented code (`jadechain.contract.instrument`: calls, loop iterations,
operators, comparisons, subscripts, unpacking, f-strings) and by the builtins and methods of
`jadechain.contract.safe`, from the code and the values it handles, never from time, so the same
code and inputs use the same fuel on every node.

Fuel is counted in *items*, ITEMS_PER_FUEL items per unit of fuel. An item is an element of a
list or tuple, a character of a str, a byte, 64 bits of an int, or half a dict entry when data is
read; making a dict entry counts ENTRY_ITEMS, making a new small object (a number from a range, a
pair from `zip` or `items()`, a piece of a split string) OBJECT_ITEMS, and an element the runtime
has to inspect one at a time in Python (a nested list, a value turned into text or into a ledger
value, a pair put into a dict) VISIT_ITEMS: one unit of fuel. The items of a copy are charged
before the copy is made, so no value a guard makes exceeds ALLOC_MAX items, and the memory one
invocation can hold is bounded by its fuel (about 128 bytes per unit).

Comparisons cost by the data they may have to walk: `a == b` and `a < b` the smaller weight of the
two (`weigh`), `x in a_list` the list's length times (1 + the weight of `x`), `x in a_dict` the
weight of `x`, `s in text` the text's length. Nothing is charged for what costs no more than a
handful of machine words, so plain scalar comparisons stay free.

Limits are enforced with `ContractAbort`, a `BaseException` that contract code cannot catch (the
sandbox forbids bare `except` and `except BaseException`, and `finally`), so running out of fuel,
a too-deep call chain or a refused allocation always ends the transaction.
"""

from __future__ import annotations

import functools
import itertools
import operator
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jadechain.ledger.model import TxCode
from jadechain.ledger.values import INT64_MAX, INT64_MIN, VALUE_BYTES_MAX

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
_TEN_TO_DIGITS_MAX = 10**INT_DIGITS_MAX

_TEXTS = frozenset({str, bytes})
_INTS = frozenset({int, bool})
_NESTED = frozenset({list, tuple, dict})
_SEQUENCES = frozenset({str, bytes, list, tuple})
_REFERENCES = frozenset({list, tuple, dict, bytes})  # iterating them makes no new objects
_KEY_RULE = "dict keys in contracts are str, bytes, int (64-bit), bool or None"


class ContractAbort(BaseException):
    """Ends a contract invocation with a transaction code; contract code cannot catch it."""

    def __init__(self, code: TxCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def refuse(message: str) -> ContractAbort:
    return ContractAbort(TxCode.CONTRACT_ERROR, message)


def _too_big(items: int) -> ContractAbort:
    return refuse(f"a value of {items} items exceeds the limit of {ALLOC_MAX}")


def _too_deep() -> ContractAbort:
    return refuse(f"data nested deeper than {DATA_DEPTH_MAX} levels")


def _kind(value: object) -> str:
    return type(value).__name__


# --- weights: what comparing or hashing a value may cost -----------------------------------------


def weigh(value: Any, limit: int, depth: int = 0) -> int:
    """The items comparing or hashing `value` may walk: 1 per element (2 per dict entry), per
    TEXT_PER_ITEM characters or bytes, per 64-bit word of an int, and VISIT_ITEMS more per nested
    list, tuple or dict.

    Stops early, returning a number over `limit`, once the weight is known to exceed it. Computed
    at C speed except for nested containers, which are visited (and paid for) one by one.
    """
    kind = type(value)
    if kind is str or kind is bytes:
        return len(value) // TEXT_PER_ITEM
    if kind is int:
        return int(value.bit_length()) // WORD_BITS
    if kind is list or kind is tuple:
        return _weigh_items(value, len(value), limit, depth)
    if kind is dict:
        keys = _weigh_items(value.keys(), len(value), limit, depth)
        return keys + _weigh_items(value.values(), len(value), limit - keys, depth)
    return 0


def _weigh_items(items: Iterable[Any], count: int, limit: int, depth: int) -> int:
    if count == 0 or count > limit:
        return count
    try:  # the common case, integers only: one pass
        return count + sum(map(int.bit_length, items)) // WORD_BITS
    except TypeError:
        pass
    kinds = set(map(type, items))
    total = count
    if kinds & _TEXTS:
        total += sum(map(len, _of_kinds(items, kinds, _TEXTS))) // TEXT_PER_ITEM
    if kinds & _INTS:
        total += sum(map(int.bit_length, _of_kinds(items, kinds, _INTS))) // WORD_BITS
    if kinds & _NESTED:
        if depth >= DATA_DEPTH_MAX:
            raise _too_deep()
        for item in _of_kinds(items, kinds, _NESTED):
            if total > limit:
                break
            total += VISIT_ITEMS + weigh(item, limit - total, depth + 1)
    return total


def _of_kinds(items: Iterable[Any], kinds: set[type], wanted: frozenset[type]) -> Iterable[Any]:
    if kinds <= wanted:
        return items
    return itertools.compress(items, map(wanted.__contains__, map(type, items)))


_PAIRS = frozenset({tuple, list})
_KEYS = frozenset({str, bytes, bool, int, type(None)})


def _plain_pairs(items: list[Any]) -> bool:
    """Whether `items` are all (key, value) tuples or lists with valid keys (checked in C)."""
    if not set(map(type, items)) <= _PAIRS or not set(map(len, items)) <= {2}:
        return False
    keys = list(map(operator.itemgetter(0), items))
    kinds = set(map(type, keys))
    if not kinds <= _KEYS:
        return False
    if int in kinds:
        numbers = list(_of_kinds(keys, kinds, frozenset({int})))
        return bool(min(numbers) >= INT64_MIN and max(numbers) <= INT64_MAX)
    return True


def _pair(pair: Any) -> tuple[Any, Any]:
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
        raise TypeError(f"{_KEY_RULE}, not {_kind(value)}")
    return value


def _text_size(keys: Iterable[Any]) -> int:
    """The characters and bytes of the str and bytes among `keys` (hashed, then compared)."""
    listed = list(keys)
    return sum(map(len, itertools.compress(listed, map(_TEXTS.__contains__, map(type, listed)))))


def _slice_length(size: int, index: slice) -> int:
    return len(range(*index.indices(size)))


def _range_length(numbers: range) -> int:
    try:
        return len(numbers)
    except OverflowError:
        step = numbers.step
        return max(0, (numbers.stop - numbers.start + step - (1 if step > 0 else -1)) // step)


# --- text: the size of str(), repr() and f-string text, measured before it is made ---------------


def int_text_size(value: int) -> int:
    """An upper bound on the characters of `str(value)`; ValueError over INT_DIGITS_MAX digits."""
    if not -_TEN_TO_DIGITS_MAX < value < _TEN_TO_DIGITS_MAX:
        raise ValueError(
            f"contracts turn integers of at most {INT_DIGITS_MAX} digits into text "
            f"(this one has {value.bit_length()} bits)"
        )
    return (value.bit_length() * 1233 >> 12) + 2 + (value < 0)  # 1233/4096 < log10(2)


class TextMeasure:
    """Measures the text of plain data before it is made: `str()`, `repr()` or `ascii()` of
    None, bool, int, float, str, bytes, and lists, tuples, dicts and exceptions of those.

    `charge(units)` is called with fuel for each element visited (and for strings that must be
    rendered to be measured); the measure stops with `too_long()` as soon as the text would exceed
    `limit` characters. Anything else raises TypeError, integers over INT_DIGITS_MAX digits
    ValueError, data nested deeper than DATA_DEPTH_MAX `ContractAbort`.
    """

    def __init__(self, charge: Callable[[int], None], limit: int) -> None:
        self.charge = charge
        self.limit = limit
        self.memo: dict[tuple[int, str], tuple[object, int]] = {}

    def too_long(self, size: int) -> BaseException:
        return refuse(f"a text of {size} or more characters exceeds the limit of {self.limit}")

    def size(self, value: Any, mode: str, depth: int = 0) -> int:
        """`mode`: "s" for str(), "r" for repr(), "a" for ascii()."""
        if depth > DATA_DEPTH_MAX:
            raise _too_deep()
        kind = type(value)
        if kind is list or kind is tuple or kind is dict:
            return self._container(value, mode, depth)
        self.charge(1)
        if kind is str:
            return len(value) if mode == "s" else self._rendered(value, mode)
        if kind is int:
            return int_text_size(value)
        if kind is bool or value is None:
            return 5 if value is False else 4
        if kind is float:
            return len(repr(value))
        if kind is bytes:
            return self._rendered(value, "a" if mode == "a" else "r")
        if isinstance(value, BaseException):  # a bound on both str() and repr()
            return len(kind.__name__) + 2 + self.size(value.args, "a" if mode == "a" else "r")
        raise TypeError(f"contracts may only turn plain data into text, not {_kind(value)}")

    def _container(self, value: Any, mode: str, depth: int) -> int:
        count = len(value)
        if count > ALLOC_MAX:
            raise _too_big(count)
        self.charge(1 + count // ITEMS_PER_FUEL)
        size = 2 + 2 * max(count - 1, 0)
        if type(value) is tuple and count == 1:
            size += 1
        children: Iterable[Any] = value
        if type(value) is dict:
            size += 2 * count
            children = itertools.chain.from_iterable(value.items())
        inner = "a" if mode == "a" else "r"
        for item in children:
            size += self.size(item, inner, depth + 1)
            if size > self.limit:
                raise self.too_long(size)
        return size

    def _rendered(self, value: str | bytes, mode: str) -> int:
        """The length of repr() (or ascii()) of a str or bytes: counted, or rendered once."""
        key = (id(value), mode)
        known = self.memo.get(key)
        if known is not None:
            return known[1]
        if type(value) is str and value.isprintable() and (mode == "r" or value.isascii()):
            both_quotes = "'" in value and '"' in value
            size = len(value) + 2 + value.count("\\") + (value.count("'") if both_quotes else 0)
        else:
            self.charge(len(value) // ITEMS_PER_FUEL)
            size = len(ascii(value) if mode == "a" else repr(value))
        self.memo[key] = (value, size)
        return size


_CONVERSIONS: dict[str, Callable[[Any], str]] = {"s": str, "r": repr, "a": ascii}
_FORMAT_CONVERSIONS = {-1: "s", ord("s"): "s", ord("r"): "r", ord("a"): "a"}


# --- operators -----------------------------------------------------------------------------------

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
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
_LINEAR = frozenset({"+", "-", "&", "|", "^", ">>"})
_SMALL = 2 ** (ITEMS_PER_FUEL * WORD_BITS - 1)  # integers under 1,024 bits: one unit of fuel
_UNARY: dict[str, Callable[[Any], Any]] = {"-": operator.neg, "~": operator.invert}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "is": operator.is_,
    "is not": operator.is_not,
}


def _int_bits(symbol: str, left: int, right: int, left_bits: int, right_bits: int) -> int:
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


def _int_work(symbol: str, left: int, right: int, left_bits: int, right_bits: int) -> int:
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


class _Target:
    """What an instrumented `obj[index] = value` / `del obj[index]` stores into: `obj`, guarded."""

    __slots__ = ("execution", "obj")

    def __init__(self, execution: Execution, obj: Any) -> None:
        self.execution = execution
        self.obj = obj

    def __setitem__(self, index: Any, value: Any) -> None:
        self.execution.set_item(self.obj, index, value)

    def __delitem__(self, index: Any) -> None:
        self.execution.del_item(self.obj, index)

    def __getitem__(self, index: Any) -> Any:
        return self.execution.get_item(self.obj, index)


class Execution:
    """Fuel and call depth of one invocation (shared with the contracts it calls)."""

    def __init__(self, fuel_max: int) -> None:
        self.fuel_max = fuel_max
        self.fuel_used = 0
        self.depth = 0
        self.last: Any = None  # the right operand of the latest comparison (chained comparisons)
        self.cache: dict[Any, Any] = {}  # per-invocation memo of the builtins (class names, ...)

    # --- fuel ---------------------------------------------------------------------------------

    def charge(self, units: int) -> None:
        used = self.fuel_used + units
        if used > self.fuel_max:
            self.fuel_used = self.fuel_max
            raise ContractAbort(TxCode.OUT_OF_FUEL, f"out of fuel (limit {self.fuel_max})")
        self.fuel_used = used

    def tick(self) -> None:
        self.charge(1)

    def items_left(self) -> int:
        """Items whose charge would run out of fuel: a bound for walks that stop early."""
        return (self.fuel_max - self.fuel_used + 1) * ITEMS_PER_FUEL

    def charge_items(self, items: int) -> None:
        """Charge `items` of work (no minimum: less than ITEMS_PER_FUEL items are free)."""
        if items >= ITEMS_PER_FUEL:
            self.charge(items // ITEMS_PER_FUEL)

    def charge_size(self, items: int, per_item: int = 1) -> None:
        """Refuse a value of more than ALLOC_MAX items, else charge for making it."""
        if items > ALLOC_MAX:
            raise _too_big(items)
        self.charge(1 + max(items, 0) * per_item // ITEMS_PER_FUEL)

    def made(self, value: Any) -> Any:
        """`value` (a comprehension's or display's result), if within ALLOC_MAX items."""
        if len(value) > ALLOC_MAX:
            raise _too_big(len(value))
        return value

    def weigh(self, value: Any) -> int:
        return weigh(value, self.items_left())

    # --- iteration ----------------------------------------------------------------------------

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """What instrumented `for` loops and comprehensions iterate: one unit per item."""
        for item in iterable:
            self.charge(1)
            yield item

    def iterate_unpacked(self, iterable: Iterable[Any], shape: tuple[Any, ...]) -> Iterator[Any]:
        """`iterate` for a loop target with a starred name (`for a, *rest in ...`)."""
        for item in iterable:
            self.charge(1)
            yield self.unpack(item, shape)

    def collect(self, iterable: Iterable[Any], per_item: int | None = None) -> list[Any]:
        """The items of `iterable` as a list, refused if too many and charged by count (as new
        objects, unless they come from a list, tuple, dict or bytes)."""
        if per_item is None:
            per_item = 1 if type(iterable) in _REFERENCES else OBJECT_ITEMS
        try:
            size: int | None = len(iterable)  # type: ignore[arg-type]
        except (TypeError, OverflowError):
            size = None
        if size is not None:
            self.charge_size(size, per_item)
            return list(iterable)
        iterator = iter(iterable)
        self.charge(1)
        items: list[Any] = []
        while True:
            chunk = list(itertools.islice(iterator, COLLECT_CHUNK))
            items += chunk
            if len(items) > ALLOC_MAX:
                raise _too_big(len(items))
            self.charge(len(chunk) * per_item // ITEMS_PER_FUEL)
            if len(chunk) < COLLECT_CHUNK:
                return items

    def unpack(self, value: Any, shape: tuple[Any, ...]) -> list[Any]:
        """`value` collected for a target with a starred name at some level (`a, *b = value`):
        `shape` lists (position, shape) of the nested targets that have one too."""
        items = self.collect(value)
        for position, inner in shape:
            if -len(items) <= position < len(items):
                items[position] = self.unpack(items[position], inner)
        return items

    def star(self, value: Any) -> list[Any]:
        """`*value` in a call or a display."""
        return self.collect(value)

    def double_star(self, mapping: Any) -> Any:
        """`**mapping` in a call or a dict display: a copy of its entries."""
        if type(mapping) is dict:
            self.charge_size(len(mapping), ENTRY_ITEMS)
        return mapping

    # --- calls --------------------------------------------------------------------------------

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """A contract function metered per call and counted against the depth limit."""
        execution = self

        @functools.wraps(function)
        def metered(*args: Any, **kwargs: Any) -> Any:
            execution.charge(1)
            if execution.depth >= DEPTH_MAX:
                raise refuse(f"call depth exceeds the limit of {DEPTH_MAX}")
            execution.depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                execution.depth -= 1

        return metered

    # --- operators ----------------------------------------------------------------------------

    def operate(self, symbol: str, left: Any, right: Any) -> Any:
        if type(left) in _INTS and type(right) in _INTS:
            if symbol in _LINEAR and -_SMALL < left < _SMALL and -_SMALL < right < _SMALL:
                self.charge(1)  # what `_integers` charges for operands under 1,024 bits
                return _ARITHMETIC[symbol](left, right)
            return self._integers(symbol, left, right)
        self._check(symbol, left, right)
        return _ARITHMETIC[symbol](left, right)

    def operate_in_place(self, symbol: str, left: Any, right: Any) -> Any:
        kind = type(left)
        if kind is list and symbol == "+":
            self.extend(left, right)
            return left
        if kind is list and symbol == "*":
            self._check_repeat(left, right)
            left *= right
            return left
        if kind is dict and symbol == "|":
            self.update(left, right)
            return left
        return self.operate(symbol, left, right)

    def unary(self, symbol: str, operand: Any) -> Any:
        if type(operand) is int:
            self.charge(1 + operand.bit_length() // WORD_BITS // ITEMS_PER_FUEL)
        return _UNARY[symbol](operand)

    def _integers(self, symbol: str, left: int, right: int) -> Any:
        left_bits, right_bits = left.bit_length(), right.bit_length()
        if symbol in ("*", "**", "<<"):  # refused before the value is made
            bits = _int_bits(symbol, left, right, left_bits, right_bits)
            if bits > INT_BITS_MAX:
                limit = INT_BITS_MAX
                raise refuse(f"an integer of {bits} bits or more exceeds the limit of {limit}")
        work = _int_work(symbol, left, right, left_bits, right_bits)
        self.charge(1 + work // ITEMS_PER_FUEL)
        result = _ARITHMETIC[symbol](left, right)
        if type(result) is int and result.bit_length() > INT_BITS_MAX:
            bits = result.bit_length()
            raise refuse(f"an integer of {bits} bits exceeds the limit of {INT_BITS_MAX}")
        return result

    def divide(self, left: Any, right: Any) -> Any:
        """`divmod(left, right)`: charged as `//` for integers."""
        if type(left) in _INTS and type(right) in _INTS:
            work = _int_work("//", left, right, left.bit_length(), right.bit_length())
            self.charge(1 + work // ITEMS_PER_FUEL)
        return divmod(left, right)

    def _check(self, symbol: str, left: Any, right: Any) -> None:
        if symbol == "%" and isinstance(left, str | bytes):
            raise TypeError("%-formatting is not allowed in contracts; use f-strings")
        if symbol == "+":
            if type(left) in _SEQUENCES and type(right) in _SEQUENCES:
                self.charge_size(len(left) + len(right))
        elif symbol == "*":
            self._check_repeat(left, right)
            self._check_repeat(right, left)
        elif symbol == "|" and type(left) is dict and type(right) is dict:
            self.charge_size(len(left) + len(right), ENTRY_ITEMS)

    def _check_repeat(self, sequence: Any, count: Any) -> None:
        if type(sequence) in _SEQUENCES and type(count) in _INTS:
            self.charge_size(len(sequence) * max(int(count), 0))

    # --- comparisons --------------------------------------------------------------------------

    def compare(self, symbol: str, left: Any, right: Any) -> Any:
        """`left symbol right`, charged by the data it may walk."""
        if symbol in {"in", "not in"}:
            found = self.contains(right, left)
            result: Any = found if symbol == "in" else not found
        else:
            self.charge_items(self._compare_items(symbol, left, right))
            result = _COMPARISONS[symbol](left, right)
        self.last = right
        return result

    def last_operand(self) -> Any:
        """The right operand of the latest comparison: the left one of the next in a chain."""
        return self.last

    def _compare_items(self, symbol: str, left: Any, right: Any) -> int:
        if symbol in {"is", "is not"}:
            return 0
        left_kind, right_kind = type(left), type(right)
        equality = symbol in {"==", "!="}
        if left_kind in _TEXTS and right_kind in _TEXTS:
            if equality and len(left) != len(right):
                return 0
            return min(len(left), len(right)) // TEXT_PER_ITEM
        if left_kind is int and right_kind is int:
            return int(min(left.bit_length(), right.bit_length())) // WORD_BITS
        if left_kind in _NESTED and left_kind is right_kind:
            if equality and len(left) != len(right):
                return 0
            shorter = left if len(left) <= len(right) else right
            return weigh(shorter, self.items_left())  # a bound on the lighter one's weight
        return 0

    def contains(self, container: Any, item: Any) -> bool:
        """`item in container`, charged by what the search may walk."""
        kind = type(container)
        if kind is dict:
            items = self.weigh(item)
        elif kind is list or kind is tuple:
            count = len(container)
            items = count * (1 + weigh(item, self.items_left() // max(count, 1)))
        elif kind is str or kind is bytes:
            items = len(container) + (len(item) if type(item) in _TEXTS else 0)
        elif kind is range:
            items = 0 if type(item) in _INTS else VISIT_ITEMS * _range_length(container)
        elif hasattr(kind, "__next__"):  # an iterator (zip, enumerate, reversed)
            return self._find(container, item)
        else:
            items = 0
        self.charge_items(items)
        return item in container

    def _find(self, iterator: Iterator[Any], item: Any) -> bool:
        """`item in iterator`, consuming it up to the match as Python does: each element is
        charged as a new object plus a comparison with `item`."""
        per_element = OBJECT_ITEMS + 1 + weigh(item, self.items_left())
        seen = 0
        for element in iterator:
            seen += 1
            if seen % ITEMS_PER_FUEL == 0:
                self.charge(per_element)
            if element is item or element == item:
                break
        else:
            self.charge(seen % ITEMS_PER_FUEL * per_element // ITEMS_PER_FUEL)
            return False
        self.charge(seen % ITEMS_PER_FUEL * per_element // ITEMS_PER_FUEL)
        return True

    # --- subscripts and dict keys -------------------------------------------------------------

    def get_item(self, obj: Any, index: Any) -> Any:
        """`obj[index]`: slices are charged (and refused) by their length, dict lookups by the
        key's weight."""
        kind = type(obj)
        if type(index) is slice:
            if kind in _SEQUENCES:
                self.charge_size(_slice_length(len(obj), index))
        elif kind is dict:
            self.charge_items(self.weigh(index))
        return obj[index]

    def target(self, obj: Any) -> _Target:
        return _Target(self, obj)

    def set_item(self, obj: Any, index: Any, value: Any) -> None:
        kind = type(obj)
        if kind is dict:
            self.key(index)
            if len(obj) >= ALLOC_MAX and index not in obj:
                raise _too_big(len(obj) + 1)
        elif kind is list and type(index) is slice:
            items = self.collect(value)
            size = len(obj) - _slice_length(len(obj), index) + len(items)
            if size > ALLOC_MAX:
                raise _too_big(size)
            self.charge_items(len(obj))  # the items after the slice move
            value = items
        obj[index] = value

    def del_item(self, obj: Any, index: Any) -> None:
        kind = type(obj)
        if kind is list:
            size = len(obj)
            moved = size
            if type(index) in _INTS:
                moved = size - (index + size if index < 0 else index) - 1
            self.charge_items(max(moved, 0))
        elif kind is dict:
            self.charge_items(self.weigh(index))
        del obj[index]

    def key(self, value: Any) -> Any:
        """`value`, if it may be a dict key (`check_key`), charged by its text's size."""
        if type(value) in _TEXTS:
            self.charge_items(len(value))
        return check_key(value)

    # --- lists and dicts that grow ------------------------------------------------------------

    def extend(self, items: list[Any], more: Iterable[Any]) -> None:
        added = self.collect(more)
        if len(items) + len(added) > ALLOC_MAX:
            raise _too_big(len(items) + len(added))
        items.extend(added)

    def update(self, target: dict[Any, Any], source: Any = (), /, **named: Any) -> None:
        """`target.update(source, **named)` (also `dict(...)` and `|=`), keys checked first."""
        pairs: Any = source
        if type(source) is dict:
            self.charge_size(len(source), ENTRY_ITEMS)
        else:
            items = self.collect(source)
            self.charge(len(items))  # each pair is checked on its own
            pairs = items if _plain_pairs(items) else [_pair(pair) for pair in items]
            self.charge_items(_text_size(map(operator.itemgetter(0), pairs)))
        if named:
            self.charge_size(len(named), ENTRY_ITEMS)
        target.update(pairs, **named)
        if len(target) > ALLOC_MAX:
            raise _too_big(len(target))

    # --- text ---------------------------------------------------------------------------------

    def text(self, value: Any, conversion: str = "s") -> str:
        """`str(value)` ("s"), `repr(value)` ("r") or `ascii(value)` ("a") of plain data, its
        size measured (and charged, and refused over ALLOC_MAX characters) before it is made."""
        if type(value) is str and conversion == "s":
            self.charge(1)
            return value
        size = TextMeasure(self.charge, ALLOC_MAX).size(value, conversion)
        self.charge_size(size)
        return _CONVERSIONS[conversion](value)

    def format_part(self, value: Any, conversion: int) -> str:
        """One `{value!c}` of an f-string, as text."""
        return self.text(value, _FORMAT_CONVERSIONS[conversion])

    def format_join(self, *parts: str) -> str:
        """An f-string from its parts (literal text and `format_part`s)."""
        self.charge_size(sum(map(len, parts)))
        return "".join(parts)
