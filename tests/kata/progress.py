"""The kata's pytest plugin: student mode, the progress table, the stub check.

The root conftest registers one `KataPlugin`. In student mode (exercises/) a test
that reaches a function still raising the exercise's NotImplementedError is
reported as "not started" (a skip with one line, no traceback). After the run a
table shows each exercise's progress and the next thing to do.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from tests.kata import harness

STUCK_AFTER = 3  # failing runs in a row before the table offers a hint
TEST_FILE = re.compile(r"test_(ex\d\d_\w+)\.py$")


def exercise_of(item) -> str | None:
    match = TEST_FILE.search(item.path.name)
    return match.group(1) if match else None


@dataclass
class Outcome:
    exercise: str | None
    given: bool
    document: str | None
    status: str = "pending"  # passed, failed, not started, skipped
    stub: str | None = None  # the function still to write, when not started
    reason: str = ""  # the first line of the failure's message
    message: str = ""


@dataclass
class Row:
    exercise: str
    passed: int = 0
    failed: int = 0
    total: int = 0
    stubs: list[str] = field(default_factory=list)
    first_failure: Outcome | None = None
    first_failure_test: str = ""
    reproduces: str | None = None


STAGES = (  # (words in a test's name, its stage); the first match wins
    (("document",), 7),
    (("learn", "train", "epoch", "flawless", "sgd"), 6),
    (("per_sample",), 5),
    (("backward", "gradient", "1000"), 4),
    (("loss",), 3),
    (("forward", "output"), 2),
)


def stage(item) -> int:
    """0 for helpers (sigmoid, softmax, …) and given code, then forward … document."""
    if exercise_of(item) is None or item.get_closest_marker("given"):
        return 0
    if item.get_closest_marker("document"):
        return 7
    name = getattr(item, "originalname", item.name)
    for words, rank in STAGES:
        if any(word in name for word in words):
            return rank
    return 1


def _clip(line: str, columns: int) -> str:
    return line if len(line) <= columns else line[: columns - 1] + "…"


class KataPlugin:
    def __init__(self, config, impl: str, check_stubs: bool = False):
        self.config = config
        self.impl = impl
        self.student_mode = impl != "solutions"
        self.check_stubs = check_stubs
        self.outcomes: dict[str, Outcome] = {}
        self.streaks: dict[str, int] = {}  # runs in a row each test has failed

    # --- collection ----------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items):
        if not self.config.getoption("--catalogue"):  # slow: only when asked for
            slow = [item for item in items if item.get_closest_marker("catalogue")]
            if slow:
                self.config.hook.pytest_deselected(items=slow)
                items[:] = [item for item in items if not item.get_closest_marker("catalogue")]
        for item in items:
            exercise = exercise_of(item)
            if exercise:
                item.add_marker(exercise[:4])  # -m ex02 selects one exercise
        # Within each file, test in the order a student writes: helpers, forward, loss,
        # backward, training, the document's run; so the first failure is the smallest piece.
        if self._random_order():
            return
        files = {}
        for item in items:
            files.setdefault(item.path, len(files))
        position = {id(item): i for i, item in enumerate(items)}
        items.sort(key=lambda it: (files[it.path], stage(it), position[id(it)]))

    def pytest_collection_finish(self, session):
        self._check_exercise_names()
        for item in session.items:
            doc = item.get_closest_marker("document")
            self.outcomes[item.nodeid] = Outcome(
                exercise=exercise_of(item),
                given=item.get_closest_marker("given") is not None,
                document=doc.args[0] if doc and doc.args else None,
            )

    def _random_order(self) -> bool:
        """pytest-randomly (the kata's dev extra) is shuffling the tests: leave its order."""
        if not self.config.pluginmanager.has_plugin("randomly"):
            return False
        return bool(getattr(self.config.option, "randomly_reorganize", True))

    def _check_exercise_names(self):
        """`-k ex9` or `-m ex1` would silently select nothing: say which names exist."""
        option = self.config.option
        words = " ".join(filter(None, [option.keyword, option.markexpr]))
        known = {name[:4] for name in harness.EXERCISES} | set(harness.EXERCISES)
        for word in re.findall(r"\bex\w*", words):
            if word not in known and not any(name.startswith(word) for name in known):
                valid = ", ".join(f"{n[:4]} ({n})" for n in harness.EXERCISES)
                raise pytest.UsageError(f"no exercise is called {word!r}. The exercises: {valid}.")

    # --- running -------------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        result = yield
        report = result.get_result()
        outcome = self.outcomes.get(item.nodeid)
        if call.excinfo is None or outcome is None:
            return
        exc = call.excinfo.value
        if self.student_mode and harness.is_stub_error(exc):
            func, _ = harness.stub_location(exc)
            report.outcome = "skipped"
            # The skip line names the function to write; the progress table names the file.
            report.longrepr = (
                str(item.config.rootpath / item.location[0]),
                (item.location[1] or 0) + 1,
                f"not started: write {func}()",
            )
            outcome.stub = func
        elif report.failed:
            outcome.message = str(exc).strip() or type(exc).__name__
            outcome.reason = outcome.message.splitlines()[0]

    def pytest_runtest_logreport(self, report):
        outcome = self.outcomes.get(report.nodeid)
        if outcome is None:
            return
        if report.failed:
            outcome.status = "failed"
        elif report.skipped and outcome.status != "failed":
            outcome.status = "not started" if outcome.stub else "skipped"
        elif report.when == "call" and report.passed and outcome.status == "pending":
            outcome.status = "passed"

    # --- reporting -----------------------------------------------------------------------
    def rows(self) -> list[Row]:
        rows: dict[str, Row] = {}
        for nodeid, o in self.outcomes.items():
            if o.exercise is None or o.given or o.status == "pending":
                continue
            row = rows.setdefault(o.exercise, Row(o.exercise))
            row.total += 1
            if o.status == "passed":
                row.passed += 1
                if o.document:
                    row.reproduces = o.document
            elif o.status == "failed":
                row.failed += 1
                if row.first_failure is None:
                    row.first_failure, row.first_failure_test = o, nodeid.split("::")[-1]
            elif o.status == "not started" and o.stub not in row.stubs:
                row.stubs.append(o.stub)
        return [rows[name] for name in harness.EXERCISES if name in rows]

    def next_step(self, row: Row) -> str:
        path = harness.where(harness.impl_root() / f"{row.exercise}.py")
        if row.first_failure is not None:
            return f"fix {row.first_failure_test}\n       {row.first_failure.reason}"
        if row.stubs:
            return f"write {self._first_stub(row)}() in {path}"
        return ""

    def _first_stub(self, row: Row) -> str:
        """The function still to write that comes first in the exercise's teaching order."""
        order = self._teaching_order(row.exercise)
        return min(row.stubs, key=lambda s: order.index(s) if s in order else len(order))

    def _teaching_order(self, exercise: str) -> list[str]:
        return list(getattr(harness.loaded(exercise), "STUDENT_WRITES", ()))

    def pytest_terminal_summary(self, terminalreporter):
        if self.check_stubs:
            self._report_stub_check(terminalreporter)
        rows = self.rows()
        if not rows:
            return
        tr = terminalreporter
        columns = max(shutil.get_terminal_size().columns, 60)
        fancy = (getattr(sys.stdout, "encoding", "") or "").lower().startswith("utf")
        full, empty, tick, cross = ("█", "░", "✓", "✗") if fancy else ("#", ".", "+", "x")
        tr.write_sep("─" if fancy else "-", f"kata progress: {harness.where(harness.impl_root())}/")
        width = max(len(r.exercise) for r in rows)
        for row in rows:
            filled = round(10 * row.passed / row.total) if row.total else 0
            bar = full * filled + empty * (10 - filled)
            if row.passed == row.total:
                state = f"{tick} done"
            elif row.passed == 0 and row.failed == 0:
                state = "not started"
            elif row.stubs:
                state = f"next: write {self._first_stub(row)}()"
            else:
                state = f"{row.failed} failing"
            line = f" {row.exercise:<{width}}  {bar} {row.passed:>3}/{row.total:<3} {state}"
            tr.write_line(_clip(line, columns), red=bool(row.failed), green=row.passed == row.total)
            if row.first_failure is not None:  # the first failing test's one-line reason
                reason = f"{row.first_failure_test}: {row.first_failure.reason}"
                tr.write_line(_clip(f" {'':<{width}}  {cross} {reason}", columns), red=True)
        for row in rows:
            if row.reproduces:
                tr.write_line(
                    f" {tick} {row.exercise[:4]}: your network reproduces document"
                    f" {row.reproduces}'s printed run, number for number.",
                    green=True,
                )
        todo = [r for r in rows if r.passed < r.total]
        if todo:
            row = todo[0]
            for line in f" Next: {self.next_step(row)}".splitlines():
                tr.write_line(_clip(line, columns))
            hint = self._hint_line(row)
            if hint:
                tr.write_line(hint, yellow=True)
            tr.write_line(
                f"       then run  pytest -m {row.exercise[:4]}"
                "   (add --sw to stop at the first failure)"
            )
        elif self.student_mode:
            tr.write_line(
                f" {tick} Every exercise you ran passes. Try the benchmark: pytest --benchmark-only"
            )

    def _update_streaks(self) -> None:
        """Remember, in pytest's cache, how many runs in a row each test has failed."""
        cache = getattr(self.config, "cache", None)
        if cache is None or not self.student_mode:
            return
        streaks = dict(cache.get("kata/streaks", {}))
        for nodeid, o in self.outcomes.items():
            if o.status == "failed":
                streaks[nodeid] = streaks.get(nodeid, 0) + 1
            elif o.status in ("passed", "not started"):
                streaks.pop(nodeid, None)
        cache.set("kata/streaks", streaks)
        self.streaks = streaks

    def _hint_line(self, row: Row) -> str | None:
        """After three failing runs of the same test, offer the next hint."""
        failing = [n for n, o in self.outcomes.items() if o is row.first_failure]
        if not failing or self.streaks.get(failing[0], 0) < STUCK_AFTER:
            return None
        seen = int(self.config.cache.get(f"kata/hints/{row.exercise}", 0))
        if seen >= 3:
            return None
        return f"       stuck? pytest --hint {row.exercise[:4]} shows hint {seen + 1} of 3"

    # --- the stub check (CI) ---------------------------------------------------------------
    def stub_check_failures(self) -> list[str]:
        wrong = []
        for nodeid, o in self.outcomes.items():
            if o.given and o.status not in ("passed", "skipped"):
                wrong.append(f"{nodeid}: tests only given code, yet it {o.status}")
            elif not o.given and o.status == "passed":
                wrong.append(f"{nodeid}: passes on an unsolved exercise, so it cannot fail")
        return wrong

    def pytest_sessionfinish(self, session):
        self._update_streaks()
        path = self.config.getoption("--kata-report")
        if path:  # the outcomes as JSON, for the kata's own catalogue of wrong answers
            rows = [{"test": nodeid, **asdict(o)} for nodeid, o in self.outcomes.items()]
            Path(path).write_text(json.dumps(rows, indent=1), encoding="utf-8")
        if self.check_stubs and self.stub_check_failures():
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _report_stub_check(self, tr):
        wrong = self.stub_check_failures()
        if wrong:
            tr.write_sep("=", "stub check failed", red=True)
            for line in wrong:
                tr.write_line(line)
        else:
            student = sum(not o.given for o in self.outcomes.values())
            tr.write_line(
                f"stub check: none of the {student} tests of student-written functions"
                " passes on pristine exercises/.",
                green=True,
            )


# --- hints ---------------------------------------------------------------------------------
def resolve_exercise(word: str) -> str:
    """'ex02', '2' or 'ex02_sigmoid_mse' -> 'ex02_sigmoid_mse'; a clear error otherwise."""
    word = word.strip().lower()
    if word.isdigit():
        word = f"ex{int(word):02d}"
    matches = [name for name in harness.EXERCISES if name.startswith(word)] if word else []
    if len(matches) != 1:
        valid = ", ".join(f"{n[:4]} ({n})" for n in harness.EXERCISES)
        raise pytest.UsageError(f"--hint {word!r} names no exercise. The exercises: {valid}.")
    return matches[0]


def show_hint(config, word: str, reset: bool = False) -> None:
    """Print the hints seen so far for one exercise, plus the next one."""
    from tests.kata.hints import HINTS

    exercise = resolve_exercise(word)
    hints = HINTS[exercise]
    cache = getattr(config, "cache", None)
    key = f"kata/hints/{exercise}"
    seen = 0 if reset or cache is None else int(cache.get(key, 0))
    level = min(seen + 1, len(hints))
    if cache is not None:
        cache.set(key, level)
    write = print
    write(f"Hints for {exercise} ({level} of {len(hints)}):")
    for i, text in enumerate(hints[:level], 1):
        write("")
        for line in textwrap.wrap(
            text, width=88, initial_indent=f" {i}. ", subsequent_indent="    "
        ):
            write(line)
    write("")
    if level < len(hints):
        write(f"Run  pytest --hint {exercise[:4]}  again for the next hint.")
    else:
        write(f"That is every hint. Start over with  pytest --hint {exercise[:4]} --hint-reset")
