"""Write exercises/ and the pristine stubs from solutions/, the single source.

Markup in a solution says what differs between the two trees, nbgrader's way:

    ### BEGIN SOLUTION          inside a function: the lines up to END become the stub's
    ...                         `raise NotImplementedError(...)`; anywhere else (the module
    ### END SOLUTION            docstring, say) they are simply left out of the exercise
    ### BEGIN EXERCISE          lines only the exercise has (in a docstring)
    ...
    ### END EXERCISE

solutions/_draw.py (the pictures, given code) is copied as it is. The output goes to
exercises/ (committed: the student's files) and tests/kata/pristine/ (the same files,
kept beside the machinery for reset and as the kata's own given code).

    python -m tests.kata generate        rewrite both from solutions/
    python -m tests.kata check           regenerate into a temporary folder and diff; refuse
                                         strays (files no solution wrote, git does not ignore)
    python -m tests.kata generate --fingerprints
                                         rewrite tests/kata/runtime/fingerprints.json from the
                                         catalogue of wrong answers (about a minute)
"""

from __future__ import annotations

import difflib
import re
import subprocess
import tempfile
from pathlib import Path

from tests.kata.paths import EXERCISE_GLOB, ROOT

SOURCE = ROOT / "solutions"
TARGETS = (ROOT / "exercises", ROOT / "tests" / "kata" / "pristine")
COPIED = ("_draw.py",)  # given modules, copied as they are
LINE_LENGTH = 100  # ruff's, from pyproject.toml

MARKER = re.compile(r"^(?P<indent>\s*)### (?P<edge>BEGIN|END) (?P<kind>SOLUTION|EXERCISE)\s*$")
DEF = re.compile(r"^(?P<indent>\s*)def (?P<name>\w+)\(")
INIT = '"""The exercises: one module per network; fill in the functions under "yours"."""\n'
PRISTINE_INIT = '"""The pristine stubs, generated from solutions/: the kata\'s own given code."""\n'


class MarkupError(ValueError):
    """A solution's markup does not pair up."""


def stub_line(module: str, function: str, indent: str) -> list[str]:
    """The stub's body: one raise naming the function and the exercise, formatted as ruff does."""
    message = f'"{module}.{function}: not written yet (see its docstring)"'
    line = f"{indent}raise NotImplementedError({message})"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{indent}raise NotImplementedError(", f"{indent}    {message}", f"{indent})"]


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    for line in reversed(lines[:index]):
        match = DEF.match(line)
        if match and len(match["indent"]) < len(indent):
            return match["name"]
    return None


def exercise_source(source: str, module: str) -> str:
    """The exercise generated from one solution's source."""
    lines = source.splitlines()
    out: list[str] = []
    open_block: tuple[str, str, int] | None = None  # (kind, indent, line number)
    for number, line in enumerate(lines, 1):
        match = MARKER.match(line)
        if match is None:
            if open_block is None or open_block[0] == "EXERCISE":
                out.append(line)
            continue
        kind, edge, indent = match["kind"], match["edge"], match["indent"]
        if edge == "BEGIN":
            if open_block is not None:
                raise MarkupError(f"{module}:{number}: BEGIN {kind} inside an open block")
            open_block = (kind, indent, number)
            continue
        if open_block is None or open_block[0] != kind:
            raise MarkupError(f"{module}:{number}: END {kind} without its BEGIN")
        if kind == "SOLUTION" and indent:
            function = _enclosing_function(lines, open_block[2] - 1, indent)
            if function is None:
                raise MarkupError(f"{module}:{number}: an indented SOLUTION block outside a def")
            out += stub_line(module, function, indent)
        open_block = None
    if open_block is not None:
        raise MarkupError(f"{module}:{open_block[2]}: BEGIN {open_block[0]} is never closed")
    return "\n".join(out) + "\n"


def solution_regions(source: str) -> dict[str, list[str]]:
    """{function: the lines of its SOLUTION block}: what the student writes, per function."""
    lines = source.splitlines()
    regions: dict[str, list[str]] = {}
    start = None
    for index, line in enumerate(lines):
        match = MARKER.match(line)
        if not match or match["kind"] != "SOLUTION" or not match["indent"]:
            continue
        if match["edge"] == "BEGIN":
            start = index
        elif start is not None:
            function = _enclosing_function(lines, start, match["indent"]) or "?"
            regions[function] = lines[start + 1 : index]
            start = None
    return regions


