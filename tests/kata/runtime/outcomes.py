"""What became of each test: passed, failed, not started, blocked; and one root cause, one message.

A test that reaches a function still raising its stub's NotImplementedError is *not
started* (subject.guarded raises faults.NotStarted, a skip, before pytest builds any
traceback). A test that fails in the same function with the same kind of fault as a test
that already failed in this run is *blocked*: to pytest a skip with the reason "blocked:
fix forward first"; the table and the JSON report count it apart, and the run still fails.
So is a failing test that has an earlier cause in this run: an edge case (marked extreme) of a
function whose plain tests failed, or a test of a function that calls a helper whose tests
failed (the calls read from the student's own source). A blocked test blames the function
to fix first, never the caller.
"""

from __future__ import annotations

import ast
from collections.abc import Generator
from dataclasses import dataclass

import pluggy
import pytest

from tests.kata import registry
from tests.kata.runtime import contain, subject
from tests.kata.runtime.faults import Blocked, Fault, NotStarted


@dataclass
class Outcome:
    nodeid: str
    exercise: str | None  # its module name, for an exercise's test
    stage: str  # "given", "helper", "forward", ...
    document: str | None = None  # the document this test reproduces, if any
    status: str = "pending"  # passed, failed, not started, blocked, skipped, pending
    function: str | None = None  # to write (not started), or at fault (failed, blocked)
    reason: str = ""  # the first line of the failure's message
    message: str = ""

    @property
    def given(self) -> bool:
        return self.stage == "given"

    @property
    def test(self) -> str:
        return self.nodeid.split("::", 1)[-1]


FaultKey = tuple[str | None, str, str]  # (exercise, function, kind)


def exercise_of(item: pytest.Item) -> str | None:
    record = registry.of_test_file(item.path.name)
    return record.module if record else None


def _timed_out(run: subject.Run) -> str:
    stuck = run.watchdog.take("the test")
    limit = stuck.limit if stuck else run.time.test
    place = f"\n  stuck at {stuck.where}" if stuck and stuck.where else ""
    return (
        f"the test did not finish within {limit:g} s, so the kata stopped it.{place}\n"
        "  The loop the test was in never ended, or ran far too long. (The limit is --test-limit.)"
    )


def _place(item: pytest.Item) -> tuple[str, int]:
    """Where a test is defined: its file and line (1-based), for a skip's one line."""
    path, line, _ = item.reportinfo()
    return str(path), (line or 0) + 1


