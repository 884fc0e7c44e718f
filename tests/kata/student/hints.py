"""Progressive hints, three per function the student writes: a nudge, the key equation, the shapes.

The hints live in the registry. `pytest --hint ex02.backward` shows the hints of one
function seen so far and the next one; `pytest --hint ex02` does the same for ex02's first
function that does not pass yet, as the last run left it. pytest's cache counts the hints
seen per function (`--hint-reset` starts over). After the same test has failed STUCK_AFTER
runs in a row, the progress table offers the next hint of the function it tests.
"""

from __future__ import annotations

import ast
import difflib
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.paths import PRISTINE
from tests.kata.runtime.outcomes import Outcome
from tests.kata.runtime.table import Row

STUCK_AFTER = 3  # failing runs in a row before the table offers a hint
LEVELS = 3
MESSAGE_CHARS = 1200  # of a function's last failure, kept for --hint
SHOWN_LINES = 8


def seen_key(module: str, function: str) -> str:
    return f"kata/hint/{module}.{function}"


def status_key(module: str) -> str:
    return f"kata/functions/{module}"


def failure_key(module: str) -> str:
    return f"kata/failures/{module}"


# --- which function a test is about ------------------------------------------------------------
def function_of(outcome: Outcome, record: registry.Exercise) -> str | None:
    """The function a test checks: the one at fault, else the one its name or stage names."""
    if outcome.function in record.writes:
        return outcome.function
    function = record.owner(outcome.test, outcome.stage)
    return function if function in record.writes else None  # training: every function at once


def remember(config: pytest.Config, records: Iterable[Outcome]) -> None:
    """Keep, per exercise, which of its functions passed all their tests in this run."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return
    found: dict[tuple[str, str], list[str]] = {}
    failures: dict[tuple[str, str], str] = {}  # each function's first failure: its message
    for outcome in records:
        record = registry.BY_MODULE.get(outcome.exercise or "")
        function = function_of(outcome, record) if record else None
        if record and function is not None and outcome.status not in ("pending", "skipped"):
            found.setdefault((record.module, function), []).append(outcome.status)
            if outcome.status == "failed" and outcome.message:
                failures.setdefault((record.module, function), outcome.message)
    for (module, function), statuses in found.items():
        said = {**cache.get(failure_key(module), {})}
        said.pop(function, None)
        if (module, function) in failures:
            said[function] = failures[module, function][:MESSAGE_CHARS]
        cache.set(failure_key(module), said)
        if all(status == "passed" for status in statuses):
            status = "passed"
        elif "not started" in statuses and "failed" not in statuses:
            status = "not started"
        else:
            status = "failing"
        cache.set(status_key(module), {**cache.get(status_key(module), {}), function: status})


def first_unsolved(
    config: pytest.Config, folder: Path, record: registry.Exercise
) -> tuple[str | None, str]:
    """The exercise's first function that does not pass yet, and how the kata knows."""
    cache = getattr(config, "cache", None)
    statuses = cache.get(status_key(record.module), {}) if cache is not None else {}
    for function in record.writes:
        if statuses.get(function, "passed") != "passed":
            return function, f"{statuses[function]} in your last run"
    stubs = _still_stubs(folder, record)
    for function in record.writes:
        if function not in statuses and function in stubs:
            return function, "not written yet"
    if statuses and all(statuses.get(f) == "passed" for f in record.writes):
        return None, "every function passed its tests in your last run"
    return record.writes[0], "the first to write; run the tests so the kata knows where you are"


