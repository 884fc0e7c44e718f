"""The kata's pytest plugin as a student meets it: pytest run in a copy of the kata.

Each test copies the kata (exercises/, solutions/, tests/, conftest.py, pyproject.toml) into
pytester's folder, puts a solved or broken exercise in the copy's exercises/, runs pytest
there in a subprocess and checks the lines the student reads: the progress table, the
failure messages, the skip reasons, the exit code. The broken exercises are the reference
solution with one mistake injected: a hang, an exit, an interrupt, a syntax error, a call
of main() at import, numpy's error state changed, a gradient off by a factor.
"""

from __future__ import annotations

import re
import shutil
import sys

import pytest

from tests.kata import registry
from tests.kata.checks.fakekata import FakeKata, table

pytest_plugins = ("pytester",)
pytestmark = [pytest.mark.slow, pytest.mark.given]

EXERCISES = registry.EXERCISES
WIDTH = max(len(e.module) for e in EXERCISES)  # the table's first column, all rows shown
FULL, EMPTY = "█" * 10, "░" * 10

# Lines of solutions/ex02_sigmoid_mse.py the tests inject mistakes at.
FORWARD = '    Z1 = X @ params["W1"]'  # forward's first line
BACKWARD = "    X, Z1, A, out = cache"  # backward's first line
DOUT = "    dout = (out - Y) / out.size  # d(mean ½ e²)/d out = e / (N·K)"
# solutions/ex05_online_sgd.py: the loss with its floor, and without (log(0) = -inf).
BCE = "    return float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))"
NAIVE_BCE = "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"

POSIX_ONLY = pytest.mark.skipif(
    sys.platform == "win32", reason="sends SIGINT to a child process: POSIX only"
)


def lit(text: str) -> str:
    """text as an fnmatch pattern that matches only itself."""
    return re.sub(r"([*?[])", r"[\1]", text)


def row(module: str, rest: str, width: int | None = None) -> str:
    """A row of the table as an fnmatch pattern: the exercise's name, then `rest`."""
    return f" {module:<{width or len(module)}}  {rest}"


def done_row(module: str, n: int, width: int | None = None) -> str:
    return row(module, f"{FULL} {n:>3}/{n:<3} ✓ done", width)


def skip_lines(lines: list[str]) -> list[tuple[int, str, int, str]]:
    """-rs's lines as (count, path, line, reason)."""
    found = []
    for line in lines:
        match = re.match(r"SKIPPED \[(\d+)\] (.+?):(\d+): (.*)$", line)
        if match:
            found.append((int(match[1]), match[2], int(match[3]), match[4]))
    return found


# --- a student's first run, a solved exercise, partial runs ---------------------------------------
def test_untouched_kata_is_not_started_and_runs_only_the_exercises(kata: FakeKata) -> None:
    result = kata.run()
    assert result.ret == 0
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("passed", 0) == 0, outcomes
    assert "error" not in outcomes and "errors" not in outcomes, outcomes
    first = EXERCISES[0]
    result.stdout.fnmatch_lines(
        [
            "*─ kata progress: exercises/ ─*",
            *[row(e.module, f"{EMPTY}   0/* not started", WIDTH) for e in EXERCISES],
            f" Next: write {first.writes[0]}() in exercises/{first.module}.py",
            f"       then run  pytest -m {first.marker}   (add --sw to stop at the first failure)",
        ],
        consecutive=True,
    )

    # The given tests (the kata's own code) are deselected, and nothing of tests/kata/ runs.
    given = kata.run("--solutions", "--co", "-q", "-m", "given")
    ids = [line for line in given.outlines if "::" in line]
    of_exercises = {i for i in ids if not i.startswith("tests/kata/")}
    kata_checks = [i for i in ids if i.startswith("tests/kata/")]
    assert of_exercises, "no exercise has a given test: the check below proves nothing"
    for name in ("test_registry.py", "test_benchmark.py"):
        assert any(name in i for i in kata_checks), f"{name} is no longer a given check"
    assert outcomes["deselected"] == len(of_exercises)

    collected = kata.run("--co", "-q")
    assert collected.ret == 0
    student = {line for line in collected.outlines if "::" in line}
    assert student, "a student's run collects nothing"
    assert not student & of_exercises
    assert not [i for i in student if i.startswith("tests/kata/")]
    assert "test_registry" not in collected.stdout.str()
    assert "test_benchmark" not in collected.stdout.str()


