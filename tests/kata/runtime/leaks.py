"""Does a handout's code (outside exercises/) compute an analytic gradient? Read its syntax.

The tests must hold no answer: their expected values are stored numbers, or numeric
gradients of the tests' own loss (tests/kata/runtime/oracle.py). This scan reads every Python
file's syntax tree, so neither a line's length nor its spelling hides what it computes.
Strings (hints, messages) are not code and are never read.

What it flags, with the reason it gives:
- a product through a transpose: `A.T @ dZ`, `np.dot(X.T, d)`, `np.transpose(A) @ d`,
  `np.matmul(d, W.swapaxes(0, 1))`, `np.outer(a, e)`;
- an einsum that sums over the leading (batch) index of two of its operands
  (`"nd,nh->dh"`), or a tensordot over axis 0 of both;
- an activation's derivative: `s * (1 - s)` in either order, `1 - t ** 2`, `1 - t * t`,
  `1 - np.square(t)`, `1 - np.tanh(z) ** 2`, a 0/1 mask times a gradient (`g * (z > 0)`,
  `np.where(z > 0, g, 0)` with g other than z, `np.heaviside`);
- an output error divided by the batch: `(P - Y) / P.size`, `/ len(X)`, `/ X.shape[0]`,
  `/ N`.
"""

from __future__ import annotations

import ast
from pathlib import Path

TRANSPOSES = {"T", "transpose", "swapaxes", "moveaxis", "permute_dims", "matrix_transpose"}
PRODUCTS = {"dot", "matmul", "inner", "vdot", "tensordot", "einsum", "outer", "kron"}
BATCH_NAMES = {"N", "n", "m", "batch", "n_rows", "rows", "batch_size"}


def _name(node: ast.AST) -> str:
    """`np.dot` -> "dot", `x.T` -> "T", `len` -> "len"; else ""."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (1, 1.0)


def _transposed(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return True
    return isinstance(node, ast.Call) and _name(node.func) in TRANSPOSES


def _squared(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return isinstance(node.right, ast.Constant) and node.right.value == 2
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _same(node.left, node.right)
    return isinstance(node, ast.Call) and _name(node.func) == "square"


def _one_minus(node: ast.AST) -> ast.AST | None:
    """x when node is `1 - x`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _is_one(node.left):
        return node.right
    return None


def _mask(node: ast.AST) -> bool:
    """`z > 0` (any comparison with 0), perhaps cast with .astype or float()."""
    if isinstance(node, ast.Call) and _name(node.func) == "astype":
        node = getattr(node.func, "value", node.func)
    elif isinstance(node, ast.Call) and _name(node.func) == "float" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        sides = (node.left, node.comparators[0])
        return any(isinstance(s, ast.Constant) and s.value == 0 for s in sides)
    return False


def _mentions_batch(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr in ("size", "shape"):
            return True
        if isinstance(inner, ast.Call) and _name(inner.func) == "len":
            return True
        if isinstance(inner, ast.Name) and inner.id in BATCH_NAMES:
            return True
    return False


def _error_over_batch(node: ast.AST) -> bool:
    """`(P - Y) / <something about the batch's size>`."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
        return False
    difference = isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub)
    return difference and _mentions_batch(node.right)


def _einsum_over_batch(call: ast.Call) -> bool:
    spec = call.args[0] if call.args else None
    if not (isinstance(spec, ast.Constant) and isinstance(spec.value, str)):
        return False
    inputs, _, output = spec.value.replace(" ", "").partition("->")
    leading = [term[0] for term in inputs.split(",") if term and term[0].isalpha()]
    return any(leading.count(i) > 1 and i not in output for i in set(leading))


def _tensordot_over_rows(call: ast.Call) -> bool:
    axes = next((k.value for k in call.keywords if k.arg == "axes"), None)
    if axes is None and len(call.args) > 2:
        axes = call.args[2]
    try:
        value = ast.literal_eval(axes) if axes is not None else None
    except (ValueError, TypeError, SyntaxError):
        return False
    return value in ((0, 0), ([0], [0]), ((0,), (0,)))


def findings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, reason) for every place in the tree that computes part of a backward."""
    found = []
    for node in ast.walk(tree):
        reason = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            if _transposed(node.left) or _transposed(node.right):
                reason = "a product through a transpose (the gradient of a layer's weights)"
        elif isinstance(node, ast.Call) and _name(node.func) in PRODUCTS:
            kind = _name(node.func)
            if kind in ("outer", "kron"):
                reason = "an outer product (one row's gradient of a layer's weights)"
            elif kind == "einsum" and _einsum_over_batch(node):
                reason = "an einsum summed over the batch index (a layer's weight gradient)"
            elif kind == "tensordot" and _tensordot_over_rows(node):
                reason = "a tensordot over the rows (a layer's weight gradient)"
            elif any(_transposed(a) for a in (*node.args, getattr(node.func, "value", node.func))):
                reason = "a product through a transpose (the gradient of a layer's weights)"
        elif isinstance(node, ast.Call) and _name(node.func) == "heaviside":
            reason = "relu's derivative (a step function)"
        elif isinstance(node, ast.Call) and _name(node.func) == "where" and len(node.args) == 3:
            condition, chosen, other = node.args
            zero = isinstance(other, ast.Constant) and other.value in (0, 0.0)
            if zero and _mask(condition) and not _inside(chosen, condition):
                reason = "relu's derivative (a gradient masked where z > 0)"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                x = _one_minus(b)
                if x is not None and _same(a, x):
                    reason = "the sigmoid's derivative, s * (1 - s)"
                if _mask(a) and not isinstance(b, ast.Constant):
                    reason = "relu's derivative (a gradient times a 0/1 mask)"
        x = _one_minus(node)
        if x is not None and _squared(x):
            reason = "tanh's derivative, 1 - t²"
        if _error_over_batch(node):
            reason = "an output error divided by the batch (the start of a backward)"
        if reason:
            found.append((getattr(node, "lineno", 0), reason))
    return sorted(set(found))


def _inside(chosen: ast.AST, condition: ast.AST) -> bool:
    """relu written as np.where(z > 0, z, 0) keeps what it compares: z is in the condition."""
    return any(_same(chosen, n) for n in ast.walk(condition))


def scan(root: Path, skip: tuple[str, ...] = ("exercises/",)) -> list[str]:
    """`path:line: reason: code` for every analytic gradient in the .py files under root,
    but those whose path (relative, with /) starts with one of `skip`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.as_posix().startswith(skip) or "__pycache__" in relative.parts:
            continue
        text = path.read_text(encoding="utf-8-sig")
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            found.append(f"{relative.as_posix()}:{exc.lineno}: not Python, so not read")
            continue
        lines = text.splitlines()
        for number, reason in findings(tree):
            found.append(f"{relative.as_posix()}:{number}: {reason}: {lines[number - 1].strip()}")
    return found
