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

A student's run shows the summary alone, in 100 columns: pytest-benchmark's table
(some 230 columns wide) appears when one of its display options is given, e.g.
--benchmark-columns=median,iqr,rounds. Where the student's batched gradient is far
slower than the reference's, the summary names the line of their file that took most
of its time, as profiled by test_yours.py.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import sys
import textwrap
from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pluggy
import pytest

from tests.kata.runtime import console

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
# pytest-benchmark's options that shape its table: given one, a student sees the table.
TABLE_OPTIONS = (
    "--benchmark-columns",
    "--benchmark-sort",
    "--benchmark-group-by",
    "--benchmark-name",
    "--benchmark-time-unit",
    "--benchmark-histogram",
    "--benchmark-compare",
    "--benchmark-compare-fail",
    "--benchmark-cprofile",
)
WIDTH = 100  # the summary's lines at most, narrower on a narrower terminal
SLOWER = 0.5  # your speedup below this share of the reference's: the slowest line is named
THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
# A benchmark as pytest-benchmark hands it to the hooks: a flat dict (median, extra_info, ...).
Bench: TypeAlias = dict[str, Any]
# A row of the summary: (task, network, N, {tier: median seconds}).
Row: TypeAlias = tuple[str, str, int, dict[str, float]]


def uses_benchmark(item: pytest.Item) -> bool:
    return "benchmark" in getattr(item, "fixturenames", ())


class BenchmarkPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.available = config.pluginmanager.hasplugin("benchmark")
        self.results: list[Bench] = []
        self.waiting: list[str] = []  # why the student's own code was not timed
        if self.available:  # its hooks exist only with pytest-benchmark loaded
            config.pluginmanager.register(_Results(self), "kata-benchmark-results")
            for notice in NOTICES:
                config.addinivalue_line("filterwarnings", f"default:{notice}:pytest.PytestWarning")

    def option(self, name: str) -> object:
        return self.config.getoption(name, default=None) if self.available else None

    def asked(self) -> bool:
        if self.option("benchmark_only"):
            return True
        return not self.option("benchmark_skip") and any(map(self.option, ASKING))

    def brief(self) -> bool:
        """A student's run, with none of pytest-benchmark's display options: the summary alone."""
        selection = self.config.pluginmanager.get_plugin("kata-selection")
        if not getattr(selection, "student_mode", False):
            return False
        return not any(arg.split("=", 1)[0] in TABLE_OPTIONS for arg in user_arguments(self.config))

    # --- collection ----------------------------------------------------------------------
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        run_benchmarks, only = self.asked(), bool(self.option("benchmark_only"))
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            wanted = run_benchmarks if uses_benchmark(item) else not only
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    # --- the summary ---------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Why a benchmark of the student's own code did not run: one line per reason."""
        if report.skipped and "test_your_gradient" in report.nodeid:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            reason = reason.removeprefix("Skipped: ")
            if reason and reason not in self.waiting:
                self.waiting.append(reason)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for reason in self.waiting:
            terminalreporter.write_line(f" benchmark of your code: {reason}.", yellow=True)
        rows = summary_rows(self.results)
        if not rows:
            return
        tr = terminalreporter
        fancy = console.can_encode(sys.stdout, "─µ÷×")
        title = "vectorization: speedup = loop median ÷ vectorized median"
        if all(row[0] == "your gradient" for row in rows):
            title = "your code: speedup = per-row median ÷ batched median"
        tr.write_sep("─" if fancy else "-", title if fancy else title.replace("÷", "/"))
        selection = self.config.pluginmanager.get_plugin("kata-selection")
        student = getattr(selection, "student_mode", True)
        lines = format_summary(rows, fancy, student) + hotspot_lines(self.results, rows, fancy)
        if self.brief():
            lines.append("")
            lines += wrap(
                "pytest-benchmark's own table: add --benchmark-columns=median,iqr,rounds (or any"
                " of min, max, mean, stddev, median, iqr, outliers, ops, rounds, iterations)."
            )
        lines += [part for text in machine_lines() for part in wrap(text)]
        for line in lines:
            tr.write_line(line)
        out = self.config.getoption("--summary-out", default=None)
        if out:  # the measured table, into a file the pages link: never retyped by hand
            command = " ".join(["pytest", *_without_summary_out(self.config)])
            text = "\n".join([title, "", *lines])
            Path(out).write_text(f"Written by: {command}\n\n```\n{text}\n```\n", "utf-8")
            if not student:  # the reference's own code
                write_reference(rows, command)


