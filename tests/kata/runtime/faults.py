"""How a test ends when the student's code is at fault, in the kata's own words.

A `Fault` is a failure that knows which function caused it and what kind of fault it was
(not importable, an exception of one type, a contract breach, a hang, an exit). The
outcomes module blocks later tests that would fail the same way. `NotStarted` and
`Blocked` are skips: one line each, no traceback.
"""

from __future__ import annotations

from typing import NoReturn

import pytest


# pytest.fail.Exception and pytest.skip.Exception are pytest's own outcomes, attributes of
# functions, which mypy cannot see: hence the three ignores below.
class Fault(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A failure of the student's code in `function`, of `kind` (None: a wrong value)."""

    def __init__(self, message: str, function: str | None = None, kind: str | None = None):
        super().__init__(message, pytrace=False)
        self.function, self.kind = function, kind


class NotStarted(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The test reached a function that still raises the stub's NotImplementedError."""

    def __init__(self, function: str):
        super().__init__(f"not started: write {function}()", _use_item_location=True)
        self.function = function


class Blocked(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The test would fail like an earlier one: one root cause, one message."""

    def __init__(self, function: str):
        super().__init__(f"blocked: fix {function} first", _use_item_location=True)
        self.function = function


def fail(message: str, function: str | None = None, kind: str | None = None) -> NoReturn:
    """End the current test with `message` alone: no traceback, the message is the report."""
    raise Fault(message, function, kind)
