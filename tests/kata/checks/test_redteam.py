"""The red-team catalogue (redteam.py), graded as one class: no submission raises its grade
or touches anything outside its own results.

Run where the student's code is contained: with bubblewrap, and, as root, without it but as
an unprivileged uid per worker. (Without either, the code runs as the grader's user and can
reach what that user can: the README's threat model says so, and no test pretends otherwise.)
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

import pytest

from tests.kata import environ
from tests.kata.checks import redteam
from tests.kata.checks.fakekata import copy_kata
from tests.kata.paths import ROOT
from tests.kata.runtime import plugin
from tests.kata.runtime.child import sandbox

# Grading the class takes minutes; the module's fixture grades it once per mode.
pytestmark = [pytest.mark.slow, pytest.mark.given, pytest.mark.test_limit(1500)]
SETTLE = 5.0  # seconds after the run in which nothing may change (a daemon's delay is 3)
CONTROLS = {"control-right": redteam.RIGHT, "control-wrong": redteam.WRONG}


def _modes() -> Iterator[pytest.ParameterSet]:
    yield pytest.param(
        "bubblewrap",
        marks=pytest.mark.skipif(sandbox.bubblewrap() is None, reason="bubblewrap not usable"),
    )
    root = os.name == "posix" and os.geteuid() == 0
    required = os.environ.get("KATA_REQUIRE_UID") == "1"  # .ci/redteam: no skipping there
    yield pytest.param(
        "unprivileged uid",
        marks=pytest.mark.skipif(
            not required and (not root or not sandbox.usable(subject_uids()[0])),
            reason="needs root, and a Python that an unprivileged uid can run",
        ),
    )


def tree(folder: Path) -> dict[str, str]:
    """Every path under folder: a link's target, a file's hash, or "folder"."""
    found = {}
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(top) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def hand_in(
    folder: Path,
    student: str,
    source: str | None,
    attack: redteam.Attack | None = None,
    **paths: str,
) -> None:
    mine = folder / student
    mine.mkdir(parents=True)
    if source is not None:
        (mine / f"{redteam.EX}.py").write_text(source, encoding="utf-8")
    if attack is not None:
        for name, text in attack.files.items():
            (mine / name).parent.mkdir(parents=True, exist_ok=True)
            (mine / name).write_text(text, encoding="utf-8")
        for name, target in attack.links.items():
            (mine / name).symlink_to(target.format(**paths))


# .ci/redteam names two users of its own: the uid mode then grades with --user.
USERS = os.environ.get("KATA_REDTEAM_USERS", "")


def subject_uids() -> list[int]:
    if USERS:
        import pwd

        return [pwd.getpwnam(name).pw_uid for name in USERS.split(",")]
    return [sandbox.SUBJECT_UID, sandbox.SUBJECT_UID + 1]


def grade(
    kata: Path, submissions: Path, out: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.kata", "grade", str(submissions), "--out", str(out)]
    command += ["--exercises", "ex01", "--call-limit", "5", "--limit", "180", "--workers", "2"]
    if USERS and env.get("KATA_SANDBOX") == "off":
        command += ["--user", USERS]
    return subprocess.run(command, cwd=kata, env=env, capture_output=True, text=True, timeout=1200)


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def ours_alive(marker: str) -> list[str]:
    """Processes left by the student's code: of the subjects' uids, or running the server."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        ours = uid in subject_uids() or marker in command
        if ours and int(pid) != os.getpid():
            found.append(f"{pid} (uid {uid}): {command[:120]}")
    return found


class Graded(TypedDict):
    """The class as the module's fixture graded it, in one mode."""

    mode: str
    done: subprocess.CompletedProcess[str]
    out: Path
    baseline: dict[str, dict[str, str]]  # the controls' gradebook
    before: dict[str, dict[str, str] | str]  # trees of the class and the kata; the canary's hash
    after: dict[str, dict[str, str]]
    graded_at: dict[str, str]
    alive: list[str]


@pytest.fixture(scope="module", params=list(_modes()))
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    mode = request.param
    env = environ.clean()
    if mode == "unprivileged uid":
        env["KATA_SANDBOX"] = "off"
    home = tmp_path_factory.mktemp("redteam")
    home.chmod(0o700)  # the instructor's folder: no other user may read it
    kata = copy_kata(home / "kata")
    (kata / "LICENSE").write_bytes((ROOT / "LICENSE").read_bytes())  # a handout needs it
    canary = home / "canary.txt"
    canary.write_text(redteam.CANARY, encoding="utf-8")
    canary.chmod(0o600)
    paths = {"canary": str(canary), "solutions": str(kata / "solutions" / f"{redteam.EX}.py")}
    submissions = home / "redteam-class"
    for attack in redteam.ATTACKS:
        source = attack.source(str(canary)) if attack.exercise_file else None
        hand_in(submissions, attack.name, source, attack, **paths)
    for name, source in CONTROLS.items():
        hand_in(submissions, name, source)
    controls = home / "controls"
    for name, source in CONTROLS.items():
        hand_in(controls, name, source)
    # This run's own subject processes: none left to confuse the count.
    request.config.stash[plugin.RUN_KEY].close()
    running = set(ours_alive("kata_runtime"))
    baseline = grade(kata, controls, home / "baseline", env)
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    before: dict[str, dict[str, str] | str] = {
        "class": tree(submissions),
        "kata": tree(kata),
        "canary": tree(home)["canary.txt"],
    }
    out = home / "out"
    done = grade(kata, submissions, out, env)
    graded_at = tree(out) if out.is_dir() else {}
    time.sleep(SETTLE)
    return {
        "mode": mode,
        "done": done,
        "out": out,
        "baseline": gradebook(home / "baseline"),
        "before": before,
        "after": {"class": tree(submissions), "kata": tree(kata), "out": tree(out)},
        "graded_at": graded_at,
        "alive": sorted(set(ours_alive("kata_runtime")) - running),
    }


def test_the_class_is_graded(graded: Graded) -> None:
    done = graded["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    book = gradebook(graded["out"])
    assert sorted(book) == sorted([a.name for a in redteam.ATTACKS] + list(CONTROLS))


@pytest.mark.parametrize("attack", redteam.ATTACKS, ids=lambda a: a.name)
def test_each_attack_gets_what_it_deserves(graded: Graded, attack: redteam.Attack) -> None:
    book, baseline = gradebook(graded["out"]), graded["baseline"]
    got = float(book[attack.name]["ex01"])
    right = float(baseline["control-right"]["ex01"])
    wrong = float(baseline["control-wrong"]["ex01"])
    expected = {"right": right, "wrong": wrong, "zero": 0.0}.get(attack.deserves)
    why = book[attack.name]
    if expected is None:  # at most right
        assert got <= right, why
    else:
        assert got == pytest.approx(expected, abs=1e-3), why


def test_no_other_student_s_grade_changes(graded: Graded) -> None:
    book = gradebook(graded["out"])
    for name in CONTROLS:
        assert book[name] == graded["baseline"][name]


def test_no_submission_and_no_file_of_the_kata_changes(graded: Graded) -> None:
    assert graded["after"]["class"] == graded["before"]["class"]
    assert graded["after"]["kata"] == graded["before"]["kata"]


def test_nothing_changes_after_the_run_and_nothing_is_left_running(graded: Graded) -> None:
    assert graded["after"]["out"] == graded["graded_at"]
    assert not graded["alive"], graded["alive"]


def test_nothing_secret_reaches_a_report(graded: Graded) -> None:
    for path in graded["out"].rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert redteam.CANARY not in text, path
            assert "root:x:0:0" not in text, path
