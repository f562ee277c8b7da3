"""The contract runtime the ledger calls: check code at deploy, run a method at invoke.

`PythonRuntime.invoke` meters the whole invocation (nested `ctx.call`s included) with one
`Execution` whose fuel limit is the ledger setting `contract_fuel_max`. Each call runs the
contract's latest code in fresh globals (compiled code is cached by source), builds a fresh
instance of its `Contract` class, converts the arguments to Python values, checks them against the
method's annotations, and converts the result back to a ledger value.

Failures become `OperationFailed`, so the executor rolls the transaction back: `out_of_fuel` when
the fuel runs out, the code of a failed write (e.g. `permission_denied`), and `contract_error` for
everything else (an exception, a refused allocation, too deep a call chain), with the contract's
line number in the message.
"""

from __future__ import annotations

import functools
import inspect
import re
import traceback
from collections.abc import Callable
from types import CodeType
from typing import Any

from jadechain.contract import Contract, ContractError, is_method, method
from jadechain.contract.attributes import SANDBOX_MODULE, read_attribute
from jadechain.contract.context import ContractContext
from jadechain.contract.convert import to_ledger, to_python
from jadechain.contract.guards import Execution
from jadechain.contract.instrument import instrument
from jadechain.contract.limits import ContractAbort, refuse
from jadechain.contract.measure import TextMeasure
from jadechain.contract.safe_builtins import make_builtins
from jadechain.contract.safe_types import conforms
from jadechain.contract.sandbox import FILENAME, SandboxError, check_source
from jadechain.ledger import model as m
from jadechain.ledger.operations import Context, OperationFailed
from jadechain.ledger.state import AccountRecord, code_key
from jadechain.ledger.values import Value

MESSAGE_CHARS_MAX = 300
MESSAGE_TEXT_MAX = 65536  # an exception's arguments are turned into text up to this size
CALL_DEPTH_MAX = 8  # contracts calling contracts (ctx.call) within one invocation
_ADDRESS_LIKE = re.compile(r" at 0x[0-9a-fA-F]+")
_API = {"Contract": Contract, "ContractError": ContractError, "method": method}


@functools.lru_cache(maxsize=256)
def compile_contract(code: str) -> CodeType:
    """The checked, instrumented code of a contract module (SandboxError if refused)."""
    tree = check_source(code)
    try:
        return instrument(tree)
    except (SyntaxError, ValueError, TypeError, RecursionError) as error:  # not expected
        raise SandboxError(0, f"the code cannot be instrumented: {type(error).__name__}") from None


def contract_class(namespace: dict[str, Any]) -> type[Contract]:
    """The one `Contract` subclass a contract module defines (ContractError otherwise)."""
    found = [
        value
        for value in namespace.values()
        if isinstance(value, type)
        and issubclass(value, Contract)
        and value.__module__ == SANDBOX_MODULE
    ]
    if len(found) != 1:
        raise ContractError(f"a contract module defines one Contract class, found {len(found)}")
    return found[0]


class PythonRuntime:
    """The real `ContractRuntime` (see `jadechain.ledger.operations`)."""

    def check(self, code: str) -> None:
        try:
            compile_contract(code)
        except SandboxError as error:
            message = f"contract code refused: {error}"
            raise OperationFailed(m.TxCode.INVALID_OPERATION, message) from None

    def invoke(
        self, context: Context, account: AccountRecord, op: m.InvokeContract
    ) -> Value | None:
        execution = Execution(context.settings.contract_fuel_max)
        try:
            return _Invocation(context, execution).run(
                op.address, account, op.method, op.args, None
            )
        except ContractAbort as abort:
            raise OperationFailed(abort.code, abort.message) from None
        finally:
            context.fuel_used += execution.fuel_used


