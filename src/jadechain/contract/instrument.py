"""The AST rewrite that makes checked contract code metered and guarded.

After `sandbox.check_source` accepts a module, `instrument` rewrites it so that at run time:
- every function (and lambda) is wrapped by `_jc_fn`: one unit of fuel per call, depth limit;
- every `for` loop and comprehension iterates through `_jc_iter` (`_jc_iter_unpack` when its
  target has a starred name): one unit per item;
- every `while` loop body starts with `_jc_tick()`: one unit per iteration;
- every arithmetic and bitwise operator (and its augmented form) goes through `_jc_op`/`_jc_iop`,
  `-x` and `~x` through `_jc_unary`: huge results are refused before they are made, work on big
  integers and copies of sequences and dicts are charged by size;
- every comparison goes through `_jc_cmp` (chains: `a < b < c` becomes
  `_jc_cmp("<", a, b) and _jc_cmp("<", _jc_last(), c)`), charged by the data it may walk;
- every subscript `obj[i]` through `_jc_get` (slices made by `_jc_slice`, charged and refused by
  their length, dict lookups by the key's weight), every stored or deleted one through the guard
  `_jc_target(obj)[i]` (dict keys checked, list shifts and slice assignments charged);
- `*x` and `**x` in calls and displays go through `_jc_star`/`_jc_dstar`, starred assignment
  targets get their value through `_jc_unpack`, dict display and comprehension keys through
  `_jc_key`, and comprehension and starred display results through `_jc_made` (size limit);
- every f-string is built by `_jc_fjoin` from parts `_jc_fpart(value, conversion)`, each measured
  (and refused over the size limit) before it is made;
- every attribute read goes through `_jc_attr(obj, "name")`, which allows only listed methods of
  plain types, the context's API and names defined by the contract's own classes;
- `from jadechain.contract import X as Y` becomes `Y = _jc_api["X"]`.
The fuel charged is a function of the code and its inputs only, never of time.
"""

from __future__ import annotations

import ast
from types import CodeType
from typing import Any, TypeVar

from jadechain.contract.sandbox import FILENAME

GUARDED_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}
UNARY_OPERATORS: dict[type[ast.unaryop], str] = {ast.USub: "-", ast.Invert: "~"}
COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_INT64 = range(-(2**63), 2**63)


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")
N = TypeVar("N", bound=ast.AST)


def _at(where: ast.AST, node: N) -> N:
    """`node` (a node made here) placed at `where`'s location, unless it has one."""
    if not hasattr(node, "lineno"):
        for field in _LOCATION:
            setattr(node, field, getattr(where, field, None))
    return node


def _name(where: ast.AST, identifier: str) -> ast.Name:
    return _at(where, ast.Name(identifier, ast.Load()))


def _call(where: ast.AST, function: str, *args: ast.expr) -> ast.Call:
    """`function(*args)`, placed at `where` (with the constants made for it)."""
    for arg in args:
        _at(where, arg)
    return _at(where, ast.Call(_name(where, function), list(args), []))


def _constant(value: Any) -> ast.Constant:
    """A constant node (also for a tuple of constants, which `compile` accepts)."""
    return ast.Constant(value)


def _load_copy(target: ast.Name | ast.Subscript) -> ast.expr:
    if isinstance(target, ast.Name):
        return _at(target, ast.Name(target.id, ast.Load()))
    return _at(target, ast.Subscript(target.value, target.slice, ast.Load()))


def _cheap_constant(node: ast.expr) -> bool:
    """A constant index or dict key whose lookup costs nothing and that is a valid key."""
    if not isinstance(node, ast.Constant):
        return False
    value = node.value
    if isinstance(value, str | bytes):
        return len(value) < 16
    return value is None or isinstance(value, bool) or (isinstance(value, int) and value in _INT64)


def _shape(target: ast.expr) -> tuple[Any, ...] | None:
    """For an assignment target with a starred name at some level (`a, *rest = ...`): the
    positions of its nested targets that have one too, with their shapes; None for others."""
    if not isinstance(target, ast.Tuple | ast.List):
        return None
    elements = target.elts
    star = next((i for i, e in enumerate(elements) if isinstance(e, ast.Starred)), None)
    nested: list[tuple[int, tuple[Any, ...]]] = []
    for index, element in enumerate(elements):
        if isinstance(element, ast.Starred):
            continue
        inner = _shape(element)
        if inner is not None:
            after_star = star is not None and index > star
            nested.append((index - len(elements) if after_star else index, inner))
    if star is None and not nested:
        return None
    return tuple(nested)


