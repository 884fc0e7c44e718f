"""The module under test: the student's functions, run in a process of their own.

`Run.load(exercise)` gives the *subject*: the kata's pristine given code (tests/kata/pristine/,
generated from solutions/) with the functions the student writes taken from the student's
file. The given code and the student's functions run in a subject process (child/): this
process never imports a student file. A call of the subject's functions crosses to that
process as arrays and plain containers; what comes back is checked here. What the student
keeps opaque (a cache of its own class) stays there behind a handle. The tests therefore run
the kata's own `train`, `document_run` and data, never the student's copies, and a local run
and a grade agree. What the student changed of the given code is reported, not used.

Constants of the given code (X_XOR, ...) are read from the pristine module in this process.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import dataclasses
import functools
import inspect
import re
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from tests.kata import registry
from tests.kata.paths import PRISTINE, ROOT
from tests.kata.runtime import contain
from tests.kata.runtime.child import codec, sandbox
from tests.kata.runtime.child.crossing import Identities, apply
from tests.kata.runtime.child.errors import frames_of, remote_error
from tests.kata.runtime.child.process import Child, Ended, Message, Runtime
from tests.kata.runtime.faults import Blocked, Fault, NotStarted

IMPLS = ("exercises", "solutions")
STUCK = re.compile(r'File "[^"]*?([^"/\\]+\.py)", line (\d+) in (\S+)')


class Run:
    """One run of the kata: which tree, its limits, one subject process per exercise, what
    they printed, and the running test.

    The one holder of a run's state. The plugin makes it at configure time and hands it to
    its parts and to every test's `m`; a command outside pytest (the transcript writer, the
    grader's tools) makes its own.
    """

    def __init__(
        self,
        impl: str = "exercises",
        limits: sandbox.Limits | None = None,
        time: contain.Limits | None = None,
    ) -> None:
        self.package, self.root = "exercises", ROOT / "exercises"
        self.limits = limits or sandbox.Limits()
        self.time = time or contain.Limits()  # a call's and a test's seconds
        self.watchdog = contain.Watchdog()
        self.runtime = Runtime()  # the subject processes' server files, shared by all
        atexit.register(self.runtime.remove)  # also when pytest ends without unconfigure
        self.use(impl)
        self.children: dict[str, Child] = {}
        self.subjects: dict[str, Subject | Untouched] = {}
        # exercise -> the open answer, or its fault
        self.imports: dict[str, dict[str, Any] | Fault] = {}
        self.hung: set[tuple[str, str]] = set()  # (exercise, function) not called again
        # harness.py: what each function's signature says of its arguments' order
        self.reorders: dict[object, str] = {}
        self.test = 0  # which test runs (guard.py counts them): a subject process resets numpy's
        # print options and legacy random state when it changes
        self.called: set[str] = set()  # the functions the running test called (harness.call)
        # The running test's exercise and the function it is about ("network": the whole)
        self.about: tuple[str | None, str | None] = (None, None)
        # What the student's own functions printed while main() ran: {exercise: {function:
        # [lines, first line number]}}; the table names it once.
        self.printed: dict[str, dict[str, list[int]]] = {}

    def next_test(self, exercise: str | None = None, function: str | None = None) -> None:
        self.test += 1
        self.called = set()
        self.about = (exercise, function)

    def use(self, impl: str) -> None:
        if getattr(self, "children", None):
            self.close()
        if impl in IMPLS:
            self.package, self.root = impl, ROOT / impl
        else:
            self.package, self.root = "other", Path(impl).resolve()

    def close(self) -> None:
        """End every subject process and remove the server's files (both made anew on use)."""
        for child in self.children.values():
            child.stop()
        self.runtime.remove()
        self.children.clear()
        self.subjects.clear()
        self.imports.clear()
        self.hung.clear()

    def child(self, exercise: str) -> Child:
        if exercise not in self.children:
            files = {
                f"{exercise}.py": self.root / f"{exercise}.py",
                "_draw.py": PRISTINE / "_draw.py",
                f"given/{exercise}.py": PRISTINE / f"{exercise}.py",
            }
            self.children[exercise] = Child(exercise, files, self.limits, self.runtime)
        child = self.children[exercise]
        child.call_limit = self.time.call
        return child

    # --- the student's files ---------------------------------------------------------------
    def student_path(self, exercise: str) -> Path:
        return self.root / f"{exercise}.py"

    def is_student_file(self, filename: str) -> bool:
        try:
            Path(filename).resolve().relative_to(self.root.resolve())
        except (ValueError, OSError):
            return False
        return True

    def student_frames(self, exc: BaseException, limit: int = 3) -> str:
        """The last few lines of the student's file the exception went through."""
        shown = where(self.student_path(getattr(exc, "exercise", "") or "?"))
        return "\n".join(
            f"  {shown}:{line}{f' in {name}' if name else ''}: {text}"
            for line, name, text in frames_of(exc)[-limit:]
        )

    # --- the running test's own limit ------------------------------------------------------
    def test_left(self) -> float | None:
        """Seconds left of the test's own limit, a little less: the subject process says where
        it was stuck before this process's watchdog ends the test."""
        armed = self.watchdog.deadlines.get("test")
        if armed is None:
            return None
        return max(armed[0] - time.monotonic() - 0.3, 0.05)

    def test_limit(self, place: str) -> NoReturn:
        """End the test as its own limit does (outcomes.py words it), with where it was stuck."""
        self.watchdog.deadlines.pop("test", None)
        self.watchdog.fired = contain.Stuck("the test", self.time.test, place)
        raise contain.TimeLimit

    # --- loading ---------------------------------------------------------------------------
    def load(self, exercise: str) -> Subject | Untouched:
        """The subject for `exercise`: the kata's given code calling the student's functions."""
        subjects = self.subjects
        if exercise not in subjects and self.package != "solutions" and self.untouched(exercise):
            subjects[exercise] = Untouched(self, exercise)
        if exercise not in subjects:
            opened = self._open(exercise)
            subjects[exercise] = Subject(self, exercise, self.child(exercise), 0, opened)
        subject = subjects[exercise]
        if isinstance(subject, Untouched):
            return subject
        if not subject.kata_child.alive and subject.kata_child.starts:
            # A restart after a kill: import the file again (its import already succeeded once).
            opened = self._opened(exercise)
            if isinstance(opened, Fault):
                raise opened
            subjects[exercise] = subject = Subject(self, exercise, self.child(exercise), 0, opened)
        return subject

    def fresh(self, exercise: str) -> Subject:
        """A subject around a fresh import of the student's file: no state from earlier calls."""
        subject = self.load(exercise)
        answer, _ = subject.ask({"op": "fresh"}, "import")
        opened = {"given": sorted(subject.kata_given), "functions": {}}
        clean = Subject(self, exercise, subject.kata_child, int(answer["ns"]), opened)
        clean.kata_student = subject.kata_student
        for name in clean.kata_given:
            clean.__dict__[name] = Function(clean, name)
        return clean

    def untouched(self, exercise: str) -> bool:
        """The student's file is the kata's stub file, unchanged (BOM and line endings aside)."""
        try:
            mine = self.student_path(exercise).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return False
        pristine = (PRISTINE / f"{exercise}.py").read_text(encoding="utf-8")
        return mine.replace("\r\n", "\n") == pristine

    def _open(self, exercise: str) -> dict[str, Any]:
        """Start the exercise's subject process and import the student's file there, once per
        run. A failed import fails every time alike, with one message."""
        if exercise not in self.imports:
            self.imports[exercise] = self._opened(exercise)
        found = self.imports[exercise]
        if isinstance(found, Fault):
            raise Fault(str(found.msg), found.function, found.kind)
        return found

    def _opened(self, exercise: str) -> dict[str, Any] | Fault:
        return _opened(self, exercise)

    def loaded(self, exercise: str) -> StudentFile | None:
        """The student's module as seen from here, if it imported; else None."""
        found = self.imports.get(exercise)
        if not isinstance(found, dict):
            return None
        return StudentFile(self.student_path(exercise), found["functions"])

    def constants(self, exercise: str) -> dict[str, Any]:
        """The student's module's upper-case constants, as values."""
        subject = self.subjects.get(exercise)
        if subject is None:
            return {}
        try:
            answer, blobs = subject.ask({"op": "constants"}, "constants", 30.0)
        except (Fault, Blocked, NotStarted):
            return {}
        decoder = codec.Decoder(blobs)
        return {name: decoder.decode(tree) for name, tree in answer.items()}

    def edited_given(self, exercise: str) -> list[str]:
        return _edited_given(self, exercise)


