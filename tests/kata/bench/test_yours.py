"""Your own code, timed: your vectorized gradient against the same functions one row at a time.

Collected in a student's run only when benchmarks are asked for (pytest --benchmark-only),
in the full kata and in a handout alike; it needs no answer. Tiers, for each exercise and N:

- per_row: your forward and backward called on one row at a time, the rows' gradients
  averaged (ex05: your own backward_per_sample);
- yours: your forward and backward on the whole batch.

`yours` is timed only for a backward that passes its gradient check in this run; before
that, one line says what to do first. After `yours` is timed at the largest N, a few more
calls run under a line profiler (hotspot.py), untimed: the summary names the line where
most of their time went when yours is much slower than the reference.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from tests.kata import registry
from tests.kata.runtime import subject as subject_module
from tests.kata.runtime.child import codec
from tests.kata.runtime.faults import Fault, NotStarted
from tests.kata.runtime.harness import check_gradients
from tests.kata.runtime.subject import Run, resolve

pytestmark = pytest.mark.given
SIZES = (4, 64, 500)
ROUNDS = 15  # each the median of five calls (the subject process's op_time)
TIERS = ("per_row", "yours")
CASES = [
    pytest.param(e, n, tier, marks=getattr(pytest.mark, e.marker), id=f"{e.marker}-N{n}-{tier}")
    for e in registry.EXERCISES
    for n in SIZES
    for tier in TIERS
]


@pytest.fixture(scope="module")
def checked() -> dict[str, str | None]:
    """Exercise -> None (its backward passes) or what to do first, once per run of this file."""
    return {}


def ready(run: Run, record: registry.Exercise, _checked: dict[str, str | None]) -> str | None:
    """None when the student's backward passes its gradient check; else what to do first."""
    if record.module not in _checked:
        m = run.load(record.module)
        rng = np.random.default_rng(0)
        params = m.init_params(rng)
        X, Y = record.data(m, rng, 3)
        try:
            shape = (3, next(reversed(params.values())).shape[-1])
            check_gradients(m, params, X, Y, shape)
            _checked[record.module] = None
        except NotStarted as exc:
            _checked[record.module] = f"write {exc.function} first"
        except Fault:
            _checked[record.module] = "fix backward first: it fails its gradient check"
    return _checked[record.module]


class ChildClock:
    """pytest-benchmark's timer for a gradient timed in the subject process: the real clock,
    less the time spent crossing to that process and back, so a round counts only the
    student's code as the subject process measured it."""

    def __init__(self) -> None:
        self.crossing = 0.0

    def __call__(self) -> float:
        return time.perf_counter() - self.crossing


def gradient_of(
    m: Any,
    tier: str,
    clock: ChildClock,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
) -> Callable[[], None]:
    """A call that has the subject process compute (and time) the student's gradient once:
    per_row, their forward and backward on one row at a time (ex05: their own
    backward_per_sample); yours, on the whole batch."""
    subject = resolve(m)
    encoder = codec.Encoder()
    header = {"op": "time", "tier": tier, "rounds": 5, "args": encoder.encode([params, X, Y])}

    def gradient() -> None:
        """One round: the median of five calls timed there (after one untimed call)."""
        start = time.perf_counter()
        inside = subject.ask_with(header, encoder.blobs)
        clock.crossing += (time.perf_counter() - start) - statistics.median(inside)

    return gradient


@pytest.mark.parametrize("record, n, tier", CASES)
def test_your_gradient(
    benchmark: BenchmarkFixture,
    kata_run: Run,
    checked: dict[str, str | None],
    record: registry.Exercise,
    n: int,
    tier: str,
) -> None:
    why = ready(kata_run, record, checked)
    if why:
        pytest.skip(f"{record.marker}: {why}, then time it")
    m = kata_run.load(record.module)
    rng = np.random.default_rng(0)
    params = m.init_params(rng)
    X, Y = record.data(m, rng, n)
    benchmark.group = f"{record.marker} your gradient N={n}"
    benchmark.extra_info.update(network=record.marker, task="your gradient", n=n, tier=tier)
    clock = ChildClock()
    if hasattr(benchmark, "_timer"):  # pytest-benchmark's timer: the subject process's time
        benchmark._timer = clock
    # Rounds set, not calibrated: pytest-benchmark would size them by the time inside the
    # subject process alone, and the crossings would multiply the wall time. (pedantic has
    # no annotations in pytest-benchmark: hence the ignore.)
    gradient = gradient_of(m, tier, clock, params, X, Y)
    benchmark.pedantic(gradient, rounds=ROUNDS, iterations=1)  # type: ignore[no-untyped-call]
    if tier == "yours" and n == SIZES[-1] and not getattr(benchmark, "disabled", False):
        with np.errstate(under="ignore"):
            spot = where_time_goes(m, params, X, Y)
        if spot is not None:
            benchmark.extra_info["hotspot"] = spot


def where_time_goes(
    m: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, Any] | None:
    """The line of the student's file that took most of the batched gradient's time, profiled
    in the subject process; None if anything fails."""
    subject = resolve(m)
    encoder = codec.Encoder()
    tree = encoder.encode([params, X, Y])
    try:
        spot = subject.ask_with({"op": "profile", "args": tree}, encoder.blobs)
    except (Exception, Fault, NotStarted):  # the student's code, or the profiler
        return None
    path = m.kata_student.__file__
    return None if spot is None else {**spot, "file": subject_module.where(path)}
