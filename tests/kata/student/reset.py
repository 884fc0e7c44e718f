"""pytest --reset ex02 / --reset ex02.backward: an exercise's stub, or one function's, back.

The stub comes from tests/kata/pristine/, never from solutions/ or git. One function is
found in the student's file by the syntax tree, and only its lines (from its first
decorator to its last line) are replaced by the pristine function's; everything else in
the file stays byte for byte. The file is first copied beside itself as
exNN_name.py.bak-YYYYmmdd-HHMMSS. Nothing is asked and no test runs.

    pytest --reset ex02              the whole exercise
    pytest --reset ex02.backward     one function (also ex02_sigmoid_mse.backward, 2.backward)
"""

from __future__ import annotations

import ast
import difflib
from datetime import datetime
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.paths import PRISTINE, ROOT
from tests.kata.runtime.sourcefile import (
    Source,
    backup,
    first_line,
    functions,
    last_line,
    only_exercises,
    read,
    segment,
    shown,
    split_lines,
    write,
)


def target(word: str, pristine: Path = PRISTINE) -> tuple[registry.Exercise, str | None]:
    """'ex02' -> (ex02's record, None); 'ex02.backward' -> (ex02's record, 'backward')."""
    record, function = registry.parse_target(word)
    if record is None:
        raise pytest.UsageError(
            f"--reset {word!r} names no exercise. The exercises: {registry.valid()}."
        )
    if function == "":
        raise pytest.UsageError(
            f"--reset {word!r}: name one of {record.marker}'s functions after the dot:"
            f" {', '.join(record.writes)}. To reset the whole file: pytest --reset {record.marker}"
        )
    if function is not None and function not in record.writes:
        given = ""
        if _pristine_has(pristine / f"{record.module}.py", function):
            given = f" {function} is given code: the tests use the kata's own copy of it."
        close = difflib.get_close_matches(function, record.writes, n=1)
        meant = f" Did you mean {record.marker}.{close[0]}?" if close and not given else ""
        raise pytest.UsageError(
            f"--reset {word!r}: {function} is not one of the functions you write in"
            f" {record.module}.{given}{meant} Yours: {', '.join(record.writes)}. To reset the"
            f" whole file: pytest --reset {record.marker}"
        )
    return record, function


def _pristine_has(stub_path: Path, name: str) -> bool:
    try:
        tree = ast.parse(stub_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return False
    return bool(functions(tree, name))


def reset(
    word: str,
    exercises: Path = ROOT / "exercises",
    pristine: Path = PRISTINE,
    root: Path = ROOT,
    now: datetime | None = None,
    impl: str = "exercises",
) -> list[str]:
    """Reset what `word` names; the lines to print. Errors are pytest.UsageError."""
    only_exercises("--reset", impl)
    record, function = target(word, pristine)
    path = exercises / f"{record.module}.py"
    stub_path = pristine / f"{record.module}.py"
    if not stub_path.is_file():
        raise pytest.UsageError(
            f"--reset {word}: the pristine stub {shown(stub_path, root)} is missing; the kata's"
            " tests/ folder is incomplete (copy it again from the kata)."
        )
    stub = stub_path.read_text(encoding="utf-8")
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(stub, encoding="utf-8", newline="\n")
        return [f"{shown(path, root)} was missing: it is the pristine stub again."]
    try:
        mine = read(path)
    except UnicodeDecodeError as exc:
        raise pytest.UsageError(
            f"--reset {word}: {shown(path, root)} is not UTF-8 text ({exc.reason} at byte"
            f" {exc.start}); save it as UTF-8, or move it away and run pytest --reset"
            f" {record.marker}"
        ) from None
    if function is None:
        return _reset_file(path, mine, stub, record, root, now)
    return _reset_function(word, path, mine, stub_path, record, function, root, now)


def _reset_file(
    path: Path, mine: Source, stub: str, record: registry.Exercise, root: Path, now: datetime | None
) -> list[str]:
    name = shown(path, root)
    if mine.plain == stub:
        return [f"{name} is the pristine stub already: nothing to reset."]
    saved = backup(path, now)
    write(path, mine, mine.styled(stub))
    return [
        f"{name} is the pristine stub again: every function of {record.module} to write.",
        f"Your version is kept in {shown(saved, root)}.",
    ]


def _reset_function(
    word: str,
    path: Path,
    mine: Source,
    stub_path: Path,
    record: registry.Exercise,
    function: str,
    root: Path,
    now: datetime | None,
) -> list[str]:
    name = shown(path, root)
    stub = stub_path.read_text(encoding="utf-8")
    whole = f"pytest --reset {record.marker}"
    try:
        tree = ast.parse(mine.plain)
    except SyntaxError as exc:
        raise pytest.UsageError(
            f"--reset {word}: {name} does not parse (line {exc.lineno}: {exc.msg}), so its"
            f" {function} cannot be found. Fix that line and run this again, or reset the whole"
            f" exercise (your file is kept as a backup): {whole}"
        ) from None
    stub_tree = ast.parse(stub)
    stub_lines = split_lines(stub)
    (ours,) = functions(stub_tree, function)
    found = functions(tree, function)
    if not found:
        raise pytest.UsageError(
            f"--reset {word}: {name} has no function {function} (at the top level, not"
            f" indented). Its stub is at line {first_line(ours)} of"
            f" {shown(stub_path, root)}: copy it back, or reset the whole"
            f" exercise (your file is kept as a backup): {whole}"
        )
    if len(found) > 1:
        where = ", ".join(str(first_line(n)) for n in found)
        raise pytest.UsageError(
            f"--reset {word}: {name} defines {function} {len(found)} times (lines {where});"
            " Python uses the last. Delete the ones you do not want, then run this again."
        )
    (theirs,) = found
    lines = split_lines(mine.text)
    start, end = first_line(theirs), last_line(lines, theirs)
    fresh = segment(stub_lines, ours)
    if segment(split_lines(mine.plain), theirs) == fresh:
        return [f"{function} in {name} is the stub already: nothing to reset."]
    fresh = mine.styled(fresh)
    if not lines[end - 1].endswith(("\n", "\r")):  # the file's last line, with no ending
        fresh = fresh.rstrip("\r\n")
    saved = backup(path, now)
    write(path, mine, "".join([*lines[: start - 1], fresh, *lines[end:]]))
    span = f"line {start}" if start == end else f"lines {start}-{end}"
    return [
        f"{function} in {name} ({span} before) is the stub again; the rest of the file is as"
        " it was.",
        f"Your version is kept in {shown(saved, root)}.",
    ]
