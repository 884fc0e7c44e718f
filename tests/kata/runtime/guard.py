"""Each test inside the kata's walls: numpy's state, the test's limit, a crash marker.

Around every test, numpy's error state, print options and legacy random state are the
kata's and are restored after (the subject process resets its own per test: the run's test
counter, advanced here, with the exercise and function the test is about). A known answer's
failure (harness.Unnamed) is named here, where that test is known, as a mistake of the
catalogue's when its values are one's. The
call phase has the test's time limit (the run's watchdog, contain.py), and faulthandler
ends a process stuck inside compiled code past that limit. Each test's node id is written
to a marker file when it starts and the file is removed when the run ends, so a run that
died says so the next time: "your last run stopped in <test>".
"""

from __future__ import annotations

import faulthandler
import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TextIO

import pytest

from tests.kata import registry
from tests.kata.runtime import contain, fingerprints, subject
from tests.kata.runtime.faults import Fault
from tests.kata.runtime.harness import Unnamed


def _limit(item: pytest.Item, default: float) -> float:
    """The test's limit: --test-limit, or a slow self-check's own (@pytest.mark.test_limit)."""
    marker = item.get_closest_marker("test_limit")
    return float(marker.args[0]) if marker and marker.args else default


class Guard:
    def __init__(self, config: pytest.Config, run: subject.Run) -> None:
        self.config = config
        self.run = run
        self.marker: Path | None = None
        cache = getattr(config, "cache", None)
        if cache is not None:
            self.marker = cache.mkdir("kata") / "running"
        self.last_run_stopped_in = self._read_marker()
        self._stderr: TextIO | None = None

    def _read_marker(self) -> str | None:
        if self.marker is None or not self.marker.is_file():
            return None
        text = self.marker.read_text(encoding="utf-8").strip()
        self.marker.unlink()
        return text or None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:  # faulthandler writes here: the terminal, even while pytest captures fd 2
            stderr = sys.__stderr__  # None when Python started without one
            self._stderr = None if stderr is None else os.fdopen(os.dup(stderr.fileno()), "w")
        except (AttributeError, OSError, ValueError):
            self._stderr = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Iterator[None]:
        if self.marker is not None:
            self.marker.write_text(item.nodeid, encoding="utf-8")
        record = registry.of_test_file(item.path.name)
        run = self.run
        if record is None:
            run.next_test()
        else:
            stage = item.get_closest_marker("stage")
            about = record.owner(item.nodeid, stage.args[0] if stage and stage.args else None)
            run.next_test(record.module, about)
        if self._stderr is not None and not contain.debugger_attached():
            faulthandler.dump_traceback_later(
                _limit(item, run.time.test) + run.time.grace, exit=True, file=self._stderr
            )
        try:
            with contain.numpy_state():
                yield
        finally:
            if self._stderr is not None:
                faulthandler.cancel_dump_traceback_later()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        self.run.watchdog.arm("test", "the test", _limit(item, self.run.time.test))
        try:
            return (yield)
        except Unnamed as failure:
            known = fingerprints.name_all(failure.wrong, failure.right, self.run.about)
            if known:
                raise Fault(failure.word(known), failure.function, failure.kind) from None
            raise
        finally:
            self.run.watchdog.disarm("test")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.marker is not None and self.marker.is_file():
            self.marker.unlink()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
