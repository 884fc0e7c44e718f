"""The one harness every exercise's tests share.

It loads the module under test (from exercises/ or solutions/), calls the
student's functions through the contract, and turns every way a call can go
wrong into one short message: which function, what was expected, what came.
Nothing here knows any particular network; the contract is all it needs.

Contract, for every network module:
    init_params(rng, **sizes) -> params                 (given)
    forward(params, X)        -> (output, cache)
    loss(output, Y)           -> float
    backward(params, cache, Y) -> grads, same keys and shapes as params
"""

from __future__ import annotations

import ast
import contextlib
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from tests.kata import registry
from tests.kata.paths import ROOT
from tests.kata.runtime import diagnosis, fingerprints, state, subject
from tests.kata.runtime.child import codec
from tests.kata.runtime.child.errors import RemoteError, frames_of
from tests.kata.runtime.contain import warnings_are_errors
from tests.kata.runtime.faults import Fault, NotStarted, fail
from tests.kata.runtime.subject import IMPLS, Lazy, Run, pristine_code, where

__all__ = [  # what the tests import from here
    "IMPLS",
    "ROOT",
    "Fault",
    "Lazy",
    "call",
    "check_gradients",
    "describe",
    "expect_array",
    "expect_close",
    "expect_gradients",
    "expect_scalar",
    "expect_unchanged",
    "fail",
    "run_backward",
    "run_forward",
    "run_loss",
    "snapshot",
    "where",
]

EXERCISES = registry.names()


def module_file(m: Any) -> str:
    student = getattr(m, "kata_student", m)
    return where(student.__file__)


# --- calling the student's code -----------------------------------------------------------
def call(m: Any, fname: str, *args: object) -> Any:
    """Call m.fname(*args) as the contract says, turning every mishap into one message.

    - a missing function or a changed signature is named before the call;
    - a stub's NotImplementedError becomes "not started" (subject.guarded does that);
    - any other exception, numpy warnings included, becomes one message that shows
      the lines of the student's file it came through, and names the student's function
      it came from (also when given code, such as train, made the call).
    """
    fn: Callable[..., Any] | None = getattr(m, fname, None)
    if fn is None or not callable(fn):
        fail(
            f"{module_file(m)} has no function `{fname}`: the kata's tests call it. Restore it.",
            fname,
            "contract",
        )
    target: Callable[..., Any] = getattr(fn, "kata_student", fn)
    if not getattr(fn, "kata_missing", False):
        try:
            inspect.signature(target).bind(*args)
        except TypeError:
            fail(subject.signature_message(target, fname, args), fname, "contract")
        swapped = _reordered(m, fname, target)
        if swapped:
            fail(swapped, fname, "contract")
    names = _argument_names(target, args)
    run = subject.resolve(m).kata_run
    run.called.add(fname)
    before = [state.snapshot(a) for a in args] if target is not fn else None
    try:
        with warnings_are_errors():  # an overflow or log(0) is a mistake, not noise
            result = fn(*args)
    except Exception as exc:
        problem = exc
    else:
        if before is not None:  # a student's function: nothing it was given may change
            for name, snap, arg in zip(names, before, args, strict=True):
                changed = state.changes(snap, arg, name)
                if changed:
                    fail(_changed_in_place(fname, changed, len(args)), fname, "contract")
        return result
    # Outside the except block, so the report shows this message and no chained traceback.
    raised(run, problem, fname)


def raised(run: Run, problem: BaseException, fname: str) -> NoReturn:
    """Fail with what the student's exception says: which function, its lines, a hint."""
    function = getattr(problem, "kata_function", None) or fname
    caller = f" (called by the kata's {fname})" if function != fname else ""
    hint = _hint(run, problem)
    fail(
        f"{function} raised {type(problem).__name__}: {problem}{caller}\n"
        f"{run.student_frames(problem)}" + (f"\nhint: {hint}" if hint else ""),
        function,
        type(problem).__name__,
    )


def _argument_names(fn: Callable[..., Any], args: tuple[object, ...]) -> list[str]:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(len(args))]


