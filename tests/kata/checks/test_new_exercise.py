"""Adding a network takes three files, and `python -m tests.kata new` writes all three.

A copy of the kata gets a new network from `new` alone (the next free number, whatever the
kata holds), then `generate` and `generate --transcripts`. Then, as the pages tell their
readers to: the student's loop, --hint, --reset, --check-stubs, the document run, the
solved exercise, the completeness check, the catalogue's collection, the benchmark, the
compiled tier (where numba is), a handout and grading all know the new network.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kata import environ, registry
from tests.kata.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.given]
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks")
NUMBER = max(int(e.marker[2:]) for e in registry.ALL) + 1
MARKER = f"ex{NUMBER:02d}"
NAME = f"{MARKER}_synthetic"


def run(
    kata: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = environ.clean()
    return subprocess.run(
        [sys.executable, *args],
        cwd=kata,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def pytest_in(
    kata: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run(kata, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args, env=env)


def kata_command(kata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run(kata, "-m", "tests.kata", *args)
    assert done.returncode == 0, (
        f"python -m tests.kata {' '.join(args)}:\n{done.stdout}{done.stderr}"
    )
    return done


@pytest.fixture(scope="module")
def kata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kata = tmp_path_factory.mktemp("kata")
    for name in ("exercises", "solutions", "tests"):
        shutil.copytree(ROOT / name, kata / name, ignore=IGNORE)
    for name in ("conftest.py", "pyproject.toml", "LICENSE", "README.md"):
        shutil.copy(ROOT / name, kata / name)
    written = kata_command(kata, "new", NAME).stdout
    for path in (f"solutions/{NAME}.py", f"tests/test_{NAME}.py", "tests/kata/registry.toml"):
        assert f"wrote {path}" in written, written
    kata_command(kata, "generate")
    kata_command(kata, "generate", "--transcripts", "--exercises", MARKER)
    kata_command(kata, "check")
    return kata


def test_new_refuses_a_number_the_kata_has_and_names_the_next(kata: Path) -> None:
    taken = f"{registry.ALL[0].marker}_again"
    done = run(kata, "-m", "tests.kata", "new", taken)
    assert done.returncode == 2 and f"the next free number is ex{NUMBER + 1:02d}" in done.stderr


def test_the_student_loop_hints_reset_and_stub_check_know_the_new_network(kata: Path) -> None:
    done = pytest_in(kata, "-m", MARKER)
    assert done.returncode == 0, done.stdout
    assert any(
        line.split()[:1] == [NAME] and "not started" in line for line in done.stdout.splitlines()
    )
    assert f"Next: write forward() in exercises/{NAME}.py" in done.stdout
    hint = pytest_in(kata, "--hint", MARKER)
    assert hint.returncode == 0 and f"Hints for {MARKER} forward (1 of 3)" in hint.stdout
    stubs = pytest_in(kata, "--check-stubs", "-m", MARKER)
    assert stubs.returncode == 0 and "stub check: none of the" in stubs.stdout, stubs.stdout
    reset = pytest_in(kata, "--reset", f"{MARKER}.backward")
    said = f"backward in exercises/{NAME}.py is the stub already"  # untouched: nothing to do
    assert reset.returncode == 0 and said in reset.stdout, reset.stdout


def test_the_solved_network_passes_and_the_kata_is_complete(kata: Path) -> None:
    done = pytest_in(kata, "--solutions", "-m", MARKER)
    assert done.returncode == 0, done.stdout
    assert any(line.split()[:1] == [NAME] and "✓ done" in line for line in done.stdout.splitlines())
    check = pytest_in(kata, "--solutions", "tests/kata/checks/test_registry.py", "-k", MARKER)
    assert check.returncode == 0 and " passed" in check.stdout, check.stdout
    main = run(kata, "-m", f"solutions.{NAME}")
    assert main.returncode == 0 and "loss" in main.stdout, main.stdout + main.stderr
    catalogue = pytest_in(
        kata, "--solutions", "--slow", "--co", "tests/kata/checks/test_catalogue.py"
    )
    assert catalogue.returncode == 0, catalogue.stdout


def test_the_benchmark_and_the_compiled_tier_time_the_new_network(kata: Path) -> None:
    timing = ["--benchmark-min-rounds=1", "--benchmark-max-time=0.000001", "--benchmark-warmup=off"]
    done = pytest_in(kata, "--solutions", "--benchmark-only", "-m", MARKER, "-k", "N4-", *timing)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{MARKER} gradient N=4" in done.stdout
    assert any(line.lstrip().startswith(MARKER) for line in done.stdout.splitlines())
    if importlib.util.find_spec("numba") is None and os.environ.get("KATA_REQUIRE_JIT") != "1":
        pytest.skip("numba is not installed: the compiled tier is checked where it is (.ci/jit)")
    compiled = pytest_in(
        kata,
        "--solutions",
        "tests/kata/checks/test_benchmark.py",
        "-k",
        f"compiled_loop and {MARKER}",
    )
    assert compiled.returncode == 0 and "1 passed" in compiled.stdout, compiled.stdout


def test_a_handout_and_grading_take_the_new_network(kata: Path, tmp_path: Path) -> None:
    out = tmp_path / "handout"
    kata_command(kata, "handout", str(out), "--exercises", MARKER)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert NAME in readme and f"exercises/{NAME}.py" in readme
    untouched = pytest_in(out)
    assert untouched.returncode == 0 and "not started" in untouched.stdout, untouched.stdout
    student = tmp_path / "class" / "someone"
    student.mkdir(parents=True)
    shutil.copy(kata / "solutions" / f"{NAME}.py", student / f"{NAME}.py")
    kata_command(
        kata,
        "grade",
        str(tmp_path / "class"),
        "--out",
        str(tmp_path / "grades"),
        "--exercises",
        MARKER,
    )
    with (tmp_path / "grades" / "gradebook.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row[MARKER]) == float(row["total"]) > 0 and row[f"{MARKER} status"] == "graded", (
        row
    )
