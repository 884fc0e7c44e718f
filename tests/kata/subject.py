"""The module under test: the student's functions, run beside the kata's own given code.

`load(exercise)` imports the student's file once per run (contained: an exit, a hang or an
exception at import is one message), then builds the *subject*: a fresh copy of the
pristine stub module (tests/kata/pristine/, generated from solutions/) whose functions the
student writes are replaced by the student's, each wrapped so that every call, also one
made by given code such as `train` or `main`, is guarded. The tests therefore run the
kata's own `train`, `document_run` and data, never the student's copies, and a local run
and a grade agree. What the student changed of the given code is reported, not used.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import sys
import traceback
import types
from pathlib import Path

import numpy as np

from tests.kata import contain, registry
from tests.kata.faults import Blocked, Fault, NotStarted

ROOT = Path(__file__).resolve().parents[2]
PRISTINE = Path(__file__).resolve().parent / "pristine"
IMPLS = ("exercises", "solutions")

# Which tree the tests run against; the root conftest sets it from --solutions / KATA_IMPL.
_impl = {"package": "exercises", "root": ROOT / "exercises"}
_subjects: dict[str, types.ModuleType] = {}
_students: dict[str, types.ModuleType | Fault] = {}
_hung: set[tuple[str, str]] = set()  # (exercise, function) that did not return: not called again
_depth = [0]
# The contract's checks of a function's result, by function name; harness.py fills it. A call
# that given code makes (train calling forward, say) is held to the contract on return, so a
# broken forward is named once, as forward's fault, and not as a puzzle inside train.
RESULT_CHECKS: dict = {}
_direct = [None]  # the function a test is calling itself, whose result the test checks
# What the student's own functions printed while main() ran: {exercise: {function: [lines,
# first line number]}}; the table names it once. Filled by transcript.run_main.
printed: dict[str, dict[str, list[int]]] = {}


def use_impl(impl: str) -> None:
    """Point the kata at exercises/, solutions/ or any folder of network modules."""
    if impl in IMPLS:
        _impl["package"], _impl["root"] = impl, ROOT / impl
    else:
        _impl["package"], _impl["root"] = "other", Path(impl).resolve()
    _subjects.clear()
    _students.clear()
    _hung.clear()


def impl_root() -> Path:
    return _impl["root"]


def where(path: str | Path) -> str:
    """A path as the student sees it: relative to the kata's root."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def student_path(exercise: str) -> Path:
    return impl_root() / f"{exercise}.py"


def is_student_file(filename: str) -> bool:
    try:
        Path(filename).resolve().relative_to(impl_root().resolve())
    except (ValueError, OSError):
        return False
    return True


