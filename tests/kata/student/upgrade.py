"""pytest --upgrade: a started kata brought up to a new version of the kata.

A new version comes as a new tests/ folder (the students never edit it): its
tests/kata/pristine/ holds the new stubs and given code. For each exercise, the new
pristine file is the base; each function the student writes that they have started (its
body is more than the stub's `raise NotImplementedError`) is put in place of its stub,
whole, decorators and docstring and all; their own definitions (helpers, constants,
classes, other statements) stay where they were, before the function of theirs they
preceded, and their extra imports follow the kata's. Their changes to given code are not
kept: the tests use the kata's own copy anyway. Each file changed is first copied beside
itself (.bak-YYYYmmdd-HHMMSS); a file that does not parse is left alone; a new exercise
is added. solutions/ is never touched.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.kata import registry
from tests.kata.paths import EXERCISE_GLOB, PRISTINE, ROOT
from tests.kata.runtime.sourcefile import (
    backup,
    bound_names,
    code_of,
    docstring_node,
    first_line,
    is_stub,
    last_line,
    only_exercises,
    read,
    segment,
    shown,
    split_lines,
    write,
)

GIVEN_MODULES = ("_draw.py",)  # given modules, replaced as a whole
MAIN_GUARD = ast.dump(ast.parse('__name__ == "__main__"', mode="eval").body)


@dataclass
class Merge:
    """The new version of one exercise with the student's work in it, and what was kept."""

    text: str  # \n line endings
    kept: list[str] = field(default_factory=list)  # the functions they write, started
    own: list[str] = field(default_factory=list)  # their own definitions and statements
    imports: list[str] = field(default_factory=list)  # their extra imports, as written
    missing: list[str] = field(default_factory=list)  # functions to write absent: stub added
    dropped: list[str] = field(default_factory=list)  # theirs, not kept: in the backup only
    given: list[str] = field(default_factory=list)  # given code of theirs unlike the new


