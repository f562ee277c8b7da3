"""The AST rewrite that makes checked contract code metered and guarded.

After `sandbox.check_source` accepts a module, `instrument` rewrites it so that at run time:
- every function (and lambda) is wrapped by `_jc_fn`: one unit of fuel per call, depth limit;
- every `for` loop and comprehension iterates through `_jc_iter`: one unit per item;
- every `while` loop body starts with `_jc_tick()`: one unit per iteration;
- `+ * ** << %` (and their augmented forms) go through `_jc_op`/`_jc_iop`, which refuse huge
  results before making them and charge fuel by size;
- every attribute read goes through `_jc_attr(obj, "name")`, which allows only listed methods of
  plain types, the context's API and names defined by the contract's own classes;
- every f-string value goes through `_jc_plain`, which allows only plain data;
- `from jadechain.contract import X as Y` becomes `Y = _jc_api["X"]`.
The fuel charged is a function of the code and its inputs only, never of time.
"""

from __future__ import annotations

import ast
from types import CodeType

from jadechain.contract.sandbox import FILENAME

GUARDED_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Mod: "%",
}


def _name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(_name(function), list(args), [])


def _load_copy(target: ast.Name | ast.Subscript) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(target.id, ast.Load())
    return ast.Subscript(target.value, target.slice, ast.Load())


class _Instrumenter(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        node.decorator_list.append(_name("_jc_fn"))  # innermost: applied first
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        self.generic_visit(node)
        return ast.copy_location(_call("_jc_fn", node), node)

    def visit_For(self, node: ast.For) -> ast.For:
        self.generic_visit(node)
        node.iter = _call("_jc_iter", node.iter)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.comprehension:
        self.generic_visit(node)
        node.iter = _call("_jc_iter", node.iter)
        return node

    def visit_While(self, node: ast.While) -> ast.While:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(_call("_jc_tick")))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        symbol = GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = _call("_jc_op", ast.Constant(symbol), node.left, node.right)
        return ast.copy_location(call, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        symbol = GUARDED_OPERATORS.get(type(node.op))
        target = node.target
        if symbol is None or not isinstance(target, ast.Name | ast.Subscript):
            return node
        value = _call("_jc_iop", ast.Constant(symbol), _load_copy(target), node.value)
        return ast.copy_location(ast.Assign([target], ast.copy_location(value, node)), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        return ast.copy_location(_call("_jc_attr", node.value, ast.Constant(node.attr)), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.FormattedValue:
        self.generic_visit(node)
        node.value = _call("_jc_plain", node.value)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> list[ast.stmt]:
        return [
            ast.Assign(
                [ast.Name(alias.asname or alias.name, ast.Store())],
                ast.Subscript(_name("_jc_api"), ast.Constant(alias.name), ast.Load()),
            )
            for alias in node.names
        ]


def instrument(tree: ast.Module) -> CodeType:
    """Rewrite a checked module (in place) and compile it."""
    rewritten = _Instrumenter().visit(tree)
    ast.fix_missing_locations(rewritten)
    code: CodeType = compile(rewritten, FILENAME, "exec", dont_inherit=True, optimize=0)
    return code