class _Results:
    """Receives the run's benchmarks from pytest-benchmark, and lists its groups in N order."""

    def __init__(self, plugin: BenchmarkPlugin) -> None:
        self.plugin = plugin

    @pytest.hookimpl(hookwrapper=True)
    def pytest_benchmark_group_stats(
        self, config: pytest.Config, benchmarks: list[Bench], group_by: str
    ) -> Generator[None, pluggy.Result[list[tuple[str | None, list[Bench]]]], None]:
        # Saved runs brought in by --benchmark-compare carry a path; this run's do not.
        self.plugin.results = [b for b in benchmarks if not b.get("path")]
        outcome = yield
        groups = outcome.get_result()
        if self.plugin.brief():  # no groups, no table: the kata's summary stands for it
            outcome.force_result([])
        elif groups:
            outcome.force_result(sorted(groups, key=lambda group: natural(group[0] or "")))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_report_header(
        self, config: pytest.Config
    ) -> Generator[None, pluggy.Result[list[str | list[str]]], None]:
        """pytest-benchmark's one long header line, wrapped to the terminal's width."""
        outcome = yield
        width = config.get_terminal_writer().fullwidth
        found = outcome.get_result()
        if isinstance(found, list):
            outcome.force_result([_wrapped_header(part, width) for part in found])


def natural(text: str) -> list[int | str]:
    """Sort key reading digits as numbers: N=64 before N=500 before N=4096."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


REFERENCE = Path(__file__).resolve().parent / "measured" / "reference.json"


def reference_speedups() -> dict[str, float]:
    """Each network's reference speedup (per row ÷ batched at the largest N), as measured by
    `pytest --solutions --benchmark-only tests/kata/bench/test_yours.py --summary-out ...`
    into measured/reference.json; {} before it was measured."""
    try:
        measured = json.loads(REFERENCE.read_text("utf-8"))["speedups"]
        return {ex: float(speedup) for ex, speedup in measured.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_reference(rows: list[Row], command: str) -> None:
    """measured/reference.json from a run of the reference solutions' own benchmark."""
    yours = [row for row in rows if row[0] == "your gradient"]
    speedups = {}
    for ex in dict.fromkeys(row[1] for row in yours):
        t = max((row for row in yours if row[1] == ex), key=lambda row: row[2])[3]
        if t.get("per_row") and t.get("yours"):
            speedups[ex] = round(t["per_row"] / t["yours"], 1)
    if speedups:
        REFERENCE.parent.mkdir(exist_ok=True)
        record = {"written by": command, "n": max(row[2] for row in yours), "speedups": speedups}
        REFERENCE.write_text(json.dumps(record, indent=1) + "\n", "utf-8")


def _without_summary_out(config: pytest.Config) -> list[str]:
    """The command line as typed, less --summary-out and its file."""
    typed, kept = [str(arg) for arg in config.invocation_params.args], []
    skip = False
    for arg in typed:
        if skip:
            skip = False
        elif arg == "--summary-out":
            skip = True
        elif not arg.startswith("--summary-out="):
            kept.append(arg)
    return kept


def user_arguments(config: pytest.Config) -> list[str]:
    """The options pytest was given: its command line, PYTEST_ADDOPTS and the ini's addopts."""
    args = [str(arg) for arg in config.invocation_params.args]
    try:
        args += shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))
        args += [str(arg) for arg in config.getini("addopts")]
    except (ValueError, TypeError):
        pass
    return args