def where(path: str | Path) -> str:
    """A path as the student sees it: relative to the kata's root."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


# --- messages -----------------------------------------------------------------------------------
def _stopped(what: str, limit: float, place: str) -> str:
    place = f"\n  stuck at {place}" if place else ""
    return (
        f"{what} did not finish within {limit:g} s, so the kata stopped it.{place}\n"
        "  Is a loop's condition never false, or a loop counter never changed? (The limit is"
        " --call-limit.)"
    )


def _exit_message(what: str, how: str, code: str, frames: str) -> str:
    return (
        f"{what} called {how}({code}), which would end the whole test run; the kata stopped"
        " it. Return a value, or raise an exception, instead." + (f"\n{frames}" if frames else "")
    )


def signature_message(fn: Callable[..., Any] | None, name: str, args: tuple[Any, ...]) -> str:
    try:  # fn is None where the student's file has no such function
        signature = str(inspect.signature(fn)) if fn is not None else "(...)"
    except (TypeError, ValueError):  # a callable object, not a function
        signature = "(...)"
    source = getattr(fn, "kata_file", None)
    return (
        f"{name}{signature} in {where(source or '?')} cannot be"
        f" called with {len(args)} arguments: keep the signature the exercise gives."
    )


class StudentFunction:
    """What this process knows of a function in the student's file: its signature, its place."""

    def __init__(self, name: str, info: dict[str, Any], path: Path) -> None:
        self.__name__ = self.__qualname__ = name
        self.kata_file = str(path)
        self.kata_line = info.get("line", 0)
        params = info.get("params")
        if params is not None:
            self.__signature__ = inspect.Signature(
                [
                    inspect.Parameter(
                        n,
                        getattr(inspect.Parameter, kind),
                        default=None if has_default else inspect.Parameter.empty,
                    )
                    for n, kind, has_default in params
                ],
                __validate_parameters__=False,
            )

    # never called: a description
    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:  # pragma: no cover
        raise TypeError("call it through the subject")