class _Instrumenter(ast.NodeTransformer):
    """Every node it makes is placed at the node it replaces (no `fix_missing_locations` pass:
    that would walk the whole tree again)."""

    def __init__(self) -> None:
        self.temporaries = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        node.decorator_list.append(_name(node, "_jc_fn"))  # innermost: applied first
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        self.generic_visit(node)
        return _call(node, "_jc_fn", node)

    def _iterated(self, iterable: ast.expr, target: ast.expr) -> ast.expr:
        shape = _shape(target)
        if shape is None:
            return _call(iterable, "_jc_iter", iterable)
        return _call(iterable, "_jc_iter_unpack", iterable, _constant(shape))

    def visit_For(self, node: ast.For) -> ast.For:
        self.generic_visit(node)
        node.iter = self._iterated(node.iter, node.target)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.comprehension:
        self.generic_visit(node)
        node.iter = self._iterated(node.iter, node.target)
        return node

    def visit_While(self, node: ast.While) -> ast.While:
        self.generic_visit(node)
        node.body.insert(0, _at(node, ast.Expr(_call(node, "_jc_tick"))))
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.stmt | list[ast.stmt]:
        self.generic_visit(node)
        shapes = [_shape(target) for target in node.targets]
        if all(shape is None for shape in shapes):
            return node
        if len(node.targets) == 1:
            node.value = _call(node, "_jc_unpack", node.value, _constant(shapes[0]))
            return node
        temporary = f"_jc_t{self.temporaries}"
        self.temporaries += 1
        store = _at(node, ast.Name(temporary, ast.Store()))
        statements: list[ast.stmt] = [_at(node, ast.Assign([store], node.value))]
        for target, shape in zip(node.targets, shapes, strict=True):
            value: ast.expr = _name(node, temporary)
            if shape is not None:
                value = _call(node, "_jc_unpack", value, _constant(shape))
            statements.append(_at(node, ast.Assign([target], value)))
        return statements

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        symbol = GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        return _call(node, "_jc_op", ast.Constant(symbol), node.left, node.right)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        symbol = GUARDED_OPERATORS.get(type(node.op))
        target = node.target
        if symbol is None or not isinstance(target, ast.Name | ast.Subscript):
            return node
        value = _call(node, "_jc_iop", ast.Constant(symbol), _load_copy(target), node.value)
        return _at(node, ast.Assign([target], value))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        symbol = UNARY_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        operand = node.operand
        if isinstance(operand, ast.Constant) and type(operand.value) is int:
            value = -operand.value if symbol == "-" else ~operand.value
            return _at(node, ast.Constant(value))  # a literal such as -1
        return _call(node, "_jc_unary", ast.Constant(symbol), operand)

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            return node  # identity: constant time
        calls: list[ast.expr] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            symbol = ast.Constant(COMPARISONS[type(op)])
            calls.append(_call(node, "_jc_cmp", symbol, left, right))
            left = _call(node, "_jc_last")  # the value `right` had, without evaluating it again
        return calls[0] if len(calls) == 1 else _at(node, ast.BoolOp(ast.And(), calls))

    def visit_Slice(self, node: ast.Slice) -> ast.expr:
        self.generic_visit(node)
        bounds = [part or ast.Constant(None) for part in (node.lower, node.upper, node.step)]
        return _call(node, "_jc_slice", *bounds)

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            node.value = _call(node, "_jc_target", node.value)
            return node
        if _cheap_constant(node.slice):
            return node
        return _call(node, "_jc_get", node.value, node.slice)

    def visit_Starred(self, node: ast.Starred) -> ast.Starred:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call(node, "_jc_star", node.value)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        for keyword in node.keywords:
            if keyword.arg is None:
                keyword.value = _call(keyword.value, "_jc_dstar", keyword.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.expr:
        self.generic_visit(node)
        unpacks = False
        for index, key in enumerate(node.keys):
            if key is None:
                value = node.values[index]
                node.values[index] = _call(value, "_jc_dstar", value)
                unpacks = True
            elif not _cheap_constant(key):
                node.keys[index] = _call(key, "_jc_key", key)
        return _call(node, "_jc_made", node) if unpacks else node

    def visit_DictComp(self, node: ast.DictComp) -> ast.expr:
        self.generic_visit(node)
        if not _cheap_constant(node.key):
            node.key = _call(node.key, "_jc_key", node.key)
        return _call(node, "_jc_made", node)

    def visit_ListComp(self, node: ast.ListComp) -> ast.expr:
        self.generic_visit(node)
        return _call(node, "_jc_made", node)

    def _display(self, node: ast.List | ast.Tuple) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and any(isinstance(e, ast.Starred) for e in node.elts):
            return _call(node, "_jc_made", node)
        return node

    def visit_List(self, node: ast.List) -> ast.expr:
        return self._display(node)

    def visit_Tuple(self, node: ast.Tuple) -> ast.expr:
        return self._display(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        self.generic_visit(node)
        parts: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                conversion = ast.Constant(part.conversion)
                parts.append(_call(part, "_jc_fpart", part.value, conversion))
            else:
                parts.append(part)
        return _call(node, "_jc_fjoin", *parts)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        return _call(node, "_jc_attr", node.value, ast.Constant(node.attr))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> list[ast.stmt]:
        statements: list[ast.stmt] = []
        for alias in node.names:
            target = _at(node, ast.Name(alias.asname or alias.name, ast.Store()))
            name = _at(node, ast.Constant(alias.name))
            value = _at(node, ast.Subscript(_name(node, "_jc_api"), name, ast.Load()))
            statements.append(_at(node, ast.Assign([target], value)))
        return statements


def instrument(tree: ast.Module) -> CodeType:
    """Rewrite a checked module (in place) and compile it."""
    rewritten = _Instrumenter().visit(tree)
    code: CodeType = compile(rewritten, FILENAME, "exec", dont_inherit=True, optimize=0)
    return code