def student_frames(exc: BaseException, limit: int = 3) -> str:
    """The last few lines of the student's file the exception went through."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_student_file(f.filename)]
    if isinstance(exc, SyntaxError) and exc.filename and is_student_file(exc.filename):
        return f"  {where(exc.filename)}:{exc.lineno}: {(exc.text or '').strip()}"
    return "\n".join(
        f"  {where(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}"
        for f in frames[-limit:]
    )


def is_stub_error(exc: BaseException) -> bool:
    """True for the NotImplementedError of a function the student has not written yet."""
    if not isinstance(exc, NotImplementedError):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and is_student_file(frames[-1].filename)


contain.WATCHDOG.locate = lambda frames: contain.where_stuck(frames, is_student_file, where)


# --- guarding ----------------------------------------------------------------------------------
def _stopped(stuck: contain.Stuck | None, what: str) -> str:
    limit = stuck.limit if stuck else contain.LIMITS.call
    place = f"\n  stuck at {stuck.where}" if stuck and stuck.where else ""
    return (
        f"{what} did not finish within {limit:g} s, so the kata stopped it.{place}\n"
        "  Is a loop's condition never false, or a loop counter never changed? (The limit is"
        " --call-limit; a debugger suspends it.)"
    )


def _exit_message(exc: BaseException, what: str) -> str:
    how = exc.how if isinstance(exc, contain.Exited) else "SystemExit"
    code = exc.code if hasattr(exc, "code") else None
    frames = student_frames(exc)
    return (
        f"{what} called {how}({'' if code is None else code!r}), which would end the whole"
        " test run; the kata stopped it. Return a value, or raise an exception, instead."
        + (f"\n{frames}" if frames else "")
    )


def guarded(fn, exercise: str, name: str):
    """fn wrapped: the call limit, and one message for a hang, an exit or an interrupt.

    numpy's state and the interception of exits are set around the whole test (guard.py)
    and around the import, not per call: given code calls these thousands of times.
    """
    watchdog = contain.WATCHDOG

    @functools.wraps(fn)
    def student_call(*args, **kwargs):
        if _depth[0]:  # already inside a guarded call: the outer guard holds
            return fn(*args, **kwargs)
        if (exercise, name) in _hung:
            raise Blocked(name)
        _depth[0] = 1
        watchdog.arm("call", name, contain.LIMITS.call)
        try:
            result = fn(*args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__.tb_next is None and not _binds(fn, args, kwargs):
                # The call itself failed, not code inside it: a changed signature.
                raise Fault(signature_message(fn, name, args), name, "contract") from None
            exc.kata_function = getattr(exc, "kata_function", name)
            raise
        except contain.TimeLimit:
            stuck = watchdog.take(name)
            if stuck is None:  # the test's own limit ran out: the plugin reports it
                raise
            _hung.add((exercise, name))
            raise Fault(_stopped(stuck, name), name, "hang") from None
        except NotImplementedError as exc:
            if is_stub_error(exc):
                raise NotStarted(name) from None
            exc.kata_function = getattr(exc, "kata_function", name)
            raise
        except (SystemExit, contain.Exited) as exc:
            raise Fault(_exit_message(exc, name), name, "exit") from None
        except KeyboardInterrupt as exc:
            if contain.INTERRUPTS.real:
                raise
            frames = student_frames(exc)
            raise Fault(
                f"{name} raised KeyboardInterrupt itself; only Ctrl-C should. Raise another"
                " exception (or return) instead." + (f"\n{frames}" if frames else ""),
                name,
                "interrupt",
            ) from None
        except Exception as exc:
            exc.kata_function = getattr(exc, "kata_function", name)
            raise
        finally:
            watchdog.deadlines.pop("call", None)
            if watchdog.fired is not None:
                watchdog.take(name)
            _depth[0] = 0
        check = RESULT_CHECKS.get(name)
        if check is not None and _direct[0] != name:
            check(args, result)
        return result

    student_call.kata_student = fn
    return student_call


def _binds(fn, args: tuple, kwargs: dict) -> bool:
    """Whether fn's signature takes these arguments (True when it has none to read: a C
    wrapper such as functools.lru_cache's raises its own TypeErrors, from inside)."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:  # no signature to read
        return True
    return True


def signature_message(fn, name: str, args: tuple) -> str:
    try:
        signature, source = inspect.signature(fn), inspect.getsourcefile(fn)
    except (TypeError, ValueError):  # a callable object, not a function
        signature, source = "(...)", None
    return (
        f"{name}{signature} in {where(source or '?')} cannot be"
        f" called with {len(args)} arguments: keep the signature the exercise gives."
    )


# --- loading -----------------------------------------------------------------------------------
def _import_student(exercise: str) -> types.ModuleType:
    path = student_path(exercise)
    if _impl["package"] in IMPLS:
        name = f"{_impl['package']}.{exercise}"
        if name in sys.modules:
            return sys.modules[name]
        if not path.is_file():
            raise FileNotFoundError(f"no {path.name} in {where(path.parent)}/")
        return importlib.import_module(name)
    return _import_file(exercise, path)


def _import_file(exercise: str, path: Path) -> types.ModuleType:
    """Import exercise from a folder of its own (another implementation, e.g. a wrong answer)."""
    name = f"_kata_impl.{exercise}"
    package = sys.modules.get("_kata_impl")
    if package is None or package.__path__[0] != str(path.parent):
        package = types.ModuleType("_kata_impl")  # so `from ._draw import ...` stays legal
        package.__path__ = [str(path.parent)]
        sys.modules["_kata_impl"] = package
    if not path.is_file():
        raise FileNotFoundError(f"no {path.name} in {where(path.parent)}/")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def student_module(exercise: str) -> types.ModuleType:
    """The student's module, imported once per run; a failed import fails every time alike."""
    if exercise not in _students:
        _students[exercise] = _contained_import(exercise)
    found = _students[exercise]
    if isinstance(found, Fault):
        raise Fault(str(found.msg), found.function, found.kind)
    return found


