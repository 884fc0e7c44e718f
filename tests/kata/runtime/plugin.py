"""The kata's pytest plugin: the options, and the parts the root conftest switches on.

Each job has its own module: selection.py (markers, stages, the student's run), guard.py
(each test inside the kata's walls), outcomes.py (not started, blocked), totals.py (each
exercise's count), table.py (the progress table, a pure function), hints.py, stubcheck.py
and report.py. This module only wires them together and prints the table.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from collections.abc import Generator
from pathlib import Path

import pluggy
import pytest

from tests.kata import registry
from tests.kata.paths import ROOT
from tests.kata.runtime import console, contain, report, stubcheck, subject, table
from tests.kata.runtime.child import sandbox
from tests.kata.runtime.faults import Fault
from tests.kata.runtime.fixtures import Fixtures
from tests.kata.runtime.guard import Guard
from tests.kata.runtime.outcomes import Outcomes
from tests.kata.runtime.selection import Selection, register_markers, stage_of
from tests.kata.runtime.totals import Totals
from tests.kata.student import hints

# The run's one object, on pytest's config: made in configure, handed to every part.
RUN_KEY = pytest.StashKey["subject.Run"]()

# Near misses of the kata's options: each gets a clear error instead of argparse's.
TYPOS = {
    "--solution": "--solutions",
    "--solns": "--solutions",
    "--check-stub": "--check-stubs",
    "--hints": "--hint",
    "--catalog": "--catalogue",
}
OPTIONS = (
    "--solutions, --check-stubs, --watch, --hint EXERCISE[.FUNCTION], --hint-reset,"
    " --reset EXERCISE[.FUNCTION], --upgrade, --slow, --call-limit SECONDS,"
    " --test-limit SECONDS (and, beside pytest, python -m tests.kata --help)"
)


def addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata")
    group.addoption(
        "--solutions",
        action="store_true",
        help="run the tests against solutions/ instead of exercises/ (same as KATA_IMPL=solutions)",
    )
    group.addoption(
        "--check-stubs",
        action="store_true",
        help="prove the kata: on pristine exercises/ no test of a student-written function passes",
    )
    group.addoption("--kata-report", metavar="PATH", help=argparse.SUPPRESS)
    group.addoption("--kata-grade-stream", metavar="PATH", help=argparse.SUPPRESS)
    group.addoption("--kata-subject-user", type=int, metavar="UID", help=argparse.SUPPRESS)
    group.addoption("--kata-subject-memory", type=int, metavar="BYTES", help=argparse.SUPPRESS)
    group.addoption(
        "--slow",
        "--catalogue",
        action="store_true",
        dest="slow",
        help="with --solutions: also run the kata's slow self-checks (the catalogue of student"
        " answers, the plugin end to end, a network made by `new`; a few minutes)",
    )
    group.addoption(
        "--hint",
        metavar="EXERCISE[.FUNCTION]",
        help="show the next hint for one function (--hint ex02.backward), or for an exercise's"
        " first function that does not pass yet (--hint ex02), and run no tests",
    )
    group.addoption(
        "--hint-reset", action="store_true", help="with --hint: start that function's hints over"
    )
    group.addoption(
        "--reset",
        metavar="EXERCISE[.FUNCTION]",
        help="put back the stub of an exercise (--reset ex02) or of one function (--reset"
        " ex02.backward), keeping your file as a .bak- copy beside it, and run no tests",
    )
    group.addoption(
        "--upgrade",
        action="store_true",
        help="bring exercises/ up to the kata's version in tests/kata/pristine/, keeping your"
        " functions and helpers (and a .bak- copy of each file changed), and run no tests",
    )
    group.addoption(
        "--handout",
        metavar="OUT",
        help="old form of: python -m tests.kata handout OUT (goes in the next release)",
    )
    group.addoption(
        "--exercises",
        metavar="LIST",
        help="with the old --handout, --grade, --autograder-bundle: only these exercises",
    )
    group.addoption(
        "--grade",
        metavar="SUBMISSIONS",
        help="old form of: python -m tests.kata grade SUBMISSIONS --out OUT",
    )
    group.addoption("--grade-out", metavar="OUT", help="old form of: grade's --out")
    group.addoption("--grade-workers", type=int, metavar="N", help="old form of: grade's --workers")
    group.addoption(
        "--grade-limit",
        type=float,
        metavar="SECONDS",
        help="old form of: grade's --limit",
    )
    group.addoption(
        "--grade-memory",
        type=float,
        metavar="GIB",
        help="old form of: grade's --memory",
    )
    group.addoption(
        "--grade-user",
        metavar="NAME[,NAME...]",
        help="old form of: grade's --user",
    )
    group.addoption(
        "--autograder-bundle",
        metavar="OUT.zip",
        help="old form of: python -m tests.kata bundle OUT.zip",
    )
    group.addoption(
        "--call-limit",
        type=float,
        metavar="SECONDS",
        help=f"time limit of one call of your function (default {contain.Limits.call:g})",
    )
    group.addoption(
        "--test-limit",
        type=float,
        metavar="SECONDS",
        help=f"time limit of one test (default {contain.Limits.test:g})",
    )
    group.addoption(
        "--summary-out",
        metavar="FILE",
        help="with --benchmark-only: also write the speedup summary into FILE (markdown)",
    )
    group.addoption(
        "--watch",
        action="store_true",
        help="run the tests again each time a file of exercises/ changes (with -m ex02, -k ...,"
        " as usual); Ctrl-C to stop",
    )
    parser.addini("kata_call_limit", "seconds one call of a student's function may take")
    parser.addini("kata_test_limit", "seconds one test may take")
    for typo in TYPOS:
        group.addoption(typo, dest=_dest(typo), nargs="?", const=True, help=argparse.SUPPRESS)


def _dest(typo: str) -> str:
    return "typo_" + typo.strip("-").replace("-", "_")


def _old_verbs(config: pytest.Config) -> None:
    """--handout, --autograder-bundle and --grade: kept for this release, each doing its job
    and saying its new form, python -m tests.kata <verb> (see tests/kata/cli.py)."""
    from tests.kata import cli

    exercises = ["--exercises", config.getoption("--exercises")] * bool(
        config.getoption("--exercises")
    )
    if config.getoption("--handout"):
        argv = ["handout", config.getoption("--handout"), *exercises]
    elif config.getoption("--autograder-bundle"):
        argv = ["bundle", config.getoption("--autograder-bundle"), *exercises]
    elif config.getoption("--grade"):
        from tests.kata.instructor import grade

        run = grade.options_of(config)
        argv = ["grade", str(run.submissions), "--out", str(run.out), *exercises]
        for flag, value, default in (
            ("--workers", run.workers, None),
            ("--limit", run.limit, grade.Options.limit),
            ("--memory", run.memory, grade.Options.memory),
            ("--user", run.user, None),
            ("--call-limit", run.call_limit, grade.Options.call_limit),
            ("--test-limit", run.test_limit, grade.Options.test_limit),
        ):
            if value is not None and value != default:
                argv += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    else:
        return
    new = " ".join(["python -m tests.kata", *map(shlex.quote, argv)])
    sys.stderr.write(
        f"note: this option is now a command of its own, and goes in the next release:\n  {new}\n"
    )
    if argv[0] == "grade":
        code = grade.grade(run)
    else:
        try:
            code = cli.main(argv)
        except SystemExit as done:  # argparse's own errors
            code = done.code if isinstance(done.code, int) else 2
    pytest.exit(f"{argv[0]} done, no tests run", returncode=code)


def _from_a_code_folder(config: pytest.Config) -> None:
    """A bare `pytest` typed inside exercises/ or solutions/ runs the kata's tests, as from the
    kata's folder (pytest itself would look for tests in that folder alone and find none)."""
    here = Path(config.invocation_params.dir).resolve()
    root = Path(config.rootpath).resolve()
    folders = [root / "exercises", root / "solutions"]
    if config.args_source != pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    if any(here == folder or folder in here.parents for folder in folders):
        config.args[:] = [str(root / path) for path in config.getini("testpaths")]


