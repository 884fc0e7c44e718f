"""Per-sample loops against vectorized code, for every network: equal first, then timed.

The equality tests run in every test run (and in CI): for each network and
several batch sizes, the loop, the reference solution and the fast tier give the
same gradient and the same SGD step. They test only code the kata gives (the
solutions and tests/kata/bench/tiers.py), so they pass from the start. The
compiled loop (numba) and PyTorch are checked the same way where they are
installed; each is skipped with one line where it is not (KATA_REQUIRE_JIT=1
turns numba's skip into a failure, for CI).

The benchmarks (tests that take pytest-benchmark's `benchmark` fixture) run only
when asked for; tests/kata/bench/plugin.py deselects them otherwise:

    pytest --solutions --benchmark-only                  every benchmark, then the speedup summary
    pytest --solutions --benchmark-only -m ex05          one network
    pytest --benchmark-only --benchmark-autosave     ... and keep the run in .benchmarks/
    pytest --benchmark-only --benchmark-compare      ... against the last kept run

Each group (e.g. "ex05 gradient N=500") puts the tiers of one computation side by
side: loop, vectorized, vectorized_fast, kernel_floor (the numpy calls of the
fast tier alone, so fast ÷ floor is the cost of the Python around them),
compiled (the loop in numba), torch (PyTorch's forward and backward) and
torch_1thread (the same with torch.set_num_threads(1)). For every library on one
thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 pytest --solutions --benchmark-only
"""

import os
from typing import Any

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from tests.kata import registry
from tests.kata.bench import compiled as compiled_tier
from tests.kata.bench import plugin
from tests.kata.bench import tiers as bench
from tests.kata.bench.tiers import Gradient, Params
from tests.kata.runtime.harness import expect_close

pytestmark = pytest.mark.given

NETWORKS = [pytest.param(ex, marks=getattr(pytest.mark, ex), id=ex) for ex in bench.NETWORKS]
FAST_NETWORKS = [p for p in NETWORKS if p.values[0] in bench.FAST]
NAMES = {p.id: str(p.values[0]) for p in NETWORKS}  # each param's network, as a str
RTOL, ATOL = 1e-10, 1e-14  # the atol only for entries that cancel to nearly 0 (|g| ~ 1e-6)
LR = 0.1


def expect_same(what: str, actual: Params, expected: Params) -> None:
    assert set(actual) == set(expected), f"{what}: keys {sorted(actual)}, not {sorted(expected)}"
    for name in expected:
        expect_close(f"{what}, {name}", actual[name], expected[name], rtol=RTOL, atol=ATOL)


def copy(params: Params) -> Params:
    return {name: value.copy() for name, value in params.items()}


# --- equality: every run ---------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 3, 64, 500], ids=lambda n: f"N{n}")
@pytest.mark.parametrize("ex", NETWORKS)
def test_loop_vectorized_and_fast_give_one_gradient_and_one_step(ex: str, n: int) -> None:
    params, X, Y = bench.make_data(ex, n)
    before = copy(params), X.copy(), Y.copy()
    expected = bench.vectorized(ex)(params, X, Y)
    fast = bench.FAST[ex](params, n) if ex in bench.FAST else None
    expect_same(f"{ex} loop gradient, N={n}", bench.loop(ex)(params, X, Y), expected)
    expect_same(f"{ex} per-row gradient, N={n}", bench.per_row(ex)(params, X, Y), expected)
    if fast is not None:
        expect_same(f"{ex} vectorized_fast gradient, N={n}", fast.gradient(params, X, Y), expected)
    expect_same(f"{ex} inputs after the gradients", params, before[0])
    assert np.array_equal(X, before[1]) and np.array_equal(Y, before[2]), "X or Y changed"

    stepped = copy(params)
    bench.sgd_step(stepped, expected, LR)
    by_loop = copy(params)
    bench.sgd_step(by_loop, bench.loop(ex)(by_loop, X, Y), LR)
    expect_same(f"{ex} SGD step with the loop gradient, N={n}", by_loop, stepped)
    if fast is not None:
        by_fast = copy(params)
        fast.step(by_fast, X, Y, LR)
        expect_same(f"{ex} vectorized_fast SGD step, N={n}", by_fast, stepped)


def needs_numba() -> None:
    """Skip with one line where numba is missing; fail instead under KATA_REQUIRE_JIT=1."""
    if bench.NUMBA_MISSING:  # numba is None
        if os.environ.get("KATA_REQUIRE_JIT") == "1":
            pytest.fail(f"KATA_REQUIRE_JIT=1, but {bench.NUMBA_MISSING}", pytrace=False)
        pytest.skip(bench.NUMBA_MISSING)


def needs_torch() -> Any:  # the torch module
    return pytest.importorskip("torch", reason="torch is not installed (never a dependency)")


def compiled_or_skip(ex: str) -> Gradient:
    """The compiled tier's gradient function, compiled on a first call; a network whose record
    declares a layer no loop is written for is skipped, with one line saying which."""
    gradient = bench.compiled(ex)
    params, X, Y = bench.make_data(ex, 1)
    try:
        gradient(params, X, Y)
    except compiled_tier.NoKernel as missing:
        pytest.skip(f"{ex} has no compiled loop: {missing} (see tests/kata/bench/compiled.py)")
    return gradient


