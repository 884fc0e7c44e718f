"""The graded run's side (pytest --kata-grade-stream PATH): results test by test, and tampering.

The grader runs one exercise of one student in a child pytest with this plugin. After each
test it appends one JSON line to PATH (the test's outcome and message), and at the end one
record with the number of tests. Before the student's code is imported (before the first
test) it notes the identity of every attribute of pytest, numpy (random and linalg too),
builtins and the kata's machinery; after every test it compares. A difference is tampering:
it is recorded, named by attribute, and the run stops. numpy's error state, print options
and random state are reset around every test (guard.py), not judged.
"""

from __future__ import annotations

import builtins
import json
import sys

import pytest

WATCHED = ("pytest", "_pytest.outcomes", "numpy", "numpy.random", "numpy.linalg", "builtins")


def _watched_modules() -> list:
    names = [*WATCHED, *(n for n in list(sys.modules) if n.startswith("tests.kata"))]
    return [(n, sys.modules[n]) for n in names if n in sys.modules]


def identities() -> dict[tuple[str, str], int]:
    found = {}
    for name, module in _watched_modules():
        for attr, value in list(vars(module).items()):
            found[name, attr] = id(value)
    found["builtins", "__import__"] = id(builtins.__import__)
    return found


class GradeStream:
    def __init__(self, config, path: str):
        self.config = config
        self.path = path
        self.before: dict | None = None
        self.tampered: list[str] = []
        open(path, "w", encoding="utf-8").close()

    def _write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")

    def pytest_collection_finish(self, session):
        self.before = identities()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
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
        self._check(report.nodeid)

    def _check(self, nodeid: str) -> None:
        if self.before is None or self.tampered:
            return
        now = identities()
        changed = sorted(
            f"{module}.{attr}"
            for (module, attr), ident in self.before.items()
            if now.get((module, attr)) != ident
            and (not attr.startswith("__") or attr in ("__import__", "__build_class__"))
        )
        if changed:
            self.tampered = changed
            self._write({"tampered": changed, "test": nodeid})
            self.config.pluginmanager.get_plugin("session").shouldstop = "tampering"

    def pytest_sessionfinish(self, session):
        kata = self.config.pluginmanager.get_plugin("kata")
        records = kata.outcomes.records.values() if kata else []
        total = sum(1 for o in records if not o.given)
        self._write({"end": True, "tests": total, "tampered": self.tampered})