class StudentFile:
    """The student's module as this process sees it: its path and its functions' descriptions."""

    def __init__(self, path: Path, functions: dict[str, dict[str, Any] | None]) -> None:
        self.__file__ = str(path)
        for name, info in functions.items():
            if info is not None:
                setattr(self, name, StudentFunction(name, info, path))


# --- the subject --------------------------------------------------------------------------------
class Pristine:
    """What both kinds of subject share: the exercise, and the pristine module's constants."""

    def __init__(self, run: Run, exercise: str) -> None:
        self.kata_run = run
        self.kata_exercise = exercise
        self.kata_writes = tuple(registry.BY_MODULE[exercise].writes)
        self.kata_probe: Probe | None = None  # see probing()
        self.__name__ = f"tests.kata.pristine.{exercise}"
        self._pristine = pristine_module(exercise)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._pristine, name)


class Subject(Pristine):
    """The given code calling the student's functions, in the subject process, seen from here.

    Its functions are called there; its constants are the pristine module's, read here.
    """

    def __init__(
        self, run: Run, exercise: str, child: Child, ns: int, opened: dict[str, Any]
    ) -> None:
        super().__init__(run, exercise)
        self.kata_child = child
        self.kata_ns = ns
        self.kata_given = set(opened["given"])
        self.kata_student = StudentFile(run.student_path(exercise), opened["functions"])
        self.kata_identities = Identities()
        for name in self.kata_given:
            self.__dict__[name] = Function(self, name)

    # calls
    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> Any:
        exercise = self.kata_exercise
        student = name in self.kata_writes
        run = self.kata_run
        if student and (exercise, name) in run.hung:
            raise Blocked(name)
        identities = self.kata_identities
        identities.reset_if(self.kata_child.starts if self.kata_child.alive else -2)
        encoder = codec.Encoder(refer=identities.refer)
        if self.kata_probe is not None:
            options = {**options, **self.kata_probe.options}
        try:
            header = {
                "op": "call",
                "ns": self.kata_ns,
                "fn": name,
                "args": encoder.encode(list(args)),
                "kwargs": encoder.encode(dict(kwargs)),
                **options,
            }
        except TypeError as exc:
            raise Fault(f"the kata cannot pass {name} its arguments: {exc}", name, "kata") from None
        backstop = run.time.call + 5.0 if student else None
        header["test_left"] = run.test_left()
        reply, blobs = self._ask(name, header, encoder.blobs, backstop)
        if "error" in reply:
            raise self.fault(name, reply["error"], blobs)
        ok = reply["ok"]
        if ok.get("aliases"):
            raise Fault(
                f"{name} returned its argument {ok['aliases'][0]} itself, the same object: the"
                " answer and the argument are one, so filling the answer changes the argument"
                " (grads = params makes the gradients the parameters). Return new objects:"
                " grads = {...} with arrays computed in this call.",
                name,
                "contract",
            )
        decoder = codec.Decoder(blobs)
        try:
            for i, tree in ok.get("after", {}).items():
                apply(args[int(i)], decoder.decode(tree))
            result = decoder.decode(ok["result"])
            ids = ok.get("ids", {})
            if "self" in ids:
                identities.add(result, int(ids["self"]))
            for i, part in enumerate(result if isinstance(result, tuple | list) else ()):
                if str(i) in ids:
                    identities.add(part, int(ids[str(i)]))
            for key, part in result.items() if isinstance(result, dict) else ():
                if f"[{key}]" in ids:
                    identities.add(part, int(ids[f"[{key}]"]))
        except codec.Unreadable as exc:
            raise Fault(
                f"{name} returned something the kata cannot read: {exc}", name, "contract"
            ) from None
        if self.kata_probe is not None:
            self.kata_probe.shapes.extend(tuple(s) for s in ok.get("shapes", ()))
            if "trace" in ok:
                self.kata_probe.traces.append(ok["trace"])
        return result

    def ask(
        self, header: dict[str, Any], what: str, backstop: float | None = None
    ) -> tuple[Any, list[bytes]]:
        """Any other request: its answer, or the fault it ended in."""
        reply, blobs = self._ask(what, {"ns": self.kata_ns, **header}, [], backstop)
        if "error" in reply:
            raise self.fault(what, reply["error"], blobs)
        return reply["ok"], blobs

    def ask_with(
        self, header: dict[str, Any], blobs: list[bytes], backstop: float | None = None
    ) -> Any:
        """A request carrying arrays (encoded by the caller): its answer's value."""
        reply, answer_blobs = self._ask(
            header["op"], {"ns": self.kata_ns, **header}, blobs, backstop
        )
        if "error" in reply:
            raise self.fault(header["op"], reply["error"], answer_blobs)
        return codec.Decoder(answer_blobs).decode(reply["ok"])

    def _ask(
        self, name: str, header: dict[str, Any], blobs: list[bytes], backstop: float | None
    ) -> Message:
        header["test"] = self.kata_run.test
        try:
            return self.kata_child.request(header, blobs, backstop)
        except Ended as end:
            raise self.ended(name, end) from None
        finally:
            _emit(self.kata_child.printed())

    def ended(self, name: str, end: Ended) -> Fault:
        """The subject process ended during a call of `name`: one message, and the next test
        gets a fresh process."""
        _emit(end.output)
        run, exercise = self.kata_run, self.kata_exercise
        stuck = end.stuck or {}
        if stuck.get("slot") == "request":
            run.test_limit(self._place(stuck.get("where", "")))
        function = stuck.get("function") or end.running or _crashed_in(end.output) or name
        if function in self.kata_writes:  # it is not called again in this run
            run.hung.add((exercise, function))
        if end.why == "hang" or stuck:
            limit = float(stuck.get("limit") or run.time.call)
            return Fault(
                _stopped(function, limit, self._place(stuck.get("where", ""))), function, "hang"
            )
        if end.why == "memory":
            return Fault(
                f"{function} used more than {run.limits.memory / 1024**3:g} GiB of memory, so"
                " the kata ended it. Is an array far larger than the data (an (N, N) matrix, a"
                " list that grows in a loop)?",
                function,
                "memory",
            )
        place = _crash_place(end.output, where(run.student_path(exercise)))
        return Fault(
            f"the process running {function} ended ({end.why.removeprefix('died: ')}) before it"
            " returned: the student's code crashed it, or ended it in a way the kata could not"
            " stop. The next test starts a new one." + (f"\n  last at {place}" if place else ""),
            function,
            "crash",
        )

    def _place(self, raw: str) -> str:
        if not raw:
            return ""
        line, name, text = [*raw.split("\t"), "", ""][:3]
        shown = where(self.kata_run.student_path(self.kata_exercise))
        return f"{shown}:{line} in {name}: {text.strip()}"

    def fault(self, name: str, facts: dict[str, Any], blobs: list[bytes]) -> BaseException:
        """The exception for a call that ended in a fact the subject process reported."""
        kind = facts.get("kind")
        function = facts.get("function") or name
        run, exercise = self.kata_run, self.kata_exercise
        shown = where(run.student_path(exercise))
        frames = run.student_frames(remote_error(exercise, facts))
        if kind == "stub":
            return NotStarted(function)
        if kind == "blocked":
            return Blocked(function)
        stuck = self.kata_child.last_stuck or {}
        if kind == "test-limit":
            run.test_limit(self._place(stuck.get("where", "")))
        if kind == "hang":
            if function in self.kata_writes:
                run.hung.add((exercise, function))
            limit = float(facts.get("limit") or run.time.call)
            return Fault(
                _stopped(function, limit, self._place(stuck.get("where", ""))), function, "hang"
            )
        if kind == "signature":
            fn = getattr(self.kata_student, function, None)
            args = (None,) * int(facts.get("args", 0))
            return Fault(signature_message(fn, function, args), function, "contract")
        if kind == "exit":
            return Fault(
                _exit_message(function, facts.get("how", "exit"), facts.get("code", ""), frames),
                function,
                "exit",
            )
        if kind == "interrupt":
            return Fault(
                f"{function} raised KeyboardInterrupt itself; only Ctrl-C should. Raise another"
                " exception (or return) instead." + (f"\n{frames}" if frames else ""),
                function,
                "interrupt",
            )
        if kind == "missing":
            return Fault(
                f"{shown} has no function `{function}`: the kata's tests call it. Restore it"
                " (pytest --reset can bring back its stub).",
                function,
                "contract",
            )
        if kind == "result":
            facts = codec.Decoder(blobs).decode(facts["facts"])
            from tests.kata.runtime import harness  # the contract's checks of a result

            check = harness.RESULT_CHECKS.get(function)
            if check is not None:
                check(facts["args"], facts["result"])  # raises the contract's message
            return Fault(
                f"{function} returned something given code cannot use.", function, "contract"
            )
        if kind == "stale":
            return Fault(
                f"a {facts.get('type')} that {name} got was made before the subject process"
                " restarted; the test cannot go on.",
                name,
                "kata",
            )
        if kind == "exception":
            return remote_error(exercise, facts)
        return Fault(f"{name}: {facts.get('message', kind)}", name, "kata")


