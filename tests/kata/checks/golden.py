"""Golden files: what a student sees, checked as a whole against committed expected output.

exercism's test runner is tested this way: it runs on sample solutions and its output is
diffed with committed `expected_results.json`. Here each scenario is a copy of the kata in
a given state (untouched, one catalogue answer written in, every exercise solved), run with
plain `pytest` as a student runs it, 100 columns wide; what is kept is the progress table
and the first failure's message, with the run's time and the copy's folder taken out.
test_golden.py compares each with tests/kata/checks/golden/<scenario>.txt;

    python -m tests.kata generate --golden

rewrites them after a deliberate change to the table or a message (review the diff).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.kata import environ, registry
from tests.kata.checks.catalogue import WRONG
from tests.kata.checks.fakekata import copy_kata, table

FOLDER = Path(__file__).resolve().parent / "golden"
COLUMNS = "100"


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    answers: tuple[str, ...] = ()  # catalogue answers written into exercises/
    solved: bool = False  # every exercise solved, before the answers


SCENARIOS = (
    Scenario("untouched", "a fresh kata: every test not started"),
    Scenario("solved", "every exercise solved", solved=True),
    Scenario("missing-mean", "ex01's backward without its 1/N·K", answers=("ex01-no-mean",)),
    Scenario(
        "bias-not-summed", "ex03's bias gradients not summed", answers=("ex03-b1-not-summed",)
    ),
    Scenario("output-1d", "ex03's forward returns a flat output", answers=("ex03-output-1d",)),
    Scenario("stray-2", "ex02's backward with a stray factor 2", answers=("ex02-stray-2",)),
)
BY_NAME = {s.name: s for s in SCENARIOS}


def _answer_source(answer_id: str) -> tuple[str, str]:
    from tests.kata.checks.test_catalogue import answer_source, module_of

    answer = next(a for a in WRONG if a.id == answer_id)
    return module_of(answer), answer_source(answer)


def _first_failure(lines: list[str]) -> list[str]:
    """The first failure in pytest's FAILURES: its test's name and the kata's message."""
    start = next((i for i, line in enumerate(lines) if " FAILURES " in line), None)
    if start is None:
        return []
    found: list[str] = []
    for line in lines[start + 1 :]:
        if found and (line.startswith(("___", "===")) or " kata progress: " in line):
            break
        found.append(line.strip("_ ") if line.startswith("___") else line)
    return found


def normal(text: str, kata: Path) -> str:
    text = text.replace(str(kata), "<kata>")
    text = re.sub(r" in \d+(\.\d+)?s( \([0-9:]+\))?", " in <time>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def run(scenario: Scenario) -> str:
    """What the student sees in this scenario: the first failure's message, then the table."""
    with tempfile.TemporaryDirectory(prefix="kata-golden-") as tmp:
        kata = copy_kata(Path(tmp) / "kata")
        if scenario.solved:
            for record in registry.EXERCISES:
                name = f"{record.module}.py"
                shutil.copy(kata / "solutions" / name, kata / "exercises" / name)
        for answer in scenario.answers:
            module, source = _answer_source(answer)
            (kata / "exercises" / f"{module}.py").write_text(source, encoding="utf-8")
        shutil.rmtree(kata / "solutions")  # a student's copy
        env = environ.clean()
        env.update(COLUMNS=COLUMNS, PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"],
            cwd=kata,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        lines = done.stdout.splitlines()
        failure = _first_failure(lines)
        shown = [f"# {scenario.what}: pytest exits {done.returncode}"]
        if failure:
            shown += ["", "## the first failure", *failure]
        shown += ["", "## the table", *table(lines)]
        return normal("\n".join(shown), kata)


def path(scenario: Scenario) -> Path:
    return FOLDER / f"{scenario.name}.txt"


def write() -> list[Path]:
    FOLDER.mkdir(exist_ok=True)
    written = []
    for scenario in SCENARIOS:
        path(scenario).write_text(run(scenario), encoding="utf-8", newline="\n")
        written.append(path(scenario))
    return written