def _still_stubs(folder: Path, record: registry.Exercise) -> set[str]:
    """The functions of the student's file that are still the pristine stub, read from the
    syntax tree (empty when the file does not parse)."""
    try:
        mine = _functions((folder / f"{record.module}.py").read_text(encoding="utf-8-sig"))
        pristine = _functions((PRISTINE / f"{record.module}.py").read_text("utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    return {name for name in record.writes if name in mine and mine[name] == pristine.get(name)}


def _functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}


# --- --hint -------------------------------------------------------------------------------------
def target(word: str) -> tuple[registry.Exercise, str | None]:
    """'ex02' or 'ex02.backward' (as registry.parse_target reads them)."""
    record, function = registry.parse_target(word)
    if record is None:
        raise pytest.UsageError(
            f"--hint {word!r} names no exercise. The exercises: {registry.valid()}."
        )
    if function is not None and function not in record.writes:
        close = difflib.get_close_matches(function, record.writes, n=1)
        meant = f" Did you mean {record.marker}.{close[0]}?" if close else ""
        if not function:
            raise pytest.UsageError(
                f"--hint {word!r}: name one of {record.marker}'s functions after the dot:"
                f" {', '.join(record.writes)}."
            )
        raise pytest.UsageError(
            f"--hint {word!r}: {record.marker} has no function {function!r} for you to write."
            f" Its functions: {', '.join(record.writes)}.{meant}"
        )
    return record, function


def show(
    config: pytest.Config,
    folder: Path,
    word: str,
    reset: bool = False,
    write: Callable[[str], None] = print,
) -> None:
    """Print the hints seen so far for one function, plus the next one (`folder`: the tree
    whose files the student writes, exercises/ as a rule)."""
    record, function = target(word)
    if function is None:
        function, why = first_unsolved(config, folder, record)
        if function is None:
            write(f"{record.marker}: {why}. Nothing to hint at; for one function's hints:")
            write(f"  pytest --hint {record.marker}.FUNCTION   ({', '.join(record.writes)})")
            return
        write(f"{record.marker}: {function} is the first function that does not pass ({why}).")
        write("")
    hints = record.hints[function]
    cache = getattr(config, "cache", None)
    _last_failure(cache, record, function, write)
    key = seen_key(record.module, function)
    seen = 0 if reset or cache is None else int(cache.get(key, 0))
    again = f"pytest --hint {record.marker}.{function}"
    if seen >= LEVELS:
        write(
            f"You have seen all {LEVELS} hints for {function}; the failure's own message is"
            " the most specific help there is. Read the function's docstring beside it, and"
            " write the shape of each array next to it."
        )
        write(f"See the hints again from the first:  {again} --hint-reset")
        return
    level = seen + 1
    if cache is not None:
        cache.set(key, level)
    write(f"Hints for {record.marker} {function} ({level} of {LEVELS}):")
    for i, text in enumerate(hints[:level], 1):
        write("")
        for line in textwrap.wrap(
            text, width=88, initial_indent=f" {i}. ", subsequent_indent="    "
        ):
            write(line)
    write("")
    if level < LEVELS:
        write(f"Run  {again}  again for the next hint.")
    else:
        write(f"That is every hint for {function}. Start over with  {again} --hint-reset")


def _last_failure(
    cache: pytest.Cache | None,
    record: registry.Exercise,
    function: str,
    write: Callable[[str], None],
) -> None:
    """What the last run said about the function, when it failed: its diagnosis first."""
    said = cache.get(failure_key(record.module), {}).get(function) if cache is not None else None
    if not said:
        return
    write(f"Your last run, on {function}:")
    lines = said.splitlines()
    for line in lines[:SHOWN_LINES]:
        for part in textwrap.wrap(line, width=88, subsequent_indent="      ") or [""]:
            write(f"  {part}")
    if len(lines) > SHOWN_LINES:
        write("  ...")
    write("")


# --- the offer after failing runs --------------------------------------------------------------
class Streaks:
    """How many runs in a row each test has failed, kept in pytest's cache."""

    def __init__(self, config: pytest.Config) -> None:
        self.cache: pytest.Cache | None = getattr(config, "cache", None)
        self.streaks: dict[str, int] = {}

    def update(self, outcomes: Iterable[Outcome]) -> None:
        if self.cache is None:
            return
        streaks = dict(self.cache.get("kata/streaks", {}))
        for o in outcomes:
            if o.status == "failed":
                streaks[o.nodeid] = streaks.get(o.nodeid, 0) + 1
            elif o.status in ("passed", "not started"):
                streaks.pop(o.nodeid, None)
        self.cache.set("kata/streaks", streaks)
        self.streaks = streaks

    def offer(self, row: Row) -> str | None:
        """After STUCK_AFTER failing runs of a row's first failure, offer the next hint of the
        function it tests."""
        failure = row.first_failure
        if self.cache is None or failure is None:
            return None
        if self.streaks.get(failure.nodeid, 0) < STUCK_AFTER:
            return None
        record = registry.BY_MODULE[row.exercise]
        function = function_of(failure, record)
        if function is None:
            return f"stuck? pytest --hint {record.marker} shows a hint for the function you are on"
        seen = int(self.cache.get(seen_key(record.module, function), 0))
        if seen >= LEVELS:
            return None
        return (
            f"stuck? pytest --hint {record.marker}.{function} shows hint {seen + 1} of {LEVELS}"
            f" for {function}"
        )