def _limit(config: pytest.Config, option: str, ini: str, default: float) -> float:
    value = config.getoption(option)
    if value is None:
        value = config.getini(ini) or default
    try:
        return float(value)
    except ValueError:
        raise pytest.UsageError(f"{ini} = {value!r} is not a number of seconds") from None


def configure(config: pytest.Config) -> None:
    """Choose the tree, then register the kata's parts (or show a hint and stop)."""
    for typo, meant in TYPOS.items():
        if config.getoption(_dest(typo)) is not None:
            raise pytest.UsageError(
                f"{typo} is not an option of the kata; did you mean {meant}?"
                f" The kata's options: {OPTIONS}."
            )
    impl = "solutions" if config.getoption("--solutions") else os.environ.get("KATA_IMPL", "")
    impl = impl.strip() or "exercises"
    # Besides the two trees, any folder of network modules (the kata's catalogue uses this).
    if impl not in subject.IMPLS and not os.path.isdir(impl):
        raise pytest.UsageError(
            f"KATA_IMPL={impl!r} names no tree of the kata; valid: {', '.join(subject.IMPLS)}"
            " (or a folder holding exNN_*.py modules)."
        )
    if config.getoption("--check-stubs") and impl != "exercises":
        raise pytest.UsageError("--check-stubs checks exercises/; drop --solutions / KATA_IMPL.")
    if config.getoption("--check-stubs"):
        started = stubcheck.started_exercises()
        if started:
            raise pytest.UsageError(
                f"--check-stubs proves the kata on its untouched stubs, and exercises/ has work"
                f" in {', '.join(started)} (they differ from tests/kata/pristine/). Run it on a"
                " fresh copy of the kata."
            )
    if impl == "solutions" and not (ROOT / "solutions").is_dir():
        raise pytest.UsageError(
            "--solutions runs the tests against solutions/, and this kata has none (a student's"
            " copy). Run plain pytest."
        )
    defaults = contain.Limits()
    run = subject.Run(
        impl,
        sandbox.Limits(
            memory=config.getoption("--kata-subject-memory") or sandbox.MEMORY,
            user=config.getoption("--kata-subject-user"),
        ),
        contain.Limits(
            call=_limit(config, "--call-limit", "kata_call_limit", defaults.call),
            test=_limit(config, "--test-limit", "kata_test_limit", defaults.test),
        ),
    )
    config.stash[RUN_KEY] = run
    _from_a_code_folder(config)
    register_markers(config)
    _old_verbs(config)
    if config.getoption("--exercises"):
        raise pytest.UsageError("--exercises goes with --handout OUT or --grade.")
    if config.getoption("--reset"):
        from tests.kata.student import reset

        print(
            console.fit(sys.stdout, "\n".join(reset.reset(config.getoption("--reset"), impl=impl)))
        )
        pytest.exit("reset done, no tests run", returncode=0)
    if config.getoption("--upgrade"):
        from tests.kata.student import upgrade

        print(console.fit(sys.stdout, "\n".join(upgrade.upgrade(impl=impl))))
        pytest.exit("upgrade done, no tests run", returncode=0)
    if config.getoption("--hint-reset") and not config.getoption("--hint"):
        raise pytest.UsageError(
            "--hint-reset starts one function's hints over, so it goes with --hint:"
            " pytest --hint ex02.backward --hint-reset"
        )
    if config.getoption("--hint"):
        hints.show(
            config,
            run.root,
            config.getoption("--hint"),
            reset=config.getoption("--hint-reset"),
            write=lambda text: print(console.fit(sys.stdout, text)),
        )
        pytest.exit("hint shown, no tests run", returncode=0)
    if config.getoption("--watch"):
        from tests.kata.student import watch

        watch.watch(config, run.root)  # until Ctrl-C
        pytest.exit(f"stopped watching {subject.where(run.root)}/", returncode=0)
    student_mode = impl != "solutions"
    config.pluginmanager.register(Selection(config, student_mode), "kata-selection")
    config.pluginmanager.register(Guard(config, run), "kata-guard")
    config.pluginmanager.register(Kata(config, run, impl, student_mode), "kata")
    config.pluginmanager.register(Fixtures(run), "kata-fixtures")
    if config.getoption("--kata-grade-stream"):  # a graded run, as the grader's child
        from tests.kata.instructor.gradechild import GradeStream

        stream = GradeStream(config, config.getoption("--kata-grade-stream"))
        config.pluginmanager.register(stream, "kata-grade-stream")
    from tests.kata.bench.plugin import BenchmarkPlugin  # benchmarks only when asked for

    config.pluginmanager.register(BenchmarkPlugin(config), "kata-benchmark")


