"""The progress table: a pure function of the outcomes, the exercises' totals and a few facts.

An exercise is *done* only when every one of its tests ran in this run and passed. A
partial run (-k, --sw, --lf, a node id, Ctrl-C) says what ran and what comes next; the
totals come from all of an exercise's tests, not from this run's selection.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from tests.kata import registry
from tests.kata.runtime import console
from tests.kata.runtime.outcomes import Outcome


@dataclass
class Row:
    exercise: str
    total: int  # every test of the exercise (given ones aside), whatever ran
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    not_started: int = 0
    skipped: int = 0
    stubs: list[str] = field(default_factory=list)  # functions still to write, in order
    first_failure: Outcome | None = None
    reproduces: str | None = None

    @property
    def ran(self) -> int:
        return self.passed + self.failed + self.blocked + self.not_started + self.skipped

    @property
    def done(self) -> bool:
        return self.total > 0 and self.passed == self.total


@dataclass(frozen=True)
class Style:
    fancy: bool = True
    columns: int = 100

    @property
    def marks(self) -> tuple[str, str, str, str, str]:
        return ("█", "░", "✓", "✗", "─") if self.fancy else ("#", ".", "+", "x", "-")


@dataclass(frozen=True)
class Line:
    text: str
    color: str = ""  # "", "red", "green", "yellow"


def rows(outcomes: Iterable[Outcome], total: Callable[[str], int]) -> list[Row]:
    """One row per exercise that had a test in this run, in the registry's order.

    total(exercise): the number of all its tests, whatever this run selected."""
    by_exercise: dict[str, Row] = {}
    for o in outcomes:
        if o.exercise is None or o.given or o.status == "pending":
            continue
        if o.exercise not in by_exercise:
            by_exercise[o.exercise] = Row(o.exercise, total(o.exercise))
        row = by_exercise[o.exercise]
        if o.status == "passed":
            row.passed += 1
            row.reproduces = o.document or row.reproduces
        elif o.status == "failed":
            row.failed += 1
            row.first_failure = row.first_failure or o
        elif o.status == "blocked":
            row.blocked += 1
        elif o.status == "not started":
            row.not_started += 1
            if o.function and o.function not in row.stubs:
                row.stubs.append(o.function)
        else:
            row.skipped += 1
    for row in by_exercise.values():
        row.total = max(row.total, row.ran)
        order = registry.BY_MODULE[row.exercise].writes
        row.stubs.sort(key=lambda s: order.index(s) if s in order else len(order))
    return [by_exercise[name] for name in registry.names() if name in by_exercise]


def _wrap(text: str, style: Style, color: str = "") -> list[Line]:
    """The text as lines within the style's columns, broken between words, each further line
    indented like the first's words; in plain ASCII where the console wants it."""
    if not style.fancy:
        text = console.plain(text)
    body = text.lstrip(" ")
    indent = " " * (len(text) - len(body))
    if len(text) > style.columns and len(indent) > style.columns // 4:
        indent = "   "  # a narrow terminal: the words get the room, not the margin
        text = indent + body
    _, _, tick, cross, _ = style.marks
    for mark in (f"{cross} ", f"{tick} ", "Next: "):  # continue under the words, not the mark
        if body.startswith(mark):
            indent += " " * len(mark)
            break
    width = max(style.columns, len(indent) + 20)
    parts = textwrap.wrap(
        text,
        width=width,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,  # a test's name or a path longer than a line stays whole
    ) or [text]
    return [Line(part, color) for part in parts]


def state(row: Row, interrupted: bool) -> str:
    if row.done and not interrupted:
        return "done"
    if row.failed:
        blocked = f", {row.blocked} blocked" if row.blocked else ""
        return f"{row.failed} failing{blocked}"
    if row.stubs:
        return "not started" if row.passed == 0 else f"next: write {row.stubs[0]}()"
    if row.ran < row.total:
        return (
            f"{row.ran} of {row.total} ran, all pass"
            if row.ran == row.passed
            else (f"{row.ran} of {row.total} ran")
        )
    if row.skipped:
        return f"{row.skipped} skipped"
    return f"all {row.ran} ran and pass, but the run was interrupted" if interrupted else "done"


def next_step(row: Row, path: str) -> list[str]:
    marker = registry.BY_MODULE[row.exercise].marker
    if row.first_failure is not None and row.first_failure.function == "import":
        return [f"make {path} import", row.first_failure.reason]
    if row.first_failure is not None:
        return [f"fix {row.first_failure.test}", row.first_failure.reason]
    if row.stubs:
        return [f"write {row.stubs[0]}() in {path}"]
    if row.ran < row.total:
        return [f"run all of {marker}: pytest -m {marker}"]
    return []


def render(
    table_rows: list[Row],
    *,
    where: str,
    paths: Mapping[str, str],
    style: Style = Style(),
    interrupted: bool = False,
    notes: Iterable[str] = (),
    hint: str | None = None,
    student_mode: bool = True,
    stepwise: bool = False,
) -> list[Line]:
    """The lines below pytest's summary: one row per exercise, then what to do next."""
    if not table_rows:
        return []
    full, empty, tick, cross, rule = style.marks
    title = f" kata progress: {where} "
    if interrupted:
        title = f" kata progress: {where} (interrupted) "
    side = max(style.columns - len(title), 8)
    lines = [Line(rule * (side // 2) + title + rule * (side - side // 2))]
    width = max(len(r.exercise) for r in table_rows)
    for row in table_rows:
        filled = round(10 * row.passed / row.total) if row.total else 0
        status = state(row, interrupted)
        mark = f"{tick} " if status == "done" else ""
        text = (
            f" {row.exercise:<{width}}  {full * filled}{empty * (10 - filled)}"
            f" {row.passed:>3}/{row.total:<3} {mark}{status}"
        )
        color = "red" if row.failed else "green" if status == "done" else ""
        lines += _wrap(text, style, color)
        if row.first_failure is not None:
            reason = f"{row.first_failure.test}: {row.first_failure.reason}"
            lines += _wrap(f" {'':<{width}}  {cross} {reason}", style, "red")
    for row in table_rows:
        if row.reproduces and row.done and not interrupted:
            marker = registry.BY_MODULE[row.exercise].marker
            lines += _wrap(
                f" {tick} {marker}: your network reproduces document {row.reproduces}'s"
                " printed run, number for number.",
                style,
                "green",
            )
    for note in notes:
        lines += _wrap(f" {note}", style, "yellow")
    if interrupted:
        lines.append(
            Line(" The run was interrupted: only the tests that ran are counted.", "yellow")
        )
    todo = [r for r in table_rows if not r.done]
    if todo:
        row = todo[0]
        marker = registry.BY_MODULE[row.exercise].marker
        steps = next_step(row, paths.get(row.exercise, row.exercise))
        for i, step in enumerate(steps):
            lines += _wrap((" Next: " if i == 0 else "       ") + step, style)
        if hint:
            lines += _wrap(f"       {hint}", style, "yellow")
        if row.failed or row.stubs:
            advice = " --sw" if stepwise else "   (add --sw to stop at the first failure)"
            lines.append(Line(f"       then run  pytest -m {marker}{advice}"))
    elif student_mode and not interrupted:
        lines.append(Line(f" {tick} Every exercise you ran passes.", "green"))
    return lines