def test_pytest_typed_inside_exercises_runs_the_kata(
    kata: FakeKata, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest alone would look for tests in exercises/ and find none (exit 5)."""
    monkeypatch.chdir(kata.path / "exercises")
    result = kata.run()
    assert result.ret == 0, result.outlines
    assert table(result.outlines)[1].startswith(" ex01_logistic_regression")
    result.stdout.fnmatch_lines(["* skipped, * deselected in *"])


def test_solved_exercise_is_complete_and_a_partial_run_is_not(kata: FakeKata) -> None:
    kata.solve("ex02")
    document = registry.BY_MARKER["ex02"].document
    full = kata.run("-m", "ex02")
    assert full.ret == 0
    outcomes = full.parseoutcomes()
    n = outcomes["passed"]
    assert "failed" not in outcomes and "skipped" not in outcomes, outcomes
    full.stdout.fnmatch_lines(
        [
            "*─ kata progress: exercises/ ─*",
            done_row("ex02_sigmoid_mse", n),
            f" ✓ ex02: your network reproduces document {document}'s printed run,"
            " number for number.",
        ],
        consecutive=True,
    )

    # -k: some of the exercise's tests; the total is still every test of the exercise.
    partial = kata.run("-m", "ex02", "-k", "backward")
    assert partial.ret == 0
    k = partial.parseoutcomes()["passed"]
    assert 0 < k < n
    shown = table(partial.outlines)
    assert shown[1:] == [
        row("ex02_sigmoid_mse", f"{'█' * round(10 * k / n)}{'░' * (10 - round(10 * k / n))}")
        + f" {k:>3}/{n:<3} {k} of {n} ran, all pass",
        " Next: run all of ex02: pytest -m ex02",
    ]
    assert not [line for line in shown if "done" in line or "reproduces" in line]

    # A node id: one test.
    one = kata.run("tests/test_ex02_sigmoid_mse.py::test_loss_known_answer")
    assert one.ret == 0
    one.assert_outcomes(passed=1)
    shown = table(one.outlines)
    assert row("ex02_sigmoid_mse", f"{EMPTY}   1/{n:<3} 1 of {n} ran, all pass") in shown
    assert not [line for line in shown if "done" in line]


# --- Ctrl-C ---------------------------------------------------------------------------------------
def wait_here(kata: FakeKata) -> str:
    """Code that tells the test it has started, then waits: the test then sends Ctrl-C.

    The student's code writes the flag into the kata's folder, so it runs without the sandbox
    (which would keep it out of that folder).
    """
    kata.monkeypatch.setenv("KATA_SANDBOX", "off")
    flag = (kata.path / "started").as_posix()
    return f"import pathlib, time\npathlib.Path({flag!r}).touch()\nwhile True: time.sleep(0.05)"


@POSIX_ONLY
def test_ctrl_c_ends_the_run_and_the_table_says_so(kata: FakeKata) -> None:
    kata.solve("ex02")
    kata.insert_before("ex02", FORWARD, wait_here(kata))
    code, lines = kata.run_interrupted("-m", "ex02", started="started")
    assert code == 2  # pytest's INTERRUPTED
    shown = table(lines)
    assert shown, "no progress table"
    assert re.fullmatch(r"─+ kata progress: exercises/ \(interrupted\) ─+", shown[0])
    assert " The run was interrupted: only the tests that ran are counted." in shown
    assert [line for line in shown if re.fullmatch(r" ex02_sigmoid_mse .* ran, all pass", line)]
    assert not [line for line in lines if "done" in line and not line.startswith("rootdir:")]


@POSIX_ONLY
def test_ctrl_c_after_a_whole_exercise_says_done_nowhere(kata: FakeKata) -> None:
    kata.solve("ex02", "ex03")
    kata.insert_before("ex03", '    Z1 = X @ params["W1"] + params["b1"]', wait_here(kata))
    code, lines = kata.run_interrupted("-m", "ex02 or ex03", started="started")
    assert code == 2
    shown = table(lines)
    assert "(interrupted)" in shown[0]
    assert [line for line in shown if line.startswith(" ex02_sigmoid_mse ")]
    assert not [line for line in shown if "done" in line or "✓" in line], shown


# --- the student's code contained: a hang, an exit, an interrupt it raises ------------------------
def check_hang(kata: FakeKata) -> None:
    """forward never returns: one failure says where it is stuck, the rest are blocked."""
    kata.solve("ex02")
    line = kata.insert_before("ex02", FORWARD, "while True: pass")
    result = kata.run("-m", "ex02", "--call-limit", "1", "-rs", timeout=60)
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, outcomes
    blocked = outcomes["skipped"]
    result.stdout.fnmatch_lines(
        [
            "forward did not finish within 1 s, so the kata stopped it.",
            f"  stuck at exercises/ex02_sigmoid_mse.py:{line} in forward: while True: pass",
        ],
        consecutive=True,
    )
    skips = skip_lines(result.outlines)
    assert skips, "-rs shows no skipped test"
    assert sum(count for count, *_ in skips) == blocked
    assert all(reason.endswith("blocked: fix forward first") for *_, reason in skips), skips
    result.stdout.fnmatch_lines(
        [
            row("ex02_sigmoid_mse", f"* 1 failing, {blocked} blocked"),
            "*✗ *: forward did not finish within 1 s*",
            " Next: fix *",
            "       forward did not finish within 1 s, so the kata stopped it.",
        ],
        consecutive=True,
    )


def check_exit(kata: FakeKata) -> None:
    """backward calls os._exit(0): one failure, the run goes on and the table prints."""
    kata.solve("ex02")
    line = kata.insert_before("ex02", BACKWARD, "import os\nos._exit(0)") + 1
    result = kata.run("-m", "ex02")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, outcomes
    result.stdout.fnmatch_lines(
        [
            "backward called os._exit(0), which would end the whole test run; the kata stopped"
            " it. Return a value, or raise an exception, instead.",
            f"  exercises/ex02_sigmoid_mse.py:{line} in backward: os._exit(0)",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            "*─ kata progress: exercises/ ─*",
            row("ex02_sigmoid_mse", f"* 1 failing, {outcomes['skipped']} blocked"),
            "*✗ *: backward called os._exit(0)*",
        ],
        consecutive=True,
    )


def check_raised_interrupt(kata: FakeKata) -> None:
    """forward raises KeyboardInterrupt: a failure of its own, not the end of the run."""
    kata.solve("ex02", "ex03")
    line = kata.insert_before("ex02", FORWARD, "raise KeyboardInterrupt")
    result = kata.run("-m", "ex02 or ex03")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, outcomes
    result.stdout.fnmatch_lines(
        [
            "forward raised KeyboardInterrupt itself; only Ctrl-C should. Raise another"
            " exception (or return) instead.",
            f"  exercises/ex02_sigmoid_mse.py:{line} in forward: raise KeyboardInterrupt",
        ],
        consecutive=True,
    )
    shown = table(result.outlines)
    assert "(interrupted)" not in shown[0]
    width = len("ex02_sigmoid_mse")
    assert [r for r in shown if r.startswith(row("ex02_sigmoid_mse", "", width))]
    assert [r for r in shown if re.fullmatch(r" ex03_tanh_xor +█{10} +(\d+)/\1 +✓ done", r)]
    assert not [line for line in result.outlines if line.startswith("!")]


def test_hang_in_forward_fails_once_and_blocks_the_rest(kata: FakeKata) -> None:
    check_hang(kata)


def test_a_test_past_its_own_limit_stops_where_it_is_and_the_run_goes_on(kata: FakeKata) -> None:
    """Every call returns in time, but training makes thousands: the test's limit stops it."""
    kata.solve("ex02")
    kata.insert_before("ex02", FORWARD, "import time; time.sleep(0.05)")  # where it waits
    result = kata.run("-m", "ex02", "-k", "learns_xor or loss_known", "--test-limit", "1")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert (outcomes["failed"], outcomes["passed"]) == (1, 1), result.outlines
    result.stdout.fnmatch_lines(
        [
            "the test did not finish within 1 s, so the kata stopped it.",
            "  stuck at exercises/ex02_sigmoid_mse.py:* in forward: import time; time.sleep(0.05)",
        ]
    )


@POSIX_ONLY
def test_a_run_that_dies_is_named_by_the_next_run(kata: FakeKata) -> None:
    """A run killed from outside (here, without the sandbox, by the student's code killing the
    kata's own process) ends; the next run says where."""
    kata.monkeypatch.setenv("KATA_SANDBOX", "off")
    kata.solve("ex02")
    kata.insert_before("ex02", BACKWARD, "import os, signal; os.kill(os.getppid(), signal.SIGKILL)")
    died = kata.run("-m", "ex02", cache=True)
    assert died.ret != 0
    again = kata.run("-m", "ex02", "-k", "forward_known", cache=True)
    again.stdout.fnmatch_lines(["*Your last run stopped in tests/test_ex02_sigmoid_mse.py::*"])
    third = kata.run("-m", "ex02", "-k", "forward_known", cache=True)
    assert "Your last run stopped" not in third.stdout.str()


def test_stopping_at_the_first_failure_is_not_an_interruption(kata: FakeKata) -> None:
    kata.solve("ex02")
    kata.edit("ex02", DOUT, "    dout = out - Y")
    for option in ("--sw", "-x"):  # --sw keeps its place in the cache
        result = kata.run("-m", "ex02", option, cache=True)
        assert result.ret == (2 if option == "--sw" else 1)  # pytest's own codes for the two
        text = result.stdout.str()
        assert "interrupted" not in text and "done" not in text, text
        result.stdout.fnmatch_lines(["*1 failing*"])


def test_os_exit_in_backward_is_a_failure(kata: FakeKata) -> None:
    check_exit(kata)


def test_keyboard_interrupt_raised_by_the_student_is_a_failure(kata: FakeKata) -> None:
    check_raised_interrupt(kata)


def test_containment_needs_no_posix_only_facility(kata: FakeKata) -> None:
    """No signal.alarm, setitimer, SIGALRM nor `resource` (as on Windows): the same messages."""
    kata.hide_posix()
    check_hang(kata)
    check_exit(kata)
    check_raised_interrupt(kata)


# --- an exercise that does not import -------------------------------------------------------------
def test_exercise_that_does_not_import_fails_once_and_the_others_run(kata: FakeKata) -> None:
    kata.solve("ex01", "ex02", "ex03")
    line = kata.edit("ex02", FORWARD, '    Z1 = X @ params["W1"')
    result = kata.run("-m", "ex01 or ex02")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, outcomes
    blocked = outcomes["skipped"]
    result.stdout.fnmatch_lines(
        [
            "exercises/ex02_sigmoid_mse.py does not import: SyntaxError: *",
            f"  exercises/ex02_sigmoid_mse.py:{line}: Z1 = X @ params*",
        ],
        consecutive=True,
    )
    ex01 = "ex01_logistic_regression"
    result.stdout.fnmatch_lines(
        [
            done_row(ex01, outcomes["passed"], len(ex01)),
            row(
                "ex02_sigmoid_mse",
                f"{EMPTY}   0/{blocked + 1:<3} 1 failing, {blocked} blocked",
                len(ex01),
            ),
        ],
        consecutive=True,
    )

    # main() called at the bottom of the file: it parses pytest's arguments, sys.exit(2).
    kata.solve("ex02")
    line = kata.append("ex02", "main()")
    result = kata.run("-m", "ex02 or ex03")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, outcomes
    result.stdout.fnmatch_lines(
        [
            "importing exercises/ex02_sigmoid_mse.py called sys.exit(2), which would end the"
            " whole test run; the kata stopped it. Return a value, or raise an exception, instead.",
            f"  exercises/ex02_sigmoid_mse.py:{line} in <module>: main()",
        ]
    )
    result.stdout.fnmatch_lines(['  The usual cause: *not under  if __name__ == "__main__":'])
    shown = table(result.outlines)
    blocked = outcomes["skipped"]
    assert f"1 failing, {blocked} blocked" in shown[1], shown
    ex03 = [line for line in shown if line.startswith(" ex03_tanh_xor ")]
    assert ex03 and re.fullmatch(r" ex03_tanh_xor +█{10} +(\d+)/\1 +✓ done", ex03[0]), shown


# --- numpy's error state --------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["raise", "ignore"])
def test_numpy_error_state_set_at_import_does_not_leak(kata: FakeKata, mode: str) -> None:
    kata.solve(*(e.marker for e in EXERCISES))
    kata.edit("ex01", "import numpy as np", f'import numpy as np\n\nnp.seterr(all="{mode}")')
    if mode == "ignore":  # would hide the warning of log(0) that fails this loss
        kata.edit("ex05", BCE, NAIVE_BCE)
    result = kata.run()
    outcomes = result.parseoutcomes()
    shown = table(result.outlines)
    rows = [r for r in shown if r.startswith(tuple(f" {e.module} " for e in EXERCISES))]
    rows = [r for r in rows if not r.lstrip().startswith("✗")]
    assert len(rows) == len(EXERCISES), shown
    row = {e.module: next(r for r in rows if r.startswith(f" {e.module} ")) for e in EXERCISES}
    broken = "ex05_online_sgd" if mode == "ignore" else None  # its naive loss, edited above
    for module, line in row.items():
        if module != broken:
            assert re.fullmatch(rf" {module} +█{{10}} +(\d+)/\1 +✓ done", line), line
    if mode == "raise":
        assert result.ret == 0
        assert "failed" not in outcomes, outcomes
    else:
        assert result.ret == 1
        assert broken is not None  # mode == "ignore"
        assert re.fullmatch(rf" {broken} +\S+ +\d+/\d+ +\d+ failing.*", row[broken]), rows
        result.stdout.fnmatch_lines(
            ["loss raised RuntimeWarning: divide by zero encountered in log"]
        )


# --- hints ----------------------------------------------------------------------------------------
def test_hint_offered_after_three_failing_runs(kata: FakeKata) -> None:
    kata.solve("ex02")
    kata.edit("ex02", DOUT, "    dout = out - Y")
    offer = "       stuck? pytest --hint ex02.backward shows hint {} of 3 for backward"
    for run in (1, 2, 3):
        result = kata.run("-m", "ex02", cache=True)
        assert result.ret == 1
        shown = table(result.outlines)
        assert (offer.format(1) in shown) == (run == 3), (run, shown)
    # --hint ex02 finds the function from the last run: sigmoid and forward pass, backward not.
    first = registry.BY_MARKER["ex02"].hints["backward"][0].split()
    hint = kata.run("--hint", "ex02", cache=True)
    assert hint.ret == 0
    hint.stdout.fnmatch_lines(
        [
            "ex02: backward is the first function that does not pass (failing in your last run).",
            "",
            "Your last run, on backward:",
            "  backward's gradient for * is wrong: *",
        ],
        consecutive=True,
    )
    hint.stdout.fnmatch_lines(
        [
            "Hints for ex02 backward (1 of 3):",
            "",
            f" 1. {lit(' '.join(first[:3]))}*",
        ],
        consecutive=True,
    )
    hint.stdout.fnmatch_lines(["Run  pytest --hint ex02.backward  again for the next hint."])
    # The next failing run offers the next hint; hints are counted per function.
    result = kata.run("-m", "ex02", cache=True)
    assert offer.format(2) in table(result.outlines)
    hint = kata.run("--hint", "ex02.loss", cache=True)
    hint.stdout.fnmatch_lines(["Hints for ex02 loss (1 of 3):"])
    hint = kata.run("--hint", "ex02.backward", cache=True)
    hint.stdout.fnmatch_lines(["Hints for ex02 backward (2 of 3):", "", " 1. *", "", " 2. *"])
    # After the last rung it says so, and repeats no rung.
    kata.run("--hint", "ex02.backward", cache=True).stdout.fnmatch_lines(["Hints * (3 of 3):"])
    hint = kata.run("--hint", "ex02.backward", cache=True)
    hint.stdout.fnmatch_lines(
        ["You have seen all 3 hints for backward; *", "*pytest --hint ex02.backward --hint-reset"]
    )
    assert "Hints for" not in hint.stdout.str()
    # A passing run forgets the failure.
    kata.solve("ex02")
    kata.run("-m", "ex02", cache=True)
    hint = kata.run("--hint", "ex02.backward", "--hint-reset", cache=True)
    assert "Your last run" not in hint.stdout.str()
    hint.stdout.fnmatch_lines(["Hints for ex02 backward (1 of 3):"])


@pytest.mark.parametrize("record", [pytest.param(e, id=e.marker) for e in EXERCISES])
def test_hint_for_every_exercise(kata: FakeKata, record: registry.Exercise) -> None:
    """Untouched, an exercise's first function is the one to write; each function has hints."""
    result = kata.run("--hint", record.marker)
    assert result.ret == 0
    function = record.writes[0]
    first = " ".join(record.hints[function][0].split()[:4])
    result.stdout.fnmatch_lines(
        [
            f"{record.marker}: {function} is the first function that does not pass (not written"
            " yet).",
            "",
            f"Hints for {record.marker} {function} (1 of 3):",
            "",
            f" 1. {lit(first)}*",
        ],
        consecutive=True,
    )
    last = record.writes[-1]
    result = kata.run("--hint", f"{record.marker}.{last}")
    result.stdout.fnmatch_lines([f"Hints for {record.marker} {last} (1 of 3):"])


def test_hint_for_no_function_is_a_usage_error(kata: FakeKata) -> None:
    result = kata.run("--hint", "ex02.backwards")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --hint 'ex02.backwards': ex02 has no function 'backwards' for you to write."
            " Its functions: sigmoid, sigmoid_prime, forward, loss, backward. Did you mean"
            " ex02.backward?"
        ]
    )