def _changed_in_place(fname: str, paths: list[tuple[str, str]], n_args: int) -> str:
    """What a call changed of its arguments, and what to do instead."""
    path, how = paths[0]
    root = path.split("[")[0].split(".")[0]
    also = f" (and {len(paths) - 1} more)" if len(paths) > 1 else ""
    if root == "params":
        return (
            f"{fname} changed {path} in place{also}. It must leave params alone: write"
            " `x = x - ...`, not `x -= ...`, on arrays you did not create; updating the"
            " parameters is the training loop's job."
        )
    if root == "cache":
        if how == "added":
            return (
                f"{fname} added {path} to its cache{also}: backward must not write into the"
                " cache, or a second call (with other targets) sees what the first one left"
                " there. Keep backward's intermediates in local variables."
            )
        return (
            f"{fname} changed its cache in place ({path}, something forward returned){also}:"
            " compute new arrays instead (write `d = P - Y`, not `P -= Y`; `out=` only into"
            " arrays you made in this call)."
        )
    which = "its argument" if n_args == 1 else f"its argument {root}"
    where = f" ({path})" if n_args == 1 else (f" ({path})" if path != root else "")
    return (
        f"{fname} changed {which} in place{where}{also}: build new arrays instead"
        f" (`{root} = {root} - ...` makes one); `{root} -= ...`, `{root}[...] = ...` and"
        f" `out={root}` write into the caller's array."
    )


@contextlib.contextmanager
def contract_of(function: str) -> Iterator[None]:
    """A failure inside, not yet blamed on a function, is a contract breach of `function`."""
    try:
        yield
    except Fault as fault:
        if fault.function is None:
            fault.function, fault.kind = function, "contract"
        raise


def _reordered(m: Any, fname: str, fn: Callable[..., Any]) -> str:
    """A message when fn takes the contract's arguments in another order, else "".

    The contract is the pristine stub's signature; only a reordering is named here.
    """
    reorders = subject.resolve(m).kata_run.reorders  # function -> message, or ""
    if fn not in reorders:
        reorders[fn] = ""
        exercise = getattr(m, "kata_exercise", None)
        try:
            reference: dict[str, Callable[..., Any]] = {}
            exec(pristine_code(exercise), {"__name__": "pristine", **reference}, reference)
            ours = list(inspect.signature(reference[fname]).parameters)
        except Exception:  # no contract to compare with: nothing to say
            return ""
        theirs = [
            name
            for name, p in inspect.signature(fn).parameters.items()
            if p.default is inspect.Parameter.empty
        ]
        if theirs != ours and sorted(theirs) == sorted(ours):
            reorders[fn] = (
                f"{fname}({', '.join(theirs)}) in {module_file(m)} takes its arguments in another"
                f" order than the contract's {fname}({', '.join(ours)}): the tests pass them in"
                " that order; keep the signature the exercise gives."
            )
    return reorders[fn]


def _module_constants(run: Run, exercise: str | None) -> set[str]:
    """The upper-case names the student's module assigns at its top level (X_XOR, N_BITS)."""
    try:
        tree = ast.parse(run.student_path(exercise).read_bytes()) if exercise else None
    except (OSError, SyntaxError, ValueError):
        tree = None
    names = set()
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    return names