class Kata:
    """Records the outcomes and prints the progress table at the end of the run."""

    def __init__(self, config: pytest.Config, run: subject.Run, impl: str, student_mode: bool):
        self.config = config
        self.run = run
        self.impl = impl
        self.student_mode = student_mode
        self.outcomes = Outcomes(run)
        config.pluginmanager.register(self.outcomes, "kata-outcomes")
        self.totals = Totals(config, "student" if student_mode else "solutions")
        self.streaks = hints.Streaks(config)
        self.check_stubs = config.getoption("--check-stubs")
        self.console = sys.stdout  # the terminal, read before any test's output is captured

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
        """A failure's one-line summary in the kata's words, not
        "tests.kata.runtime.faults.Fault: ...";
        its message in plain ASCII where the console cannot print it as it is."""
        report = (yield).get_result()
        crash = getattr(report.longrepr, "reprcrash", None)
        fault = call.excinfo.value if call.excinfo is not None else None
        if report.failed and crash is not None and isinstance(fault, Fault):
            crash.message = str(fault).strip()
        if report.failed and report.longrepr is not None:
            text = str(report.longrepr)
            if not console.can_encode(self.console, text):
                report.longrepr = console.plain(text)

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """Where the student's code runs, and which of its limits are off on this machine."""
        run = self.run
        off = sandbox.limits_off(run.limits.user)
        user = run.limits.user
        where = sandbox.mode(user) + (f", uid {user}" if user is not None else "")
        tree = subject.where(run.root)
        mode = {"solutions": "solutions", "exercises": "exercises"}.get(self.impl, "a folder")
        memory = run.limits.memory
        limits = (
            f"{run.time.call:g} s a call, {run.time.test:g} s a test,"
            f" {f'{memory / 1024**3:g} GiB' if memory else 'no memory limit'}"
        )
        lines = [
            f"kata: {mode} ({tree}/); limits: {limits}",
            f"kata: your code runs in a subject process ({where})",
        ]
        return lines + ([f"kata: off here: {'; '.join(off)}"] if off else [])

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.run.close()  # every subject process ends with the run

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self.totals.observe(items, lambda item: stage_of(item) not in ("given",))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            self.outcomes.add(item, stage_of(item) or "helper")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        records = list(self.outcomes.records.values())
        self.streaks.update(records)
        if self.student_mode:  # an instructor's run says nothing of the student's functions
            hints.remember(self.config, records)
        self.totals.save()
        path = self.config.getoption("--kata-report")
        if path:
            report.write(path, records, self.outcomes.interrupted)
        if self.check_stubs and stubcheck.failures(records):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        tr = terminalreporter
        records = list(self.outcomes.records.values())
        if self.check_stubs:
            stubcheck.report(tr, records)
        rows = table.rows(records, self.totals.get)
        guard = self.config.pluginmanager.get_plugin("kata-guard")
        notes = []
        if guard is not None and guard.last_run_stopped_in:
            notes.append(
                f"Your last run stopped in {guard.last_run_stopped_in}: it ended without"
                " finishing (a crash, or a hang inside compiled code)."
            )
        for row in rows:
            marker = registry.BY_MODULE[row.exercise].marker
            for function, (count, first) in self.run.printed.get(row.exercise, {}).items():
                notes.append(
                    f"{marker}: your {function} printed {count} line{'s' * (count != 1)}"
                    f" (line {first}); the tests ignore them."
                )
            changed = self.run.edited_given(row.exercise)
            if changed:
                marker = registry.BY_MODULE[row.exercise].marker
                notes.append(
                    f"{marker}: you changed {', '.join(changed)}, given code; the tests use the"
                    " kata's own copy."
                )
        todo = [r for r in rows if not r.done]
        hint = self.streaks.offer(todo[0]) if todo and self.student_mode else None
        fancy = console.can_encode(self.console, "█░✓✗─…")
        columns = max(shutil.get_terminal_size().columns, 60)
        lines = table.render(
            rows,
            where=f"{subject.where(self.run.root)}/",
            paths={r.exercise: subject.where(self.run.student_path(r.exercise)) for r in rows},
            style=table.Style(fancy=fancy, columns=columns),
            interrupted=self.outcomes.interrupted,
            notes=notes,
            hint=hint,
            student_mode=self.student_mode,
            stepwise=bool(getattr(self.config.option, "stepwise", False)),
        )
        for line in lines:
            text = console.fit(self.console, line.text)
            tr.write_line(text, **({line.color: True} if line.color else {}))