@pytest.mark.parametrize("ex", NETWORKS)
def test_compiled_loop_gives_the_gradient(ex: str) -> None:
    needs_numba()
    for n in (1, 3, 64, 500):
        params, X, Y = bench.make_data(ex, n)
        before = copy(params)
        expected = bench.vectorized(ex)(params, X, Y)
        got = compiled_or_skip(ex)(params, X, Y)
        expect_same(f"{ex} compiled gradient, N={n}", got, expected)
        expect_same(f"{ex} inputs after the compiled gradient", params, before)


@pytest.mark.parametrize("ex", NETWORKS)
def test_torch_gives_the_gradient(ex: str) -> None:
    needs_torch()
    for n in (1, 64, 500):
        params, X, Y = bench.make_data(ex, n)
        backward, grads = bench.torch_gradient(ex, params, X, Y)
        backward()
        expect_same(f"{ex} PyTorch's gradient, N={n}", grads(), bench.vectorized(ex)(params, X, Y))
        backward()  # again: zero_grad must clear the first one
        expect_same(f"{ex} PyTorch's second gradient", grads(), bench.vectorized(ex)(params, X, Y))


@pytest.mark.parametrize("ex", FAST_NETWORKS)
def test_kernel_floor_replays_exactly_the_fast_tier(ex: str) -> None:
    params, X, Y = bench.make_data(ex, 64)
    fast = bench.FAST[ex](params, 64)
    calls = bench.record_kernels(fast, params, X, Y)
    assert calls, "record_kernels logged no numpy call"
    for g in fast.grads.values():
        g.fill(np.nan)
    bench.kernel_floor(calls)()
    expect_same(f"{ex} kernel floor's gradient", fast.grads, bench.vectorized(ex)(params, X, Y))


# --- benchmarks: pytest --benchmark-only -------------------------------------------------------
SIZES = (4, 64, 500, 4096, 16384)
TIERS = ("loop", "vectorized", "vectorized_fast", "kernel_floor")
INSTALLED = ("compiled", "torch", "torch_1thread")  # timed where numba or torch is installed
SLOW_LOOP_ROUNDS = 3  # a loop over 4 096 rows or more: a few timed calls are enough


def label(benchmark: BenchmarkFixture, ex: str, task: str, n: int, tier: str) -> None:
    benchmark.group = f"{ex} {task} N={n}"
    benchmark.extra_info.update(network=ex, task=task, n=n, tier=tier)


def tiers_of(ex: str, tiers: tuple[str, ...]) -> list[str]:
    """The tiers a network has: the fast ones where written, every other one always."""
    return [t for t in tiers if t not in ("vectorized_fast", "kernel_floor") or ex in bench.FAST]


GRADIENT_CASES = [
    pytest.param(ex.values[0], n, tier, marks=ex.marks, id=f"{ex.id}-N{n}-{tier}")
    for ex in NETWORKS
    for n in SIZES
    for tier in tiers_of(NAMES[ex.id], TIERS + INSTALLED)
]
STEP_CASES = [
    pytest.param(ex.values[0], tier, marks=ex.marks, id=f"{ex.id}-{tier}")
    for ex in NETWORKS
    for tier in tiers_of(NAMES[ex.id], TIERS[:3])
]  # and PyTorch's step: test_train_step_torch


@pytest.mark.parametrize("ex, n, tier", GRADIENT_CASES)
def test_gradient(benchmark: BenchmarkFixture, ex: str, n: int, tier: str) -> None:
    """The whole batch's gradient, from params, X and Y."""
    label(benchmark, ex, "gradient", n, tier)
    params, X, Y = bench.make_data(ex, n)
    if tier == "loop":
        if n >= 4096:  # pedantic has no annotations (pytest-benchmark)
            benchmark.pedantic(bench.loop(ex), (params, X, Y), rounds=SLOW_LOOP_ROUNDS)  # type: ignore[no-untyped-call]
        else:
            benchmark(bench.loop(ex), params, X, Y)
    elif tier == "vectorized":
        benchmark(bench.vectorized(ex), params, X, Y)
    elif tier == "vectorized_fast":
        benchmark(bench.FAST[ex](params, n).gradient, params, X, Y)
    elif tier == "kernel_floor":
        benchmark(bench.kernel_floor(bench.record_kernels(bench.FAST[ex](params, n), params, X, Y)))
    elif tier == "compiled":
        needs_numba()
        gradient = compiled_or_skip(ex)
        gradient(params, X, Y)  # compiles: never timed
        benchmark(gradient, params, X, Y)
    else:
        torch = needs_torch()
        backward, _ = bench.torch_gradient(ex, params, X, Y)
        threads = torch.get_num_threads()
        torch.set_num_threads(1 if tier == "torch_1thread" else threads)
        try:
            backward()  # the first call allocates the gradients: never timed
            benchmark(backward)
        finally:
            torch.set_num_threads(threads)


