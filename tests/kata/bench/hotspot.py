"""Where the time of your batched gradient goes: a small line profiler for one file.

`profile(gradient, args, path)` calls gradient(*args) a few times under sys.settrace,
tracing only the frames whose code comes from `path` (the student's exercise file). Each
of its lines is charged the time from its start to the next line of the same frame, so a
line that calls numpy, or another of the student's functions, carries that call's time
too, as line_profiler counts it; the tracer's own time is left out. A loop is charged the
time of all its lines. The line or loop that took the most is the hotspot.

Profiling is bounded (a few calls, a time budget, a hard deadline after which tracing
stops) and never fails: it returns None when it could not measure.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any, TypeAlias

CALLS = 20  # at most this many traced calls ...
BUDGET = 0.2  # ... and no more once they have taken this many seconds
DEADLINE = 3.0  # past this, tracing stops and nothing is reported
# sys.settrace's callbacks: (frame, event, arg) -> the frame's tracer, or None.
Tracer: TypeAlias = Callable[[FrameType, str, Any], "Tracer | None"]


@dataclass(frozen=True)
class Hotspot:
    line: int  # the line's number, or the loop's first line
    text: str  # that line, stripped
    share: float  # of the traced calls' time, 0 to 1
    loop: bool  # a for or while loop, charged with all its lines

    def as_dict(self) -> dict[str, int | str | float | bool]:
        return {"line": self.line, "text": self.text, "share": self.share, "loop": self.loop}


@dataclass
class _Line:
    """A traced frame's state: its line, the line's start, and LineTimer.spent then."""

    line: int | None  # None until its first line event
    start: float
    spent: float


class LineTimer:
    """sys.settrace's callbacks: seconds per (code object, line) of one file's frames."""

    clock = staticmethod(time.perf_counter)

    def __init__(self, path: str, deadline: float) -> None:
        self.path = os.path.realpath(path)
        self.deadline = deadline
        self.seconds: dict[tuple[CodeType, int], float] = defaultdict(float)
        self.spent = 0.0  # in the callbacks themselves: subtracted from every line
        self.expired = False
        self._files: dict[str, bool] = {}
        self._frames: dict[FrameType, _Line] = {}

    def _ours(self, filename: str) -> bool:
        found = self._files.get(filename)
        if found is None:
            try:
                found = os.path.realpath(filename) == self.path
            except (OSError, ValueError):
                found = False
            self._files[filename] = found
        return found

    def on_call(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        """The global tracer: sees every new frame; follows the file's own."""
        if event != "call" or self.expired or not self._ours(frame.f_code.co_filename):
            return None
        now = self.clock()
        self._frames[frame] = _Line(None, now, self.spent)
        self.spent += self.clock() - now
        return self.on_line

    def on_line(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        """The frame's tracer: charges its previous line when the next begins or it returns."""
        now = self.clock()
        state = self._frames.get(frame)
        if state is None or self.expired:
            return None
        line, start, spent = state.line, state.start, state.spent
        if line is not None:
            self.seconds[frame.f_code, line] += (now - start) - (self.spent - spent)
        if now > self.deadline:
            self.stop()
            return None
        if event == "return":
            del self._frames[frame]
        elif event == "line":
            state.line = frame.f_lineno
        end = self.clock()
        self.spent += end - now
        state.start, state.spent = end, self.spent
        return self.on_line

    def stop(self) -> None:
        """Tracing off, also in the frames still running."""
        self.expired = True
        sys.settrace(None)
        for frame in self._frames:
            frame.f_trace = None
        self._frames.clear()


def profile(
    gradient: Callable[..., object],
    args: tuple[object, ...],
    path: str,
    calls: int = CALLS,
    budget: float = BUDGET,
) -> Hotspot | None:
    """The hotspot of gradient(*args) in the file `path`, or None when it cannot be measured.

    Not under another tracer (a debugger, coverage): it would be replaced, so nothing is done.
    """
    if sys.gettrace() is not None:
        return None
    timer = LineTimer(path, time.perf_counter() + DEADLINE)
    total = 0.0
    try:
        for _ in range(calls):
            start, spent = time.perf_counter(), timer.spent
            sys.settrace(timer.on_call)
            try:
                gradient(*args)
            finally:
                sys.settrace(None)
            total += (time.perf_counter() - start) - (timer.spent - spent)
            if timer.expired or total >= budget:
                break
    finally:
        sys.settrace(None)
    if timer.expired or total <= 0:
        return None
    return hottest(timer.seconds, total, path)


def hottest(seconds: dict[tuple[CodeType, int], float], total: float, path: str) -> Hotspot | None:
    """The line, or the loop (all its lines), with the most time."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            source = f.read()
        loops = [
            node
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.For | ast.While | ast.AsyncFor)
        ]
    except (OSError, SyntaxError, ValueError):
        return None
    lines = source.splitlines()
    by_code: dict[CodeType, dict[int, float]] = defaultdict(dict)
    for (code, line), value in seconds.items():
        by_code[code][line] = value
    candidates = [(value, line, False) for (_, line), value in seconds.items()]
    for node in loops:
        # The function the loop is written in runs its first line on every pass; a
        # comprehension on that line does too, but starts on it, not above it.
        owners = [c for c, at in by_code.items() if node.lineno in at]
        owners = [c for c in owners if c.co_firstlineno < node.lineno]
        if not owners:
            continue
        owner = max(owners, key=lambda c: c.co_firstlineno)
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        charged = sum(value for line, value in by_code[owner].items() if line in span)
        candidates.append((charged, node.lineno, True))
    if not candidates:
        return None
    # The most time first; of equal times the loop, which holds the line.
    value, line, loop = max(candidates, key=lambda c: (c[0], c[2]))
    if not 0 < line <= len(lines):
        return None
    return Hotspot(line, lines[line - 1].strip(), min(max(value / total, 0.0), 1.0), loop)
