"""The stub check (CI): on pristine exercises/, no test of a student-written function passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.paths import PRISTINE, ROOT
from tests.kata.runtime.outcomes import Outcome


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")  # a checkout's line endings


def started_exercises() -> list[str]:
    """The exercises whose file in exercises/ is not the pristine stub."""
    started = []
    for name in registry.names():
        mine, pristine = ROOT / "exercises" / f"{name}.py", PRISTINE / f"{name}.py"
        if mine.is_file() and _text(mine) != _text(pristine):
            started.append(name)
    return started


def failures(records: list[Outcome]) -> list[str]:
    wrong = []
    for o in records:
        if not o.given and o.status == "passed":
            wrong.append(f"{o.nodeid}: passes on an unsolved exercise, so it cannot fail")
        elif not o.given and o.status not in ("not started", "blocked"):
            wrong.append(f"{o.nodeid}: {o.status} on an unsolved exercise, expected not started")
    return wrong


def report(tr: pytest.TerminalReporter, records: list[Outcome]) -> None:
    wrong = failures(records)
    if wrong:
        tr.write_sep("=", "stub check failed", red=True)
        for line in wrong:
            tr.write_line(line)
        return
    student = sum(not o.given for o in records)
    tr.write_line(
        f"stub check: none of the {student} tests of student-written functions passes on"
        " pristine exercises/; each is not started.",
        green=True,
    )
