"""The handout: the students' copy holds no answer, works as a kata, and passes when solved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.kata import environ, registry
from tests.kata.instructor import handout
from tests.kata.paths import PRISTINE, ROOT

pytestmark = pytest.mark.given


def make(tmp_path: Path, words: str | None = None) -> Path:
    out = tmp_path / "handout"
    handout.build(out, handout.choose(words))
    return out


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = environ.clean()
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )


def test_a_handout_holds_no_answer(tmp_path: Path) -> None:
    out = make(tmp_path)
    found = handout.scan_for_answers(out)
    assert not found, "gradients computed in the handout:\n" + "\n".join(found)
    assert not (out / "solutions").exists()
    assert not (out / "tests" / "kata" / "checks").exists(), "the catalogue holds answers"
    assert not (out / "tests" / "kata" / "bench" / "tiers.py").exists(), "the fast tiers too"
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "--solutions" not in readme and "pip install -e ." in readme
    # The student's page: this kata's README.md, the same text, and one screenful or so.
    assert readme == (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200, len(readme.splitlines())
    pyproject = (out / "pyproject.toml").read_text(encoding="utf-8")
    assert "mutmut" not in pyproject and "[tool.ruff" not in pyproject


def test_the_scan_finds_an_answer_when_one_is_left_in(tmp_path: Path) -> None:
    out = make(tmp_path, "ex02")
    handout.paste_solutions(out)
    found = handout.scan_for_answers(out)
    assert any(line.startswith("exercises/ex02_sigmoid_mse.py:") for line in found), found


def test_a_handout_takes_the_pristine_stubs_not_the_instructors_exercises(tmp_path: Path) -> None:
    """An instructor's exercises/ may hold work or a pasted answer: the handout never copies it."""
    out = make(tmp_path)
    for path in sorted(PRISTINE.glob("*.py")):
        if path.name != "__init__.py":
            assert (out / "exercises" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_handout_with_an_answer_in_it_is_refused_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    solved = tmp_path / "solved"
    solved.mkdir()
    for path in PRISTINE.glob("*.py"):
        (solved / path.name).write_bytes(path.read_bytes())
    (solved / "ex02_sigmoid_mse.py").write_bytes(
        (ROOT / "solutions" / "ex02_sigmoid_mse.py").read_bytes()
    )
    monkeypatch.setattr(handout, "PRISTINE", solved)
    with pytest.raises(pytest.UsageError, match=r"place\(s\) that compute a gradient"):
        make(tmp_path)
    assert not (tmp_path / "handout").exists()


def test_a_handout_records_its_version_and_tests(tmp_path: Path) -> None:
    out = make(tmp_path, "ex01,ex03")
    record = (out / "tests" / "kata" / "handout.json").read_text(encoding="utf-8")
    assert handout.tests_hash(out) in record and handout.version() in record
    assert sorted(p.name for p in (out / "exercises").glob("ex*.py")) == [
        "ex01_logistic_regression.py",
        "ex03_tanh_xor.py",
    ]


def test_a_handout_goes_outside_the_kata(tmp_path: Path) -> None:
    with pytest.raises(pytest.UsageError, match="outside the kata"):
        handout.build(ROOT / "handout-here", handout.choose(None))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(pytest.UsageError, match="not empty"):
        handout.build(tmp_path / "full", handout.choose(None))
    with pytest.raises(pytest.UsageError, match="names no exercise"):
        handout.choose("ex01,ex09")


@pytest.mark.slow
def test_a_weekly_handouts_page_names_its_exercises_only(tmp_path: Path) -> None:
    chosen = registry.EXERCISES[-1]
    readme = (make(tmp_path, chosen.marker) / "README.md").read_text(encoding="utf-8")
    others = [e.module for e in registry.EXERCISES if e != chosen]
    assert chosen.module in readme and not any(module in readme for module in others)


def test_a_weekly_handout_is_a_kata_of_its_exercises(tmp_path: Path) -> None:
    out = make(tmp_path, "ex01,ex03")
    untouched = pytest_in(out)
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    assert "ex01_logistic_regression" in untouched.stdout and "ex03_tanh_xor" in untouched.stdout
    assert "ex02_sigmoid_mse" not in untouched.stdout
    hint = pytest_in(out, "--hint", "ex02")
    assert hint.returncode == 4 and "names no exercise" in hint.stderr
    handout.paste_solutions(out)
    solved = pytest_in(out, "-q")
    assert solved.returncode == 0, solved.stdout
    assert solved.stdout.count("✓ done") == 2, solved.stdout


@pytest.mark.slow
def test_a_solved_handout_passes_every_test(tmp_path: Path) -> None:
    out = make(tmp_path)
    handout.paste_solutions(out)
    solved = pytest_in(out, "-q")
    assert solved.returncode == 0, solved.stdout
    assert solved.stdout.count("✓ done") == len(registry.EXERCISES), solved.stdout
    assert " failed" not in solved.stdout


def test_grading_weights_come_from_pyproject(tmp_path: Path) -> None:
    from tests.kata.instructor import grade

    chosen = handout.choose("ex01,ex02")
    assert grade.weights(chosen, tmp_path / "none.toml") == {
        "ex01_logistic_regression": 20.0,
        "ex02_sigmoid_mse": 20.0,
    }
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[tool.kata.grading]\nweights = { ex02 = 35 }\n", encoding="utf-8")
    assert grade.weights(chosen, toml)["ex02_sigmoid_mse"] == 35.0
