"""python -m tests.kata grade: a class of fake submissions, each given exactly the points it
deserves."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.kata import environ
from tests.kata.checks import patching
from tests.kata.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.given]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
SCHEMA = ROOT / "tests" / "kata" / "instructor" / "gradescope-results.schema.json"
ONLY = "ex01,ex02,ex03"
Graded = tuple[Path, Path, subprocess.CompletedProcess[str]]  # submissions, out, the run


def solution(name: str, old: str = "", new: str = "") -> str:
    text = (SOLUTIONS / name).read_text(encoding="utf-8")
    if old:
        text = patching.patch(text, old, new)
    return text


EX01, EX02, EX03 = "ex01_logistic_regression.py", "ex02_sigmoid_mse.py", "ex03_tanh_xor.py"
FORWARD = '    Z1 = X @ params["W1"]\n'
CLASS = {
    "correct": {name: solution(name) for name in (EX01, EX02, EX03)},
    "untouched": {name: (EXERCISES / name).read_text(encoding="utf-8") for name in (EX01, EX02)},
    "hang": {EX02: solution(EX02, FORWARD, FORWARD + "    while True:\n        pass\n")},
    "hard-exit": {
        EX02: solution(
            EX02,
            "    X, Z1, A, out = cache\n",
            "    X, Z1, A, out = cache\n    import os\n\n    os._exit(0)\n",
        )
    },
    "syntax-error": {EX03: solution(EX03, "    A = np.tanh(Z1)\n", "    A = np.tanh(Z1))\n")},
    "gigabyte": {EX02: solution(EX02, FORWARD, FORWARD + "    waste = np.ones(2**31)\n")},
    "imports-the-answers": {
        f"exercises/{EX03}": "from solutions.ex03_tanh_xor import *  # noqa\n",
        "notes.txt": "my notes",
    },
    "patched-fail": {
        EX01: solution(EX01, "import numpy as np\n", "import numpy as np\nimport pytest\n\n")
        .replace("dZ = (P - Y) / P.size", "dZ = P - Y", 1)
        .replace("import pytest\n", "import pytest\n\npytest.fail = lambda *a, **k: None\n", 1)
    },
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    submissions = tmp_path_factory.mktemp("submissions")
    for student, files in CLASS.items():
        for name, text in files.items():
            path = submissions / student / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("grades") / "out"
    return submissions, out, grade(submissions, out)


def grade(submissions: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = environ.clean()
    command = [sys.executable, "-m", "tests.kata", "grade", str(submissions), "--out", str(out)]
    command += ["--exercises", ONLY, "--call-limit", "1", "--limit", "120", *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def results(out: Path, student: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
    return data


def graded_tests(out: Path, student: str, exercise: str) -> list[dict[str, Any]]:
    return [t for t in results(out, student)["tests"] if t["name"].startswith(exercise)]


def test_grading_finishes_and_writes_every_student(graded: Graded) -> None:
    _, out, done = graded
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(gradebook(out)) == sorted(CLASS)
    assert not out.with_name(out.name + ".writing").exists()


def test_a_correct_submission_gets_every_point_and_an_untouched_one_none(graded: Graded) -> None:
    _, out, _ = graded
    book = gradebook(out)
    assert [book["correct"][m] for m in ("ex01", "ex02", "ex03", "total")] == [
        "20",
        "20",
        "20",
        "60",
    ]
    assert book["untouched"]["total"] == "0" and book["untouched"]["ex01 status"] == "graded"
    assert book["untouched"]["ex03 status"] == "not handed in"


def _partial(out: Path, student: str, exercise: str, first_words: str) -> None:
    tests = graded_tests(out, student, exercise)
    failed = [t for t in tests if t["status"] == "failed"]
    assert first_words in failed[0]["output"], failed[0]
    assert all(t["output"].startswith("blocked") for t in failed[1:]), failed[1:3]
    passed = sum(t["score"] for t in tests)
    assert 0 < passed < 20
    assert float(gradebook(out)[student][exercise[:4]]) == pytest.approx(passed, abs=1e-3)


def test_a_hang_an_exit_and_a_gigabyte_each_cost_their_tests_only(graded: Graded) -> None:
    _, out, _ = graded
    _partial(out, "hang", "ex02", "forward did not finish within 1 s")
    _partial(out, "hard-exit", "ex02", "backward called os._exit(0)")
    _partial(out, "gigabyte", "ex02", "MemoryError")


def test_what_does_not_import_scores_nothing_and_says_why(graded: Graded) -> None:
    _, out, _ = graded
    for student, words in (("syntax-error", "SyntaxError"), ("imports-the-answers", "solutions")):
        assert gradebook(out)[student]["ex03"] == "0"
        assert words in graded_tests(out, student, "ex03")[0]["output"]
    report = (out / "imports-the-answers" / "report.txt").read_text(encoding="utf-8")
    assert "ignored" in report and "notes.txt" in report


def test_patching_pytest_changes_nothing_the_tests_judge(graded: Graded) -> None:
    """The student's code runs in a process without pytest: a patched pytest.fail there is
    just a wrong answer, graded as one, never a pass."""
    _, out, _ = graded
    book = gradebook(out)
    assert book["patched-fail"]["ex01 status"] == "graded", book["patched-fail"]
    assert float(book["patched-fail"]["ex01"]) < 20, book["patched-fail"]


def test_results_are_gradescopes_format(graded: Graded) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    _, out, _ = graded
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for student in CLASS:
        data = results(out, student)
        jsonschema.validate(data, schema)
        assert data["score"] == round(sum(t["score"] for t in data["tests"]), 3)


def test_grading_twice_gives_the_same_grades(graded: Graded, tmp_path: Path) -> None:
    submissions, out, _ = graded
    again = tmp_path / "again"
    assert grade(submissions, again).returncode == 0
    assert (again / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()
    for student in CLASS:
        assert results(again, student) == results(out, student)
        assert (again / student / "report.txt").read_text() == (
            out / student / "report.txt"
        ).read_text()


def old_form(submissions: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The pytest options grading had before its command: kept for one release."""
    env = environ.clean()
    command = [sys.executable, "-m", "pytest", f"--grade={submissions}", f"--grade-out={out}"]
    command += [f"--exercises={ONLY}", "--call-limit=1", *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_grading_refuses_a_selection_and_the_solutions(graded: Graded, tmp_path: Path) -> None:
    submissions, _, _ = graded
    for extra, words in (("-m=ex01", "drop -m"), ("--solutions", "drop --solutions")):
        done = old_form(submissions, tmp_path / "x", extra)
        assert done.returncode == 4 and words in done.stderr, done.stderr
    env = {**os.environ, "KATA_IMPL": "solutions"}
    command = [sys.executable, "-m", "tests.kata", "grade", str(submissions), "--out", "x"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "unset KATA_IMPL" in done.stderr, done.stderr


def test_the_old_options_still_grade_and_name_the_command(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    done = old_form(tmp_path / "class", tmp_path / "out", "--grade-limit=90")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "python -m tests.kata grade" in done.stderr and "--limit 90" in done.stderr
    assert (tmp_path / "out" / "gradebook.csv").is_file()


def test_a_subject_over_its_memory_is_ended_where_the_kata_polls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """macOS's way (the kernel does not limit it): the kata polls the subject process and
    ends it past the limit; the test gets one message."""
    from tests.kata.runtime.child import process, sandbox

    monkeypatch.setattr(sandbox, "POLL_MEMORY", True)
    monkeypatch.setattr(sandbox, "resident", lambda pid: 3 * 1024**3)  # as ps would report it
    child = process.Child(
        "ex01_logistic_regression",
        {
            "ex01_logistic_regression.py": SOLUTIONS / EX01,
            "_draw.py": ROOT / "tests" / "kata" / "pristine" / "_draw.py",
            "given/ex01_logistic_regression.py": ROOT
            / "tests"
            / "kata"
            / "pristine"
            / "ex01_logistic_regression.py",
        },
        sandbox.Limits(memory=2 * 1024**3, start=60.0),
    )
    try:
        with pytest.raises(process.Ended) as ended:
            child.request({"op": "open", "exercise": "ex01_logistic_regression", "writes": []})
        assert ended.value.why == "memory"
        assert not child.alive
    finally:
        child.stop()


def test_grading_one_student_into_the_class_keeps_the_others(
    graded: Graded, tmp_path: Path
) -> None:
    _, out, _ = graded
    import shutil

    merged = tmp_path / "merged"
    shutil.copytree(out, merged)
    one = tmp_path / "one"
    (one / "correct").mkdir(parents=True)
    for name, text in CLASS["correct"].items():
        (one / "correct" / name).write_text(text, encoding="utf-8")
    assert grade(one, merged).returncode == 0
    assert gradebook(merged) == gradebook(out)
    for student in CLASS:
        assert (merged / student / "report.txt").read_text() == (
            out / student / "report.txt"
        ).read_text()


def test_the_student_sees_what_the_instructor_sees(graded: Graded) -> None:
    """results.json's output is report.txt: the table, the ignored files, given code edited."""
    _, out, _ = graded
    for student in CLASS:
        data = results(out, student)
        assert data["output"] == (out / student / "report.txt").read_text(encoding="utf-8")
        assert data["visibility"] == "visible" and data["output_format"] == "text"
    assert "notes.txt" in results(out, "imports-the-answers")["output"]


def test_points_follow_each_functions_share() -> None:
    """The weight is shared among the functions as the registry says, then among each one's
    tests: failing all of a function's tests costs its share exactly, and the points add up."""
    from tests.kata import registry
    from tests.kata.instructor import grade as grading

    record = registry.BY_MODULE["ex05_online_sgd"]
    names = {
        "sigmoid": 3,
        "sigmoid_prime": 2,
        "forward": 5,
        "loss": 4,
        "backward": 9,
        "backward_per_sample": 7,
        "network": 6,
    }
    plan = [
        {"test": f"t::test_{owner}_{i}", "owner": owner}
        for owner, count in names.items()
        for i in range(count)
    ]
    records = [
        {
            "test": row["test"],
            "status": "failed" if row["owner"] == "backward_per_sample" else "passed",
        }
        for row in plan
    ]
    result = grading.score(
        grading.Result(record, 20.0), "graded", "", [*records, {"end": True, "plan": plan}], ""
    )
    assert sum(t["max_score"] for t in result.tests) == pytest.approx(20.0, abs=1e-9)
    lost = 20.0 - result.score
    assert lost == pytest.approx(20.0 * record.shares["backward_per_sample"] / 100, abs=1e-3)
    assert sum(record.shares.values()) == 100
