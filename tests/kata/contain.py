"""Contain the student's code: numpy's state, a time limit on every call, exits and interrupts.

Everything the kata runs of a student's module goes through `guarded` (a call) or
`guarding` (an import): numpy's error state is the kata's default and is restored after,
warnings are errors, a call that does not return within its limit is stopped where it
is stuck, and os._exit, os.abort and sys.exit raise an error instead of ending the run.

The limit works the same on Linux, macOS and Windows: a watchdog thread raises an
exception in the main thread (PyThreadState_SetAsyncExc), which stops any loop written
in Python. A hang inside compiled code cannot be interrupted that way; for it the
plugin arms faulthandler as a backstop, which ends the process after the test's limit.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# numpy's default state: divide, over and invalid warn (and warnings are errors here), under
# is ignored: the reference's stable sigmoid takes exp(-|z|), which underflows at ±1000.
ERRSTATE = {"divide": "warn", "over": "warn", "invalid": "warn", "under": "ignore"}


@dataclass
class Limits:
    """Seconds a call of a student's function, and a whole test, may take. The one home of both.

    Changed with --call-limit / --test-limit, or kata_call_limit / kata_test_limit in the ini.
    """

    call: float = 10.0
    test: float = 60.0
    grace: float = 10.0  # past the test's limit, faulthandler ends a process stuck in C


LIMITS = Limits()


class TimeLimit(BaseException):
    """Raised in the main thread by the watchdog when a limit runs out."""


class Exited(Exception):  # noqa: N818
    """What os._exit, os.abort and sys.exit raise while the student's code runs."""

    def __init__(self, how: str, code=None):
        super().__init__(how)
        self.how, self.code = how, code


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

    def __init__(self):
        self.main = threading.main_thread().ident
        self.deadlines: dict[str, tuple[float, str, float]] = {}  # slot -> (when, what, limit)
        self.fired: Stuck | None = None
        self.locate: Callable[[list], str] = lambda frames: ""
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
                self.fired = Stuck(what, limit, self.locate(frames))
                # Until the main thread takes it, ask again every second: the student's code
                # may swallow one exception with a bare `except:`.
                self.deadlines[slot] = (now + 1.0, what, limit)
                _set_async_exc(self.main, TimeLimit)
                break


def _set_async_exc(thread_id: int | None, exc) -> None:
    if thread_id is None:
        return
    target = ctypes.py_object(exc) if exc is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), target)


def _main_frames(thread_id: int | None) -> list:
    frame = sys._current_frames().get(thread_id)
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames  # innermost first


def _traced(frames: list) -> bool:
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


WATCHDOG = Watchdog()


# --- exits and interrupts ----------------------------------------------------------------------
class _Interrupts:
    """Tell a real Ctrl-C from a KeyboardInterrupt the student's code raises itself."""

    def __init__(self):
        self.real = False
        self._previous = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._handler)

    def uninstall(self) -> None:
        if self._previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handler(self, signum, frame):
        self.real = True
        raise KeyboardInterrupt


INTERRUPTS = _Interrupts()


def _raise_exit(how: str):
    def stand_in(code=None, *args):
        raise Exited(how, code)

    return stand_in


@contextlib.contextmanager
def exits_intercepted():
    """os._exit, os.abort and sys.exit raise Exited instead of ending the process."""
    saved = (os._exit, os.abort, sys.exit)
    os._exit, os.abort, sys.exit = (
        _raise_exit("os._exit"),
        _raise_exit("os.abort"),
        _raise_exit("sys.exit"),
    )
    try:
        yield
    finally:
        os._exit, os.abort, sys.exit = saved


# --- numpy's state --------------------------------------------------------------------------------
@contextlib.contextmanager
def numpy_state():
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
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def where_stuck(frames: list, is_student_file: Callable[[str], bool], show) -> str:
    """The innermost line of the student's file among `frames` (innermost first), or ""."""
    for frame in frames:
        if is_student_file(frame.f_code.co_filename):
            summary = traceback.FrameSummary(
                frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name
            )
            return f"{show(summary.filename)}:{summary.lineno} in {summary.name}: {summary.line}"
    return ""