class Outcomes:
    """Records each test's outcome; turns stubs into "not started" and repeats into "blocked"."""

    def __init__(self, run: subject.Run):
        self.run = run
        self.records: dict[str, Outcome] = {}
        self.faults: dict[FaultKey, str] = {}  # (exercise, function, kind) -> the test that failed
        self.failing: dict[str, set[str]] = {}  # exercise -> its functions with a failed test
        self.interrupted = False

    def add(self, item: pytest.Item, stage: str) -> None:
        doc = item.get_closest_marker("document")
        self.records[item.nodeid] = Outcome(
            nodeid=item.nodeid,
            exercise=exercise_of(item),
            stage=stage,
            document=doc.args[0] if doc and doc.args else None,
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
        result = yield
        report = result.get_result()
        outcome = self.records.get(item.nodeid)
        if outcome is None or call.excinfo is None:
            return
        exc = call.excinfo.value
        if isinstance(exc, NotStarted | Blocked):
            # The kata's own words, at the test's definition (suites.py for an inherited test).
            report.longrepr = (*_place(item), exc.msg)
            outcome.function = exc.function
            outcome.status = "not started" if isinstance(exc, NotStarted) else "blocked"
        elif isinstance(exc, contain.TimeLimit):
            report.longrepr = _timed_out(self.run)
            outcome.message = str(report.longrepr)
        elif report.failed:
            key = self._fault_key(outcome, exc)
            if key is not None and key in self.faults:
                self._block(item, report, outcome, key[1])
                return
            earlier = self._earlier_cause(item, outcome)
            if earlier is not None:
                self._block(item, report, outcome, earlier)
                return
            if key is not None:
                self.faults[key] = outcome.nodeid
            outcome.function = getattr(exc, "function", None)
            self._note_failing(item, outcome)
            outcome.message = str(getattr(exc, "msg", None) or exc).strip() or type(exc).__name__
            swallowed = self._swallowed(outcome)
            if swallowed:  # after the first line, which the table shows as the reason
                first, _, rest = outcome.message.partition("\n")
                outcome.message = "\n".join(part for part in (first, swallowed, rest) if part)
                addsection = getattr(report.longrepr, "addsection", None)
                if addsection is not None:  # pytest's traceback, not a plain text
                    addsection("a try/except", swallowed)
        if report.failed:
            outcome.message = outcome.message or str(report.longrepr).strip()
            outcome.reason = outcome.message.splitlines()[0] if outcome.message else ""

    @staticmethod
    def _fault_key(outcome: Outcome, exc: BaseException) -> FaultKey | None:
        if not isinstance(exc, Fault) or not exc.function or not exc.kind:
            return None  # a wrong value: each known answer tells something of its own
        return (outcome.exercise, exc.function, exc.kind)

    @staticmethod
    def _owner(outcome: Outcome) -> str | None:
        """The function the test is about (by its name or stage), or "network", or None."""
        record = registry.BY_MODULE.get(outcome.exercise or "")
        return record.owner(outcome.test, outcome.stage) if record else None

    def _note_failing(self, item: pytest.Item, outcome: Outcome) -> None:
        """A failed plain test of a function marks the function failing: the function the
        failure names (forward, for a cache that spoils a right backward), else the test's
        own. A test of the extremes marks none (its function may be right everywhere a caller
        goes), nor does a test of the whole network (where its failure lies is what the
        functions' own tests tell)."""
        owner = self._owner(outcome)
        if owner in (None, "network") or item.get_closest_marker("extreme"):
            return
        if outcome.exercise is None:
            return
        record = registry.BY_MODULE[outcome.exercise]
        named = outcome.function if outcome.function in record.writes else owner
        self.failing.setdefault(outcome.exercise, set()).add(named)

    def _swallowed(self, outcome: Outcome) -> str:
        """A try/except in the failing function that catches every exception: what the test
        saw is then what the except gives, and the error that would say why is gone."""
        owner = self._owner(outcome)
        record = registry.BY_MODULE.get(outcome.exercise or "")
        if record is None or owner not in record.writes:
            return ""
        line = broad_except(self.run, record, owner)
        if line is None:
            return ""
        return (
            f"{owner} catches every exception (the `except` at line {line} of your file), so an"
            " error inside its `try` is swallowed: what the `except` returns is then what the"
            " test sees. Remove the try/except to see whether one is raised."
        )

    def _earlier_cause(self, item: pytest.Item, outcome: Outcome) -> str | None:
        """The function to fix first, when this failure has a cause that already failed: its
        own plain tests, for an edge case; else a function it relies on (one this test called,
        or one the student's code calls from there)."""
        failing = self.failing.get(outcome.exercise or "", set())
        owner = self._owner(outcome)
        if not failing or owner is None:
            return None
        if item.get_closest_marker("extreme") and owner in failing:
            return owner  # its plain tests (its known answers) failed: they name the mistake
        record = registry.BY_MODULE[outcome.exercise or ""]
        used = {owner, *self.run.called}
        reach = set(used)
        for function in used:
            reach.update(calls(self.run, record, function))
        earlier = [f for f in record.writes if f in reach and f in failing and f != owner]
        return earlier[0] if earlier else None

    @staticmethod
    def _block(
        item: pytest.Item, report: pytest.TestReport, outcome: Outcome, function: str
    ) -> None:
        report.outcome = "skipped"
        report.longrepr = (*_place(item), f"blocked: fix {function} first")
        outcome.status, outcome.function = "blocked", function

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self.records.get(report.nodeid)
        if outcome is None:
            return
        if report.failed:
            outcome.status = "failed"
        elif report.skipped and outcome.status not in ("failed", "blocked", "not started"):
            outcome.status = "skipped"
        elif report.when == "call" and report.passed and outcome.status == "pending":
            outcome.status = "passed"

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # -x, --sw and --maxfail stop the run through pytest's Interrupted: a choice, not Ctrl-C.
        self.interrupted = not isinstance(excinfo.value, pytest.Session.Interrupted)


def calls(run: subject.Run, record: registry.Exercise, function: str) -> list[str]:
    """The functions the student writes that `function` calls, directly or through any other
    function of the file (given code such as train included), in teaching order. Read from
    the syntax tree of the student's file, only when a test fails: a run parses it a few
    times at most."""
    direct = {
        name: {
            n.func.id
            for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        for name, node in _functions(run, record).items()
    }
    seen: set[str] = set()
    todo = [function]
    while todo:
        for name in direct.get(todo.pop(), set()):
            if name in direct and name not in seen:  # through given code (train) too
                seen.add(name)
                todo.append(name)
    return [f for f in record.writes if f in seen]


def _functions(
    run: subject.Run, record: registry.Exercise
) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The student's top-level functions, by name (none when the file does not parse)."""
    try:
        tree = ast.parse(run.student_path(record.module).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


BROAD = {"Exception", "BaseException"}


def broad_except(run: subject.Run, record: registry.Exercise, function: str) -> int | None:
    """The line of an `except` in the student's function that catches every exception (bare,
    Exception or BaseException), or None."""
    node = _functions(run, record).get(function)
    for handler in ast.walk(node) if node is not None else ():
        if not isinstance(handler, ast.ExceptHandler):
            continue
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        reraises = any(isinstance(n, ast.Raise) for n in ast.walk(handler))
        broad = caught is None or any(isinstance(n, ast.Name) and n.id in BROAD for n in names)
        if broad and not reraises:
            return handler.lineno
    return None
