"""The graded run's side (pytest --kata-grade-stream PATH): results, test by test.

The grader runs one exercise of one student in a child pytest with this plugin. After each
test it appends one JSON line to PATH (the test's outcome and message), and at the end one
record with the number of tests. That pytest runs none of the student's code: the student's
functions run in subject processes (child/), which cannot reach PATH when they are
sandboxed or run as another user. So what is written here is the kata's verdict.
"""

from __future__ import annotations

import json

import pytest

from tests.kata import registry


class GradeStream:
    def __init__(self, config: pytest.Config, path: str) -> None:
        self.config = config
        self.path = path
        open(path, "w", encoding="utf-8").close()

    def _write(self, record: dict[str, object]) -> None:
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        kata = self.config.pluginmanager.get_plugin("kata")
        outcome = kata.outcomes.records.get(report.nodeid) if kata else None
        if outcome is not None and not outcome.given:
            self._write(
                {
                    "test": report.nodeid,
                    "status": outcome.status,
                    "function": outcome.function,
                    "message": outcome.message or outcome.status,
                }
            )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        kata = self.config.pluginmanager.get_plugin("kata")
        records = [o for o in (kata.outcomes.records.values() if kata else []) if not o.given]
        plan = []  # every test, run or not, and the function whose share it carries
        for o in records:
            record = registry.BY_MODULE.get(o.exercise or "")
            plan.append(
                {"test": o.nodeid, "owner": record.owner(o.test, o.stage) if record else ""}
            )
        self._write({"end": True, "tests": len(records), "plan": plan})
