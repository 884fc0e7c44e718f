"""Patch a solution by its code, not its text: the catalogue's answers and the plugin's checks.

`patch(source, old, new)` finds the code `old` in `source` by its syntax tree: `old` is
statements, an expression or a dict's item, and the one node (or run of statements) of the
source whose tree is the same is replaced. Comments, blank lines, spacing, line breaks,
brackets around an expression and the kind of quotes do not count: a solution that is
reworded or formatted another way still takes every answer. `old` may be whole lines (it
starts with the line's indentation: the lines it covers are replaced, their comments with
them) or a piece of one (only that piece is replaced).

A function is named, not quoted: `Header("backward")` stands for the header of the one
function of that name (from `def` to the colon that ends its signature), and
`Before("backward")` for the place where it begins (its first decorator, or `def`): what
is put there comes before it, a helper or a decorator of the student's.

A piece that is not whole code (the start of a call) is found by its tokens (Python's own
tokenizer: comments, spacing and line breaks still do not count), and a piece of a
docstring as text, once. The catalogue's answers need neither; the plugin's checks may.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from dataclasses import dataclass

SKIP = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


@dataclass(frozen=True)
class Header:
    """The header of the function `name`: `def name(...) -> ...:`, the colon included."""

    name: str


@dataclass(frozen=True)
class Before:
    """Where the function `name` begins, decorators included: new code goes before it."""

    name: str


Old = str | Header | Before


class PatchError(ValueError):
    """`old` is not in the source once: the answer no longer fits the solution."""


def _tokens(text: str) -> tuple[list[tokenize.TokenInfo], bool]:
    """The code tokens of text, and whether it read to its end: a piece that stops inside
    brackets (`def loss(`) gives the tokens read up to there."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in SKIP:
                found.append(token)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found, False
    return found, True


class _Lines:
    """Offsets in a source: a (line, column) of the tokenizer's (characters) or of the
    syntax tree's (UTF-8 bytes), as an index into the text."""

    def __init__(self, source: str):
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, row: int, col: int) -> int:
        return self.starts[row - 1] + col

    def at_byte(self, row: int, col: int) -> int:
        line = self.lines[row - 1] if row <= len(self.lines) else ""
        return self.starts[row - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))


def _blocks(tree: ast.AST) -> list[list[ast.stmt]]:
    """Every list of statements in the tree: a module's, a function's, a loop's, a branch's."""
    found: list[list[ast.stmt]] = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                found.append(block)
    return found


Node = ast.stmt | ast.expr


