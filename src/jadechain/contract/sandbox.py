"""The static half of the sandbox: a strict AST whitelist that contract source must pass.

`check_source(code)` parses the code and walks every node; the first rule broken raises
`SandboxError(line, message)`. Allowed are plain statements and expressions (see `_ALLOWED`);
refused, among others: `import` (but `from jadechain.contract import ...`), names, attributes,
arguments and keywords starting with `_` (except the throwaway `_`), reflection and dynamic code
builtins, `global`/`nonlocal`, `async`, `yield` and generator expressions, `with`, `try/finally`,
bare `except` and `except BaseException`, sets (their order is not deterministic), attribute
assignment, format specs in f-strings, `.format`/`.format_map`, decorators other than names and
class keywords (metaclasses). Code that passes is then also put through RestrictedPython's
compile-time policy (`compile_restricted_exec`) as a second, independent check. The dynamic
half (fuel, attribute and size guards) is added by `jadechain.contract.instrument` and enforced
by `jadechain.contract.guards` (on `meter`'s fuel), `safe_builtins` and `attributes`.

Before parsing, code over CODE_BYTES_MAX bytes is refused (checking and compiling are not metered,
so their cost is bounded by size instead: at the limit, about 0.06 s for a typical contract and
0.4 s for code written to be slow to compile, on a development machine), and
so is a run of more than INT_DIGITS_MAX decimal digits (the interpreter's own limit on reading
such a literal depends on the node's settings, PYTHONINTMAXSTRDIGITS). Code nested deeper than
NESTING_MAX syntax levels is refused too: the checks walk the tree recursively, and the depth at
which the interpreter's recursion limit would stop them depends on the caller's stack.
"""

from __future__ import annotations

import ast
import re

from jadechain.contract import API_NAMES
from jadechain.contract.limits import INT_BITS_MAX, INT_DIGITS_MAX

API_MODULE = "jadechain.contract"
FILENAME = "<contract>"
CODE_BYTES_MAX = 24 * 1024  # contract source in UTF-8 bytes, checked at deploy and at load
NESTING_MAX = 100  # levels of the syntax tree (each `elif`, each operand of a chain of `+`, ...)
_LONG_NUMBER = re.compile(rf"(?<![0-9A-Za-z_.])[0-9](?:_?[0-9]){{{INT_DIGITS_MAX}}}")
_TOO_DEEP = f"code nested deeper than {NESTING_MAX} levels"

_ALLOWED: frozenset[type[ast.AST]] = frozenset(
    {
        # statements
        ast.Module, ast.FunctionDef, ast.ClassDef, ast.Return, ast.Delete, ast.Assign,
        ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.If, ast.Raise, ast.Try,
        ast.ExceptHandler, ast.Assert, ast.ImportFrom, ast.alias, ast.Pass, ast.Break,
        ast.Continue, ast.Expr,
        # expressions
        ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict,
        ast.List, ast.Tuple, ast.ListComp, ast.DictComp, ast.comprehension, ast.Compare,
        ast.Call, ast.keyword, ast.JoinedStr, ast.FormattedValue, ast.Constant, ast.Attribute,
        ast.Subscript, ast.Slice, ast.Starred, ast.Name, ast.arguments, ast.arg,
        # contexts and operators
        ast.Load, ast.Store, ast.Del, ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div,
        ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor,
        ast.BitAnd, ast.Invert, ast.Not, ast.UAdd, ast.USub, ast.Eq, ast.NotEq, ast.Lt,
        ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
    }
)  # fmt: skip

_FORBIDDEN_NAMES = frozenset(
    {
        "getattr", "setattr", "delattr", "hasattr", "eval", "exec", "compile", "open",
        "globals", "locals", "vars", "dir", "type", "object", "super", "id", "hash", "input",
        "print", "breakpoint", "memoryview", "classmethod", "staticmethod", "property", "help",
        "exit", "quit", "iter", "next", "aiter", "anext", "format", "callable",
        "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit", "set",
        "frozenset", "float", "complex", "bytearray", "map", "filter",
    }
)  # fmt: skip

_FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"})
_FRAME_PREFIXES = ("gi_", "cr_", "ag_", "f_", "co_", "tb_")

_CONSTRUCT_NAMES = {
    ast.Import: "import",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.AsyncFor: "async for",
    ast.AsyncFunctionDef: "async def",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.GeneratorExp: "a generator expression (use a list comprehension)",
    ast.Set: "a set (its order is not deterministic)",
    ast.SetComp: "a set comprehension (its order is not deterministic)",
    ast.Match: "match",
    ast.TryStar: "except*",
    ast.MatMult: "the @ operator",
}


