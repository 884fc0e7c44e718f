"""The subject process as a student meets it: the student's code runs apart from the kata.

Each test copies the kata, breaks ex02's reference solution in one way that would have ended
or stalled a run whose student code ran inside pytest, and checks that one test fails with
one clear message, the rest of the run goes on, and the next test gets a fresh process. Each
runs with the sandbox the machine has, and again without it (KATA_SANDBOX=off).
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.kata.checks.fakekata import FakeKata
from tests.kata.runtime.child import sandbox

pytest_plugins = ("pytester",)
pytestmark = [pytest.mark.slow, pytest.mark.given]

FORWARD = '    Z1 = X @ params["W1"]'  # forward's first line in solutions/ex02_sigmoid_mse.py
BACKWARD = "    X, Z1, A, out = cache"  # backward's first line
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")
MODES = [
    pytest.param(
        "bubblewrap",
        marks=pytest.mark.skipif(sandbox.bubblewrap() is None, reason="bubblewrap not installed"),
    ),
    "process",
]


@pytest.fixture(params=MODES)
def walled(request: pytest.FixtureRequest, kata: FakeKata) -> FakeKata:
    if request.param == "process":
        kata.monkeypatch.setenv("KATA_SANDBOX", "off")
    else:
        kata.monkeypatch.delenv("KATA_SANDBOX", raising=False)
    kata.solve("ex02")
    return kata


def outcomes(result: pytest.RunResult) -> tuple[int, int, int]:
    found = result.parseoutcomes()
    return found.get("failed", 0), found.get("passed", 0), found.get("skipped", 0)


@POSIX_ONLY
def test_a_crash_fails_one_test_and_the_next_test_gets_a_new_process(walled: FakeKata) -> None:
    """backward kills its own process: one failure naming it, also where given code (train,
    main) called it; the tests that reach backward again are blocked; forward's still pass."""
    walled.insert_before(
        "ex02", BACKWARD, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = walled.run("-m", "ex02", "-rs", "-p", "no:randomly")
    failed, passed, _ = outcomes(result)
    assert result.ret == 1 and failed == 1 and passed >= 8, result.outlines
    result.stdout.fnmatch_lines(
        ["*the process running backward ended (SIGKILL) before it returned*"]
    )
    result.stdout.fnmatch_lines(["*kata progress: exercises/*", "* failing, * blocked"])


def test_a_hang_that_swallows_every_exception_is_ended_and_blocks_the_rest(
    walled: FakeKata,
) -> None:
    """A loop that catches BaseException cannot be stopped from inside: the kata ends it."""
    walled.insert_before(
        "ex02",
        FORWARD,
        "while True:\n    try:\n        pass\n    except BaseException:\n        pass",
    )
    started = time.monotonic()
    result = walled.run("-m", "ex02", "--call-limit", "1", "-rs")
    failed, _, blocked = outcomes(result)
    assert result.ret == 1 and failed == 1 and blocked > 5, result.outlines
    result.stdout.fnmatch_lines(["forward did not finish within 1 s, so the kata stopped it."])
    assert time.monotonic() - started < 40


def test_memory_past_the_limit_is_one_failure(walled: FakeKata) -> None:
    """forward asks for 8 GB: a MemoryError (or the process ended), one failure, the run goes on."""
    walled.insert_before("ex02", FORWARD, "big = np.ones((1 << 30,)) + 1.0")
    result = walled.run("-m", "ex02", "-rs")
    failed, _, _ = outcomes(result)
    assert result.ret == 1 and failed == 1, result.outlines
    text = result.stdout.str()
    assert "MemoryError" in text or "GiB of memory" in text, text


@POSIX_ONLY
def test_a_forked_sleeper_does_not_stall_the_run(walled: FakeKata) -> None:
    """forward forks a child that sleeps holding the output: the run ends when its tests do."""
    walled.insert_before(
        "ex02",
        FORWARD,
        "import os, time\nif os.fork() == 0:\n    time.sleep(300)\n    os._exit(0)",
    )
    started = time.monotonic()
    result = walled.run("-m", "ex02", "-k", "forward_known", timeout=120)
    assert time.monotonic() - started < 60, result.outlines
    assert result.parseoutcomes().get("passed") == 1, result.outlines


def test_the_kata_s_tests_and_solutions_cannot_be_imported(walled: FakeKata) -> None:
    """An exercise that imports the tests' references fails to import, in one sentence."""
    walled.append("ex02", "from tests.kata.runtime.suites import output_layer")
    result = walled.run("-m", "ex02")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*`import tests*`: an exercise runs apart from the kata's tests and solutions*"]
    )


def test_prints_flood_is_cut_and_the_run_goes_on(walled: FakeKata) -> None:
    """100 MB printed by forward: the output shown is bounded, the tests still pass."""
    walled.insert_before("ex02", FORWARD, "print('x' * 100_000_000)")
    result = walled.run("-m", "ex02", "-k", "forward_known", "-rP")
    assert result.parseoutcomes().get("passed") == 1, result.outlines[-20:]
    assert len(result.stdout.str()) < 1_000_000
    result.stdout.fnmatch_lines(["*more characters printed, not shown*"])