def test_hint_for_no_exercise_is_a_usage_error(kata: FakeKata) -> None:
    result = kata.run("--hint", "ex09")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: --hint 'ex09' names no exercise. The exercises: {lit(registry.valid())}."]
    )


# --- mistyped options and exercise names ----------------------------------------------------------
def test_mistyped_options_and_exercise_names_are_usage_errors(kata: FakeKata) -> None:
    for args, meant in (
        (["--solution"], "--solutions"),
        (["--hints", "ex01"], "--hint"),
        (["--catalog"], "--catalogue"),
        (["--check-stub"], "--check-stubs"),
    ):
        result = kata.run(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, args
        result.stderr.fnmatch_lines(
            [f"ERROR: {args[0]} is not an option of the kata; did you mean {meant}? *"]
        )
    result = kata.run("-m", "ex9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: no exercise is called 'ex9'. The exercises: {lit(registry.valid())}."]
    )


# --- a student's copy without solutions/; the stub check ------------------------------------------
def test_kata_works_without_solutions(kata: FakeKata) -> None:
    stub = kata.exercise("ex02").read_text(encoding="utf-8")
    kata.solve("ex02")  # before solutions/ goes, as a student who solved it
    shutil.rmtree(kata.path / "solutions")

    hint = kata.run("--hint", "ex01")
    assert hint.ret == 0
    hint.stdout.fnmatch_lines(["Hints for ex01 sigmoid (1 of 3):"])

    result = kata.run()
    assert result.ret == 0
    n = result.parseoutcomes()["passed"]
    result.stdout.fnmatch_lines(
        [
            row("ex01_logistic_regression", f"{EMPTY}   0/* not started"),
            done_row("ex02_sigmoid_mse", n, WIDTH),
            row("ex03_tanh_xor", f"{EMPTY}   0/* not started", WIDTH),
        ],
        consecutive=True,
    )

    kata.exercise("ex02").write_text(stub, encoding="utf-8")
    stubs = kata.run("--check-stubs")
    assert stubs.ret == 0
    stubs.stdout.fnmatch_lines(["stub check: none of the * tests of student-written functions*"])

    instructor = kata.run("--solutions")
    assert instructor.ret == 4
    assert "this kata has none (a student's copy). Run plain pytest." in instructor.stderr.str()


