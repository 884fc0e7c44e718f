"""The Gradescope autograder, run against a simulated /autograder layout."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.kata import environ
from tests.kata.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.given]
SCHEMA = ROOT / "tests" / "kata" / "instructor" / "gradescope-results.schema.json"


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An /autograder folder as Gradescope lays it out, with the bundle set up in it."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "bundle.zip"
    env = environ.clean()
    command = [sys.executable, "-m", "tests.kata", "bundle", str(bundle)]
    subprocess.run([*command, "--exercises", "ex01,ex02"], cwd=ROOT, env=env, check=True)
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names) and "kata/conftest.py" in names
        assert not any(
            name.startswith(("kata/solutions", "kata/tests/kata/checks")) for name in names
        )
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile does not restore the modes: unzip does
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                (root / "source" / info.filename).chmod(mode & 0o777)
    setup = run(root, "setup.sh")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return root


def run(root: Path, script: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = environ.clean()
    # The simulated image: the packages already here (no download), no user created.
    env.update(AUTOGRADER=str(root), VENV_OPTIONS="--system-site-packages", AUTOGRADER_USER="")
    env.update(extra)
    return subprocess.run(
        ["bash", str(root / "source" / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def submit(root: Path, files: dict[str, str]) -> dict[str, Any]:
    submission = root / "submission"
    if submission.exists():
        for path in sorted(submission.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    submission.mkdir(exist_ok=True)
    for name, text in files.items():
        (submission / name).write_text(text, encoding="utf-8")
    results = root / "results" / "results.json"
    results.unlink(missing_ok=True)
    done = run(root, "run_autograder")
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return data


def test_a_submission_gets_its_grade_in_gradescopes_format(autograder: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    ex01 = (ROOT / "solutions" / "ex01_logistic_regression.py").read_text(encoding="utf-8")
    data = submit(autograder, {"ex01_logistic_regression.py": ex01})
    jsonschema.validate(data, schema)
    assert data["score"] == 20
    assert any(t["name"].startswith("ex02_sigmoid_mse: not handed in") for t in data["tests"])


def test_an_empty_submission_scores_zero(autograder: Path) -> None:
    assert submit(autograder, {})["score"] == 0


def test_results_are_written_even_when_grading_itself_fails(
    autograder: Path, tmp_path: Path
) -> None:
    results = autograder / "results" / "results.json"
    venv = autograder / "venv"
    venv.rename(tmp_path / "venv")  # a broken image: no interpreter where setup.sh put it
    try:
        results.unlink(missing_ok=True)
        run(autograder, "run_autograder")
        data = json.loads(results.read_text(encoding="utf-8"))
        assert data["score"] == 0 and "could not grade" in data["output"]
    finally:
        (tmp_path / "venv").rename(venv)