class _Invocation:
    """One top-level invocation: its ledger context and its fuel, shared by nested calls."""

    def __init__(self, context: Context, execution: Execution) -> None:
        self.context = context
        self.execution = execution
        self.calls = 0

    def call(self, address: str, method_name: str, args: list[Value], caller: str) -> Value | None:
        account = self.context.state.account(address)
        if account is None or account.kind is not m.AccountKind.CONTRACT:
            raise ContractAbort(m.TxCode.NOT_FOUND, f"no contract {address}")
        if account.frozen:
            raise ContractAbort(m.TxCode.INVALID_STATE, f"contract {address} is frozen")
        if self.calls >= CALL_DEPTH_MAX:
            raise refuse(f"contract calls nest deeper than {CALL_DEPTH_MAX}")
        self.calls += 1
        try:
            return self.run(address, account, method_name, args, caller)
        finally:
            self.calls -= 1

    def run(
        self,
        address: str,
        account: AccountRecord,
        method_name: str,
        args: list[Value],
        caller: str | None,
    ) -> Value | None:
        code = self.context.state.get(code_key(address, account.contract_version))
        if code is None:
            raise refuse(f"contract {address} has no code")
        try:
            return self._run(code.decode(), address, method_name, args, caller)
        except SandboxError as error:
            raise refuse(f"contract code refused: {error}") from None
        except (Exception, RecursionError) as error:
            raise refuse(describe(error)) from None

    def _run(
        self, code: str, address: str, method_name: str, args: list[Value], caller: str | None
    ) -> Value | None:
        cls = contract_class(self._load(code))
        function = getattr(cls, method_name, None)
        if method_name.startswith("_") or function is None or not is_method(function):
            raise ContractError(f"the contract has no method {method_name!r}")
        values = [to_python(arg) for arg in args]
        annotations: dict[str, Any] = getattr(function, "__annotations__", {})
        charge = self.execution.charge
        _check_arguments(function, values, annotations, charge)
        ctx = ContractContext(self.context, self.execution, address, caller, self.call)
        result = function(cls(), ctx, *values)
        if not conforms(result, annotations.get("return"), charge):
            raise ContractError(f"{method_name} returned {type(result).__name__}")
        if result is None:
            return None
        try:
            return to_ledger(result, charge)
        except ValueError as error:
            raise refuse(f"result refused: {error}") from None

    def _load(self, code: str) -> dict[str, Any]:
        execution = self.execution
        namespace: dict[str, Any] = {
            "__builtins__": make_builtins(execution),
            "__name__": SANDBOX_MODULE,
            "_jc_api": dict(_API),
            "_jc_fn": execution.wrap,
            "_jc_iter": execution.iterate,
            "_jc_iter_unpack": execution.iterate_unpacked,
            "_jc_tick": execution.tick,
            "_jc_op": execution.operate,
            "_jc_iop": execution.operate_in_place,
            "_jc_unary": execution.unary,
            "_jc_cmp": execution.compare,
            "_jc_last": execution.last_operand,
            "_jc_get": execution.get_item,
            "_jc_slice": slice,
            "_jc_target": execution.target,
            "_jc_star": execution.star,
            "_jc_dstar": execution.double_star,
            "_jc_key": execution.key,
            "_jc_made": execution.made,
            "_jc_unpack": execution.unpack,
            "_jc_fpart": execution.format_part,
            "_jc_fjoin": execution.format_join,
            "_jc_attr": functools.partial(read_attribute, execution),
        }
        exec(compile_contract(code), namespace)  # noqa: S102 - checked and instrumented code
        return namespace


def _check_arguments(
    function: Any, values: list[Any], annotations: dict[str, Any], charge: Callable[[int], None]
) -> None:
    original = getattr(function, "__wrapped__", function)
    code = original.__code__
    names = list(code.co_varnames[2 : code.co_argcount])
    least = len(names) - len(original.__defaults__ or ())
    if not least <= len(values) <= len(names) and not code.co_flags & inspect.CO_VARARGS:
        raise ContractError(f"{function.__name__} takes {len(names)} arguments, got {len(values)}")
    for name, value in zip(names, values, strict=False):
        if not conforms(value, annotations.get(name), charge):
            raise ContractError(f"argument {name!r} must not be {type(value).__name__}")


def describe(error: BaseException) -> str:
    """A deterministic message for an exception raised by contract code, with its line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    where = f" at line {frames[-1].lineno}" if frames else ""
    kind = type(error).__name__
    text = _ADDRESS_LIKE.sub("", _message(error))[:MESSAGE_CHARS_MAX]
    return f"{kind}{where}: {text}" if text else f"{kind}{where}"


def _message(error: BaseException) -> str:
    """`str(error)` if its arguments are plain data of bounded text, else nothing."""
    args = error.args
    if len(args) == 1 and type(args[0]) is str and not isinstance(error, KeyError):
        return args[0][: 4 * MESSAGE_CHARS_MAX]
    try:
        TextMeasure(_no_fuel, MESSAGE_TEXT_MAX).size(error, "s")
        return str(error)
    except (Exception, ContractAbort):  # not plain, too big, too deep: a message never fails
        return ""


def _no_fuel(units: int) -> None:
    return None


@functools.lru_cache(maxsize=1)
def default_runtime() -> PythonRuntime:
    return PythonRuntime()
