"""The benchmark of the student's own code: what a student reads, and the line profiler behind it.

The fast tests check the pieces: the profiler (tests/kata/bench/hotspot.py) names a row loop
and a vectorized line where they are, and stops when it must; the summary's sentences fit 100
columns and fall back to ASCII. The slow ones run `pytest --benchmark-only` in a copy of the
kata as a student does: its output fits a 100-column terminal, pytest-benchmark's full table
comes back when asked for, and a backward that loops over rows is told apart from a
vectorized one, with solutions/ deleted, as in a handout.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

from tests.kata.bench import hotspot
from tests.kata.bench import plugin as bench
from tests.kata.bench.test_yours import where_time_goes
from tests.kata.checks.fakekata import FakeKata

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.given
UNTRACED = pytest.mark.skipif(
    sys.gettrace() is not None, reason="runs under a tracer (coverage, a debugger)"
)

ROWS = """\
import numpy as np


def rows(X):
    scale = [2.0 for _ in range(1)]
    total = np.zeros(X.shape[1])
    for i in range(len(X)):
        total += X[i] * scale[0]
    return total


def batch(X):
    return (X * 2.0).sum(axis=0)
"""
LOOP_LINE = 7  # ROWS's `for i in range(len(X)):`


@pytest.fixture
def rows_module(tmp_path: Path) -> Any:  # ROWS as a module, as dynamic as a student's
    path = tmp_path / "rows.py"
    path.write_text(ROWS, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("kata_rows_example", path)
    assert spec is not None and spec.loader is not None  # a .py file: a source loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the profiler -----------------------------------------------------------------------------
@UNTRACED
def test_profiler_names_a_row_loop_by_its_first_line(rows_module: Any) -> None:
    X = np.linspace(0, 1, 1000).reshape(500, 2)
    spot = hotspot.profile(rows_module.rows, (X,), rows_module.__file__)
    assert spot is not None, "the profiler measured nothing"
    assert (spot.line, spot.text, spot.loop) == (LOOP_LINE, "for i in range(len(X)):", True)
    assert 0.5 < spot.share <= 1.0, spot
    assert sys.gettrace() is None, "the profiler left its tracer on"


@UNTRACED
def test_profiler_names_a_line_of_vectorized_code(rows_module: Any) -> None:
    X = np.linspace(0, 1, 1000).reshape(500, 2)
    spot = hotspot.profile(rows_module.batch, (X,), rows_module.__file__)
    assert spot is not None and not spot.loop, spot
    assert spot.text == "return (X * 2.0).sum(axis=0)"


@UNTRACED
def test_profiler_past_its_deadline_stops_tracing_and_names_nothing(
    rows_module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotspot, "DEADLINE", 0.0)
    X = np.linspace(0, 1, 1000).reshape(500, 2)
    assert hotspot.profile(rows_module.rows, (X,), rows_module.__file__) is None
    assert sys.gettrace() is None
    assert np.allclose(rows_module.rows(X), rows_module.batch(X))  # the code still ran whole


def test_profiler_does_not_replace_another_tracer(rows_module: Any) -> None:
    previous = sys.gettrace()
    tracer = previous or (lambda frame, event, arg: None)
    sys.settrace(tracer)
    try:
        assert hotspot.profile(rows_module.batch, (np.ones((2, 2)),), rows_module.__file__) is None
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_a_failing_gradient_names_no_line(rows_module: Any) -> None:
    def broken(*args: object) -> NoReturn:
        raise ValueError("the student's mistake")

    m = types.SimpleNamespace(
        forward=broken, backward=broken, kata_student=types.SimpleNamespace(__file__="rows.py")
    )
    assert where_time_goes(m, {}, np.ones((2, 2)), np.ones((2, 1))) is None


# --- the summary's sentences ---------------------------------------------------------------
def yours_run(
    per_row: float, yours: float, spot: dict[str, object] | None, n: int = 500
) -> tuple[list[dict[str, Any]], list[tuple[str, str, int, dict[str, float]]]]:
    """pytest-benchmark's records of one exercise's two tiers at N, and the summary's rows."""
    info = {"network": "ex02", "task": "your gradient", "n": n}
    results = [
        {"median": per_row, "extra_info": {**info, "tier": "per_row"}},
        {"median": yours, "extra_info": {**info, "tier": "yours", "hotspot": spot}},
    ]
    return results, bench.summary_rows(results)


SPOT = {
    "line": 118,
    "text": "for i in range(len(X)):  # Σ over the rows",
    "share": 0.974,
    "loop": True,
    "file": "exercises/ex02_sigmoid_mse.py",
}


def test_a_slow_gradient_gets_its_slowest_line_named_within_100_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    results, rows = yours_run(per_row=0.012, yours=0.006, spot=SPOT)
    lines = bench.hotspot_lines(results, rows)
    text = " ".join(line.strip() for line in lines)
    assert text == (
        "ex02: most of the time in yours goes to the loop at exercises/ex02_sigmoid_mse.py"
        " line 118: `for i in range(len(X)):  # Σ over the rows` (97 %)."
    )
    summary = bench.format_summary(rows) + lines
    assert all(len(line) <= 100 for line in summary), summary

    ascii_lines = bench.format_summary(rows, fancy=False) + bench.hotspot_lines(
        results, rows, fancy=False
    )
    for line in ascii_lines:
        line.encode("ascii")  # raises if a µ, ÷, × or the student's Σ is left


