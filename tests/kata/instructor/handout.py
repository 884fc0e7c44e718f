"""pytest --handout OUT: the students' copy of the kata, with no answer in it.

OUT gets the generated exercises, the students' tests, the kata's machinery with the
pristine stubs, conftest.py, LICENSE, a pyproject.toml without the maintainer's tools and
a README for students. Left out: solutions/, the kata's own checks (the catalogue of
answers among them) and the benchmark's hand-written tiers. tests/kata/handout.json
records the kata's version, the exercises and a hash of the tests.

    pytest --handout OUT                        every exercise
    pytest --handout OUT --exercises ex01,ex03  some, for a weekly assignment
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.maintainer import generate
from tests.kata.paths import EXERCISE_GLOB, PRISTINE, ROOT
from tests.kata.runtime import leaks

KATA = ROOT / "tests" / "kata"
# Under tests/kata/: the instructors' only (the catalogue, the benchmark's written tiers, the
# commands that measure the reference solutions).
LEFT_OUT = (
    "checks",
    "bench/tiers.py",
    "bench/compiled.py",
    "bench/layers.py",
    "maintainer/timing.py",
    "maintainer/measure.py",
    "handout.json",
)
MAINTAINERS = ("tool.ruff", "tool.mypy")  # pyproject tables a student has no use for


def choose(words: str | None) -> list[registry.Exercise]:
    """--exercises ex01,ex03 -> their records; None -> every exercise."""
    if not words:
        return list(registry.EXERCISES)
    chosen = []
    for word in words.split(","):
        record = registry.resolve(word)
        if record is None:
            raise pytest.UsageError(
                f"--exercises: {word.strip()!r} names no exercise."
                f" The exercises: {registry.valid()}."
            )
        chosen.append(record)
    return chosen


def build(out: Path, exercises: list[registry.Exercise]) -> list[Path]:
    """Write the handout into `out` (new or empty, outside the kata); the files written."""
    out = out.resolve()
    if out == ROOT or ROOT in out.parents:
        raise pytest.UsageError(f"{out}: write the handout outside the kata's folder.")
    if out.exists() and any(out.iterdir()):
        raise pytest.UsageError(f"{out}: the handout's folder is not empty.")
    names = [e.module for e in exercises]
    written: list[Path] = []

    def put(relative: str, text: str | None = None, source: Path | None = None) -> None:
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is not None:
            target.write_text(text, encoding="utf-8", newline="\n")
        else:
            shutil.copyfile(source or ROOT / relative, target)
        written.append(target)

    for relative in ("conftest.py", "LICENSE", "tests/__init__.py"):
        put(relative)
    put("exercises/__init__.py")
    for name in ("_draw.py", *(f"{n}.py" for n in names)):
        # The pristine stubs, never exercises/: an instructor's copy may hold work or answers.
        put(f"exercises/{name}", source=PRISTINE / name)
    for e in exercises:
        put(f"tests/{e.test_file}")
    for path in sorted(KATA.rglob("*")):
        relative = path.relative_to(KATA).as_posix()
        if not path.is_file() or "__pycache__" in relative or relative.startswith(LEFT_OUT):
            continue
        if relative.startswith(("pristine/", "transcripts/")):
            stem = Path(relative).stem
            if stem.startswith("ex") and stem not in names:
                continue
        put(f"tests/kata/{relative}", source=path)
    put("pyproject.toml", _pyproject((ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    put("README.md", readme(exercises))
    record = {
        "kata": "backprop-kata",
        "version": version(),
        "exercises": names,
        "tests_sha256": tests_hash(out),
    }
    put("tests/kata/handout.json", json.dumps(record, indent=1) + "\n")
    answers = scan_for_answers(out)
    if answers:
        shutil.rmtree(out)
        raise pytest.UsageError(
            f"{out}: the handout held {len(answers)} place(s) that compute a gradient,"
            " so it was not written. The first: " + "; ".join(answers[:3])
        )
    return written


def version() -> str:
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    return match.group(1) if match else "unknown"


def tests_hash(root: Path) -> str:
    """sha256 over every file of tests/ (path and bytes), in order: which tests a grade used."""
    digest = hashlib.sha256()
    for path in sorted((root / "tests").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name != "handout.json":
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def _pyproject(text: str) -> str:
    """pyproject.toml without the maintainer's tools (ruff, mypy) and the dev extra."""
    kept, skipping = [], False
    for line in text.splitlines():
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            skipping = header.group(1).startswith(MAINTAINERS)
        if skipping or line.startswith("dev = "):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).rstrip("\n") + "\n"


def readme(exercises: list[registry.Exercise]) -> str:
    """The handout's README: the student's page, for its exercises (README.md's own text)."""
    from tests.kata.student import page

    return page.render(exercises)


def scan_for_answers(root: Path) -> list[str]:
    """Every place in the handout's Python files that computes part of a backward (its
    syntax read by tests/kata/runtime/leaks.py): none may, the stubs included."""
    return leaks.scan(root, skip=())


def paste_solutions(root: Path, source: Path = ROOT / "solutions") -> None:
    """Put the answers into a handout's stubs, region by region: CI's proof that a solved
    handout passes every test."""
    for path in sorted((root / "exercises").glob(EXERCISE_GLOB)):
        text = path.read_text(encoding="utf-8")
        regions = generate.solution_regions((source / path.name).read_text(encoding="utf-8"))
        for function, lines in regions.items():
            indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())] if lines else "    "
            stub = "\n".join(generate.stub_line(path.stem, function, indent))
            text = text.replace(stub, "\n".join(lines), 1)
        path.write_text(text, encoding="utf-8", newline="\n")
