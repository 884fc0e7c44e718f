"""What became of each test: passed, failed, not started, blocked; and one root cause, one message.

A test that reaches a function still raising its stub's NotImplementedError is *not
started* (subject.guarded raises faults.NotStarted, a skip, before pytest builds any
traceback). A test that fails in the same function with the same kind of fault as a test
that already failed in this run is *blocked*: to pytest a skip with the reason "blocked:
fix forward first"; the table and the JSON report count it apart, and the run still fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.kata import contain, registry
from tests.kata.faults import Blocked, Fault, NotStarted


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


def exercise_of(item) -> str | None:
    record = registry.of_test_file(item.path.name)
    return record.module if record else None


def _timed_out() -> str:
    stuck = contain.WATCHDOG.take("the test")
    limit = stuck.limit if stuck else contain.LIMITS.test
    place = f"\n  stuck at {stuck.where}" if stuck and stuck.where else ""
    return (
        f"the test did not finish within {limit:g} s, so the kata stopped it.{place}\n"
        "  The loop the test was in never ended, or ran far too long. (The limit is --test-limit.)"
    )


def _place(item) -> tuple[str, int]:
    """Where a test is defined: its file and line (1-based), for a skip's one line."""
    path, line, _ = item.reportinfo()
    return str(path), (line or 0) + 1


class Outcomes:
    """Records each test's outcome; turns stubs into "not started" and repeats into "blocked"."""

    def __init__(self):
        self.records: dict[str, Outcome] = {}
        self.faults: dict[tuple, str] = {}  # (exercise, function, kind) -> the test that failed
        self.interrupted = False

    def add(self, item, stage: str) -> None:
        doc = item.get_closest_marker("document")
        self.records[item.nodeid] = Outcome(
            nodeid=item.nodeid,
            exercise=exercise_of(item),
            stage=stage,
            document=doc.args[0] if doc and doc.args else None,
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
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
            report.longrepr = _timed_out()
            outcome.message = str(report.longrepr)
        elif report.failed:
            key = self._fault_key(outcome, exc)
            if key is not None and key in self.faults:
                self._block(item, report, outcome, key[1])
                return
            if key is not None:
                self.faults[key] = outcome.nodeid
            outcome.function = getattr(exc, "function", None)
            outcome.message = str(getattr(exc, "msg", None) or exc).strip() or type(exc).__name__
        if report.failed:
            outcome.message = outcome.message or str(report.longrepr).strip()
            outcome.reason = outcome.message.splitlines()[0] if outcome.message else ""

    @staticmethod
    def _fault_key(outcome: Outcome, exc: BaseException) -> tuple | None:
        if not isinstance(exc, Fault) or not exc.function or not exc.kind:
            return None  # a wrong value: each known answer tells something of its own
        return (outcome.exercise, exc.function, exc.kind)

    @staticmethod
    def _block(item, report, outcome: Outcome, function: str) -> None:
        report.outcome = "skipped"
        report.longrepr = (*_place(item), f"blocked: fix {function} first")
        outcome.status, outcome.function = "blocked", function

    def pytest_runtest_logreport(self, report):
        outcome = self.records.get(report.nodeid)
        if outcome is None:
            return
        if report.failed:
            outcome.status = "failed"
        elif report.skipped and outcome.status not in ("failed", "blocked", "not started"):
            outcome.status = "skipped"
        elif report.when == "call" and report.passed and outcome.status == "pending":
            outcome.status = "passed"

    def pytest_keyboard_interrupt(self, excinfo):
        # -x, --sw and --maxfail stop the run through pytest's Interrupted: a choice, not Ctrl-C.
        self.interrupted = not isinstance(excinfo.value, pytest.Session.Interrupted)