def _hint(run: Run, exc: BaseException) -> str:
    """What a numpy warning or a shape error usually means, read off the student's line."""
    text = str(exc)
    frames = frames_of(exc)
    func, line = (frames[-1][1], frames[-1][2] or "") if frames else ("", "")
    code = line.replace(" ", "")
    softmax = "softmax" in func or "sum(" in code
    if "overflow" in text and ("exp" in text or "cosh" in text):
        if "where(" in code:
            return (
                "np.where computes both branches on every entry before it picks one, so the"
                " branch it throws away still takes exp of a large number (exp(-z) for a large"
                " negative z overflows). Take exp only of -|z|, which is never positive, and"
                " combine the two forms after."
            )
        if "tanh" in func or "cosh" in text or "-np.exp(-" in code or "-exp(-" in code:
            return (
                "exp of a large number overflows: a tanh written with exp (or cosh) overflows"
                " for |z| of a few hundred. Use np.tanh, which stays finite everywhere."
            )
        if softmax:
            return (
                "exp of a large number overflows: a softmax without the max shift takes exp of"
                " the raw logits. Subtract each row's own maximum first (it leaves the softmax"
                " unchanged); exp then never sees more than 0."
            )
        if "sigmoid" in func or "1+np.exp(" in code or "1+exp(" in code:
            return (
                "exp of a large number overflows. For a sigmoid, only ever take exp of a"
                " non-positive number; the sigmoid of a large negative number z takes exp(-z),"
                " which overflows. Use exp(-|z|) and the form that fits each sign."
            )
        return "exp of a large number overflows: keep every argument of exp at most about 700."
    if "unhashable type" in text and "ndarray" in text:
        return (
            "a cache such as functools.lru_cache keys its calls by their arguments, and a numpy"
            " array cannot be a key. Remove the decorator: the kata calls each function with"
            " new arrays anyway."
        )
    if "divide by zero" in text and "log" not in text:
        if "log(" in code:
            return (
                "a division by exactly 0 inside a log: undoing an activation (the logit"
                " log(A / (1 - A)) gives back Z) breaks once A saturates to exactly 1 or 0."
                " Keep the pre-activation in the cache instead of recovering it"
            )
        return (
            "a division by exactly 0: a denominator here is 0 (an activation saturated to"
            " exactly 0 or 1, or an empty batch?)"
        )
    if "divide by zero" in text and "log" in text:
        return (
            "a log of 0 is -inf: an output saturated to exactly 0 or 1 reaches log here."
            " Keep the argument of log away from 0 (floor it at a tiny positive number)."
        )
    if "invalid value" in text:
        if softmax and "divide" in text:
            return (
                "0 / 0: every exp of a row underflowed to 0, because the row was shifted by a"
                " maximum that is not its own. Subtract each row's own maximum (axis=1,"
                " keepdims=True)."
            )
        if "log" in text:
            return "log of a negative number: is a probability outside [0, 1] reaching log?"
        return "a NaN appeared (0 * inf, inf - inf or 0 / 0); look for a log of 0 or an overflow."
    constants = _module_constants(run, getattr(exc, "exercise", None))
    if isinstance(exc, ValueError) and any(w in text for w in ("broadcast", "mismatch", "align")):
        return diagnosis.shape_error(text, line, constants)
    if isinstance(exc, IndexError) and "out of bounds" in text:
        read = diagnosis.shape_error("", line, constants)
        return read if read.startswith("the line reads") else ""
    return ""


