"""A copy of the kata in a temporary folder, run with pytest in a subprocess as a student runs it.

tests/kata/checks/test_plugin.py builds one per test in pytester's folder: it writes solved or
broken exercises into the copy's exercises/, runs pytest there and reads what pytest printed.
A subprocess, not pytest in-process: the kata installs a SIGINT handler and a watchdog thread,
and imports its own `tests.*` packages by name, which would clash with the running kata.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.checks import patching
from tests.kata.paths import ROOT

PARTS = ("exercises", "solutions", "tests", "conftest.py", "pyproject.toml")
# test_plugin.py stays out of the copy: were a student's run ever to collect tests/kata/, the
# copy would run the tests that copy the kata, and so on without end.
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", "test_plugin.py")
TIMEOUT = 60  # seconds for one run of the copy; every scenario takes a few
QUIET = ("-p", "no:randomly", "-p", "no:cacheprovider")  # the test order, and no cache

# Makes the POSIX-only ways to stop a call unavailable, as on Windows: no alarm, no interval
# timer, no SIGALRM, no `resource` module. Put on PYTHONPATH, Python runs it at start-up.
NO_POSIX = """\
import signal
import sys

for name in ("alarm", "setitimer", "getitimer", "SIGALRM", "ITIMER_REAL"):
    if hasattr(signal, name):
        delattr(signal, name)


class _NoResource:
    def find_spec(self, name, path=None, target=None):
        if name == "resource":
            raise ImportError("the kata's test hides the resource module")
        return None


sys.modules.pop("resource", None)
sys.meta_path.insert(0, _NoResource())
"""


def copy_kata(target: Path, source: Path = ROOT) -> Path:
    """The kata's exercises/, solutions/, tests/, conftest.py and pyproject.toml, in target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, ignore=IGNORE, dirs_exist_ok=True)
        else:
            shutil.copy2(source / part, target / part)
    return target


def table(lines: list[str]) -> list[str]:
    """The progress table's lines in pytest's output: its title up to pytest's next section."""
    start = next((i for i, line in enumerate(lines) if " kata progress: " in line), None)
    if start is None:
        return []
    end = start + 1
    while end < len(lines) and not lines[end].startswith(("=", "!")):
        end += 1
    return lines[start:end]


class FakeKata:
    """The kata copied into pytester's folder; its exercises edited, pytest run in it."""

    def __init__(
        self, pytester: pytest.Pytester, template: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.pytester = pytester
        self.path = pytester.path
        self.monkeypatch = monkeypatch
        copy_kata(self.path, template)
        for name in ("KATA_IMPL", "PYTEST_ADDOPTS", "COVERAGE_PROCESS_START"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("COLUMNS", "200")  # the table's width: its lines whole, unwrapped
        monkeypatch.setenv("PYTHONIOENCODING", "utf-8")  # the table's fancy marks
        monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    # --- the student's files ------------------------------------------------------------
    @staticmethod
    def module(marker: str) -> str:
        return registry.BY_MARKER[marker].module

    def exercise(self, marker: str) -> Path:
        return self.path / "exercises" / f"{self.module(marker)}.py"

    def where(self, marker: str) -> str:
        """The exercise's file as the kata names it: exercises/ex02_sigmoid_mse.py."""
        return f"exercises/{self.module(marker)}.py"

    def solve(self, *markers: str) -> None:
        """Copy the reference solution over the student's file."""
        for marker in markers:
            name = f"{self.module(marker)}.py"
            shutil.copy2(self.path / "solutions" / name, self.path / "exercises" / name)

    def edit(self, marker: str, old: str, new: str) -> int:
        """Replace the code `old` of the exercise (found by its tokens: patching.py) by `new`.

        Returns the number of the first line of `new` in the file.
        """
        path = self.exercise(marker)
        source = path.read_text(encoding="utf-8")
        start, _ = patching.locate(source, old)
        path.write_text(patching.patch(source, old, new), encoding="utf-8")
        return source.count("\n", 0, start) + 1

    def insert_before(self, marker: str, line: str, text: str) -> int:
        """Insert `text` (lines) before the one line `line`; returns its first line's number."""
        indent = line[: len(line) - len(line.lstrip())]
        block = "\n".join(indent + part for part in text.splitlines())
        return self.edit(marker, line, f"{block}\n{line}")

    def append(self, marker: str, text: str) -> int:
        """Add `text` at the end of the exercise; returns its first line's number."""
        path = self.exercise(marker)
        source = path.read_text(encoding="utf-8")
        path.write_text(f"{source}\n{text}\n", encoding="utf-8")
        return source.count("\n") + 2

    def hide_posix(self) -> None:
        """Runs from now on have no signal.alarm, setitimer, SIGALRM, nor `resource`."""
        folder = self.path / "portable"
        folder.mkdir(exist_ok=True)
        (folder / "sitecustomize.py").write_text(NO_POSIX, encoding="utf-8")
        self.monkeypatch.setenv("PYTHONPATH", str(folder))
        probe = (
            "import signal;"
            "print(any(hasattr(signal, n) for n in ('alarm', 'setitimer', 'SIGALRM')));"
            "import resource"
        )
        done = self.pytester.run(sys.executable, "-c", probe, timeout=TIMEOUT)
        assert done.outlines[:1] == ["False"], done.outlines
        assert done.ret != 0 and "ImportError" in "\n".join(done.errlines), done.errlines

    # --- running pytest ---------------------------------------------------------------------
    def run(self, *args: str, cache: bool = False, timeout: float = TIMEOUT) -> pytest.RunResult:
        """pytest in the copy, in a subprocess: the RunResult (ret, stdout, stderr)."""
        plugins = QUIET[:2] if cache else QUIET
        return self.pytester.runpytest_subprocess(*plugins, *args, timeout=timeout)

    def run_interrupted(
        self, *args: str, started: str, timeout: float = TIMEOUT
    ) -> tuple[int, list[str]]:
        """pytest in the copy, sent SIGINT (Ctrl-C) once the file `started` appears.

        The student's code creates `started` where it then waits; returns (exit code, lines).
        """
        flag = self.path / started
        flag.unlink(missing_ok=True)
        output = self.path / "interrupted.out"
        command = [sys.executable, "-m", "pytest", *QUIET, *args]
        with output.open("w", encoding="utf-8") as out:
            process = self.pytester.popen(command, stdout=out, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + timeout
                while not flag.exists():
                    assert process.poll() is None, "the run ended before the student's code ran"
                    assert time.monotonic() < deadline, f"{started} never appeared"
                    time.sleep(0.05)
                process.send_signal(signal.SIGINT)
                code = process.wait(timeout=timeout)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        lines = output.read_text(encoding="utf-8").splitlines()
        print("\n".join(lines))
        return code, lines
