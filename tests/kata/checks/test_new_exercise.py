"""Adding a network takes three files: its solution, its test file and its registry record.

A copy of the kata gets a sixth, toy network (tests/kata/checks/toy/) from only those three;
the generator and the transcript writer make the rest. Then, as pytest runs it: the
student's loop, --hint, --check-stubs, the solved exercise, the completeness check and the
benchmark all know the new network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kata.runtime.subject import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.given]
TOY = Path(__file__).resolve().parent / "toy"
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks")


def run(kata: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "KATA_IMPL")}
    return subprocess.run(
        [sys.executable, *args], cwd=kata, env=env, capture_output=True, text=True, timeout=300
    )


def pytest_in(kata: Path, *args: str) -> subprocess.CompletedProcess:
    return run(kata, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args)


@pytest.fixture(scope="module")
def kata(tmp_path_factory) -> Path:
    kata = tmp_path_factory.mktemp("kata")
    for name in ("exercises", "solutions", "tests"):
        shutil.copytree(ROOT / name, kata / name, ignore=IGNORE)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, kata / name)
    # The three files of a new network, and nothing else by hand.
    shutil.copy(TOY / "solution_ex06_linear.py", kata / "solutions" / "ex06_linear.py")
    shutil.copy(TOY / "tests_ex06_linear.py", kata / "tests" / "test_ex06_linear.py")
    registry = kata / "tests" / "kata" / "registry.py"
    text = registry.read_text(encoding="utf-8")
    end = text.index("\n)\n", text.index("ALL: tuple"))  # the end of the records
    record = (TOY / "record.txt").read_text(encoding="utf-8").rstrip("\n")
    registry.write_text(text[:end] + "\n" + record + text[end:], encoding="utf-8")
    for step in (
        ("-m", "tests.kata", "generate"),
        ("-m", "tests.kata", "generate", "--transcripts"),
    ):
        done = run(kata, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    return kata


def test_the_student_loop_hints_and_stub_check_know_the_new_network(kata):
    done = pytest_in(kata, "-m", "ex06")
    assert done.returncode == 0, done.stdout
    assert "ex06_linear  ░░░░░░░░░░   0/4   not started" in done.stdout
    assert "Next: write forward() in exercises/ex06_linear.py" in done.stdout
    hint = pytest_in(kata, "--hint", "ex06")
    assert hint.returncode == 0 and "Hints for ex06 forward (1 of 3)" in hint.stdout
    stubs = pytest_in(kata, "--check-stubs", "-m", "ex06")
    assert stubs.returncode == 0 and "stub check: none of the 4 tests" in stubs.stdout


def test_the_solved_network_passes_and_the_kata_is_complete(kata):
    done = pytest_in(kata, "--solutions", "-m", "ex06")
    assert done.returncode == 0, done.stdout
    assert "ex06_linear  ██████████   4/4   ✓ done" in done.stdout
    check = pytest_in(kata, "--solutions", "tests/kata/checks/test_registry.py", "-k", "ex06")
    assert check.returncode == 0, check.stdout
    # It has every part, every test declares its stage, every function has a share and tests,
    # its hints speak its docstring's symbols and hold no more than one line of its solution.
    assert "5 passed" in check.stdout


def test_the_benchmark_times_the_new_network(kata):
    done = pytest_in(
        kata,
        "--solutions",
        "--benchmark-only",
        "-m",
        "ex06",
        "-k",
        "N4-",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0.000001",
        "--benchmark-warmup=off",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ex06 gradient N=4" in done.stdout
    assert any(line.lstrip().startswith("ex06") for line in done.stdout.splitlines())