def _first_line(node: Node) -> tuple[int, int]:
    """Where a node's code starts: a decorated function at its first decorator's `@`."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    if decorators:
        first = min(decorators, key=lambda d: (d.lineno, d.col_offset))
        return first.lineno, first.col_offset - 1
    return node.lineno, node.col_offset


def _by_tree(source: str, piece: str) -> tuple[int, int] | None:
    """The span of the one part of source whose syntax tree is piece's, or None (piece is
    not whole code, or it is found other than once)."""
    hits: list[tuple[Node, Node]] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    try:
        statements = ast.parse(piece).body
    except SyntaxError:
        try:  # a dict's item: `"W": X.T @ dZ`
            item = ast.parse("{" + piece + "}", mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(item, ast.Dict) or len(item.keys) != 1 or item.keys[0] is None:
            return None
        key, value = ast.dump(item.keys[0]), ast.dump(item.values[0])
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if k is not None and ast.dump(k) == key and ast.dump(v) == value:
                        hits.append((k, v))
    else:
        if len(statements) == 1 and isinstance(statements[0], ast.Expr):  # an expression
            expression = statements[0].value
            wanted, kind = ast.dump(expression), type(expression)
            hits += [(n, n) for n in ast.walk(tree) if type(n) is kind and ast.dump(n) == wanted]
        else:  # a run of statements
            run = [ast.dump(s) for s in statements]
            for block in _blocks(tree):
                dumps = [ast.dump(s) for s in block]
                for i in range(len(block) - len(run) + 1):
                    if run and dumps[i : i + len(run)] == run:
                        hits.append((block[i], block[i + len(run) - 1]))
    if len(hits) != 1:
        return None
    first, last = hits[0]
    lines = _Lines(source)
    end = (last.end_lineno or last.lineno, last.end_col_offset or 0)
    return _with_edges(source, piece, lines.at_byte(*_first_line(first)), lines.at_byte(*end))


def _with_edges(source: str, piece: str, start: int, end: int) -> tuple[int, int]:
    """The span widened by what the tree leaves out and piece has: the brackets around an
    expression, a trailing comma."""
    text = piece.strip()
    while text.startswith("(") and text.endswith(")") and _same(text, text[1:-1]):
        before, after = source[:start].rstrip(), source[end:].lstrip()
        if not (before.endswith("(") and after.startswith(")")):
            break
        text, start, end = text[1:-1].strip(), len(before) - 1, len(source) - len(after) + 1
    if text.endswith(",") and source[end:].lstrip(" ").startswith(","):
        end = source.index(",", end) + 1
    return start, end


def _same(a: str, b: str) -> bool:
    """Whether two pieces of code are one expression (b: a without its outer brackets)."""
    try:
        return ast.dump(ast.parse(a, mode="eval")) == ast.dump(ast.parse(b, mode="eval"))
    except SyntaxError:
        return False


def _by_tokens(source: str, old: str, piece: str) -> tuple[int, int, bool]:
    """The span of the code `piece` found by its tokens, or of `old` found as text, once;
    and whether it is the text as written."""
    mine, whole = _tokens(piece)
    if not whole and source.count(old) == 1:  # a piece cut inside brackets: as it is written
        start = source.index(old)
        return start, start + len(old), True
    wanted = [(t.type, t.string) for t in mine]
    tokens, _ = _tokens(source)
    kinds = [(t.type, t.string) for t in tokens]
    n = len(wanted)
    hits = [i for i in range(len(kinds) - n + 1) if n and kinds[i : i + n] == wanted]
    if len(hits) != 1:
        if source.count(old) == 1:  # not code (a docstring's words): the text itself, once
            start = source.index(old)
            return start, start + len(old), True
        raise PatchError(
            f"the code {old.strip()!r} is in the solution {len(hits)} times, expected once"
        )
    first, last = tokens[hits[0]], tokens[hits[0] + n - 1]
    lines = _Lines(source)
    return lines.at(*first.start), lines.at(*last.end), False


def _function(source: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The one function of that name in source, at any depth."""
    found = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    ]
    if len(found) != 1:
        times = f"{len(found)} times, expected once"
        raise PatchError(f"the function {name} is in the solution {times}")
    return found[0]


def _named(source: str, old: Header | Before) -> tuple[int, int]:
    """The span of a function's header, or the empty span where the function begins."""
    node = _function(source, old.name)
    lines = _Lines(source)
    if isinstance(old, Before):
        start = lines.at_byte(*_first_line(node))
        return start, start
    start = lines.at_byte(node.lineno, node.col_offset)
    depth = 0
    tokens = tokenize.generate_tokens(io.StringIO(source[start:]).readline)
    for token in tokens:  # the colon at depth 0 after `def`: the signature's end
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.OP and token.string == ":" and depth == 0:
            row, col = token.end
            return start, start + _Lines(source[start:]).at(row, col)
    raise PatchError(f"the header of {old.name} has no end")


def locate(source: str, old: Old) -> tuple[int, int]:
    """The span [start, end) of source that `old` stands for (see the module's docstring)."""
    if not isinstance(old, str):
        return _named(source, old)
    piece = textwrap.dedent(old).strip("\n")
    span = _by_tree(source, piece)
    if span is None:
        start, end, as_written = _by_tokens(source, old, piece)
        if as_written:
            return start, end
    else:
        start, end = span
    # Whole lines: old starts with the line's indentation, or at the margin where the code is.
    line_start = source.rfind("\n", 0, start) + 1
    lines = old.strip("\n").splitlines()
    whole_start = bool(lines) and (lines[0][:1].isspace() or start == line_start)
    if whole_start and not source[line_start:start].strip():
        start = line_start  # old starts a line: so does the replacement, indentation included
        line_end = source.find("\n", end)
        rest = source[end : None if line_end < 0 else line_end + 1]
        if not rest.split("#", 1)[0].strip():  # and ends one: its comment goes with it
            end += len(rest.rstrip("\r\n"))
    return start, end


def patch(source: str, old: Old, new: str) -> str:
    """source with the code `old` replaced by `new` (whole lines, or a piece of one)."""
    start, end = locate(source, old)
    # A function named, or code found as it is written: replaced as it is written.
    if not isinstance(old, str) or source[start:end] == old:
        return source[:start] + new + source[end:]
    # Found by its code: the newlines old begins and ends with are the span's edges.
    lead, trail = len(old) - len(old.lstrip("\n")), len(old) - len(old.rstrip("\n"))
    if new.startswith("\n" * lead):
        new = new[lead:]
    if trail and new.endswith("\n" * trail):
        new = new[:-trail]
    return source[:start] + new + source[end:]