def merge(mine: str, new: str, writes: tuple[str, ...]) -> Merge:
    """`new` (a pristine file) with the student's work from `mine`; both with \\n endings.

    Raises SyntaxError if `mine` does not parse.
    """
    tree, new_tree = ast.parse(mine), ast.parse(new)
    lines, new_lines = split_lines(mine), split_lines(new)
    theirs: dict[str, ast.stmt] = {}  # the last top-level statement binding each name
    for node in tree.body:
        for name in bound_names(node):
            theirs[name] = node
    new_names = set().union(*(bound_names(n) for n in new_tree.body))
    result = Merge(text="", dropped=_dropped(tree, new_tree, writes))
    replace: dict[int, tuple[int, str]] = {}  # first line -> (last line, the text instead)
    insert: dict[int, list[str]] = {}  # line -> texts before it (len + 1: at the end)
    ours: dict[str, ast.stmt] = {}  # the functions they write, in the new version
    for node in new_tree.body:
        names = bound_names(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in writes:
            ours[node.name] = node
            found = theirs.get(node.name)
            if found is None:
                result.missing.append(node.name)
            elif not is_stub(found, lines):
                theirs_whole = _with_comments(lines, found)  # and the comments above it
                replace[first_line(node)] = (last_line(new_lines, node), theirs_whole)
                result.kept.append(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue  # the kata's imports stay; theirs are added below
        for name in sorted(names):
            found = theirs.get(name)
            if found is None or code_of(found) != code_of(node):
                result.given.append(name)
    # Their own statements: every one that is neither the kata's nor a replacement of it.
    new_code = {code_of(n) for n in new_tree.body}
    docstring = docstring_node(tree)
    imports, own = [], []
    for node in tree.body:
        if node is docstring or code_of(node) in new_code:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
        elif bound_names(node) & new_names or _is_main_guard(node):
            continue  # given code of theirs, or a function they write: handled above
        else:
            own.append(node)
    _insert_imports(new_tree, lines, imports, insert)
    _insert_own(tree, lines, new_lines, own, ours, insert)
    result.imports = [segment(lines, n).strip() for n in imports]
    result.own = [_label(n) for n in own]
    out, number = [], 1
    while number <= len(new_lines) + 1:
        out += insert.get(number, [])
        if number > len(new_lines):
            break
        last, text = replace.get(number, (number, new_lines[number - 1]))
        out.append(text)
        number = last + 1
    result.text = "".join(out)
    return result


def _dropped(tree: ast.Module, new_tree: ast.Module, writes: tuple[str, ...]) -> list[str]:
    """What of theirs the merge leaves out: a function they write defined again (Python uses
    the last), and their changes to the `if __name__ == "__main__":` block."""
    dropped, seen = [], set()
    for node in reversed(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in writes:
            if node.name in seen:
                dropped.append(f"an earlier {node.name} (line {first_line(node)})")
            seen.add(node.name)
    guards = [code_of(n) for n in new_tree.body if _is_main_guard(n)]
    if any(_is_main_guard(n) and code_of(n) not in guards for n in tree.body):
        dropped.append('your changes to the `if __name__ == "__main__":` block')
    return sorted(dropped)


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.dump(node.test) == MAIN_GUARD


def _label(node: ast.stmt) -> str:
    names = sorted(bound_names(node))
    return ", ".join(names) if names else f"the statement at line {node.lineno}"


def _with_comments(lines: list[str], node: ast.stmt) -> str:
    """A statement's lines and the comment lines right above it (not a section's rule)."""
    start = first_line(node) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        if lines[start - 1].lstrip().startswith("# ---"):
            break
        start -= 1
    return "".join(lines[start : last_line(lines, node)])


def _insert_imports(
    new_tree: ast.Module,
    lines: list[str],
    imports: list[ast.Import | ast.ImportFrom],
    insert: dict[int, list[str]],
) -> None:
    """Their extra imports after the kata's (a __future__ import after the docstring)."""
    docstring = docstring_node(new_tree)
    after_docstring = (docstring.end_lineno or 0) if docstring else 0
    after_imports = after_docstring
    for node in new_tree.body:
        if node is docstring:
            continue
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        after_imports = node.end_lineno or after_imports
    future = [n for n in imports if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    rest = [n for n in imports if n not in future]
    for line, group in ((after_docstring, future), (after_imports, rest)):
        if group:
            insert.setdefault(line + 1, []).append("".join(segment(lines, n) for n in group))


def _insert_own(
    tree: ast.Module,
    lines: list[str],
    new_lines: list[str],
    own: list[ast.stmt],
    ours: dict[str, ast.stmt],
    insert: dict[int, list[str]],
) -> None:
    """Each of their own statements where it was: before the function of theirs it preceded
    (in its new version), or after the last one (at the end, in a file with none)."""
    following: dict[int, str | None] = {}  # own statement -> the next function they write
    upcoming = None
    for node in reversed(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in ours:
            upcoming = node.name
        following[id(node)] = upcoming
    after_last = len(new_lines) + 1
    if ours:
        last = max(ours.values(), key=lambda n: n.end_lineno or 0)
        after_last = last_line(new_lines, last) + 1
    for node in own:
        text = _with_comments(lines, node).rstrip("\n") + "\n"
        before = following[id(node)]
        if before is None:
            insert.setdefault(after_last, []).append("\n\n" + text)
        else:
            insert.setdefault(first_line(ours[before]), []).append(text + "\n\n")


def up_to_date(mine: str, new: str, writes: tuple[str, ...]) -> bool:
    """Whether `mine` already holds every part of `new` it should: nothing to upgrade."""
    if mine == new:
        return True
    tree, new_tree = ast.parse(mine), ast.parse(new)
    lines, new_lines = split_lines(mine), split_lines(new)
    segments = {segment(lines, n) for n in tree.body}
    theirs = {}
    for node in tree.body:
        for name in bound_names(node):
            theirs[name] = node
    for node in new_tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in writes:
            found = theirs.get(node.name)
            if found is None or (
                is_stub(found, lines) and segment(lines, found) != segment(new_lines, node)
            ):
                return False
        elif segment(new_lines, node) not in segments:
            return False
    return True


# --- the whole of exercises/ --------------------------------------------------------------------
def upgrade(
    exercises: Path = ROOT / "exercises",
    pristine: Path = PRISTINE,
    root: Path = ROOT,
    now: datetime | None = None,
    impl: str = "exercises",
) -> list[str]:
    """Upgrade every exercise in `exercises` to `pristine`; the lines to print."""
    only_exercises("--upgrade", impl)
    records = {e.module: e for e in registry.ALL}
    report = [
        f"upgrade: {shown(exercises, root)}/ to the kata's version in {shown(pristine, root)}/"
    ]
    width = max([len(p.name) for p in pristine.glob("*.py")] + [10])
    stamp = now or datetime.now()  # one time for every backup of this run
    if not (exercises / "__init__.py").is_file():
        from tests.kata.maintainer.generate import INIT

        exercises.mkdir(parents=True, exist_ok=True)
        (exercises / "__init__.py").write_text(INIT, encoding="utf-8", newline="\n")
    for path in sorted(pristine.glob(EXERCISE_GLOB)):
        record = records.get(path.stem)
        writes = record.writes if record else ()
        lines = _one(exercises / path.name, path, writes, root, stamp)
        report.append(f"  {path.name:<{width}}  {lines[0]}")
        report += [f"  {'':<{width}}  {line}" for line in lines[1:]]
    for name in GIVEN_MODULES:
        if (pristine / name).is_file():
            lines = _one(exercises / name, pristine / name, None, root, stamp)
            report.append(f"  {name:<{width}}  {lines[0]}")
            report += [f"  {'':<{width}}  {line}" for line in lines[1:]]
    return report


def _one(
    path: Path, pristine: Path, writes: tuple[str, ...] | None, root: Path, now: datetime
) -> list[str]:
    """Upgrade one file (writes=None: a given module, replaced whole); what happened."""
    new = pristine.read_text(encoding="utf-8")
    if not path.is_file():
        path.write_text(new, encoding="utf-8", newline="\n")
        return ["added: new in this version"]
    try:
        mine = read(path)
    except UnicodeDecodeError:
        return ["skipped: not UTF-8 text; save it as UTF-8, then run pytest --upgrade again"]
    if writes is None:
        if mine.plain == new:
            return ["up to date"]
        saved = backup(path, now)
        write(path, mine, mine.styled(new))
        return [f"upgraded (given code); backup: {shown(saved, root)}"]
    try:
        if up_to_date(mine.plain, new, writes):
            return ["up to date"]
        merged = merge(mine.plain, new, writes)
    except SyntaxError as exc:
        return [
            f"skipped: does not parse (line {exc.lineno}: {exc.msg}); fix it, then run"
            " pytest --upgrade again"
        ]
    try:
        ast.parse(merged.text)
    except SyntaxError:  # never expected: their parts and the kata's did not fit together
        return [
            "skipped: your work and the new version could not be put together; compare your"
            f" file with {shown(pristine, root)} and copy your functions over by hand"
        ]
    saved = backup(path, now)
    write(path, mine, mine.styled(merged.text))
    done = []
    if merged.kept:
        done.append(f"kept your {', '.join(merged.kept)}")
    if merged.own:
        done.append(f"your own {', '.join(merged.own)}")
    if merged.imports:
        done.append(f"your imports ({'; '.join(merged.imports)})")
    lines = ["upgraded: " + ("; ".join(done) if done else "nothing of yours started yet")]
    if merged.missing:
        lines.append(f"not in your file, so their stubs were added: {', '.join(merged.missing)}")
    if merged.dropped:
        lines.append(f"not kept (your backup has it): {'; '.join(merged.dropped)}")
    if merged.given:
        lines.append(
            f"given code now the new version's: {', '.join(merged.given)} (if you had changed"
            " it, your change is in the backup)"
        )
    lines.append(f"backup: {shown(saved, root)}")
    return lines