def describe(value: object) -> str:
    """A short description of what a function returned, for messages."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__} ({value!r:.60})"


def expect_array(value: object, what: str, shape: tuple[int, ...], advice: str = "") -> np.ndarray:
    """`value` must be a finite float64 array of `shape`; else fail naming `what`."""
    if value is None:
        fail(f"{what} is None, expected an array of shape {shape}: is a `return` missing?")
    if not isinstance(value, np.ndarray):
        fail(
            f"{what} is {describe(value)}, expected a numpy array of shape {shape}:"
            " compute it with numpy operations (np.asarray turns a list into an array)."
        )
    if value.shape != shape:
        extra = "" if advice else " " + diagnosis.wrong_shape(value.shape, shape)
        fail(f"{what} has shape {value.shape}, expected {shape}.{extra} {advice}".rstrip())
    if value.dtype == np.bool_:
        fail(
            f"{what} holds True and False, expected float64 numbers: a comparison (such as"
            " z > 0) is returned where the values it selects belong. Multiply by it, or use"
            " np.where(condition, values, 0)."
        )
    if value.dtype != np.float64:
        fail(
            f"{what} has dtype {value.dtype}, expected float64: the kata works in float64"
            " (an integer X times a float weight gives float64 by itself)."
        )
    if not np.all(np.isfinite(value)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        fail(
            f"{what} is not finite: entry {list(bad)} is {value[bad]}. An exp of a large number"
            " overflows to inf, and inf - inf, inf / inf or 0 * inf give nan: is a warning"
            " silenced (np.errstate, np.seterr) where numpy would have said so?"
        )
    return value


def expect_scalar(value: object, what: str) -> float:
    """`value` must be one finite real number (a float or a 0-d / 1-entry numpy value)."""
    if value is None:
        fail(f"{what} is None, expected a number: is a `return` missing?")
    if isinstance(value, np.ndarray) and value.ndim > 0:
        fail(f"{what} is an array of shape {value.shape}, expected one number: take the mean.")
    if not isinstance(value, float | int | np.floating | np.integer | np.ndarray) or isinstance(
        value, bool
    ):
        fail(f"{what} is {describe(value)}, expected a float.")
    value = float(value)
    if not np.isfinite(value):
        fail(f"{what} is {value}, expected a finite number: look for log(0) or an overflow.")
    return value


def snapshot(*arrays_or_dicts: np.ndarray | dict[str, np.ndarray]) -> list[Any]:
    """Deep copies, to tell later whether a call changed its inputs (one per argument, each
    of its argument's kind)."""
    out: list[Any] = []
    for x in arrays_or_dicts:
        if isinstance(x, dict):
            out.append({k: np.array(v, copy=True) for k, v in x.items()})
        else:
            out.append(np.array(x, copy=True))
    return out


def expect_unchanged(
    fname: str, params: dict[str, np.ndarray], X: np.ndarray | None, before: Sequence[Any]
) -> None:
    params0, X0 = before
    for name, value in params0.items():
        if not np.array_equal(params[name], value):
            fail(
                f"{fname} changed params[{name!r}] in place. It must leave params alone:"
                " write `x = x - ...`, not `x -= ...`, on arrays you did not create;"
                " updating the parameters is the training loop's job."
            )
    if X is not None and not np.array_equal(X, X0):
        fail(f"{fname} changed X in place: compute new arrays instead of modifying X.")


# --- the contract, checked ----------------------------------------------------------------
def run_forward(
    m: Any, params: dict[str, np.ndarray], X: np.ndarray, out_shape: tuple[int, ...]
) -> tuple[np.ndarray, Any]:
    """forward(params, X), checked: returns (output, cache)."""
    before = snapshot(params, X)
    result = call(m, "forward", params, X)
    with contract_of("forward"):
        return _check_forward(result, params, X, out_shape, before)


def _check_forward(
    result: Any,
    params: dict[str, np.ndarray],
    X: np.ndarray | None,
    out_shape: tuple[int, ...],
    before: Sequence[Any] | None,
) -> tuple[np.ndarray, Any]:
    if isinstance(result, np.ndarray):
        fail(
            f"forward returned only {describe(result)}; the contract is"
            " `return output, cache`, the cache being whatever backward needs."
        )
    pair = isinstance(result, tuple | list) and len(result) == 2
    if pair and getattr(result[1], "shape", None) == out_shape and not hasattr(result[0], "shape"):
        fail(
            "forward returned (cache, output): the contract is `return output, cache`, the"
            " output first."
        )
    if not isinstance(result, tuple | list) or len(result) != 2:
        missing = " (is a `return` missing?)" if result is None else ""
        fail(
            f"forward returned {describe(result)}{missing}; the contract is `return output, cache`."
        )
    output, cache = result
    expect_array(output, "forward's output", out_shape)
    if cache is None:
        fail("forward returned None as its cache: return what backward will need (X at least).")
    if before is not None:
        expect_unchanged("forward", params, X, before)
    return output, cache


def run_loss(m: Any, output: np.ndarray, Y: np.ndarray) -> float:
    before = snapshot(output, Y)
    result = call(m, "loss", output, Y)
    with contract_of("loss"):
        value = expect_scalar(result, "loss's result")
        if not (np.array_equal(output, before[0]) and np.array_equal(Y, before[1])):
            fail("loss changed its inputs in place: compute new arrays instead.")
    return value


def run_backward(
    m: Any, params: dict[str, np.ndarray], cache: object, Y: np.ndarray, X: np.ndarray
) -> dict[str, np.ndarray]:
    """backward(params, cache, Y), checked: same keys, shapes and dtype as params."""
    arrays = _arrays_in(cache)
    before = [np.array(a, copy=True) for _, a in arrays]
    grads = run_gradients(m, "backward", params, (params, cache, Y), X)
    for (label, a), b in zip(arrays, before, strict=True):
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            raise Fault(
                f"backward changed its cache in place ({label}, an array forward returned):"
                " compute new arrays instead (write `d = P - Y`, not `P -= Y`).",
                "backward",
                "contract",
            )
    return grads


def _arrays_in(cache: object) -> list[tuple[str, np.ndarray]]:
    """The arrays of a cache (an array, or a tuple, list or dict of them), with their names."""
    if isinstance(cache, np.ndarray):
        return [("cache", cache)]
    if not isinstance(cache, dict | tuple | list):
        return []
    items = cache.items() if isinstance(cache, dict) else enumerate(cache)
    return [(f"cache[{k!r}]", v) for k, v in items if isinstance(v, np.ndarray)]


def run_gradients(
    m: Any, fname: str, params: dict[str, np.ndarray], args: tuple[object, ...], X: np.ndarray
) -> dict[str, np.ndarray]:
    """fname(*args) must return one float64 gradient per parameter, changing nothing."""
    before = snapshot(params, X)
    grads = call(m, fname, *args)
    with contract_of(fname):
        return _check_gradients(fname, grads, params, X, before)


def _check_gradients(
    fname: str,
    grads: object,
    params: dict[str, np.ndarray],
    X: np.ndarray | None,
    before: Sequence[Any] | None,
) -> dict[str, np.ndarray]:
    if not isinstance(grads, dict):
        fail(
            f"{fname} returned {describe(grads)}; expected a dict with the keys of params"
            f" ({', '.join(params)}), each gradient shaped like its parameter."
        )
    if set(grads) != set(params):
        missing = [repr(k) for k in params if k not in grads]
        problem = (
            f" the gradient{'s' * (len(missing) > 1)} for {', '.join(missing)}"
            f" {'are' if len(missing) > 1 else 'is'} missing;"
            if missing
            else ""
        )
        fail(
            f"{fname} returned keys {sorted(grads)}, expected {sorted(params)}:{problem}"
            " name each gradient after its parameter (grads['W1'] is dL/dW1)."
        )
    for name, value in params.items():
        if np.ndim(grads[name]) == 0 and value.ndim == 2 and value.shape[0] == 1:
            fail(
                f"{fname}'s gradient for {name!r} is one number, expected a {value.shape} row:"
                " a sum without an axis adds over the rows and the columns. Sum over the rows"
                f" only, keeping the row: dZ.sum(axis=0, keepdims=True), shape {value.shape}."
            )
        got = getattr(grads[name], "shape", None)
        n = len(X) if X is not None else 0
        advice = diagnosis.explain_shape(name, got, value.shape, n) if got else ""
        expect_array(grads[name], f"{fname}'s gradient for {name!r}", value.shape, advice)
    if before is not None:
        expect_unchanged(fname, params, X, before)
    return grads


def _out_shape(params: object, X: Any) -> tuple[int, int] | None:
    """(N, K): N rows of X, K columns of the last parameter (the output layer's)."""
    last = next(reversed(params.values()), None) if isinstance(params, dict) else None
    if getattr(X, "ndim", 0) != 2 or last is None or getattr(last, "ndim", 0) != 2:
        return None
    return (X.shape[0], last.shape[-1])


def _forward_result(args: tuple[Any, ...], result: object) -> None:
    if type(result) is tuple and len(result) == 2 and result[1] is not None:  # the quick look
        out = result[0]
        quick = type(out) is np.ndarray and out.ndim == 2 and out.dtype == np.float64
        if quick and len(args) == 2 and out.shape == _out_shape(*args):
            return
    params, X = (*args, None, None)[:2]
    shape = _out_shape(params, X) if isinstance(params, dict) else None
    if shape is None:
        return
    with contract_of("forward"):
        _check_forward(result, params, X, shape, None)


def _loss_result(args: tuple[Any, ...], result: object) -> None:
    if type(result) is float or (type(result) is np.float64 and result.ndim == 0):
        return
    with contract_of("loss"):
        expect_scalar(result, "loss's result")


def _backward_result(args: tuple[Any, ...], result: object) -> None:
    params = args[0] if args and isinstance(args[0], dict) else None
    if params is None:
        return
    if type(result) is dict and result.keys() == params.keys():
        for name, value in params.items():
            g = result[name]
            if type(g) is not np.ndarray or g.shape != value.shape or g.dtype != np.float64:
                break
        else:
            return
    with contract_of("backward"):
        _check_gradients("backward", result, params, None, None)


# The contract's checks of a result that given code could not use (subject.py asks here).
RESULT_CHECKS = {"forward": _forward_result, "loss": _loss_result, "backward": _backward_result}


# --- numeric gradients --------------------------------------------------------------------
H = 1e-5  # central-difference step: error O(H²) ≈ 1e-10, round-off O(eps / H) ≈ 1e-11
GRAD_TOL = 1e-7  # the reference's own errors: python -m tests.kata measure gradients


def numeric_gradient(
    f: Callable[[dict[str, np.ndarray]], float], params: dict[str, np.ndarray], name: str
) -> np.ndarray:
    """Central differences of the scalar f(params) in every entry of params[name]."""
    p = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
    x = p[name]
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + H
        up = f(p)
        x[idx] = old - H
        down = f(p)
        x[idx] = old
        grad[idx] = (up - down) / (2 * H)
    return grad


def _numeric_in_subject(
    m: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, name: str
) -> np.ndarray | None:
    """numeric_gradient's evaluations made in the subject process in one request (the
    differences taken here); None when anything in them went wrong, for the checked way."""
    target = subject.resolve(m)
    if not isinstance(target, subject.Subject):
        return None
    encoder = codec.Encoder()
    header = {"op": "losses", "name": name, "h": H, "args": encoder.encode([params, X, Y])}
    try:
        values = target.ask_with(header, encoder.blobs)
    except (RemoteError, codec.Unreadable):
        return None
    except Fault as fault:
        if fault.kind in ("hang", "crash", "memory", "exit", "interrupt"):
            raise
        return None
    expected = (*np.shape(params[name]), 2)
    if not isinstance(values, np.ndarray) or values.shape != expected:
        return None
    if not np.all(np.isfinite(values)):
        return None
    return (values[..., 0] - values[..., 1]) / (2 * H)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """|a - n| / (|a| + |n|), entrywise.

    The denominator is floored at 1e-3: central differences carry an absolute
    round-off of about 1e-11, which would swamp a gradient entry of 1e-6; below
    the floor the test is an absolute one, |a - n| <= GRAD_TOL · 1e-3.
    """
    error: np.ndarray = np.abs(analytic - numeric) / np.maximum(
        np.abs(analytic) + np.abs(numeric), 1e-3
    )
    return error


def check_gradients(
    m: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, out_shape: tuple[int, int]
) -> None:
    """backward must match central differences of loss(forward(·, X)) in every entry."""
    output, cache = run_forward(m, params, X, out_shape)
    run_loss(m, output, Y)
    grads = run_backward(m, params, cache, Y, X)
    single = _float32_inside(output, grads)

    def f(p: dict[str, np.ndarray]) -> float:
        return run_loss(m, run_forward(m, p, X, out_shape)[0], Y)

    n, k = out_shape
    report: list[str] = []
    right: list[str] = []
    wrong: list[str] = []
    headlines: list[str] = []
    numerics: dict[str, np.ndarray] = {}
    for name in params:
        numeric = _numeric_in_subject(m, params, X, Y, name)
        if numeric is None:  # one call at a time, each checked: the messages of run_forward
            numeric = numeric_gradient(f, params, name)
        numerics[name] = numeric
        err = relative_error(grads[name], numeric)
        worst = np.unravel_index(np.argmax(err), err.shape)
        if err[worst] <= GRAD_TOL:
            right.append(name)
            continue
        wrong.append(name)
        likely = diagnosis.explain_gradient(name, grads[name], numeric, n, k, X.shape[1])
        if likely is None and n > 1:
            likely = _some_rows_only(m, params, X, Y, out_shape, name, grads[name])
        if likely:
            # What forward leaves out explains everything downstream of it: it leads.
            first = likely.startswith("the loss does not change")
            headlines.insert(
                0 if first else len(headlines), likely if first else f"{name} is {likely}"
            )
        report.append(
            f"  {name}: "
            + (f"{likely}.\n  {' ' * len(name)}  " if likely else "")
            + f"relative error {err[worst]:.1e} (tolerance {GRAD_TOL:.0e}); worst entry"
            f" {name}[{', '.join(map(str, worst))}]: backward gave {grads[name][worst]:.8g},"
            f" numeric {numeric[worst]:.8g}"
        )
    if wrong:
        point = fingerprints.point(params, X, Y)
        known = known_mistake(
            m,
            {f"backward's {name} at {point}": grads[name] for name in wrong},
            tuple(f"backward's {name} at {point}" for name in right),
        )
        if known:
            headlines.insert(0, known)
        suspect = None if known else _cache_suspect(cache, output, grads, numerics, headlines)
        if suspect:
            raise Fault(
                f"backward's gradient for {', '.join(wrong)} is wrong, and the cause is in"
                f" forward: {suspect}\n" + "\n".join(report),
                "forward",
            )
        layers = diagnosis.explain_layers(wrong, right)
        headline = (
            single
            or (headlines[0] if headlines else None)
            or layers
            or "it disagrees with the numeric gradient"
        )
        fail(
            f"backward's gradient for {', '.join(wrong)} is wrong: {headline}\n"
            "  compared with the numeric gradient (central differences of your"
            " loss(forward(...))):\n"
            + "\n".join(report)
            + (f"\n  where to look: {layers}." if layers else "")
            + (f"\n  right: {', '.join(right)}." if right else "")
        )


def expect_gradients(
    what: str,
    grads: dict[str, np.ndarray],
    expected: dict[str, np.ndarray],
    out_shape: tuple[int, int],
    rtol: float = 1e-9,
    hint: str = "",
) -> None:
    """Every parameter's gradient against the test's own numeric one; the first wrong layer's
    message names the likely mistake (the caller's `hint` when its test knows it better),
    the worst entry, and which layers are right."""
    n, k = out_shape
    wrong: list[str] = []
    right: list[str] = []
    for name, want in expected.items():
        scale = float(np.abs(want).max(initial=0.0))
        ok = np.allclose(grads[name], want, rtol=rtol, atol=max(scale, 1e-3) * rtol * 1e-2)
        (right if ok else wrong).append(name)
    if not wrong:
        return
    name = wrong[0]
    got, want = grads[name], expected[name]
    err = relative_error(got, want)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(err), err.shape))

    def word(known: str | None) -> str:
        likely = diagnosis.explain_gradient(name, got, want, n, k) or diagnosis.clipped(got, want)
        told = known or hint
        layers = None if told else diagnosis.explain_layers(wrong, right)
        return (
            f"backward's gradient for {', '.join(wrong)} {what} is wrong"
            + (f": {name} is {likely}" if likely and not told else "")
            + (f". {told}" if told else ".")
            + f"\n  worst entry {name}[{', '.join(map(str, worst))}]: backward gave"
            f" {got[worst]:.10g}, expected {want[worst]:.10g} (the test's own numeric gradient"
            " of its own forward pass and loss)"
            + (f"\n  where to look: {layers}." if layers else "")
            + (f"\n  right: {', '.join(right)}." if right else "")
        )

    raise Unnamed(
        {f"backward's {w} {what}": grads[w] for w in wrong},
        tuple(f"backward's {r} {what}" for r in right),
        word,
        "backward",
    )


