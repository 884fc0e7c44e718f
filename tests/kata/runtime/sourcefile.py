"""A student's source file, changed with care: reset.py and upgrade.py both use it.

The file is read and written byte for byte: its line endings (a Windows student's CRLF stays
CRLF), a leading byte-order mark and the lack of a last newline are kept. Top-level
statements are found by the syntax tree, a function's lines starting at its first
decorator. Before any change the file is copied beside itself as
exNN_name.py.bak-YYYYmmdd-HHMMSS (no colons: Windows forbids them in a file name).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

BOM = "\ufeff"
# A line and its ending: \r\n, \n or \r, as Python's tokenizer counts lines (str.splitlines
# would also split at a form feed or a vertical tab inside a comment or a string).
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
STUB_ERROR = "NotImplementedError"


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its ending."""
    return LINE.findall(text)


@dataclass
class Source:
    """A file's text with its line endings, and how to write text back the same way."""

    text: str  # as in the file, without a byte-order mark
    bom: bool = False

    @property
    def newline(self) -> str:
        """The file's line ending: its first line's ('\\n' for a file of one line or none)."""
        first = re.search(r"\r\n|\r|\n", self.text)
        return first.group() if first else "\n"

    @property
    def plain(self) -> str:
        """The text with every line ending \\n: what the syntax tree and comparisons see."""
        return self.text.replace("\r\n", "\n").replace("\r", "\n")

    def styled(self, plain: str) -> str:
        """`plain` (\\n endings) with this file's line ending."""
        return plain if self.newline == "\n" else plain.replace("\n", self.newline)


def read(path: Path) -> Source:
    """Raises UnicodeDecodeError for a file that is not UTF-8."""
    text = path.read_bytes().decode("utf-8")
    if text.startswith(BOM):
        return Source(text[1:], bom=True)
    return Source(text)


def write(path: Path, source: Source, text: str) -> None:
    """Write `text` (already in the file's line endings) as the file was: BOM and all.

    Written beside it first and then moved over it, so an interrupted write leaves the
    student's file whole.
    """
    data = ((BOM if source.bom else "") + text).encode("utf-8")
    path = path.resolve()  # a link's target, not the link
    partial = path.with_name(f"{path.name}.kata-partial")
    partial.write_bytes(data)
    try:
        os.replace(partial, path)
    except OSError:  # the file is locked (an editor on Windows): leave no partial behind
        partial.unlink(missing_ok=True)
        raise


def backup(path: Path, now: datetime | None = None) -> Path:
    """Copy `path` to path.bak-YYYYmmdd-HHMMSS (then -2, -3... if taken); the copy's path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    data = path.read_bytes()
    number = 1
    while True:
        suffix = f".bak-{stamp}" + (f"-{number}" if number > 1 else "")
        target = path.with_name(path.name + suffix)
        try:
            with open(target, "xb") as out:  # never over an earlier backup
                out.write(data)
        except FileExistsError:
            number += 1
            continue
        return target


def shown(path: Path, root: Path) -> str:
    """A path as the student sees it: relative to the kata's root, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def only_exercises(option: str, impl: str) -> None:
    """--reset and --upgrade change exercises/ only: refuse another tree."""
    if impl != "exercises":
        raise pytest.UsageError(
            f"{option} changes your exercises/ and nothing else (never solutions/); drop"
            " --solutions / KATA_IMPL."
        )


# --- the syntax tree -----------------------------------------------------------------------------
def first_line(node: ast.stmt) -> int:
    """A statement's first line (1-based): a definition's first decorator, if it has one."""
    decorators = getattr(node, "decorator_list", None) or []
    return int(min([node.lineno, *(d.lineno for d in decorators)]))


def last_line(lines: list[str], node: ast.stmt) -> int:
    """A statement's last line (1-based), with the comments that close its body: indented
    ones, and ones at the margin right below it (an editor's commented-out last lines). A
    `# TODO` after a function's last statement is the function's, not the file's."""
    end = number = node.end_lineno or node.lineno
    touching = True  # no blank line yet between the statement and this line
    while number < len(lines):
        line, stripped = lines[number], lines[number].strip()
        number += 1
        if not stripped:
            touching = False
            continue
        comment = stripped.startswith("#") and not stripped.startswith("# ---")
        if not comment or not (touching or line[:1] in " \t"):
            break
        end = number
    return end


def segment(lines: list[str], node: ast.stmt) -> str:
    """The whole lines a top-level statement spans, decorators and closing comments included."""
    return "".join(lines[first_line(node) - 1 : last_line(lines, node)])


def bound_names(node: ast.stmt) -> set[str]:
    """The names a top-level statement defines: a def, a class, an assignment, an import."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names = set()
    for target in targets:
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def functions(tree: ast.Module, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The top-level definitions of function `name`, in the file's order."""
    kinds = ast.FunctionDef | ast.AsyncFunctionDef
    return [n for n in tree.body if isinstance(n, kinds) and n.name == name]


def is_stub(node: ast.stmt, lines: list[str]) -> bool:
    """A function not started: its docstring, one `raise NotImplementedError(...)`, no comment."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = node.body
    if body and _is_docstring(body[0]):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    called = exc.func if isinstance(exc, ast.Call) else exc
    if not (isinstance(called, ast.Name) and called.id == STUB_ERROR):
        return False
    inside = lines[node.lineno : last_line(lines, node)]
    return not any(line.lstrip().startswith("#") for line in inside)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def docstring_node(tree: ast.Module) -> ast.stmt | None:
    return tree.body[0] if tree.body and _is_docstring(tree.body[0]) else None


def code_of(node: ast.stmt) -> str:
    """A statement's code without docstrings: given code compared for what it does."""
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    bodies = [n for n in ast.walk(node) if isinstance(n, kinds) and _is_docstring(n.body[0])]
    kept = [n.body for n in bodies]
    try:
        for n in bodies:  # the docstrings left out for a moment, and put back
            n.body = n.body[1:] or [ast.Pass()]
        return ast.dump(node)
    finally:
        for n, body in zip(bodies, kept, strict=True):
            n.body = body
