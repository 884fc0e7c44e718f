"""Progressive hints, three per exercise (in the registry): a nudge, the key equation, the shapes.

`pytest --hint ex02` shows the hints seen so far and the next one (pytest's cache remembers
how many; `--hint-reset` starts over). After the same test has failed STUCK_AFTER runs in a
row, the progress table offers the next hint.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.kata import registry

STUCK_AFTER = 3  # failing runs in a row before the table offers a hint


def key(exercise: str) -> str:
    return f"kata/hints/{exercise}"


def show(config, word: str, reset: bool = False, write=print) -> None:
    """Print the hints seen so far for one exercise, plus the next one."""
    record = registry.resolve(word)
    if record is None:
        raise pytest.UsageError(
            f"--hint {word!r} names no exercise. The exercises: {registry.valid()}."
        )
    hints = record.hints
    cache = getattr(config, "cache", None)
    seen = 0 if reset or cache is None else int(cache.get(key(record.module), 0))
    level = min(seen + 1, len(hints))
    if cache is not None:
        cache.set(key(record.module), level)
    write(f"Hints for {record.module} ({level} of {len(hints)}):")
    for i, text in enumerate(hints[:level], 1):
        write("")
        for line in textwrap.wrap(
            text, width=88, initial_indent=f" {i}. ", subsequent_indent="    "
        ):
            write(line)
    write("")
    if level < len(hints):
        write(f"Run  pytest --hint {record.marker}  again for the next hint.")
    else:
        write(f"That is every hint. Start over with  pytest --hint {record.marker} --hint-reset")


class Streaks:
    """How many runs in a row each test has failed, kept in pytest's cache."""

    def __init__(self, config):
        self.cache = getattr(config, "cache", None)
        self.streaks: dict[str, int] = {}

    def update(self, outcomes) -> None:
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

    def offer(self, row) -> str | None:
        """After STUCK_AFTER failing runs of a row's first failure, offer the next hint."""
        failure = row.first_failure
        if self.cache is None or failure is None:
            return None
        if self.streaks.get(failure.nodeid, 0) < STUCK_AFTER:
            return None
        seen = int(self.cache.get(key(row.exercise), 0))
        if seen >= 3:
            return None
        marker = registry.BY_MODULE[row.exercise].marker
        return f"stuck? pytest --hint {marker} shows hint {seen + 1} of 3"
