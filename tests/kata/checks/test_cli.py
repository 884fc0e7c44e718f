"""python -m tests.kata <verb>: one command line for what is not a test run.

Every verb has its --help; arguments are ordinary (`grade SUBMISSIONS --out OUT`, paths
relative to where it is typed); a mistake is argparse's usage error; `check` refuses a
stray file beside the generated ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kata import environ, registry
from tests.kata.maintainer import generate
from tests.kata.paths import ROOT

pytestmark = pytest.mark.given
VERBS = ("handout", "grade", "bundle", "generate", "check", "new", "timing", "measure")


def kata(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = environ.clean()
    return subprocess.run(
        [sys.executable, "-m", "tests.kata", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_verb_is_listed_and_has_its_help() -> None:
    top = kata("--help")
    assert top.returncode == 0
    for verb in VERBS:
        assert verb in top.stdout, top.stdout
    for verb in VERBS:
        done = kata(verb, "--help")
        assert done.returncode == 0 and f"python -m tests.kata {verb}" in done.stdout, done.stdout


def test_a_mistyped_command_is_a_usage_error() -> None:
    done = kata("grade", "somewhere")  # --out is required
    assert done.returncode == 2 and "--out" in done.stderr, done.stderr
    done = kata("grades")
    assert done.returncode == 2 and "invalid choice" in done.stderr, done.stderr


def test_grade_takes_paths_as_typed(tmp_path: Path) -> None:
    """A folder that exists, a relative path, --out with a space: what argparse is for (pytest
    took `--grade submissions` for a folder of tests)."""
    (tmp_path / "submissions").mkdir()
    submissions = os.path.relpath(tmp_path / "submissions", ROOT)
    out = os.path.relpath(tmp_path / "grades", ROOT)
    first = registry.EXERCISES[0].marker
    done = kata("grade", submissions, "--out", out, "--exercises", first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "grades" / "gradebook.csv").is_file()


def test_check_refuses_a_stray_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exercises, pristine = tmp_path / "exercises", tmp_path / "pristine"
    generate.generate(exercises=exercises, pristine=pristine)
    monkeypatch.setattr(generate, "TARGETS", (exercises, pristine))
    assert generate.strays() == []
    (exercises / "ex99_mine.py").write_text("x = 1\n", encoding="utf-8")
    (pristine / "__pycache__").mkdir()
    (pristine / "__pycache__" / "cached.pyc").write_bytes(b"")  # ignored, as git ignores it
    found = generate.strays()
    assert len(found) == 1 and "ex99_mine.py was not generated" in found[0], found


def test_measure_gradients_writes_every_network_and_its_margin(tmp_path: Path) -> None:
    from tests.kata.maintainer import measure
    from tests.kata.runtime.harness import GRAD_TOL

    out = tmp_path / "gradients.md"
    done = kata("measure", "gradients", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!-- written by: python -m tests.kata measure gradients")
    for record in registry.EXERCISES:
        assert f"| {record.marker} |" in text
        worst = measure.gradient_errors(record)
        assert worst and max(worst.values()) < GRAD_TOL / 5, (record.marker, worst)