def test_a_fast_gradient_or_an_unprofiled_one_gets_no_line() -> None:
    reference = bench.reference_speedups().get("ex02") or 200.0  # as measured, or a typical one
    fast = yours_run(per_row=0.012, yours=0.012 / (0.6 * reference), spot=SPOT)
    assert bench.hotspot_lines(*fast) == []
    unprofiled = yours_run(per_row=0.012, yours=0.006, spot=None)
    assert bench.hotspot_lines(*unprofiled) == []
    garbled = yours_run(per_row=0.012, yours=0.006, spot={"line": "?"})
    assert bench.hotspot_lines(*garbled) == []


def test_summary_lines_wrap_to_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    results, rows = yours_run(per_row=0.012, yours=0.006, spot=SPOT)
    lines = bench.format_summary(rows) + bench.hotspot_lines(results, rows)
    assert all(len(line) <= 72 for line in lines), lines
    assert any(line.startswith(" ex02: your backward is 2×") for line in lines), lines


def test_pytest_benchmark_header_is_wrapped_and_other_lines_kept() -> None:
    header = "benchmark: 5.3.1 (defaults: " + " ".join(f"option{i}=value" for i in range(20)) + ")"
    wrapped = bench._wrapped_header(header, 100)
    assert len(wrapped) > 1 and all(len(line) <= 100 for line in wrapped)
    assert " ".join(part.strip() for part in wrapped) == header
    assert bench._wrapped_header("rootdir: " + "x" * 200, 100) == "rootdir: " + "x" * 200


# --- a student's run, end to end ---------------------------------------------------------------
FULL_COLUMNS = "--benchmark-columns=min,max,mean,stddev,median,iqr,outliers,ops,rounds,iterations"
LOOPING_BACKWARD = '''\
def backward(params, cache, Y):
    """The same gradient, one row at a time inside (correct, and slow)."""
    X, Z1, A, out = cache
    grads = {name: np.zeros(value.shape) for name, value in params.items()}
    for i in range(len(X)):
        dout = (out[i : i + 1] - Y[i : i + 1]) / out.size
        dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1[i : i + 1])
        grads["W1"] += X[i : i + 1].T @ dZ1
        grads["W2"] += A[i : i + 1].T @ dout
    return grads
'''


def speedup(report: dict[str, Any], n: int = 500) -> float:
    """per_row's median over yours' at N, from pytest-benchmark's JSON."""
    medians: dict[str, float] = {
        b["extra_info"]["tier"]: b["stats"]["median"]
        for b in report["benchmarks"]
        if b["extra_info"].get("n") == n
    }
    return medians["per_row"] / medians["yours"]


@pytest.mark.slow
def test_student_run_fits_100_columns_and_the_full_table_stays(
    kata: FakeKata, monkeypatch: pytest.MonkeyPatch
) -> None:
    kata.solve("ex01")
    monkeypatch.setenv("COLUMNS", "100")
    result = kata.run("--benchmark-only", "-m", "ex01")
    assert result.ret == 0, result.stdout.str()
    lines = result.outlines + result.errlines
    # rootdir is where the kata was put: as long as its path, whatever the kata prints.
    wide = [line for line in lines if len(line) > 100 and not line.startswith("rootdir: ")]
    assert not wide, "\n".join(wide)
    result.stdout.fnmatch_lines(
        [
            " your gradient    N  per row    yours  per row ÷ yours",
            " ex01           500  * ms  * µs  *×",
            " ex01: your backward is *× the per-row loop at N = 500 (the reference, measured on*",
            " pytest-benchmark's own table: add --benchmark-columns=median,iqr,rounds*",
        ]
    )
    assert not [line for line in lines if line.startswith("Name (time in")], lines

    full = kata.run("--benchmark-only", "-m", "ex01", FULL_COLUMNS)
    assert full.ret == 0, full.stdout.str()
    full.stdout.fnmatch_lines(
        [
            "*benchmark 'ex01 your gradient N=500': 2 tests*",
            "Name (time in *Min*Max*Mean*StdDev*Median*IQR*Outliers*OPS*Rounds*Iterations",
        ]
    )
    assert "pytest-benchmark's own table: add" not in full.stdout.str()


@pytest.mark.slow
def test_looping_backward_is_slower_and_its_loop_named_without_solutions(
    kata: FakeKata, monkeypatch: pytest.MonkeyPatch
) -> None:
    kata.solve("ex02")
    shutil.rmtree(kata.path / "solutions")
    vectorized = kata.run("--benchmark-only", "-m", "ex02", "--benchmark-json=vectorized.json")
    assert vectorized.ret == 0, vectorized.stdout.str()
    assert "goes to the loop at" not in vectorized.stdout.str()  # the reference has no loop

    first = kata.append("ex02", LOOPING_BACKWARD)  # a later def replaces the solution's
    loop_line = first + 4
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")  # and a console that has no µ, ÷ nor ×
    looping = kata.run("--benchmark-only", "-m", "ex02", "--benchmark-json=looping.json")
    assert looping.ret == 0, looping.stdout.str()
    looping.stdout.fnmatch_lines(
        [
            " ex02: your backward is *x the per-row loop at N = 500*",
            f" ex02: most of the time in yours goes to the loop at {kata.where('ex02')}"
            f" line {loop_line}:",
            "   `for i in range(len(X)):` (* %).",
        ]
    )
    assert not [line for line in looping.outlines if not line.isascii()]

    reports = {
        name: json.loads((kata.path / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("vectorized", "looping")
    }
    fast, slow = speedup(reports["vectorized"]), speedup(reports["looping"])
    assert slow < 0.5 * fast, f"looping {slow:.3g}x, vectorized {fast:.3g}x the per-row loop"
