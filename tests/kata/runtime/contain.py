"""The walls of the kata's own process: the limits' one home, the test's limit, numpy's state.

The student's code runs in a subject process (child/), whose server holds its own walls
(numpy's error state, warnings as errors, exits that raise, the call limit). Here: `Limits`,
the watchdog that ends a test past its limit (a thread raising TimeLimit in the main thread,
PyThreadState_SetAsyncExc; faulthandler is the backstop, guard.py), numpy's state around
each test, and warnings as errors around the checks.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
import time
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tests.kata.runtime.child.errstate import ERRSTATE  # numpy's error state in the kata


@dataclass
class Limits:
    """Seconds a call of a student's function, and a whole test, may take. The one home of both.

    Changed with --call-limit / --test-limit, or kata_call_limit / kata_test_limit in the ini.
    """

    call: float = 10.0
    test: float = 60.0
    grace: float = 10.0  # past the test's limit, faulthandler ends a process stuck in C


class TimeLimit(BaseException):
    """Raised in the main thread by the watchdog when a limit runs out."""


@dataclass
class Stuck:
    """Where the main thread was when a limit ran out."""

    what: str  # "forward", "the test"
    limit: float
    where: str  # "exercises/ex02_sigmoid_mse.py:57 in forward: while True: pass", or ""


# --- the watchdog -------------------------------------------------------------------------------
class Watchdog:
    """One daemon thread that raises TimeLimit in the main thread when a deadline passes."""

    POLL = 0.05

    def __init__(self) -> None:
        self.main = threading.main_thread().ident
        self.deadlines: dict[str, tuple[float, str, float]] = {}  # slot -> (when, what, limit)
        self.fired: Stuck | None = None
        self._thread: threading.Thread | None = None

    def arm(self, slot: str, what: str, limit: float) -> None:
        """Raise TimeLimit in the main thread `limit` seconds from now, unless disarmed first.

        Called around every call of the student's code, so it is kept cheap.
        """
        if limit <= 0 or (sys.gettrace() is not None and debugger_attached()):
            return
        self.deadlines[slot] = (time.monotonic() + limit, what, limit)
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="kata-watchdog", daemon=True)
            self._thread.start()

    def disarm(self, slot: str) -> None:
        self.deadlines.pop(slot, None)

    def take(self, what: str | None = None) -> Stuck | None:
        """What fired (for `what`, if given), once; and clear the exception still pending."""
        fired = self.fired
        if fired is None or (what is not None and fired.what != what):
            return None
        self.fired = None
        _set_async_exc(self.main, None)
        return fired

    def _watch(self) -> None:
        while True:
            time.sleep(self.POLL)
            now = time.monotonic()
            for slot, (when, what, limit) in list(self.deadlines.items()):
                if now < when:
                    continue
                frames = _main_frames(self.main)
                if _traced(frames):  # a debugger stopped here: the limit waits for it
                    self.deadlines[slot] = (now + limit, what, limit)
                    continue
                self.fired = Stuck(what, limit, "")
                # Until the main thread takes it, ask again every second: the student's code
                # may swallow one exception with a bare `except:`.
                self.deadlines[slot] = (now + 1.0, what, limit)
                _set_async_exc(self.main, TimeLimit)
                break


def _set_async_exc(thread_id: int | None, exc: type[BaseException] | None) -> None:
    if thread_id is None:
        return
    target = ctypes.py_object(exc) if exc is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), target)


def _main_frames(thread_id: int | None) -> list[types.FrameType]:
    frame = sys._current_frames().get(thread_id) if thread_id is not None else None
    frames: list[types.FrameType] = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames  # innermost first


def _traced(frames: list[types.FrameType]) -> bool:
    return any(frame.f_trace is not None for frame in frames[:3])


def debugger_attached() -> bool:
    """pdb (or any bdb debugger) tracing this thread, or an IDE's debugger (pydevd, debugpy).

    The IDEs' debuggers trace through sys.settrace as well, so an untraced thread has none.
    """
    trace = sys.gettrace()
    if trace is None:
        return False
    owner = getattr(trace, "__self__", None)
    if owner is not None and type(owner).__module__ in ("bdb", "pdb"):
        return True
    return any(name in sys.modules for name in ("pydevd", "debugpy"))


# --- numpy's state --------------------------------------------------------------------------------
@contextlib.contextmanager
def numpy_state() -> Iterator[None]:
    """The kata's numpy state inside; whatever the student set is undone after."""
    printing = np.get_printoptions()
    legacy = np.random.get_state()
    try:
        with np.errstate(**ERRSTATE):
            yield
    finally:
        np.set_printoptions(**printing)
        np.random.set_state(legacy)


@contextlib.contextmanager
def warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
