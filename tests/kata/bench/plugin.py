"""The benchmark switch and the speedup summary: a pytest plugin the root conftest registers.

A plain `pytest` runs no benchmark: every test that takes pytest-benchmark's
`benchmark` fixture is deselected (counted as such, not skipped). They run when
asked for:

    pytest --benchmark-only        the benchmarks alone; every other test is deselected
    pytest --benchmark-enable      the tests and the benchmarks
    pytest --benchmark-disable     the tests, and each benchmark once, untimed

and with any option that keeps or compares a run (--benchmark-save, -autosave,
-json, -compare), as pytest-benchmark documents them.

After a benchmark run, below pytest-benchmark's table, a summary gives for every
network and N the speedup of vectorized code over the per-sample loop (loop median
÷ vectorized median), and names the BLAS library numpy was built with and the
threads it may use.
"""

from __future__ import annotations

import os
import platform
import re
import sys

import numpy as np
import pytest

# pytest-benchmark's options that ask for benchmarks to run.
ASKING = (
    "benchmark_only",
    "benchmark_enable",
    "benchmark_disable",
    "benchmark_save",
    "benchmark_autosave",
    "benchmark_json",
    "benchmark_compare",
)
# pytest-benchmark's notices that are news, not faults: shown as warnings, never raised as
# errors (the kata turns every other warning into one).
NOTICES = (
    "Can't compare",  # --benchmark-compare with no saved run yet
    "Benchmark machine_info is different",  # --benchmark-compare against another machine
    "Not saving anything",  # --benchmark-autosave on a run that selected no benchmark
)
TASKS = ("gradient", "train step", "SGD epoch")
THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def uses_benchmark(item) -> bool:
    return "benchmark" in getattr(item, "fixturenames", ())


class BenchmarkPlugin:
    def __init__(self, config):
        self.config = config
        self.available = config.pluginmanager.hasplugin("benchmark")
        self.results: list[dict] = []
        self.waiting: list[str] = []  # why the student's own code was not timed
        if self.available:  # its hooks exist only with pytest-benchmark loaded
            config.pluginmanager.register(_Results(self), "kata-benchmark-results")
            for notice in NOTICES:
                config.addinivalue_line("filterwarnings", f"default:{notice}:pytest.PytestWarning")

    def option(self, name: str):
        return self.config.getoption(name, default=None) if self.available else None

    def asked(self) -> bool:
        if self.option("benchmark_only"):
            return True
        return not self.option("benchmark_skip") and any(map(self.option, ASKING))

    # --- collection ----------------------------------------------------------------------
    def pytest_collection_modifyitems(self, config, items):
        run_benchmarks, only = self.asked(), bool(self.option("benchmark_only"))
        keep, drop = [], []
        for item in items:
            wanted = run_benchmarks if uses_benchmark(item) else not only
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    # --- the summary ---------------------------------------------------------------------
    def pytest_runtest_logreport(self, report):
        """Why a benchmark of the student's own code did not run: one line per reason."""
        if report.skipped and "test_your_gradient" in report.nodeid:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            reason = reason.removeprefix("Skipped: ")
            if reason and reason not in self.waiting:
                self.waiting.append(reason)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter):
        for reason in self.waiting:
            terminalreporter.write_line(f" benchmark of your code: {reason}.", yellow=True)
        rows = summary_rows(self.results)
        if not rows:
            return
        tr = terminalreporter
        fancy = (getattr(sys.stdout, "encoding", "") or "").lower().startswith("utf")
        title = "vectorization: speedup = loop median ÷ vectorized median"
        tr.write_sep("─" if fancy else "-", title if fancy else title.replace("÷", "/"))
        for line in format_summary(rows, fancy) + machine_lines():
            tr.write_line(line)


class _Results:
    """Receives the run's benchmarks from pytest-benchmark, and lists its groups in N order."""

    def __init__(self, plugin: BenchmarkPlugin):
        self.plugin = plugin

    @pytest.hookimpl(hookwrapper=True)
    def pytest_benchmark_group_stats(self, config, benchmarks, group_by):
        # Saved runs brought in by --benchmark-compare carry a path; this run's do not.
        self.plugin.results = [b for b in benchmarks if not b.get("path")]
        outcome = yield
        groups = outcome.get_result()
        if groups:
            outcome.force_result(sorted(groups, key=lambda group: natural(group[0] or "")))