@pytest.mark.parametrize(
    "old, new",
    [
        ('    out = A @ params["W2"]', '    out = (A @ params["W2"]).ravel()'),
        ("    return out, (X, Z1, A, out)", "    cache = (X, Z1, A, out)"),
        (
            "def forward(params: dict[str, np.ndarray], X: np.ndarray)"
            " -> tuple[np.ndarray, object]:",
            "def forward(params: dict[str, np.ndarray], X: np.ndarray, training):",
        ),
    ],
    ids=["flattened-output", "no-return", "extra-argument"],
)
def test_a_broken_forward_is_one_failure_also_where_given_code_calls_it(
    kata: FakeKata, old: str, new: str
) -> None:
    """train, main and document_run call forward too: the same fault, blocked, not a puzzle."""
    kata.solve("ex02")
    kata.edit("ex02", old, new)
    result = kata.run("-m", "ex02", "-rs")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1, result.stdout.str()
    reasons = {reason for *_, reason in skip_lines(result.outlines)}
    assert reasons == {"blocked: fix forward first"}, reasons


def test_check_stubs_passes_on_pristine_exercises_and_catches_a_vacuous_test(
    kata: FakeKata,
) -> None:
    result = kata.run("--check-stubs")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "stub check: none of the * tests of student-written functions passes on pristine"
            " exercises/; each is not started."
        ]
    )
    # A test that cannot fail (it passes on the untouched stubs) is what the check exists for.
    test_file = kata.path / "tests" / "test_ex02_sigmoid_mse.py"
    with test_file.open("a", encoding="utf-8") as f:
        f.write('\n\n@pytest.mark.stage("forward")\ndef test_that_cannot_fail(m):\n    pass\n')
    result = kata.run("--check-stubs", "-m", "ex02")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*= stub check failed =*",
            "tests/test_ex02_sigmoid_mse.py::test_that_cannot_fail: passes on an unsolved"
            " exercise, so it cannot fail",
        ],
        consecutive=True,
    )
    # Work in exercises/ is not what the check proves: it says so instead of 130 lines.
    kata.solve("ex03")
    result = kata.run("--check-stubs")
    assert result.ret == 4
    assert "exercises/ has work in ex03_tanh_xor" in result.stderr.str()