class Function:
    """A function of the subject, called in the subject process."""

    def __init__(self, subject: Subject | Untouched, name: str) -> None:
        self.subject, self.name = subject, name
        self.__name__ = name
        student = getattr(subject.kata_student, name, None)
        if name in subject.kata_writes:
            if student is None:
                self.kata_missing = True
            else:
                self.kata_student = student

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.subject.call(self.name, args, kwargs)


def _emit(text: str) -> None:
    if text:
        sys.stdout.write(text)


def _crashed_in(output: str) -> str | None:
    found = STUCK.findall(output or "")
    return found[0][2] if found else None


def _crash_place(output: str, shown: str) -> str:
    found = STUCK.findall(output or "")
    if not found:
        return ""
    _, line, name = found[0]
    return f"{shown}:{line} in {name}"


# --- loading -----------------------------------------------------------------------------------
def _opened(run: Run, exercise: str) -> dict[str, Any] | Fault:
    """Start the exercise's subject process and import the student's file there."""
    record = registry.BY_MODULE.get(exercise)
    if record is None:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {registry.valid()}")
    path = run.student_path(exercise)
    shown = where(path)
    if not path.is_file() and not path.is_symlink():
        return Fault(
            f"{shown} does not import: FileNotFoundError: no {path.name} in {where(path.parent)}/",
            "import",
            "import",
        )
    child = run.child(exercise)
    header = {
        "op": "open",
        "test": run.test,
        "exercise": exercise,
        "writes": list(record.writes),
        "call_limit": run.time.call,
    }
    try:
        reply, _ = child.request(header, [], run.time.call + 5.0)
    except OSError as exc:  # the file could not be copied: a link, a special file
        return Fault(f"{shown} cannot be read: {exc}", "import", "import")
    except Ended as end:
        _emit(end.output)
        return Fault(
            f"importing {shown} ended the process that ran it ({end.why}).", "import", "import"
        )
    finally:
        _emit(child.printed())
    if "ok" in reply:
        opened: dict[str, Any] = reply["ok"]  # the child's answer: decoded JSON
        return opened
    facts = reply["error"]
    kind = facts.get("kind")
    error = remote_error(exercise, facts)
    if kind == "hang":
        stuck = child.last_stuck or {}
        line, name, text = [*stuck.get("where", "").split("\t"), "", "", ""][:3]
        place = f"{shown}:{line} in {name}: {text.strip()}" if line else ""
        message = _stopped(f"importing {shown}", run.time.call, place)
    elif kind == "exit":
        message = _exit_message(
            f"importing {shown}",
            facts.get("how", "exit"),
            facts.get("code", ""),
            run.student_frames(error),
        ) + (
            "\n  The usual cause: a call at the bottom of the file, such as main(), that is not"
            ' under  if __name__ == "__main__":'
        )
    elif kind == "interrupt":
        message = f"importing {shown} raised KeyboardInterrupt."
    else:
        message = (
            f"{shown} does not import: {type(error).__name__}: {error}\n{run.student_frames(error)}"
        )
    return Fault(message.rstrip(), "import", "import")