def _contained_import(exercise: str) -> types.ModuleType | Fault:
    shown = where(student_path(exercise))
    contain.WATCHDOG.arm("call", "import", contain.LIMITS.call)
    try:
        with contain.numpy_state(), contain.warnings_are_errors(), contain.exits_intercepted():
            return _import_student(exercise)
    except contain.TimeLimit:
        message = _stopped(contain.WATCHDOG.take("import"), f"importing {shown}")
    except (SystemExit, contain.Exited) as exc:
        message = _exit_message(exc, f"importing {shown}") + (
            "\n  The usual cause: a call at the bottom of the file, such as main(), that is not"
            ' under  if __name__ == "__main__":'
        )
    except KeyboardInterrupt:
        if contain.INTERRUPTS.real:
            raise
        message = f"importing {shown} raised KeyboardInterrupt."
    except BaseException as exc:  # a student's syntax error must not end the run
        message = f"{shown} does not import: {type(exc).__name__}: {exc}\n{student_frames(exc)}"
    finally:
        contain.WATCHDOG.disarm("call")
        contain.WATCHDOG.take("import")
    return Fault(message.rstrip(), "import", "import")


@functools.cache
def pristine_code(exercise: str):
    path = PRISTINE / f"{exercise}.py"
    return compile(path.read_text(encoding="utf-8"), str(path), "exec")


def _missing(exercise: str, name: str):
    def missing(*args, **kwargs):
        raise Fault(
            f"{where(student_path(exercise))} has no function `{name}`: the kata's tests call"
            " it. Restore it (pytest --reset can bring back its stub).",
            name,
            "contract",
        )

    missing.kata_missing = True
    return missing


def load(exercise: str) -> types.ModuleType:
    """The subject for `exercise`: the kata's given code calling the student's functions."""
    if exercise in _subjects:
        return _subjects[exercise]
    _subjects[exercise] = _subject(exercise, student_module(exercise))
    return _subjects[exercise]


def fresh(exercise: str) -> types.ModuleType:
    """A subject around a fresh import of the student's file: no state from earlier calls."""
    load(exercise)  # the file imports at all (else that fault, once)
    path = student_path(exercise)
    module = types.ModuleType(f"_kata_fresh.{exercise}")
    module.__file__ = str(path)
    module.__package__ = _impl["package"] if _impl["package"] in IMPLS else "_kata_impl"
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    with contain.numpy_state(), contain.warnings_are_errors(), contain.exits_intercepted():
        exec(code, module.__dict__)
    return _subject(exercise, module)


def _subject(exercise: str, student: types.ModuleType) -> types.ModuleType:
    record = registry.BY_MODULE.get(exercise)
    if record is None:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {registry.valid()}")
    subject = types.ModuleType(f"tests.kata.pristine.{exercise}")
    subject.__file__ = str(PRISTINE / f"{exercise}.py")
    subject.__package__ = "tests.kata.pristine"
    exec(pristine_code(exercise), subject.__dict__)
    for name in record.writes:
        fn = getattr(student, name, None)
        subject.__dict__[name] = (
            guarded(fn, exercise, name) if callable(fn) else _missing(exercise, name)
        )
    subject.kata_student = student
    subject.kata_exercise = exercise
    return subject


class Lazy:
    """The subject, loaded on first use: an import that fails fails the test that uses it."""

    def __init__(self, exercise: str):
        self._exercise = exercise

    def __getattr__(self, name):
        return getattr(load(self._exercise), name)


def resolve(m) -> types.ModuleType:
    """The subject behind a Lazy (or m itself)."""
    return load(m._exercise) if isinstance(m, Lazy) else m


def loaded(exercise: str) -> types.ModuleType | None:
    """The student's module if it has been imported, else None."""
    found = _students.get(exercise)
    return found if isinstance(found, types.ModuleType) else None


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


def edited_given(exercise: str) -> list[str]:
    """Given functions and constants the student's file changed (or lost), by name."""
    student = loaded(exercise)
    record = registry.BY_MODULE.get(exercise)
    if student is None or record is None:
        return []
    try:
        theirs = _definitions(Path(student.__file__).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, TypeError):
        return []
    pristine_source = (PRISTINE / f"{exercise}.py").read_text(encoding="utf-8")
    ours = _definitions(pristine_source)
    changed = [
        name
        for name, shape in ours.items()
        if name not in record.writes and theirs.get(name) != shape
    ]
    reference = types.ModuleType("pristine")
    reference.__package__ = "tests.kata.pristine"
    exec(pristine_code(exercise), reference.__dict__)
    for name, value in vars(reference).items():
        if not name.isupper() or not isinstance(value, np.ndarray | int | float | str | tuple):
            continue
        mine = getattr(student, name, None)
        try:
            same = mine is not None and np.array_equal(np.asarray(mine), np.asarray(value))
        except Exception:
            same = False
        if not same:
            changed.append(name)
    return changed