# --- the skips: the kata's own words, at the test's own place -------------------------------------
def test_skip_reasons_are_the_kata_s_own_words(kata: FakeKata) -> None:
    result = kata.run("-m", "ex01", "-rs")
    skips = skip_lines(result.outlines)
    assert skips
    for *_, reason in skips:
        assert re.fullmatch(r"not started: write \w+\(\)", reason), reason
    kata.solve("ex02")
    kata.insert_before("ex02", FORWARD, "while True: pass")
    result = kata.run("-m", "ex02", "--call-limit", "1", "-rs")
    for *_, reason in skip_lines(result.outlines):
        assert reason == "blocked: fix forward first", reason


def test_blocked_skip_points_at_its_test(kata: FakeKata) -> None:
    kata.solve("ex02")
    kata.edit("ex02", FORWARD, '    Z1 = X @ params["W1"')
    result = kata.run("-m", "ex02", "-rs")
    skips = skip_lines(result.outlines)
    assert skips
    for _, path, number, _ in skips:
        lines = (kata.path / path).read_text(encoding="utf-8").splitlines()
        assert number <= len(lines), f"{path}:{number} is past the end of {path}"
        assert lines[number - 1].lstrip().startswith(("@", "def test_")), f"{path}:{number}"


def test_the_table_wraps_to_80_columns_and_cuts_nothing(kata: FakeKata) -> None:
    """On an 80-column terminal every line of the table fits (a single word longer than a line
    aside), and the first failure's reason is all there, broken between words."""
    kata.monkeypatch.setenv("COLUMNS", "80")
    kata.solve("ex02")
    kata.edit(
        "ex02",
        '    return {"W1": X.T @ dZ1, "W2": A.T @ dout}',
        '    return {"W1": X.T @ dZ1, "W2": 2 * A.T @ dout}',
    )
    result = kata.run("-m", "ex02")
    assert result.ret == 1
    shown = table(result.outlines)
    assert shown, result.stdout.str()
    too_long = [line for line in shown if len(line) > 80 and " " in line.strip()]
    assert not too_long, "\n".join(too_long)
    assert not any(line.rstrip().endswith("…") for line in shown), "\n".join(shown)
    words = " ".join(" ".join(shown).split())
    assert "W2 is twice too large: a stray factor 2" in words, "\n".join(shown)