def natural(text: str) -> list:
    """Sort key reading digits as numbers: N=64 before N=500 before N=4096."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


# --- the table -------------------------------------------------------------------------------
def summary_rows(results: list[dict]) -> list[tuple[str, str, int, dict]]:
    """(task, network, N, {tier: median seconds}) for every benchmark of this run."""
    medians: dict[tuple[str, str, int], dict] = {}
    for bench in results:
        info = bench.get("extra_info") or {}
        if not {"task", "network", "n", "tier"} <= info.keys() or "median" not in bench:
            continue
        key = (info["task"], info["network"], int(info["n"]))
        medians.setdefault(key, {})[info["tier"]] = bench["median"]
    order = {task: i for i, task in enumerate(TASKS)}
    return [
        (task, ex, n, medians[task, ex, n])
        for task, ex, n in sorted(medians, key=lambda k: (order.get(k[0], len(TASKS)), k[1], k[2]))
    ]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(top: float | None, bottom: float | None) -> str:
    if top is None or bottom is None or bottom <= 0:
        return "—"
    value = top / bottom
    return f"{value:.0f}×" if value >= 100 else f"{value:.3g}×"


def format_summary(rows, fancy: bool = True) -> list[str]:
    """One block per task: loop and vectorized medians, then the ratios that matter."""
    lines = []
    for task in dict.fromkeys(row[0] for row in rows):
        block = [row for row in rows if row[0] == task]
        if task == "your gradient":
            lines += _yours(block)
            continue
        tiers = set().union(*(row[3] for row in block))
        head = [task, "N", "loop", "vectorized", "loop ÷ vec", "loop ÷ fast"]
        if "kernel_floor" in tiers:
            head.append("fast ÷ kernels")
        if "torch" in tiers:
            head += ["torch", "torch ÷ vec"]
        table = [head]
        for _, ex, n, t in block:
            loop, vec, fast = t.get("loop"), t.get("vectorized"), t.get("vectorized_fast")
            cells = [ex, str(n), duration(loop), duration(vec), ratio(loop, vec), ratio(loop, fast)]
            if "kernel_floor" in tiers:
                cells.append(ratio(fast, t.get("kernel_floor")))
            if "torch" in tiers:
                cells += [duration(t.get("torch")), ratio(t.get("torch"), vec)]
            table.append(cells)
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        lines.append("")
        for r in table:
            cells = [c.rjust(w) for c, w in zip(r, widths, strict=True)]
            cells[0] = r[0].ljust(widths[0])
            lines.append(" " + "  ".join(cells))
    if any(row[0] != "your gradient" for row in rows):
        lines += [
            "",
            " a ÷ b: a's median over b's. loop: one row at a time; vec: vectorized, the"
            " reference solution;",
            " fast: vectorized_fast; kernels: the numpy calls vectorized_fast makes, timed alone.",
        ]
    if not fancy:
        lines = [line.replace("µ", "u").replace("÷", "/").replace("×", "x") for line in lines]
    return lines


def _yours(block) -> list[str]:
    """The student's own gradient: per row and batched, and the speedup against the reference's."""
    from tests.kata import registry

    table = [["your gradient", "N", "per row", "yours", "per row ÷ yours"]]
    for _, ex, n, t in block:
        row, yours = t.get("per_row"), t.get("yours")
        table.append([ex, str(n), duration(row), duration(yours), ratio(row, yours)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [""]
    for r in table:
        cells = [c.rjust(w) for c, w in zip(r, widths, strict=True)]
        cells[0] = r[0].ljust(widths[0])
        lines.append(" " + "  ".join(cells))
    lines.append("")
    for _, ex, n, t in block:
        record = registry.BY_MARKER.get(ex)
        if n != max(row[2] for row in block if row[1] == ex) or record is None:
            continue
        lines.append(
            f" {ex}: your backward is {ratio(t.get('per_row'), t.get('yours'))} the per-row loop"
            f" at N = {n} (the reference, measured on the README's machine at N = 500:"
            f" {record.reference_speedup:.0f}×)."
        )
    return lines


# --- the machine -----------------------------------------------------------------------------
def blas() -> str:
    """The BLAS numpy was built against, from numpy's own build configuration."""
    try:
        config = np.show_config(mode="dicts")  # numpy >= 1.26
    except Exception:  # an older numpy, or a build that did not record it
        return "not reported by this numpy (numpy.show_config() prints what it knows)"
    info = (config or {}).get("Build Dependencies", {}).get("blas", {})
    name = " ".join(str(info.get(k, "")) for k in ("name", "version")).strip() or "unknown"
    detail = str(info.get("openblas configuration", "")).split()
    threads = [word for word in detail if word.startswith("MAX_THREADS")]
    return name + (f" ({threads[0]})" if threads else "")


def threads() -> str:
    """The thread limits the environment sets, else the library's default."""
    limits = [f"{name}={os.environ[name]}" for name in THREAD_VARIABLES if os.environ.get(name)]
    if limits:
        return ", ".join(limits)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"no *_NUM_THREADS set, so the library's default (usually one per core: {cores})"


def cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_lines() -> list[str]:
    return [
        "",
        f" numpy {np.__version__} on Python {platform.python_version()}, {cpu()},"
        f" {os.cpu_count()} logical cores",
        f" BLAS: {blas()}",
        f" threads: {threads()}",
    ]