class SandboxError(Exception):
    """Contract source that breaks a sandbox rule, with the line it breaks it on."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


def check_source(code: str) -> ast.Module:
    """The parsed module, if `code` passes every sandbox rule; SandboxError otherwise."""
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > CODE_BYTES_MAX:
        raise SandboxError(0, f"the code is {size} bytes, over the limit of {CODE_BYTES_MAX} bytes")
    number = _LONG_NUMBER.search(code)
    if number is not None:
        line = code.count("\n", 0, number.start()) + 1
        message = f"a run of more than {INT_DIGITS_MAX} digits (write big numbers in hexadecimal)"
        raise SandboxError(line, message)
    try:
        tree = ast.parse(code, FILENAME)
    except SyntaxError as error:
        raise SandboxError(error.lineno or 0, f"syntax error: {error.msg}") from None
    except ValueError as error:  # e.g. NUL bytes in the source
        raise SandboxError(0, f"unreadable source: {error}") from None
    except RecursionError:
        raise SandboxError(0, _TOO_DEEP) from None
    try:
        _Checker().visit(tree)
        _check_restricted(code)
    except RecursionError:  # not expected within NESTING_MAX; refused the same way if it happens
        raise SandboxError(0, _TOO_DEEP) from None
    return tree


def _check_restricted(code: str) -> None:
    """RestrictedPython's policy as a second opinion: its first error, with its line."""
    from RestrictedPython.compile import compile_restricted_exec

    errors = compile_restricted_exec(code, filename=FILENAME).errors
    if errors:
        first = str(errors[0])
        head, _, message = first.partition(": ")
        number = head.removeprefix("Line ").strip()
        line = int(number) if number.isdigit() else 0
        raise SandboxError(line, f"refused by RestrictedPython: {message or first}")


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def _fail(node: ast.AST, message: str) -> SandboxError:
    return SandboxError(_line(node), message)


def _check_identifier(node: ast.AST, name: str, what: str) -> None:
    if name.startswith("_") and name != "_":
        raise _fail(node, f"{what} {name!r}: names starting with '_' are not allowed")
    if name in _FORBIDDEN_NAMES:
        raise _fail(node, f"{what} {name!r} is not allowed in contracts")


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.depth = 0

    def visit(self, node: ast.AST) -> None:
        """Visit `node`, refusing trees deeper than NESTING_MAX before recursing further."""
        self.depth += 1
        if self.depth > NESTING_MAX:
            raise SandboxError(0, _TOO_DEEP)
        super().visit(node)
        self.depth -= 1

    def generic_visit(self, node: ast.AST) -> None:
        kind = type(node)
        if kind not in _ALLOWED:
            construct = _CONSTRUCT_NAMES.get(kind, kind.__name__)
            raise _fail(node, f"{construct} is not allowed in contracts")
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        _check_identifier(node, node.id, "name")

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, int) and value.bit_length() > INT_BITS_MAX:
            bits = value.bit_length()
            raise _fail(node, f"an integer of {bits} bits exceeds the limit of {INT_BITS_MAX}")
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        _check_identifier(node, node.arg, "argument")
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None:
            _check_identifier(node, node.arg, "keyword")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if name.startswith("_"):
            raise _fail(node, f"attribute {name!r}: names starting with '_' are not allowed")
        if name in _FORBIDDEN_ATTRIBUTES or name.startswith(_FRAME_PREFIXES):
            raise _fail(node, f"attribute {name!r} is not allowed in contracts")
        if not isinstance(node.ctx, ast.Load):
            raise _fail(node, "assigning or deleting attributes is not allowed in contracts")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        _check_identifier(node, node.name, "function")
        self._check_decorators(node.decorator_list)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        _check_identifier(node, node.name, "class")
        if node.keywords:
            raise _fail(node, "class keywords (metaclasses) are not allowed in contracts")
        if not all(isinstance(base, ast.Name) for base in node.bases):
            raise _fail(node, "a class's bases must be plain names")
        self._check_decorators(node.decorator_list)
        self.generic_visit(node)

    def _check_decorators(self, decorators: list[ast.expr]) -> None:
        for decorator in decorators:
            if not isinstance(decorator, ast.Name):
                raise _fail(decorator, "decorators must be plain names (e.g. @method)")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != API_MODULE or node.level:
            raise _fail(node, f"only 'from {API_MODULE} import ...' is allowed")
        for alias in node.names:
            if alias.name not in API_NAMES:
                raise _fail(node, f"{API_MODULE} has no {alias.name!r} for contracts")
            _check_identifier(node, alias.asname or alias.name, "name")

    def visit_Try(self, node: ast.Try) -> None:
        if node.finalbody:
            raise _fail(node, "try/finally is not allowed in contracts")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is None:
            raise _fail(node, "a bare 'except:' is not allowed; name the exceptions")
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        if not all(isinstance(name, ast.Name) for name in names):
            raise _fail(node, "'except' must name exception classes")
        if node.name is not None:
            _check_identifier(node, node.name, "name")
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        if node.format_spec is not None:
            raise _fail(node, "format specs in f-strings are not allowed in contracts")
        self.generic_visit(node)