def generated(source_dir: Path = SOURCE) -> dict[str, str]:
    """{file name: text} of every file the generator writes, from source_dir alone."""
    files = {}
    for path in sorted(source_dir.glob(EXERCISE_GLOB)):
        files[path.name] = exercise_source(path.read_text(encoding="utf-8"), path.stem)
    for name in COPIED:
        path = source_dir / name
        if path.is_file():
            files[name] = path.read_text(encoding="utf-8")
    return files


def write(target: Path, files: dict[str, str], init: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "__init__.py").write_text(init, encoding="utf-8", newline="\n")
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8", newline="\n")


def generate(
    source_dir: Path = SOURCE, exercises: Path | None = None, pristine: Path | None = None
) -> dict[str, str]:
    files = generated(source_dir)
    write(exercises or TARGETS[0], files, INIT)
    write(pristine or TARGETS[1], files, PRISTINE_INIT)
    return files


def check(source_dir: Path = SOURCE) -> list[str]:
    """Regenerate into a temporary folder; the diff against what is committed, or []."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(source_dir, fresh / "exercises", fresh / "pristine")
        for target, name in ((TARGETS[0], "exercises"), (TARGETS[1], "pristine")):
            for path in sorted((fresh / name).glob("*.py")):
                committed = target / path.name
                new = path.read_text(encoding="utf-8")
                old = committed.read_text(encoding="utf-8") if committed.is_file() else ""
                if new != old:
                    diff = difflib.unified_diff(
                        old.splitlines(), new.splitlines(), str(committed), "generated", lineterm=""
                    )
                    problems.append("\n".join(list(diff)[:40]))
    return problems + _stale_fingerprints()


def _stale_fingerprints() -> list[str]:
    try:
        from tests.kata.checks import fingerprinting
    except ImportError:  # a handout: no catalogue, the file as it was handed out
        return []
    return [f"fingerprints: {problem}" for problem in fingerprinting.stale()]


def strays() -> list[str]:
    """Files in exercises/ or tests/kata/pristine/ that the generator did not write and git
    does not ignore (rustlings' dev check refuses them too): a stray exercise would be
    collected, handed out or graded as if it were one of the kata's."""
    expected = {"__init__.py", *generated()}
    found = [
        path
        for target in TARGETS
        if target.is_dir()
        for path in sorted(target.rglob("*"))
        if path.is_file() and path.relative_to(target).as_posix() not in expected
    ]
    ignored = _ignored_by_git(found)
    return [
        f"stray: {_shown(path)} was not generated from solutions/; move it away (or, if it is"
        " a new network, add its solution and record: python -m tests.kata new)"
        for path in found
        if path not in ignored
    ]


def _shown(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _ignored_by_git(paths: list[Path]) -> set[Path]:
    """The paths git ignores; without git, the caches and the students' .bak- copies."""
    if not paths:
        return set()
    try:
        done = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in paths),
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    except OSError:
        done = None
    if done is not None and done.returncode in (0, 1) and (ROOT / ".git").exists():
        return {Path(name) for name in done.stdout.split("\0") if name}
    return {p for p in paths if "__pycache__" in p.parts or ".bak-" in p.name}


def student_page() -> str:
    """README.md as the student's page renders it, with every exercise."""
    from tests.kata import registry
    from tests.kata.student import page

    return page.render(registry.load())


def write_all() -> int:
    for name in generate():
        print(f"wrote exercises/{name} and tests/kata/pristine/{name}")
    (ROOT / "README.md").write_text(student_page(), encoding="utf-8", newline="\n")
    print("wrote README.md (the student's page)")
    return 0


def write_fingerprints() -> int:
    from tests.kata.checks import fingerprinting

    print(f"wrote {fingerprinting.write().relative_to(ROOT).as_posix()}")
    return 0


def report_check() -> int:
    """`python -m tests.kata check`: print what is stale or stray; 1 when anything is."""
    if not SOURCE.is_dir():
        print("no solutions/ here (a student's copy): nothing to regenerate or check")
        return 0
    problems = check() + strays()
    readme = ROOT / "README.md"
    if not readme.is_file() or readme.read_text(encoding="utf-8") != student_page():
        problems.append("README.md is not the student's page of tests/kata/student/page.md")
    for problem in problems:
        print(problem)
    print(
        "run: python -m tests.kata generate (--fingerprints for the fingerprints)"
        if problems
        else "generated files are up to date, and nothing stray lies beside them"
    )
    return 1 if problems else 0