def _cache_suspect(
    cache: object,
    output: np.ndarray,
    grads: dict[str, np.ndarray],
    numerics: dict[str, np.ndarray],
    headlines: list[str],
) -> str | None:
    """What in forward's cache can make a right backward wrong: numbers kept in less than
    float64 (when every gradient is right to float32's precision), or one array under two
    names (when nothing more telling was found: one of them was written over in place)."""
    arrays = [(k, a) for k, a in _arrays_in(cache) if a is not output]
    rounded = all(diagnosis.near_miss(grads[name], numerics[name]) for name in numerics)
    for label, a in arrays if rounded else ():
        if a.dtype.kind in "fc" and a.dtype.itemsize < np.dtype(a.dtype.kind + "8").itemsize:
            return (
                f"its cache holds {label} as {a.dtype}, so backward works with rounded numbers."
                " Keep the cache in float64, as forward computed it"
            )
    for i, (first, a) in enumerate(arrays if not headlines else ()):
        for second, b in arrays[i + 1 :]:
            if a.size and b.size and np.shares_memory(a, b):
                return (
                    f"{first} and {second} are one array, so one of them was written"
                    " over in place (`A = Z1` then `A[...] = ...` changes Z1 too). Compute each"
                    " into a new array"
                )
    return None


def _float32_inside(output: np.ndarray, grads: dict[str, np.ndarray]) -> str | None:
    """Float64 arrays that hold only float32 numbers: the arithmetic was float32 somewhere.

    With the tests' random inputs a float64 result is practically never a float32 number;
    in float32 the numeric gradient (steps of 1e-5) drowns in rounding and tells nothing.
    """
    for what, value in [
        ("forward's output", output),
        *((f"{k}'s gradient", g) for k, g in grads.items()),
    ]:
        if value.size and np.any(value) and np.array_equal(value, value.astype(np.float32)):
            return f"{what} holds only float32 numbers (stored as float64): {diagnosis.NEAR_MISS}"
    return None