@pytest.mark.parametrize("ex, tier", STEP_CASES)
def test_train_step(benchmark: BenchmarkFixture, ex: str, tier: str) -> None:
    """One full-batch training step on the document's batch size: gradient, then update."""
    n = registry.BY_MARKER[ex].train_n  # the document's batch
    label(benchmark, ex, "train step", n, tier)
    params, X, Y = bench.make_data(ex, n)
    if tier == "loop":
        loop = bench.loop(ex)

        def step() -> None:
            bench.sgd_step(params, loop(params, X, Y), LR)
    elif tier == "vectorized":
        m = bench.MODULES[ex]

        def step() -> None:
            _, cache = m.forward(params, X)
            bench.sgd_step(params, m.backward(params, cache, Y), LR)
    else:
        fast = bench.FAST[ex](params, n)

        def step() -> None:
            fast.step(params, X, Y, LR)

    benchmark(step)


@pytest.mark.parametrize("ex", NETWORKS)
def test_train_step_torch(benchmark: BenchmarkFixture, ex: str) -> None:
    """The same step in PyTorch (CPU, float64), as its users write it; needs torch installed.

    zero_grad, forward, loss, backward, optimizer step. The loss is part of it: autograd
    starts from it. It must land where the solution's step lands before it is timed.
    """
    needs_torch()
    n = registry.BY_MARKER[ex].train_n  # the document's batch
    label(benchmark, ex, "train step", n, "torch")
    params, X, Y = bench.make_data(ex, n)
    step, weights = bench.torch_step(ex, params, X, Y, LR)
    step()
    expected = copy(params)
    bench.sgd_step(expected, bench.vectorized(ex)(params, X, Y), LR)
    expect_same(f"{ex} PyTorch's SGD step", weights(), expected)
    benchmark(step)


@pytest.mark.ex05
@pytest.mark.parametrize("tier", ["loop", "vectorized"])
def test_sgd_epoch(benchmark: BenchmarkFixture, tier: str) -> None:
    """ex05's document trains online: 500 rows, an update after each (the loop tier).

    The vectorized tier runs the same epoch in mini-batches of 50: ten updates.
    Different algorithms, the same pass over the data.
    """
    m = bench.MODULES["ex05"]
    label(benchmark, "ex05", "SGD epoch", 500, tier)
    params, X, Y = bench.make_data("ex05", 500)
    if tier == "loop":
        benchmark(m.online_sgd_epoch, params, X, Y, 0.5)
    else:
        benchmark(m.minibatch_epoch, params, X, Y, 0.5, 50)


# --- the summary: a pure function of the medians ------------------------------------------------
def rows_of(**tiers: float) -> list[tuple[str, str, int, dict[str, float]]]:
    """Rows as summary_rows gives them: the slowest durations and widest ratios one run can show."""
    return [
        (task, ex, n, dict(tiers))
        for task in ("gradient", "train step")
        for ex in bench.NETWORKS
        for n in (4, 16384)
    ]


ALL_TIERS = dict(
    loop=12.3,
    vectorized=0.000999,
    vectorized_fast=0.0123,
    kernel_floor=0.0000123,
    compiled=0.000456,
    torch=0.00174,
    torch_1thread=0.00246,
)


@pytest.mark.parametrize("fancy", [True, False], ids=["utf8", "ascii"])
def test_summary_with_every_tier_fits_100_columns_in_two_tables_per_task(fancy: bool) -> None:
    lines = plugin.format_summary(rows_of(**ALL_TIERS), fancy)
    too_wide = [line for line in lines if len(line) > 100]
    assert not too_wide, f"lines wider than 100 columns: {too_wide}"
    for task in ("gradient", "train step"):
        assert f" {task}: the loop and numpy" in lines
        assert f" {task}: the fastest tiers and PyTorch" in lines
    heads = [line.split() for line in lines if line.startswith(" gradient ")]
    assert heads[0][-2:] == (["÷", "compiled"] if fancy else ["/", "compiled"]), heads[0]
    assert "torch 1 thread" in " ".join(heads[1]), heads[1]
    if not fancy:
        assert all(line.isascii() for line in lines), [line for line in lines if not line.isascii()]


def test_summary_names_the_fastest_tier_that_torch_is_set_against() -> None:
    lines = plugin.format_summary(rows_of(**ALL_TIERS))
    table = lines[lines.index(" gradient: the fastest tiers and PyTorch") + 2 :]
    line = next(line for line in table if line.split()[:2] == ["ex05", "16384"])
    assert line.endswith("3.82× compiled"), line  # 1.74 ms ÷ 456 µs; vec 999 µs, fast 12.3 ms
    assert line.split()[2:10:2] == ["12.3", "456", "1.74", "2.46"], line  # fast, compiled, torch


def test_summary_without_compiled_or_torch_keeps_one_table_per_task() -> None:
    rows = rows_of(loop=0.01, vectorized=0.0001, vectorized_fast=0.00005, kernel_floor=0.00004)
    lines = plugin.format_summary(rows)
    assert not any("PyTorch" in line or "torch" in line or "compiled" in line for line in lines)
    assert sum(line.startswith(" gradient ") for line in lines) == 1, lines
    assert all(len(line) <= 100 for line in lines)
