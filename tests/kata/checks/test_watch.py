"""pytest --watch: the snapshots of exercises/, the screen it shows, and the loop end to end."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.kata.checks.fakekata import QUIET, TIMEOUT, FakeKata
from tests.kata.student import watch

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.given

POSIX_ONLY = pytest.mark.skipif(
    sys.platform == "win32", reason="sends SIGINT to a child process: POSIX only"
)


# --- snapshots ---------------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    for name in ("ex01.py", "sub/helper.py", "notes.txt"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    return tmp_path


def same_time(path: Path, like: Path) -> None:
    """Give path the modification time of like, to the nanosecond."""
    st = like.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_snapshot_holds_every_py_file_below_the_folder(folder: Path) -> None:
    assert sorted(watch.snapshot(folder)) == ["ex01.py", "sub/helper.py"]
    assert watch.changed(watch.snapshot(folder), watch.snapshot(folder)) == []


def test_added_and_deleted_files_are_changes(folder: Path) -> None:
    before = watch.snapshot(folder)
    (folder / "ex02.py").write_text("", encoding="utf-8")
    (folder / "sub" / "helper.py").unlink()
    assert watch.changed(before, watch.snapshot(folder)) == ["ex02.py", "sub/helper.py"]


def test_a_change_of_size_is_a_change(folder: Path) -> None:
    before = watch.snapshot(folder)
    path = folder / "ex01.py"
    old = path.stat()
    path.write_text("x = 12\n", encoding="utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert watch.changed(before, watch.snapshot(folder)) == ["ex01.py"]


def test_an_edit_of_the_same_size_is_seen_by_its_time(folder: Path) -> None:
    path = folder / "ex01.py"
    before = watch.snapshot(folder)
    path.write_text("x = 2\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, before["ex01.py"][1] + 1_000_000))
    assert watch.changed(before, watch.snapshot(folder)) == ["ex01.py"]


def test_a_rename_on_save_is_seen_by_its_inode(folder: Path) -> None:
    """An editor writes a new file beside the old one and renames it over: a new inode."""
    path = folder / "ex01.py"
    before = watch.snapshot(folder)
    new = folder / "ex01.py.tmp"
    new.write_text("x = 3\n", encoding="utf-8")  # same size
    same_time(new, path)
    os.replace(new, path)
    assert path.stat().st_size == before["ex01.py"][0]
    assert path.stat().st_mtime_ns == before["ex01.py"][1]
    assert watch.changed(before, watch.snapshot(folder)) == ["ex01.py"]


def test_other_files_are_not_watched(folder: Path) -> None:
    before = watch.snapshot(folder)
    (folder / "notes.txt").write_text("more\n", encoding="utf-8")
    (folder / "ex01.py.swp").write_text("", encoding="utf-8")
    assert watch.changed(before, watch.snapshot(folder)) == []


# --- waiting: the clock injected ------------------------------------------------------------------
class Clock:
    """A sleep that records its naps and, at the nth, runs what the test scheduled."""

    def __init__(self, **actions: Callable[[], object]) -> None:
        self.naps: list[float] = []
        self.actions = {int(n.strip("_")): act for n, act in actions.items()}

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        action = self.actions.get(len(self.naps))
        if action:
            action()


def test_waiting_looks_every_poll_until_a_file_changes(folder: Path) -> None:
    clock = Clock(_3=lambda: (folder / "ex01.py").write_text("x = 10\n", encoding="utf-8"))
    seen = watch.snapshot(folder)
    now = watch.wait_for_change(folder, seen, clock.sleep)
    assert clock.naps == [watch.POLL] * 3
    assert watch.changed(seen, now) == ["ex01.py"]


def test_a_burst_of_saves_settles_before_a_run(folder: Path) -> None:
    path = folder / "ex01.py"
    clock = Clock(
        _1=lambda: path.write_text("x = 100\n", encoding="utf-8"),
        _2=lambda: (folder / "ex02.py").write_text("", encoding="utf-8"),
    )
    now = watch.settle(folder, watch.snapshot(folder), clock.sleep)
    # Two looks saw something new; the third agreed with the second.
    assert clock.naps == [watch.SETTLE] * 3
    assert now == watch.snapshot(folder) and "ex02.py" in now


# --- the child run -----------------------------------------------------------------------------
class Stdout(io.StringIO):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self.tty, self._encoding = tty, encoding

    @property  # read-only in StringIO, which typeshed declares a writeable attribute
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return self.tty


def test_the_run_gets_the_students_arguments_without_watch() -> None:
    args = watch.without_watch(("--watch", "-m", "ex02", "-k", "backward"))
    assert args == ["-m", "ex02", "-k", "backward"]


def test_the_run_prints_as_the_terminal_shows() -> None:
    environ = {"PYTEST_ADDOPTS": "--watch -k 'not slow'", "PATH": "p"}
    env = watch.child_env(environ, Stdout(tty=True, encoding="cp1252"), 132)
    assert env["PYTEST_ADDOPTS"] == "-k 'not slow'"  # no second watcher
    assert env["PYTHONIOENCODING"] == "cp1252:replace"
    assert env["COLUMNS"] == "132" and env["PY_COLORS"] == "1" and env["PATH"] == "p"
    assert environ == {"PYTEST_ADDOPTS": "--watch -k 'not slow'", "PATH": "p"}
    assert "PY_COLORS" not in watch.child_env({}, Stdout(tty=False), 80)
    assert "PY_COLORS" not in watch.child_env({"NO_COLOR": "1"}, Stdout(tty=True), 80)


# --- the screen --------------------------------------------------------------------------------
TABLE = [
    "─────────── kata progress: exercises/ ───────────",
    " ex02_sigmoid_mse  ████░░░░░░   8/20  2 failing",
    "                   ✗ test_backward_shapes: dW1 has shape (3,), expected (2, 3)",
    " Next: fix test_backward_shapes",
]


def pytest_output(printed: int) -> str:
    return "\n".join(
        [
            "============ test session starts ============",
            "tests/test_ex02_sigmoid_mse.py ....FF",
            "================= FAILURES =================",
            "\x1b[31m\x1b[1m___________ test_backward_shapes ___________\x1b[0m",
            "dW1 has shape (3,), expected (2, 3)",
            "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _",
            "    frame of a long traceback",
            "----------- Captured stdout call -----------",
            *(f"step {i}" for i in range(printed)),
            "----------- Captured stderr call -----------",
            "a warning",
            "___________ test_known_answer ___________",
            "expected 0.25, got 0.5",
            *TABLE,
            "========== short test summary info ==========",
            "FAILED tests/test_ex02_sigmoid_mse.py::test_backward_shapes",
            "FAILED tests/test_ex02_sigmoid_mse.py::test_known_answer",
            "======= 2 failed, 6 passed in 0.52s =======",
        ]
    )


def test_the_screen_shows_the_first_failure_then_the_table() -> None:
    lines = watch.screen(pytest_output(printed=3))
    assert lines == [
        "\x1b[31m\x1b[1m___________ test_backward_shapes ___________\x1b[0m",
        "dW1 has shape (3,), expected (2, 3)",
        "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _",
        "    frame of a long traceback",
        "----------- Captured stdout call -----------",
        "step 0",
        "step 1",
        "step 2",
        "----------- Captured stderr call -----------",
        "a warning",
        "",
        *TABLE,
        "======= 2 failed, 6 passed in 0.52s =======",
    ]


def test_what_a_test_printed_is_clipped() -> None:
    lines = watch.screen(pytest_output(printed=watch.PRINTED + 30))
    shown = [line for line in lines if line.startswith("step ")]
    assert shown == [f"step {i}" for i in range(watch.PRINTED)]
    more = lines.index("... and 30 more lines")
    assert lines[more + 1 : more + 3] == [
        "----------- Captured stderr call -----------",
        "a warning",
    ]


def test_without_a_table_the_screen_is_the_end_of_pytests_output() -> None:
    output = "\n".join(f"line {i}" for i in range(100)) + "\nERROR: file or directory not found: x"
    lines = watch.screen(output)
    assert len(lines) == watch.TAIL and lines[-1] == "ERROR: file or directory not found: x"


def test_a_run_with_no_failure_shows_the_table_alone() -> None:
    output = "\n".join(["tests/test_ex02_sigmoid_mse.py ....", *TABLE, "=== 4 passed ==="])
    assert watch.screen(output) == [*TABLE, "=== 4 passed ==="]


# --- end to end: a student's watch, in a copy of the kata ----------------------------------------


class Watcher:
    """pytest --watch running in the copy; its output read as it grows."""

    def __init__(self, kata: FakeKata, *args: str, cache: bool = False) -> None:
        self.output = kata.path / "watch.out"
        self.out = self.output.open("w", encoding="utf-8")
        plugins = QUIET[:2] if cache else QUIET
        command = [sys.executable, "-m", "pytest", *plugins, "--watch", *args]
        self.process = kata.pytester.popen(command, stdout=self.out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8")

    def wait_for(self, text: str, count: int = 1) -> str:
        """Until `text` appears `count` times in the output; the output then."""
        deadline = time.monotonic() + TIMEOUT
        while self.text().count(text) < count:
            assert self.process.poll() is None, f"the watcher ended:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {text!r} (x{count}) in:\n{self.text()}"
            time.sleep(0.05)
        return self.text()

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: the exit code and all the output."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.out.close()
        print(self.text())
        return code, self.text()


WATCHING = "Watching exercises/ for changes. Ctrl-C to stop."
CHANGED = f"Running  pytest {' '.join(QUIET)} -m ex01  ({{}} changed) ..."
BACKWARD = '    return {"W": X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}'
WRONG = '    return {"W": 2 * X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}'


@pytest.mark.slow
@POSIX_ONLY
def test_watch_runs_again_after_each_save_and_stops_on_ctrl_c(kata: FakeKata) -> None:
    watcher = Watcher(kata, "-m", "ex01")
    first = watcher.wait_for(WATCHING)
    assert re.search(r" ex01_logistic_regression  ░{10} +0/\d+ +not started", first), first
    assert "test session starts" not in first  # the screen, not pytest's whole output

    kata.solve("ex01")  # two saves in a row: one run
    kata.insert_before("ex01", BACKWARD, 'if len(X) == 5:\n    print("my dZ is", dZ.shape)')
    kata.edit("ex01", BACKWARD, WRONG)
    second = watcher.wait_for(WATCHING, 2).split(WATCHING)[1].strip().splitlines()
    assert second[0] == CHANGED.format("exercises/ex01_logistic_regression.py")
    # The first failure alone, with what the test printed, then the table.
    heads = [line for line in second if line.startswith("___")]
    assert len(heads) == 1 and heads[0] == second[1], second
    assert "W is twice too large" in second[2]
    assert "my dZ is (5, 3)" in second
    rows = [line for line in second if line.startswith(" ex01_logistic_regression  ")]
    # backward's edge cases are blocked behind its failing plain tests
    assert len(rows) == 1 and re.search(r" failing, \d+ blocked$", rows[0]), second
    assert second.index("my dZ is (5, 3)") < second.index(rows[0])

    kata.solve("ex01")
    third = watcher.wait_for(WATCHING, 3).split(WATCHING)[2]
    assert re.search(r" ex01_logistic_regression  █{10} +(\d+)/\1 +✓ done", third), third

    code, output = watcher.interrupt()
    assert code == 0
    assert output.splitlines()[-1] == "Exit: stopped watching exercises/"
    assert "Traceback" not in output and "KeyboardInterrupt" not in output


@pytest.mark.slow
@POSIX_ONLY
def test_ctrl_c_during_a_run_stops_the_run_cleanly(kata: FakeKata) -> None:
    kata.solve("ex01")
    # The student's code writes into the kata's folder: no sandbox, which would keep it out.
    kata.monkeypatch.setenv("KATA_SANDBOX", "off")
    flag = kata.path / "started"
    kata.insert_before(
        "ex01",
        BACKWARD,
        "import os, pathlib, time\n"
        f"pathlib.Path({flag.as_posix()!r}).write_text(str(os.getpid()))\n"
        "time.sleep(600)",
    )
    watcher = Watcher(kata, "-m", "ex01", cache=True)
    deadline = time.monotonic() + TIMEOUT
    while not flag.exists() or not flag.read_text():
        assert time.monotonic() < deadline, f"the run never started:\n{watcher.text()}"
        time.sleep(0.05)
    run = int(flag.read_text())

    code, output = watcher.interrupt()
    assert code == 0, output
    assert "Traceback" not in output
    with pytest.raises(ProcessLookupError):
        os.kill(run, 0)  # the run is over, and was waited for
    # It ended as a Ctrl-C ends pytest, so the next run does not report a crash.
    kata.solve("ex01")
    assert "Your last run stopped" not in kata.run("-m", "ex01", cache=True).stdout.str()