def _some_rows_only(
    m: Any,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    out_shape: tuple[int, int],
    name: str,
    analytic: np.ndarray,
) -> str | None:
    """Whether backward's gradient is that of some rows of the batch only: which ones."""
    n, k = out_shape
    for rows, label in [
        (slice(0, n, 2), "rows 0, 2, 4, …"),
        (slice(1, n, 2), "rows 1, 3, 5, …"),
        *((slice(0, j), f"rows 0 to {j - 1}" if j > 1 else "row 0") for j in range(1, n)),
        *(
            (slice(j, n), f"rows {j} to {n - 1}" if j < n - 1 else f"row {n - 1}")
            for j in range(1, n)
        ),
    ]:
        Xs, Ys = X[rows], Y[rows]
        size = len(Xs)

        def f(
            p: dict[str, np.ndarray], Xs: np.ndarray = Xs, Ys: np.ndarray = Ys, size: int = size
        ) -> float:
            return run_loss(m, run_forward(m, p, Xs, (size, k))[0], Ys)

        part = numeric_gradient(f, params, name)
        for scale in (1.0, size / n):
            if np.any(part) and np.allclose(analytic, scale * part, rtol=1e-5, atol=1e-12):
                return (
                    f"the gradient of {label} only, of the batch's {n}: every row of X, dZ and"
                    " the cache goes into the gradient (a loop that stops early, or a slice?)"
                )
    return None


