"""The subject process: the student's module and the kata's given code, and nothing else.

Started by the kata's pytest process (child/process.py) as `python -I server.py` in a folder
of its own, with the student's exercise file, that exercise's pristine given code and
`_draw.py` on its import path, and neither the kata's tests nor its solutions. It answers
requests one at a time over a pipe (the format is codec.py's) and reports facts: what a call
returned, what it changed of its arguments, what it raised and where, what the student's
code printed, where a call was stuck. The kata's process decides what each fact means; no
verdict is made here, so nothing the student's code does in this process can make one.

The student's prints go to the output pipe, not to the kata's: fd 1 is moved to fd 2 at
start, and the protocol uses copies of the original fds 0 and 1.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import faulthandler
import importlib
import importlib.abc
import inspect
import io
import math
import mmap
import os
import signal
import struct
import sys
import threading
import time
import traceback
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt
from kata_runtime import codec, hotspot, mainrun, state
from kata_runtime.errstate import ERRSTATE  # numpy's error state in the kata

Answer: TypeAlias = "tuple[dict[str, Any], list[bytes]]"  # a reply's header and its blobs
Gradient: TypeAlias = "Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], Any]"
KEPT = 4096  # objects held for the kata at most (it holds references to fewer: identity.py)
FORBIDDEN = ("tests", "solutions", "conftest")


# --- the one-sentence refusal of the kata's own code --------------------------------------------
class _NoKata(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        name: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> None:
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(
                f"`import {name}`: an exercise runs apart from the kata's tests and solutions,"
                " so it cannot import them; write what you need in your own file."
            )
        return None


# --- the protocol -----------------------------------------------------------------------------
class Channel:
    def __init__(self, fd_in: int, fd_out: int):
        self._in = os.fdopen(fd_in, "rb", buffering=0)
        self._out = os.fdopen(fd_out, "wb", buffering=0)
        self._lock = threading.Lock()

    def _read(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = self._in.read(left)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> Answer:
        message: Answer = codec.unpack(self._read)
        return message

    def send(self, header: dict[str, Any], blobs: list[bytes] | tuple[()] = ()) -> None:
        data = codec.pack(header, list(blobs))
        with self._lock:
            self._out.write(data)


# --- limits: the beacon and the watchdog --------------------------------------------------------
class Beacon:
    """Which of the student's functions runs, and since when, in memory the kata reads too.

    The kata reads it without this process's help, so a call that never gives the watchdog
    thread a turn (compiled code, a loop that swallows every exception) is ended all the same.
    """

    LAYOUT = struct.Struct("<dI")  # start (time.monotonic()), 1 + the function's index; 0: none

    def __init__(self, fd: int | None):
        self.memory = None
        if fd is not None:
            with contextlib.suppress(OSError, ValueError):
                self.memory = mmap.mmap(fd, self.LAYOUT.size)

    # The start is written before the function, and the function cleared before the start:
    # a reading taken halfway never pairs a running function with a start of 0.
    def enter(self, index: int) -> None:
        if self.memory is not None:
            self.memory[0:8] = struct.pack("<d", time.monotonic())
            self.memory[8:12] = struct.pack("<I", index + 1)

    def leave(self) -> None:
        if self.memory is not None:
            self.memory[8:12] = b"\0\0\0\0"
            self.memory[0:8] = b"\0" * 8


class TimeLimit(BaseException):
    pass


class Watchdog:
    """Raises TimeLimit in the main thread when a deadline passes, and says where it was.

    Two deadlines: a call of a student's function ("call"), and the whole request, which
    the kata sets to what is left of the test's own limit ("request"). The note reaches the
    kata before the exception does; if the main thread never takes the exception (a loop in
    compiled code, a bare `except:`), the kata ends this process.
    """

    def __init__(self, channel: Channel, place: Callable[[types.FrameType | None], str]) -> None:
        self.channel, self.place = channel, place
        self.main: int = threading.main_thread().ident or 0
        self.deadlines: dict[str, tuple[float, str, float]] = {}
        self.fired: str | None = None
        self.request: object = None  # the id of the request being answered
        threading.Thread(target=self._watch, name="kata-watchdog", daemon=True).start()

    def arm(self, slot: str, what: str, limit: float | None) -> None:
        if limit is not None and limit > 0:
            self.deadlines[slot] = (time.monotonic() + limit, what, limit)

    def disarm(self, slot: str) -> None:
        self.deadlines.pop(slot, None)

    def take(self) -> str | None:
        fired, self.fired = self.fired, None
        if fired is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.main), None)
        return fired

    def _watch(self) -> None:
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            for slot, (when, what, limit) in list(self.deadlines.items()):
                if now < when:
                    continue
                where = self.place(sys._current_frames().get(self.main))
                if self.fired is None:
                    note = {"note": "stuck", "function": what, "where": where, "limit": limit}
                    self.channel.send({**note, "slot": slot, "id": self.request})
                self.fired = what
                self.deadlines[slot] = (now + 1.0, what, limit)  # again, if it was swallowed
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.main), ctypes.py_object(TimeLimit)
                )
                break


# --- what the kata is told when a call goes wrong -----------------------------------------------
class Report(BaseException):
    """Ends a request with a fact for the kata: `kind` of mishap in `function`, and details."""

    def __init__(self, kind: str, function: str, **details: Any) -> None:
        super().__init__(kind)
        self.kind, self.function, self.details = kind, function, details


class Exited(Exception):  # noqa: N818
    def __init__(self, how: str, code: object = None) -> None:
        super().__init__(how)
        self.how, self.code = how, code


def _stand_in(how: str) -> Callable[..., NoReturn]:
    def exit_(code: object = None, *args: object) -> NoReturn:
        raise Exited(how, code)

    return exit_


@contextlib.contextmanager
def walls() -> Iterator[None]:
    """numpy's error state, warnings as errors, and exits that raise: around every request.

    (numpy's print options and legacy random state are put back once per test: Server.)
    """
    saved_exits = (os._exit, os.abort, sys.exit)
    os._exit, os.abort, sys.exit = (
        _stand_in("os._exit"),
        _stand_in("os.abort"),
        _stand_in("sys.exit"),
    )
    try:
        with np.errstate(**ERRSTATE), warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        os._exit, os.abort, sys.exit = saved_exits


# --- the result checks for calls that given code makes -----------------------------------------
def _out_shape(params: object, X: Any) -> tuple[int, int] | None:
    last = next(reversed(params.values()), None) if isinstance(params, dict) else None
    if last is None or getattr(X, "ndim", 0) != 2 or getattr(last, "ndim", 0) != 2:
        return None
    return (X.shape[0], last.shape[-1])


def _forward_ok(args: tuple[Any, ...], result: object) -> bool:
    if not isinstance(result, tuple | list) or len(result) != 2 or result[1] is None:
        return False
    shape = _out_shape(*(*args, None, None)[:2])
    out = result[0]
    return shape is None or (
        type(out) is np.ndarray and out.shape == shape and out.dtype == np.float64
    )


def _loss_ok(args: tuple[Any, ...], result: object) -> bool:
    """One finite real number: a float or int, a numpy scalar, a 0-d array (as the kata takes)."""
    if isinstance(result, bool | np.bool_):
        return False
    if isinstance(result, float | int | np.floating | np.integer):
        return math.isfinite(result)
    if isinstance(result, np.ndarray) and result.ndim == 0 and result.dtype.kind in "fiu":
        return math.isfinite(result)
    return False


def _backward_ok(args: tuple[Any, ...], result: object) -> bool:
    params = args[0] if args and isinstance(args[0], dict) else None
    if params is None:
        return True
    if not isinstance(result, dict) or result.keys() != params.keys():
        return False
    return all(
        type(g) is np.ndarray and g.shape == params[k].shape and g.dtype == np.float64
        for k, g in result.items()
    )


RESULT_OK = {"forward": _forward_ok, "loss": _loss_ok, "backward": _backward_ok}


def _binds(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:
        return True
    return True


# --- the server -------------------------------------------------------------------------------
class Server:
    def __init__(self, channel: Channel, root: str, beacon: Beacon):
        self.channel = channel
        self.beacon = beacon
        self.root = root  # holds exercises/ (the student's file, _draw.py) and given/
        self.package = os.path.join(root, "exercises")
        self.exercise = ""
        self.writes: tuple[str, ...] = ()
        self.call_limit = 10.0
        self.spaces: dict[int, types.ModuleType] = {}  # namespace id -> subject module
        self.handles: dict[int, object] = {}
        self.hung: set[str] = set()
        self.depth = 0
        self.direct: str | None = None
        self.watchdog = Watchdog(channel, self.place)
        self._student_file: str | None = None
        # numpy's print options and legacy random state as they were at start, put back
        # whenever a new test begins (what the student's code set stays within one test).
        self.numpy_state = (np.get_printoptions(), np.random.get_state())
        self.test: object = None

    # files and frames
    def is_student_file(self, filename: str) -> bool:
        return bool(self._student_file) and os.path.realpath(filename) == self._student_file

    def place(self, frame: types.FrameType | None) -> str:
        while frame is not None:
            if self.is_student_file(frame.f_code.co_filename):
                summary = traceback.FrameSummary(
                    frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name
                )
                return f"{frame.f_lineno}\t{summary.name}\t{summary.line or ''}"
            frame = frame.f_back
        return ""

    def frames(self, exc: BaseException) -> list[list[int | str | None]]:
        found = [
            [f.lineno, f.name, (f.line or "").strip()]
            for f in traceback.extract_tb(exc.__traceback__)
            if self.is_student_file(f.filename)
        ]
        if isinstance(exc, SyntaxError) and exc.filename and self.is_student_file(exc.filename):
            found.append([exc.lineno or 0, "", (exc.text or "").strip()])
        return found

    # handles
    def keep(self, obj: object) -> int:
        """Hold obj for the kata, which may pass it back by its id (the oldest are let go)."""
        key = id(obj)
        self.handles.pop(key, None)
        self.handles[key] = obj
        while len(self.handles) > KEPT:
            self.handles.pop(next(iter(self.handles)))
        return key

    def lookup(self, key: int, type_name: str, view: object) -> object:
        if key not in self.handles:
            raise Report("stale", "", type=type_name)
        return self.handles[key]

    def encoder(self) -> codec.Encoder:
        return codec.Encoder(keep=self.keep, view=state.attributes)

    def decode(self, tree: object, blobs: list[bytes]) -> Any:
        return codec.Decoder(blobs, self.lookup).decode(tree)

    # the subject
    def import_student(self, fresh: bool) -> types.ModuleType:
        name = f"exercises.{self.exercise}"
        if not fresh:
            return importlib.import_module(name)
        path = self._student_file or ""  # set by open, before any fresh import
        module = types.ModuleType(f"exercises._fresh_{self.exercise}")
        module.__file__ = path
        module.__package__ = "exercises"
        with open(path, encoding="utf-8-sig") as f:
            code = compile(f.read(), path, "exec")
        sys.modules[module.__name__] = module  # dataclasses and annotations look it up
        exec(code, module.__dict__)
        return module

    def subject(self, student: types.ModuleType) -> types.ModuleType:
        path = os.path.join(self.root, "given", f"{self.exercise}.py")
        module = types.ModuleType(f"exercises._given_{self.exercise}")
        module.__file__ = path
        module.__package__ = "exercises"
        with open(path, encoding="utf-8") as f:
            exec(compile(f.read(), path, "exec"), module.__dict__)
        for name in self.writes:
            fn = getattr(student, name, None)
            module.__dict__[name] = self.guarded(fn, name) if callable(fn) else _Missing(name)
        module.kata_student = student  # type: ignore[attr-defined]
        return module

    def guarded(self, fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        server = self
        index = self.writes.index(name)

        def student_call(*args: Any, **kwargs: Any) -> Any:
            if server.depth:
                return fn(*args, **kwargs)
            if name in server.hung:
                raise Report("blocked", name)
            server.depth = 1
            server.watchdog.arm("call", name, server.call_limit)
            server.beacon.enter(index)
            try:
                result = fn(*args, **kwargs)
            except TypeError as exc:
                first = exc.__traceback__  # this frame's: never None here
                if first is not None and first.tb_next is None and not _binds(fn, args, kwargs):
                    raise Report("signature", name, args=len(args)) from None
                _blame(exc, name)
                raise
            except TimeLimit:
                if server.watchdog.fired != name:  # the test's own limit: the kata says so
                    raise
                server.watchdog.take()
                server.hung.add(name)
                raise Report("hang", name, limit=server.call_limit) from None
            except NotImplementedError as exc:
                tb = traceback.extract_tb(exc.__traceback__)
                if tb and server.is_student_file(tb[-1].filename):
                    raise Report("stub", name) from None
                _blame(exc, name)
                raise
            except (SystemExit, Exited) as exc:
                how = exc.how if isinstance(exc, Exited) else "SystemExit"
                code = exc.code if hasattr(exc, "code") else None
                raise Report(
                    "exit",
                    name,
                    how=how,
                    code=repr(code) if code is not None else "",
                    frames=server.frames(exc),
                ) from None
            except KeyboardInterrupt as exc:
                raise Report("interrupt", name, frames=server.frames(exc)) from None
            except Exception as exc:
                _blame(exc, name)
                raise
            finally:
                server.beacon.leave()
                server.watchdog.disarm("call")
                server.depth = 0
            check = RESULT_OK.get(name)
            if check is not None and server.direct != name and not check(args, result):
                encoder = server.encoder()
                facts = encoder.encode({"args": args, "result": result})
                raise Report("result", name, facts=facts, blobs=encoder.blobs)
            return result

        student_call.kata_student = fn  # type: ignore[attr-defined]
        return student_call

    # requests
    def handle(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        op = header.get("op")
        method: Callable[[dict[str, Any], list[bytes]], Answer] | None = getattr(
            self, f"op_{op}", None
        )
        if method is None:
            return {"error": {"kind": "protocol", "message": f"unknown request {op!r}"}}, []
        self.watchdog.request = header.get("id")
        self.watchdog.arm("request", "the test", header.get("test_left"))
        if header.get("test") != self.test:
            self.test = header.get("test")
            np.set_printoptions(**self.numpy_state[0])
            np.random.set_state(self.numpy_state[1])
        try:
            with walls():
                return method(header, blobs)
        except Report as report:
            details = dict(report.details)
            extra = details.pop("blobs", [])
            return {"error": {"kind": report.kind, "function": report.function, **details}}, extra
        except TimeLimit:  # the test's limit, or an import's
            fired = self.watchdog.take()
            kind = "test-limit" if fired == "the test" else "hang"
            return {"error": {"kind": kind, "function": fired or "import"}}, []
        except BaseException as exc:  # the student's exception, reported as facts
            return {"error": self.exception_facts(exc)}, []
        finally:
            self.watchdog.disarm("request")
            self.watchdog.disarm("call")

    def exception_facts(self, exc: BaseException) -> dict[str, Any]:
        try:
            message = str(exc)
        except Exception:
            message = "(its message could not be shown)"
        kind = "exception"
        if isinstance(exc, (SystemExit, Exited)):
            kind = "exit"
        elif isinstance(exc, KeyboardInterrupt):
            kind = "interrupt"
        facts = {
            "kind": kind,
            "type": type(exc).__name__,
            "mro": [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"],
            "message": message,
            "frames": self.frames(exc),
            "function": getattr(exc, "kata_function", None),
        }
        if isinstance(exc, Exited):
            facts.update(how=exc.how, code=repr(exc.code) if exc.code is not None else "")
        elif isinstance(exc, SystemExit):
            facts.update(how="SystemExit", code=repr(exc.code) if exc.code is not None else "")
        return facts

    def op_open(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        self.exercise = header["exercise"]
        self.writes = tuple(header["writes"])
        self.call_limit = float(header.get("call_limit", 10.0))
        self._student_file = os.path.realpath(os.path.join(self.package, f"{self.exercise}.py"))
        self.watchdog.arm("call", "import", self.call_limit)
        self.beacon.enter(len(self.writes))
        try:
            student = self.import_student(fresh=False)
        finally:
            self.beacon.leave()
            self.watchdog.disarm("call")
        subject = self.subject(student)
        self.spaces[0] = subject
        return {"ok": {"functions": self.describe(student), "given": self.given(subject)}}, []

    def op_fresh(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        student = self.import_student(fresh=True)
        key = max(self.spaces) + 1
        self.spaces[key] = self.subject(student)
        return {"ok": {"ns": key}}, []

    def describe(self, student: types.ModuleType) -> dict[str, dict[str, object] | None]:
        """Each function the student writes: missing, or its parameters and where it is."""
        found: dict[str, dict[str, object] | None] = {}
        for name in self.writes:
            fn = getattr(student, name, None)
            if not callable(fn):
                found[name] = None
                continue
            try:
                params = [
                    [p.name, p.kind.name, p.default is not inspect.Parameter.empty]
                    for p in inspect.signature(fn).parameters.values()
                ]
            except (TypeError, ValueError):
                params = None
            try:
                line = inspect.getsourcelines(fn)[1]
                ours = self.is_student_file(inspect.getsourcefile(fn) or "")
            except (OSError, TypeError):
                line, ours = 0, False
            found[name] = {"params": params, "line": line, "ours": ours}
        return found

    @staticmethod
    def given(subject: types.ModuleType) -> list[str]:
        return sorted(
            name
            for name, value in vars(subject).items()
            if callable(value) and not name.startswith("__") and not isinstance(value, type)
        )

    def space(self, header: dict[str, Any]) -> types.ModuleType:
        """The subject a request names (a fresh import's is gone after a restart)."""
        found = self.spaces.get(int(header.get("ns", 0)))
        if found is None:
            raise Report("stale", "", type="fresh import")
        return found

    def op_call(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        space = self.space(header)
        name = header["fn"]
        args = list(self.decode(header["args"], blobs))
        kwargs = self.decode(header.get("kwargs") or {"$": "dict", "k": [], "v": []}, blobs)
        fn = getattr(space, name)
        module = getattr(space, "kata_student", None)
        hidden = {}
        seen: list[list[int]] = []
        for watch in header.get("watch", ()):
            original = vars(module).get(watch) if module else None
            if callable(original):
                hidden[watch] = original
                vars(module)[watch] = _watched(original, seen)
        tracer = Tracer(self._student_file, args) if header.get("trace") else None
        before = [state.snapshot(a) for a in args]
        self.direct = name if name in self.writes else None
        try:
            with tracer or contextlib.nullcontext():
                result = fn(*args, **kwargs)
        finally:
            self.direct = None
            if module is not None:
                vars(module).update(hidden)
        encoder = self.encoder()
        after = {}
        for i, (snap, arg) in enumerate(zip(before, args, strict=True)):
            if state.changes(snap, arg, "x"):
                after[str(i)] = encoder.encode(arg)
        reply = {"result": encoder.encode(result), "after": after, "ids": self.identities(result)}
        if name in self.writes:
            reply["aliases"] = _aliases(vars(module).get(name, fn) if module else fn, result, args)
        if header.get("watch"):
            reply["shapes"] = seen
        if tracer is not None:
            reply["trace"] = tracer.facts()
        return {"ok": reply}, encoder.blobs

    def identities(self, result: object) -> dict[str, int]:
        """Ids of the result and of its parts (forward's output and cache): passed back, they are
        these same objects again, as they would be in one process."""
        found = {}
        if isinstance(result, np.ndarray | tuple | list | dict):
            found["self"] = self.keep(result)
        if isinstance(result, tuple | list):
            for i, part in enumerate(result):
                if isinstance(part, np.ndarray | tuple | list | dict):
                    found[str(i)] = self.keep(part)
        if isinstance(result, dict):  # a gradient's arrays, to tell when they are reused
            for key, part in result.items():
                if isinstance(key, str) and isinstance(part, np.ndarray):
                    found[f"[{key}]"] = self.keep(part)
        return found

    def op_losses(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        """loss(forward(params ± h in one entry, X), Y) for every entry of params[name]: the
        evaluations of a numeric gradient in one request. The kata takes the differences."""
        subject = self.space(header)
        params, X, Y = self.decode(header["args"], blobs)
        p = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
        x, h = p[header["name"]], float(header["h"])
        values = np.empty((*x.shape, 2))
        for idx in np.ndindex(x.shape):
            old = x[idx]
            for side, step in enumerate((h, -h)):
                x[idx] = old + step
                values[idx][side] = float(subject.loss(subject.forward(p, X)[0], Y))
            x[idx] = old
        encoder = self.encoder()
        return {"ok": encoder.encode(values)}, encoder.blobs

    def op_constants(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        student = self.space(header).kata_student
        encoder = self.encoder()
        found = {}
        for name, value in vars(student).items():
            if name.isupper() and isinstance(value, np.ndarray | int | float | str | tuple):
                with contextlib.suppress(TypeError):
                    found[name] = encoder.encode(value)
        return {"ok": found}, encoder.blobs

    def op_run_main(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        subject = self.space(header)
        draw = importlib.import_module("exercises._draw")
        recorder = mainrun.Recorder(draw)
        swaps = {
            "options": recorder.record_options,
            "save_plot": recorder.record_save_plot,
            "finish": recorder.record_finish,
        }
        shortcut = {}
        quick = header.get("quick")
        if quick:
            name, source = quick
            shortcut[name] = eval(source)(getattr(subject, name))  # the registry's own code
        out = mainrun.Sorting(self.is_student_file)
        with (
            mainrun.swapped(draw, swaps),
            mainrun.swapped(subject, shortcut),
            contextlib.redirect_stdout(out),
        ):
            self.direct = None
            subject.main(list(header.get("argv", [])))
        return {"ok": {"ours": out.ours.getvalue(), "theirs": out.theirs}}, []

    def op_profile(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        subject = self.space(header)
        params, X, Y = self.decode(header["args"], blobs)

        def gradient(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> Any:
            return subject.backward(params, subject.forward(params, X)[1], Y)

        spot = hotspot.profile(gradient, (params, X, Y), self._student_file)
        encoder = self.encoder()
        return {"ok": encoder.encode(None if spot is None else spot.as_dict())}, encoder.blobs

    def op_gradient(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        """The student's gradient, batched or one row at a time, computed here in one request."""
        subject = self.space(header)
        params, X, Y = self.decode(header["args"], blobs)
        gradient = _per_row(subject) if header["tier"] == "per_row" else _batched(subject)
        with np.errstate(under="ignore"):
            gradient(params, X, Y)
        return {"ok": None}, []

    def op_time(self, header: dict[str, Any], blobs: list[bytes]) -> Answer:
        """Seconds for `rounds` calls of the student's gradient, timed here, not across the pipe."""
        subject = self.space(header)
        params, X, Y = self.decode(header["args"], blobs)
        tier, rounds = header["tier"], int(header["rounds"])
        gradient = _per_row(subject) if tier == "per_row" else _batched(subject)
        times = []
        with np.errstate(under="ignore"):
            gradient(params, X, Y)  # once untimed: the arrays just decoded are cold
            for _ in range(rounds):
                start = time.perf_counter()
                gradient(params, X, Y)
                times.append(time.perf_counter() - start)
        return {"ok": times}, []


class _Missing:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        raise Report("missing", self.name)


def _blame(exc: BaseException, name: str) -> None:
    with contextlib.suppress(Exception):
        exc.kata_function = getattr(exc, "kata_function", name)  # type: ignore[attr-defined]


def _aliases(fn: Callable[..., Any], result: object, args: list[Any]) -> list[str]:
    """Where the answer of a student's function, a dict or a list, is one of its arguments (or
    an entry of one), the same object: "params". (An array given back is the in-place check's:
    it says what was changed.)"""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    given: list[tuple[str, object]] = []
    for i, arg in enumerate(args):
        label = names[i] if i < len(names) else f"argument {i + 1}"
        given.append((label, arg))
        if isinstance(arg, dict):
            given += [(f"{label}[{k!r}]", v) for k, v in arg.items()]
    if not isinstance(result, dict | list):
        return []
    return [label for label, piece in given if piece is result]


_Trace: TypeAlias = "Callable[[types.FrameType, str, object], _Trace | None]"  # sys.settrace's


class Tracer:
    """How often each line of the student's file runs during a call, and whether the code of
    its module-level forward or backward runs (found by where it is defined, so an alias, a
    decorator or a method that calls it is seen too)."""

    BATCHED = ("forward", "backward")

    def __init__(self, path: str | None, args: list[Any]) -> None:
        self.path = path or ""
        self.lines: dict[int, int] = {}
        self.batched: set[str] = set()
        # The call's 2-D arguments (X, Y): their rows, and the arrays that are only them.
        self.given = [a for a in args if isinstance(a, np.ndarray) and a.ndim == 2]
        self.rows = {a.shape[0] for a in self.given if a.shape[0] > 2}
        self.block: tuple[str, list[int]] | None = None  # a local holding many rows at once
        self.looked: set[int] = set()
        self.starts: dict[int, str] = {}  # first line (def or decorator) -> name
        self.ours: dict[str, bool] = {}  # a code object's file name -> whether it is the file
        try:
            with open(self.path, encoding="utf-8-sig") as source:
                tree = ast.parse(source.read())
        except (OSError, SyntaxError, ValueError):
            return
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in self.BATCHED:
                for line in (node.lineno, *(d.lineno for d in node.decorator_list)):
                    self.starts[line] = node.name

    def __enter__(self) -> Tracer:
        self.previous = sys.gettrace()
        sys.settrace(self.trace)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self.previous)

    def trace(self, frame: types.FrameType, event: str, arg: object) -> _Trace | None:
        code = frame.f_code
        ours = self.ours.get(code.co_filename)
        if ours is None:
            ours = self.ours[code.co_filename] = os.path.realpath(code.co_filename) == self.path
        if not ours:
            return None
        found = self.starts.get(code.co_firstlineno)
        if found == code.co_name:
            self.batched.add(found)
        return self.line

    def line(self, frame: types.FrameType, event: str, arg: object) -> _Trace:
        if event == "line":
            self.lines[frame.f_lineno] = self.lines.get(frame.f_lineno, 0) + 1
            if self.rows and self.block is None:
                self.look(frame.f_locals)
        return self.line

    def look(self, names: dict[str, object]) -> None:
        """A local array that holds every row at once and is not one of the arguments (or a
        copy, a transpose or a view of one): the rows were computed as a block."""
        for name, value in names.items():
            if not isinstance(value, np.ndarray) or value.ndim < 2 or id(value) in self.looked:
                continue
            self.looked.add(id(value))
            if not self.rows & set(value.shape) or value.size <= max(value.shape):
                continue
            if any(self.same(value, a) for a in self.given):
                continue
            self.block = (name, list(value.shape))
            return

    @staticmethod
    def same(value: np.ndarray, given: np.ndarray) -> bool:
        if np.shares_memory(value, given):
            return True
        for form in (given, given.T):
            if value.shape == form.shape and np.array_equal(value, form):
                return True
        return False

    def facts(self) -> dict[str, object]:
        return {
            "lines": {str(k): v for k, v in self.lines.items()},
            "batched": sorted(self.batched),
            "block": self.block,
        }


def _watched(fn: Callable[..., Any], seen: list[list[int]]) -> Callable[..., Any]:
    def call(z: npt.ArrayLike, *args: Any, **kwargs: Any) -> Any:
        seen.append(list(np.shape(z)))
        return fn(z, *args, **kwargs)

    return call


def _batched(m: types.ModuleType) -> Gradient:
    forward, backward = m.kata_student.forward, m.kata_student.backward

    def gradient(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> Any:
        return backward(params, forward(params, X)[1], Y)

    return gradient


def _per_row(m: types.ModuleType) -> Gradient:
    if hasattr(m.kata_student, "backward_per_sample"):
        own: Gradient = m.kata_student.backward_per_sample
        return own
    forward, backward = m.kata_student.forward, m.kata_student.backward

    def gradient(
        params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
    ) -> dict[str, np.ndarray]:
        total = {name: np.zeros(value.shape) for name, value in params.items()}
        for i in range(len(X)):
            grads = backward(params, forward(params, X[i : i + 1])[1], Y[i : i + 1])
            for name in total:
                total[name] += grads[name]
        return {name: value / len(X) for name, value in total.items()}

    return gradient


def _no_breakpoint(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError(
        "breakpoint() cannot stop here: the tests run your code in a process of its own, with"
        " no terminal. Debug in your own terminal instead: python -m exercises.<your file>"
        " runs main(), or call your function from a Python prompt."
    )


def main() -> None:
    root = sys.argv[1]
    beacon = Beacon(int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None)
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the student's prints go to the output pipe
    sys.stdout = io.TextIOWrapper(
        os.fdopen(1, "wb", buffering=0),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    faulthandler.enable(file=sys.stderr)
    sys.path[:] = [root, *(p for p in sys.path[1:] if p)]
    sys.meta_path.insert(0, _NoKata())
    sys.breakpointhook = _no_breakpoint
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the kata's to handle
    channel = Channel(fd_in, fd_out)
    server = Server(channel, root, beacon)
    channel.send({"ready": os.getpid()})
    while True:
        try:
            if not serve_one(channel, server):
                return
        except TimeLimit:  # a watchdog's exception that arrived after its request ended
            server.watchdog.take()


END_MARK = b"\0"  # process.END_MARK


def serve_one(channel: Channel, server: Server) -> bool:
    """Answer one request; False at the end of the stream or when asked to exit."""
    try:
        header, blobs = channel.receive()
    except EOFError:
        return False
    if header.get("op") == "exit":
        return False
    reply, extra = server.handle(header, blobs)
    reply["id"] = header.get("id")
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        os.write(2, END_MARK)  # all of this request's output is in the pipe before its answer
    try:
        channel.send(reply, extra)
    except (TypeError, ValueError) as exc:
        channel.send({"error": {"kind": "unsendable", "message": str(exc)}, "id": header.get("id")})
    return True


if __name__ == "__main__":
    main()