def width() -> int:
    """The summary's width: the terminal's, at most WIDTH."""
    return max(min(shutil.get_terminal_size().columns, WIDTH), 40)


def wrap(text: str, indent: str = "   ") -> list[str]:
    """A sentence of the summary in lines that fit the terminal, the first indented by one."""
    lines = textwrap.wrap(
        text.strip(),
        width() - 1,
        initial_indent=" ",
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [""]


def _wrapped_header(part: str | list[str], columns: int) -> str | list[str]:
    if isinstance(part, str) and part.startswith("benchmark:") and len(part) > columns:
        return textwrap.wrap(part, columns - 1, subsequent_indent="  ", break_long_words=False)
    return part


# --- the table -------------------------------------------------------------------------------
def summary_rows(results: list[Bench]) -> list[Row]:
    """(task, network, N, {tier: median seconds}) for every benchmark of this run."""
    medians: dict[tuple[str, str, int], dict[str, float]] = {}
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


def format_summary(rows: list[Row], fancy: bool = True, student: bool = True) -> list[str]:
    """One block per task: loop and vectorized medians, then the ratios that matter.

    Where the compiled loop or PyTorch were timed, a second table per task sets the
    fastest tiers beside PyTorch: two tables, so that every line fits 100 columns.
    """
    kata_tiers = {"vectorized": "vec", "vectorized_fast": "fast", "compiled": "compiled"}
    others = ("compiled", "torch", "torch_1thread")

    def render(table: list[list[str]], caption: str | None) -> list[str]:
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        out = ["", f" {caption}"] if caption else [""]
        for r in table:
            cells = [c.rjust(w) for c, w in zip(r, widths, strict=True)]
            cells[0] = r[0].ljust(widths[0])
            out.append(" " + "  ".join(cells))
        return out

    def fastest(t: dict[str, float]) -> str:
        timed = {short: t[tier] for tier, short in kata_tiers.items() if t.get(tier)}
        if not timed or not t.get("torch"):
            return "—"
        best = min(timed, key=lambda short: timed[short])
        return f"{ratio(t['torch'], timed[best])} {best}"

    lines = []
    for task in dict.fromkeys(row[0] for row in rows):
        block = [row for row in rows if row[0] == task]
        if task == "your gradient":
            lines += _yours(block, student)
            continue
        tiers = set().union(*(row[3] for row in block))
        split = any(tier in tiers for tier in others)
        head = [task, "N", "loop", "vectorized", "loop ÷ vec", "loop ÷ fast"]
        if "kernel_floor" in tiers:
            head.append("fast ÷ kernels")
        if "compiled" in tiers:
            head.append("loop ÷ compiled")
        table = [head]
        for _, ex, n, t in block:
            loop, vec, fast = t.get("loop"), t.get("vectorized"), t.get("vectorized_fast")
            cells = [ex, str(n), duration(loop), duration(vec), ratio(loop, vec), ratio(loop, fast)]
            if "kernel_floor" in tiers:
                cells.append(ratio(fast, t.get("kernel_floor")))
            if "compiled" in tiers:
                cells.append(ratio(loop, t.get("compiled")))
            table.append(cells)
        lines += render(table, f"{task}: the loop and numpy" if split else None)
        if not split:
            continue
        shown = [tier for tier in ("vectorized_fast", *others) if tier in tiers]
        names = {"vectorized_fast": "fast", "torch_1thread": "torch 1 thread"}
        head = [task, "N", *(names.get(tier, tier) for tier in shown)]
        if "torch" in tiers:
            head += ["torch ÷ vec", "torch ÷ fastest"]
        table = [head]
        for _, ex, n, t in block:
            cells = [ex, str(n), *(duration(t.get(tier)) for tier in shown)]
            if "torch" in tiers:
                cells += [ratio(t.get("torch"), t.get("vectorized")), fastest(t)]
            table.append(cells)
        lines += render(table, f"{task}: the fastest tiers and PyTorch")
    if any(row[0] != "your gradient" for row in rows):
        lines += [
            "",
            " a ÷ b: a's median over b's. loop: one row at a time; vec: vectorized, the"
            " reference solution;",
            " fast: vectorized_fast; kernels: the numpy calls vectorized_fast makes, timed alone.",
        ]
        if any(tier in row[3] for row in rows for tier in others):
            lines += [
                " compiled: the loop compiled with numba; torch: the same computation in PyTorch"
                " (CPU, float64);",
                " torch 1 thread: after torch.set_num_threads(1); fastest: the quickest of vec,"
                " fast, compiled.",
            ]
    if not fancy:
        plain = str.maketrans({"µ": "u", "÷": "/", "×": "x", "—": "-"})
        lines = [line.translate(plain) for line in lines]
    return lines


def _yours(block: list[Row], student: bool = True) -> list[str]:
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
    for _, ex, n, t in block if student else ():  # the reference's run is not compared
        record = registry.BY_MARKER.get(ex)
        if n != max(row[2] for row in block if row[1] == ex) or record is None:
            continue
        measured = reference_speedups().get(ex)
        reference = (
            f"the reference, measured on the benchmark page's machine at N = 500: {measured:.0f}×"
            if measured
            else "no reference measured yet"
        )
        lines += wrap(
            f"{ex}: your backward is {ratio(t.get('per_row'), t.get('yours'))} the per-row loop"
            f" at N = {n} ({reference})."
        )
    return lines


def hotspot_lines(results: list[Bench], rows: list[Row], fancy: bool = True) -> list[str]:
    """Where yours is far slower than the reference: the line of the student's file that took
    most of its time at the largest N, as test_yours.py profiled it after timing it."""
    from tests.kata import registry

    spots = {}
    for bench in results:
        info = bench.get("extra_info") or {}
        if info.get("task") == "your gradient" and isinstance(info.get("hotspot"), dict):
            spots[info.get("network"), info.get("n")] = info["hotspot"]
    yours = [row for row in rows if row[0] == "your gradient"]
    lines = []
    for ex in dict.fromkeys(row[1] for row in yours):
        _, _, n, t = max((row for row in yours if row[1] == ex), key=lambda row: row[2])
        record, spot = registry.BY_MARKER.get(ex), spots.get((ex, n))
        loop, batched = t.get("per_row"), t.get("yours")
        if record is None or spot is None or not loop or not batched:
            continue
        measured = reference_speedups().get(ex)
        if measured is None:  # nothing to compare with yet
            continue
        if loop / batched >= SLOWER * measured:
            continue
        try:
            place = f"{spot['file']} line {int(spot['line'])}"
            code = str(spot["text"])
            share = f"{float(spot['share']):.0%}".replace("%", " %")
        except (KeyError, TypeError, ValueError):
            continue
        if len(code) > 60:
            code = code[:57] + "..."
        if not fancy:
            code = console.plain(code)
        code = code.replace(" ", "\N{NO-BREAK SPACE}")  # kept on one line by wrap()
        where = f"the loop at {place}" if spot.get("loop") else place
        sentence = f"{ex}: most of the time in yours goes to {where}: `{code}` ({share})."
        lines += [line.replace("\N{NO-BREAK SPACE}", " ") for line in wrap(sentence)]
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
    tiers = [  # the optional tiers' libraries, where this run imported them
        f"{name} {getattr(sys.modules[name], '__version__', '?')}"
        for name in ("numba", "torch")
        if name in sys.modules
    ]
    return [
        "",
        f" numpy {np.__version__} on Python {platform.python_version()}, {cpu()},"
        f" {os.cpu_count()} logical cores" + (f"; {', '.join(tiers)}" if tiers else ""),
        f" BLAS: {blas()}",
        f" threads: {threads()}",
    ]