def known_mistake(m: Any, wrong: dict[str, object], right: tuple[str, ...] = ()) -> str | None:
    """What the catalogue's mistakes with these values say (tests/kata/runtime/fingerprints.py),
    for the running test's exercise and function, as m's run knows them."""
    return fingerprints.name_all(wrong, right, subject.resolve(m).kata_run.about)


class Unnamed(Fault):
    """A known answer's failure, before a known mistake is looked for: a check a test calls
    without its `m` (expect_close) does not know the test's exercise. The guard, which does,
    names the mistake whose values these are, if any, and words the failure anew (`word`)."""

    def __init__(
        self,
        wrong: dict[str, object],
        right: tuple[str, ...],
        word: Callable[[str | None], str],
        function: str | None = None,
    ):
        super().__init__(word(None), function)
        self.wrong, self.right, self.word = wrong, right, word


def swapped(
    m: Any, fname: str, args: tuple[npt.ArrayLike, npt.ArrayLike], expected: npt.ArrayLike
) -> Callable[[], str | None]:
    """A probe for expect_close: whether fname, given its two arguments the other way round,
    gives the expected answer (it then reads each as the other)."""

    def probe() -> str | None:
        first, second = args
        if np.shape(first) != np.shape(second):
            return None
        try:  # copies: the test's own arrays stay as they are, whatever the call does
            value = call(m, fname, np.array(second, copy=True), np.array(first, copy=True))
        except (Fault, NotStarted, Exception):  # the swapped call failed: not that
            return None
        same = np.shape(value) == np.shape(expected) and np.allclose(
            np.asarray(value, dtype=np.float64), expected, rtol=1e-9, atol=1e-12
        )
        fn = getattr(m, fname)
        names = _argument_names(getattr(fn, "kata_student", fn), args)
        order = ", ".join(names) if len(names) == 2 else "its arguments"
        return (
            f"{fname} uses its two arguments the other way round: given them swapped it gives"
            f" the expected answer. It takes ({order}) in that order"
            if same
            else None
        )

    return probe


