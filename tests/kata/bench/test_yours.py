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

import numpy as np
import pytest

from tests.kata import registry, subject
from tests.kata.bench import hotspot
from tests.kata.faults import Fault, NotStarted
from tests.kata.harness import check_gradients, load

pytestmark = pytest.mark.given
SIZES = (4, 64, 500)
TIERS = ("per_row", "yours")
CASES = [
    pytest.param(e, n, tier, marks=getattr(pytest.mark, e.marker), id=f"{e.marker}-N{n}-{tier}")
    for e in registry.EXERCISES
    for n in SIZES
    for tier in TIERS
]
_checked: dict[str, str | None] = {}  # exercise -> None (backward passes) or what to do first


def ready(record: registry.Exercise) -> str | None:
    """None when the student's backward passes its gradient check; else what to do first."""
    if record.module not in _checked:
        m = load(record.module)
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


def batched(m):
    forward, backward = m.kata_student.forward, m.kata_student.backward

    def gradient(params, X, Y):
        return backward(params, forward(params, X)[1], Y)

    return gradient


def per_row(m):
    if hasattr(m.kata_student, "backward_per_sample"):
        return m.kata_student.backward_per_sample
    forward, backward = m.kata_student.forward, m.kata_student.backward

    def gradient(params, X, Y):
        total = {name: np.zeros(value.shape) for name, value in params.items()}
        for i in range(len(X)):
            grads = backward(params, forward(params, X[i : i + 1])[1], Y[i : i + 1])
            for name in total:
                total[name] += grads[name]
        return {name: value / len(X) for name, value in total.items()}

    return gradient


@pytest.mark.parametrize("record, n, tier", CASES)
def test_your_gradient(benchmark, record, n, tier):
    why = ready(record)
    if why:
        pytest.skip(f"{record.marker}: {why}, then time it")
    m = load(record.module)
    rng = np.random.default_rng(0)
    params = m.init_params(rng)
    X, Y = record.data(m, rng, n)
    benchmark.group = f"{record.marker} your gradient N={n}"
    benchmark.extra_info.update(network=record.marker, task="your gradient", n=n, tier=tier)
    gradient = per_row(m) if tier == "per_row" else batched(m)
    with np.errstate(under="ignore"):
        benchmark(gradient, params, X, Y)
    if tier == "yours" and n == SIZES[-1] and not getattr(benchmark, "disabled", False):
        with np.errstate(under="ignore"):
            spot = where_time_goes(m, params, X, Y)
        if spot is not None:
            benchmark.extra_info["hotspot"] = spot


def where_time_goes(m, params, X, Y) -> dict | None:
    """The line of the student's file that took most of the batched gradient's time, profiled.

    The calls go through the kata's guard, as given code makes them; None if anything fails.
    """

    def gradient(params, X, Y):
        return m.backward(params, m.forward(params, X)[1], Y)

    try:
        path = m.kata_student.__file__
        spot = hotspot.profile(gradient, (params, X, Y), path)
    except Exception:  # the student's code, or the profiler: then no line is named
        return None
    return None if spot is None else {**spot.as_dict(), "file": subject.where(path)}