class Untouched(Pristine):
    """The subject of an exercise whose file is still the kata's own stub file: no process.

    Every function the student writes is a stub, so a call of one is "not started"; given
    code runs here, on the pristine module (the kata's own code), until it reaches a stub.
    """

    def __init__(self, run: Run, exercise: str) -> None:
        super().__init__(run, exercise)
        self.kata_student = StudentFile(run.student_path(exercise), {})
        for name, value in vars(self._pristine).items():
            if callable(value) and not isinstance(value, type) and not name.startswith("__"):
                self.__dict__[name] = Function(self, name)

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> Any:
        if name in self.kata_writes:
            raise NotStarted(name)
        try:
            return getattr(self._pristine, name)(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotStarted(_stub_of(exc, self.kata_writes) or name) from None

    def ask(
        self, header: dict[str, Any], what: str, backstop: float | None = None
    ) -> tuple[Any, list[bytes]]:
        if header.get("op") == "run_main":
            self.call("main", (list(header.get("argv", [])),), {})
            return {"ours": "", "theirs": {}}, []
        raise NotStarted(self.kata_writes[0])

    def ask_with(
        self, header: dict[str, Any], blobs: list[bytes], backstop: float | None = None
    ) -> NoReturn:
        raise NotStarted(self.kata_writes[0])


def needs(m: Lazy | Subject | Untouched, function: str) -> None:
    """The test's first call will be of `function`: when the student's file is still the stub
    file, stop here, "not started", as that call would, before building the test's data."""
    target = resolve(m)
    if isinstance(target, Untouched) and function in target.kata_writes:
        raise NotStarted(function)


def _stub_of(exc: BaseException, writes: tuple[str, ...]) -> str | None:
    """The function whose stub raised: the innermost frame named like one the student writes."""
    frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
    return next((name for name in reversed(frames) if name in writes), None)


@functools.cache
def pristine_code(exercise: str) -> types.CodeType:
    path = PRISTINE / f"{exercise}.py"
    return compile(path.read_text(encoding="utf-8"), str(path), "exec")


@functools.cache
def pristine_module(exercise: str) -> types.ModuleType:
    module = types.ModuleType(f"tests.kata.pristine.{exercise}")
    module.__file__ = str(PRISTINE / f"{exercise}.py")
    module.__package__ = "tests.kata.pristine"
    exec(pristine_code(exercise), module.__dict__)
    return module


@dataclasses.dataclass
class Probe:
    """What the student's calls did inside probing(): see there."""

    options: dict[str, Any]
    shapes: list[tuple[int, ...]] = dataclasses.field(default_factory=list)
    traces: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def probing(
    m: Lazy | Subject | Untouched, watch: Iterable[str] = (), trace: bool = False
) -> Iterator[Probe]:
    """Calls inside run with the functions in `watch` recording the shape of their first
    argument (probe.shapes) and, with `trace`, each call traced (probe.traces, one per call):
    how often each line of the student's file ran ("lines": {line: count}) and which of the
    module's own forward and backward ran ("batched": their names), however they were
    reached (an alias, a method, a decorator)."""
    subject = resolve(m)
    probe = Probe({"watch": list(watch), "trace": trace})
    subject.kata_probe = probe
    try:
        yield probe
    finally:
        subject.kata_probe = None


class Lazy:
    """The subject, loaded on first use: an import that fails fails the test that uses it."""

    def __init__(self, exercise: str, run: Run) -> None:
        self._exercise = exercise
        self.kata_run = run

    def __getattr__(self, name: str) -> Any:
        return getattr(self.kata_run.load(self._exercise), name)


def reused(m: Lazy | Subject | Untouched, first: object, second: object) -> list[str]:
    """What two answers of the student's code share in the subject process: "the dict"
    and the keys of the arrays that are one object there (each call must make new ones)."""
    identities = getattr(resolve(m), "kata_identities", None)
    if identities is None or not isinstance(first, dict) or not isinstance(second, dict):
        return []
    pairs = [("the dict", first, second)]
    pairs += [(repr(k), first[k], second[k]) for k in first if k in second]
    shared: list[str] = []
    for label, a, b in pairs:
        ids = identities.refer(a), identities.refer(b)
        if ids[0] is not None and ids[0] == ids[1]:
            shared.append(label)
    return shared


def resolve(m: Lazy | Subject | Untouched) -> Subject | Untouched:
    """The subject behind a Lazy (or m itself)."""
    return m.kata_run.load(m._exercise) if isinstance(m, Lazy) else m


# --- what the student changed of the given code -------------------------------------------------
def _shape(node: ast.AST) -> str:
    """A function's code without annotations and docstrings, as text."""
    node = ast.parse(ast.unparse(node))  # a copy
    for n in ast.walk(node):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
            n.returns = None
            body = n.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                n.body = body[1:] or [ast.Pass()]
        if isinstance(n, ast.arg):
            n.annotation = None
    return ast.dump(node)


def _definitions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {
        node.name: _shape(node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _edited_given(run: Run, exercise: str) -> list[str]:
    """Given functions and constants the student's file changed (or lost), by name."""
    student = run.loaded(exercise)
    record = registry.BY_MODULE.get(exercise)
    if student is None or record is None:
        return []
    try:
        theirs = _definitions(Path(student.__file__).read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, TypeError):
        return []
    pristine_source = (PRISTINE / f"{exercise}.py").read_text(encoding="utf-8")
    ours = _definitions(pristine_source)
    changed = [
        name
        for name, shape in ours.items()
        if name not in record.writes and theirs.get(name) != shape
    ]
    reference = pristine_module(exercise)
    theirs_constants = run.constants(exercise)
    for name, value in vars(reference).items():
        if not name.isupper() or not isinstance(value, np.ndarray | int | float | str | tuple):
            continue
        mine = theirs_constants.get(name)
        try:
            same = mine is not None and np.array_equal(np.asarray(mine), np.asarray(value))
        except Exception:
            same = False
        if not same:
            changed.append(name)
    return changed