# --- the right first failure: one cause, one function to fix ----------------------------------
def test_a_wrong_helper_blocks_its_callers_and_they_blame_it(kata: FakeKata) -> None:
    """tanh_prime wrong: its own tests fail; backward's (which calls it) and training's are
    blocked, each naming tanh_prime, never backward."""
    kata.solve("ex03")
    kata.edit("ex03", "    return 1 - np.tanh(z) ** 2", "    return 1 - z ** 2")
    result = kata.run("-m", "ex03", "-rfs")
    assert result.ret == 1
    failed = [line for line in result.outlines if line.startswith("FAILED ")]
    assert failed and all("tanh_prime" in line for line in failed), failed
    reasons = {reason for *_, reason in skip_lines(result.outlines)}
    assert reasons == {"blocked: fix tanh_prime first"}, reasons
    (row,) = [line for line in table(result.outlines) if line.startswith(" ex03_tanh_xor ")]
    assert re.search(r" 2 failing, \d+ blocked$", row), row


def test_edge_cases_wait_for_their_functions_known_answers(kata: FakeKata) -> None:
    """A sum where the mean belongs: the loss's known answers fail and name it; its tests of
    the extremes are blocked behind them instead of adding their own words."""
    kata.solve("ex03")
    line = "    return float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))"
    kata.edit("ex03", line, line.replace("np.mean", "np.sum"))
    result = kata.run("-m", "ex03", "-rfs")
    result.stdout.fnmatch_lines(["*a sum where the mean belongs*"])
    failed = [line for line in result.outlines if line.startswith("FAILED ")]
    assert failed and not any("tails" in line or "near_0" in line for line in failed), failed
    assert "blocked: fix loss first" in {reason for *_, reason in skip_lines(result.outlines)}