def expect_close(
    what: str,
    actual: npt.ArrayLike,
    expected: npt.ArrayLike,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    probe: Callable[[], str | None] | None = None,
) -> None:
    """Known answers: `actual` must equal `expected` within rtol/atol; say where it does not
    (`probe`: a test's own check of a likely cause, asked only on a failure)."""
    expected = np.asarray(expected, dtype=np.float64)
    actual_arr = np.asarray(actual, dtype=np.float64)
    if actual_arr.shape != expected.shape:
        fail(f"{what}: shape {actual_arr.shape}, expected {expected.shape}.")
    close = np.isclose(actual_arr, expected, rtol=rtol, atol=atol)
    if np.all(close):
        return
    ratio = diagnosis.factor(actual_arr, expected)
    why = diagnosis.explain_ratio(ratio, one=expected.size == 1) if ratio is not None else None
    if why is None and diagnosis.near_miss(actual_arr, expected):
        why = diagnosis.NEAR_MISS

    def word(known: str | None) -> str:
        known = known or (probe() if probe else None)
        if not known and not why:  # only when nothing more telling was found
            known = diagnosis.one_line_right(close)
        said = f"\n  {known}" if known else f"\n  {why}." if why else ""
        if expected.ndim == 0:
            return f"{what}: expected {float(expected):.10g}, got {float(actual_arr):.10g}.{said}"
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        return (
            f"{what}: entry {list(idx)} expected {expected[idx]:.10g}, got"
            f" {actual_arr[idx]:.10g}.{said}\n  expected {np.array2string(expected, precision=8)}"
            f"\n  got      {np.array2string(actual_arr, precision=8)}"
        )

    raise Unnamed({what: actual_arr}, (), word)
