"""Fuel follows the work: copies, comparisons, searches and methods cost by the size of what
they walk or make, values over the size limit are refused before they are made, and the
default fuel limit bounds the time one invocation can take.

Most tests compare the fuel of a contract doing one operation with the fuel of the same
contract without it: the difference is what the operation cost.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from jadechain.ledger import model as m
from jadechain.testing.contracts import ContractTester

HEADER = "from jadechain.contract import Contract, ContractError, method\n"
N = 160_000  # items of the data the operations below work on
PER_FUEL = 16  # items per unit of fuel
LIMIT = 4 * 1024 * 1024  # items in one value (the ledger's value limit)

SETUP = f"""
n = {N}
big = [0] * n
other = [0] * n
items = tuple(big)
numbers = list(range(n))
words = ["y" * 64] * n
text = "x" * n
same_text = "x" * (n - 1) + "x"
data = b"x" * n
table = {{str(i): i for i in range(n // 4)}}
hexes = "00" * n
"""
CTX_SET = 'ctx.set(ctx.address, "k", 1)\n'  # a write the failures below must roll back


def contract(body: str, setup: str = "") -> str:
    """A contract whose method `run(self, ctx)` runs `setup`, then `body` (indented by 8)."""
    code = (setup + "\n" + body).strip("\n")
    lines = "\n".join("        " + line for line in code.splitlines())
    return f"{HEADER}\nclass Probe(Contract):\n    @method\n    def run(self, ctx):\n{lines}\n"


def run(body: str, setup: str = "", fuel_max: int | None = None) -> m.TransactionResult:
    return ContractTester(contract(body, setup), fuel_max=fuel_max).deploy().submit("run")


def cost(body: str, setup: str = SETUP) -> int:
    """The fuel `body` adds to a contract that runs `setup` (both must succeed)."""
    done, baseline = run(body, setup), run("pass", setup)
    assert done.code is m.TxCode.SUCCESS, done.message
    assert baseline.code is m.TxCode.SUCCESS, baseline.message
    return done.fuel_used - baseline.fuel_used


def refused(body: str, setup: str = "", fuel_max: int | None = None) -> m.TransactionResult:
    """`body` after a write to the contract's own storage: it fails, and the write rolls back."""
    tester = ContractTester(contract(body, CTX_SET + setup), fuel_max=fuel_max)
    result = tester.deploy().submit("run")
    assert result.code is not m.TxCode.SUCCESS
    assert tester.entry(tester.address, "k") is None  # rolled back
    tester.chain.data_account()  # the ledger goes on
    return result


# --- copies: slices and every other operation that copies -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "x = big[:]",
        "x = big[1:]",
        "x = big[::-1]",
        "x = text[:]",
        "x = data[1:]",
        "x = [*big]",
        "x = (*big,)",
        "x = min(*big)",
        "first, *rest = big",
        "for first, *rest in [big]:\n    pass",
        "x = [rest for first, *rest in [big]]",
        "x = []\nx[:0] = big",
        "x = []\nx += range(n)",
        "x = {**table}",
        "x = table | table",
        "x = {}\nx |= table",
        "x = dict(**table)",
        "x = f'{text}{text}'",
        "x = (0).to_bytes(n, 'big')",
        "x = bytes.fromhex(hexes)",
    ],
)
def test_copies_cost_fuel_by_the_size_they_make(body: str) -> None:
    assert cost(body) >= N // PER_FUEL


def test_keeping_slices_of_a_big_list_runs_out_of_fuel_after_a_few_copies() -> None:
    """Each copy holds 1.25 MiB: 100 of them cost far more than 200,000 fuel."""
    body = "keep = []\nfor i in range(100):\n    keep.append(big[:])"
    result = run(body, SETUP, fuel_max=200_000)
    assert result.code is m.TxCode.OUT_OF_FUEL
    assert result.fuel_used == 200_000


@pytest.mark.parametrize(
    "body",
    [
        "big.append(1)",
        "big.insert(0, 1)",
        "big[:0] = [1]",
        "x = [*big, 1]",
        "x = (*big, 1)",
        "x = f'{text}{text}{text}'",
        "x = str([text, text, text])",
        "x = text.encode('utf-32')",
    ],
)
def test_values_over_the_size_limit_are_refused_and_roll_back(body: str) -> None:
    setup = f"big = [0] * {LIMIT}\ntext = 'x' * {LIMIT // 2}"
    result = refused(body, setup, fuel_max=100_000_000)
    assert result.code is m.TxCode.CONTRACT_ERROR, result.message
    assert "exceeds the limit" in result.message


# --- comparisons, searches and methods ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "least"),
    [
        ("x = -1 in big", N // PER_FUEL),
        ("x = -1 not in items", N // PER_FUEL),
        ("x = big == other", N // PER_FUEL),
        ("x = big < other", N // PER_FUEL),
        ("x = 0 < len(big) < n + 1 and big >= other", N // PER_FUEL),
        ("x = text == same_text", N // 8 // PER_FUEL),  # 8 characters per item compared
        ("x = text < same_text", N // 8 // PER_FUEL),
        ("x = 'y' in text", N // PER_FUEL),
        ("x = b'y' in data", N // PER_FUEL),
        ("x = -1 in zip(big, big)", N // 2),  # each pair is a new object
        ("x = 'y' in range(n)", N),  # Python walks the range number by number
        ("x = words.count('y' * 63 + 'z')", 8 * N // PER_FUEL),  # 64 characters each
        ("words.remove('y' * 63 + 'y')", 8 * N // PER_FUEL),
        ("big.insert(0, 1)", N // PER_FUEL),
        ("x = big.pop(0)", N // PER_FUEL),
        ("numbers.sort()", 10 * N // PER_FUEL),  # n log n
        ("numbers.sort(reverse=True)", 10 * N // PER_FUEL),
        ("x = sorted(words)", 30 * N // PER_FUEL),
        ("count = text.count\nx = count('y') + count('y') + count('y')", 3 * N // PER_FUEL),
        ("x = text.startswith(same_text)", N // 8 // PER_FUEL),
        ("x = text.strip('ab' * 300)", 2 * N // PER_FUEL),
        ("x = dict(zip(numbers, numbers))", N),  # each pair checked on its own
    ],
)
def test_comparisons_searches_and_methods_cost_by_size(body: str, least: int) -> None:
    assert cost(body) >= least


def test_comparing_lists_of_big_equal_strings_costs_by_their_characters() -> None:
    setup = "a = ['y' * 65536] * 64\nb = ['y' * 65535 + 'y'] * 64"  # equal, not the same objects
    compared = 64 * 65536 // 8  # items: 8 characters each
    assert cost("x = a == b", setup) >= compared // PER_FUEL
    assert cost("x = a[-1] in b", setup) >= compared // PER_FUEL
    assert cost("x = sorted(a + b)", setup) >= 2 * compared // PER_FUEL


def test_data_nested_too_deep_to_compare_is_refused() -> None:
    result = refused("x = []\nfor i in range(40):\n    x = [x]\nsame = x == x[:]")
    assert result.code is m.TxCode.CONTRACT_ERROR
    assert "nested deeper than 32 levels" in result.message


def test_big_integer_arithmetic_costs_by_the_work() -> None:
    setup = "a = 2 ** 65535 - 12345\nb = 2 ** 32768 - 999"
    assert cost("c = a // b", setup) >= 8000
    assert cost("c = a % b", setup) >= 8000
    assert cost("c, d = divmod(a, b)", setup) >= 8000
    assert cost("c = b * b", setup) >= 8000
    assert cost("c = a - b", setup) >= 64


@pytest.mark.timeout(60)
def test_the_default_fuel_limit_bounds_a_membership_loop_on_the_largest_list() -> None:
    """The largest list allowed, searched over and over: the invocation runs out of fuel (the
    default limit) instead of keeping the node busy; the time it took is printed."""
    tester = ContractTester(contract(f"big = [0] * {LIMIT}\nwhile True:\n    x = 1 in big"))
    tester.deploy()
    started = time.perf_counter()
    result = tester.submit("run")
    elapsed = time.perf_counter() - started
    assert result.code is m.TxCode.OUT_OF_FUEL, result.message
    assert result.fuel_used == tester.chain.ledger.settings().contract_fuel_max
    print(f"\n{result.fuel_used:,} fuel of `1 in big` on {LIMIT:,} items: {elapsed:.2f} s")


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("x = 1 in list", m.TxCode.CONTRACT_ERROR),  # was endless: list[0], list[1], ...
        ("x = 'y' in range(10 ** 8)", m.TxCode.OUT_OF_FUEL),  # seconds for 1 fuel before
        ("x = range(10 ** 8).count('y')", m.TxCode.OUT_OF_FUEL),
        ("x = -1 in zip(range(10 ** 8), range(10 ** 8))", m.TxCode.OUT_OF_FUEL),
    ],
)
def test_long_searches_run_out_of_fuel(body: str, code: m.TxCode) -> None:
    assert refused(body, fuel_max=1_000_000).code is code


# --- dict keys ----------------------------------------------------------------------------------


DICT_KEYS_REFUSED = [
    "d = {(1, 2): 3}",
    "d = {}\nd[(1, 2)] = 3",
    "d = {2 ** 64: 1}",
    "d = {k: 1 for k in [(1,)]}",
    "d = {}\nd.setdefault(1.5, 1)",
    "d = dict([((1,), 2)])",
    "d = {}\nd.update([(2 ** 70, 1)])",
]


def test_dict_keys_whose_hashes_contracts_could_make_collide_are_refused() -> None:
    """Tuples and integers beyond 64 bits hash predictably: chosen keys would all collide and
    make each insertion walk every earlier one (quadratic time for linear fuel)."""
    for body in DICT_KEYS_REFUSED:
        result = refused(body)
        assert result.code is m.TxCode.CONTRACT_ERROR, body
        assert "dict keys in contracts are str, bytes, int (64-bit), bool or None" in result.message
    body = "d = {'a': 1, b'b': 2, 3: 3, True: 4, None: 5, -(2 ** 63): 6}\nreturn len(d)"
    assert ContractTester(contract(body)).deploy().call("run") == 6  # the usual keys work


# --- text: its size is measured before it is made -------------------------------------------------


def test_text_of_repeated_big_values_is_refused_before_it_is_made() -> None:
    setup = "s = 'x' * 1048576\nshared = [s] * 8"
    for body in ("x = str(shared)", "x = repr(shared)", "x = f'{shared}'", "x = f'{shared!r}'"):
        result = refused(body, setup)
        assert result.code is m.TxCode.CONTRACT_ERROR
        assert "exceeds the limit" in result.message


def test_an_error_message_is_not_made_from_huge_data() -> None:
    result = refused("raise ContractError(['x' * 1048576] * 8)")
    assert result.code is m.TxCode.CONTRACT_ERROR
    assert result.message == "ContractError at line 8"  # without the data's text


def test_a_ledger_value_is_measured_before_it_is_encoded() -> None:
    setup = "s = 'x' * 1048576\nshared = [s] * 16"  # 16 MiB of JSON, from 1 MiB of memory
    tester = ContractTester(contract("ctx.set(ctx.address, 'v', shared)", setup)).deploy()
    tracemalloc.start()
    try:
        result = tester.submit("run")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code is m.TxCode.CONTRACT_ERROR
    assert "json value exceeds 4194304 bytes" in result.message
    assert peak < 8 * 1024 * 1024  # never encoded


@pytest.mark.parametrize("encoding", ["punycode", "idna", "raw_unicode_escape", "utf-7"])
def test_codecs_other_than_utf_and_latin_1_are_refused(encoding: str) -> None:
    """Codecs written in Python (punycode is quadratic) and codecs loaded on first use."""
    for body in (f"x = 'ab'.encode('{encoding}')", f"x = b'ab'.decode('{encoding}')"):
        result = refused(body)
        assert result.code is m.TxCode.CONTRACT_ERROR
        assert "contracts may use the encodings" in result.message


# --- everything above still computes what Python computes ---------------------------------------

SEMANTICS = """
out = {}
x = 5
calls = []
def middle(value):
    calls.append(value)
    return value
out["chains"] = [1 < x < 10, 1 < x > 10, 0 <= middle(x) <= 5 < 6, 1 < middle(0) < 2, calls]
out["membership"] = [x in [5], x not in {"a": 1}, "b" in "abc", (2, 2) in zip([1, 2], [1, 2])]
first, *rest = [1, 2, 3]
(a, *b), c = [[1, 2, 3], 4]
out["unpack"] = [first, rest, a, b, c, [r for f, *r in [[1, 2], [3]]]]
items = list(range(10))
items[2:5] = ["x"]
del items[0]
del items[-2:]
out["slices"] = [items, items[::-1], "abcdef"[1:-1:2], b"abc"[0]]
d = {"a": 1}
d |= {"b": 2}
out["dicts"] = [d, {**d, "c": 3}, d | {"z": 0}, dict([["k", 1]], j=2)]
out["text"] = [f"{1}{[1, 'x']!r}{b'z'}{None}{2.5}", str((1,)), repr({"a": (1,)}), str(-12)]
out["numbers"] = [-x, ~x, x ** 3, 7 // 2, 7 % 3, 7 / 2, x >> 1, x & 3, x | 2, x ^ 1]
out["sorting"] = [sorted([3, 1, 2]), sorted(["b", "a", "cc"], key=len, reverse=True),
                  min([3, 1]), max(1, 5), max([], default=7), min(["aa", "b"], key=len)]
return out
"""


def test_the_guarded_operations_give_the_results_python_gives() -> None:
    tester = ContractTester(contract(SEMANTICS)).deploy()
    result = tester.call("run")
    assert result == {
        "chains": [True, False, True, False, [5, 0]],  # each middle operand evaluated once
        "membership": [True, True, True, True],
        "unpack": [1, [2, 3], 1, [2, 3], 4, [[2], []]],
        "slices": [[1, "x", 5, 6, 7], [7, 6, 5, "x", 1], "bd", 97],
        "dicts": [
            {"a": 1, "b": 2},
            {"a": 1, "b": 2, "c": 3},
            {"a": 1, "b": 2, "z": 0},
            {"k": 1, "j": 2},
        ],
        "text": ["1[1, 'x']b'z'None2.5", "(1,)", "{'a': (1,)}", "-12"],
        "numbers": [-5, -6, 125, 3, 1, 3.5, 2, 1, 7, 4],
        "sorting": [[1, 2, 3], ["cc", "b", "a"], 1, 5, 7, "b"],
    }
