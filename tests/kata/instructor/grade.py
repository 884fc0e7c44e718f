"""python -m tests.kata grade SUBMISSIONS --out OUT: grade a class, each student and exercise apart.

SUBMISSIONS holds one folder per student. Only its exNN_*.py files are taken (from the
folder, or from an exercises/ inside it), read as regular files (a link or a special file
is refused); everything else is listed as ignored. Each student's exercise is judged by a
child pytest, which runs the student's code in subject processes of its own (child/):

- in a fresh temporary copy of a handout built once per grading run (no solutions/),
  with the kata's own given code and data;
- with PYTEST_ADDOPTS cleared, plugins not autoloaded (a fixed set), BLAS on one thread;
- in its own process group, killed whole at the exercise's limit;
- the subject processes under the memory limit, sandboxed where bubblewrap works, and,
  as root, as an unprivileged uid of their own per worker (sandbox.SUBJECT_UID + slot, or
  --grade-user's uid + slot);
- with gradechild.py streaming each test's outcome. The child pytest runs no student code,
  so what it streams is the kata's verdict.

The grader alone writes OUT (under a temporary name, renamed at the end): gradebook.csv,
and per student results.json (Gradescope's format) and report.txt (the progress table).
Grading some students into an OUT that exists keeps the other students' rows and folders.
"""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import pytest

from tests.kata import registry
from tests.kata.instructor import handout
from tests.kata.paths import ROOT
from tests.kata.runtime import contain
from tests.kata.runtime.child import sandbox

EXERCISE_LIMIT = 300.0  # seconds for one student's exercise, all its tests
DEFAULT_WEIGHT = 20.0
THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")

Json = dict[str, Any]  # a JSON object: a record the child streams, a test in results.json


class ChildLimits(TypedDict):
    """A child pytest's limits: seconds for a call, a test and the whole exercise; bytes."""

    call_limit: float
    test_limit: float
    exercise_limit: float
    memory: int


class ChildOptions(ChildLimits, total=False):
    uid: int | None  # as root: the uid the student's code runs as (None: as root)


@dataclass
class Result:
    """One student's one exercise, as the grader scores it."""

    exercise: registry.Exercise
    weight: float
    status: str = "graded"  # graded, not handed in, unreadable, timed out, no record
    cause: str = ""
    tests: list[Json] = field(default_factory=list)  # name, score, max_score, status, output
    table: str = ""

    @property
    def score(self) -> float:
        """The sum of the tests' scores (0 when the run could not be graded)."""
        if self.status != "graded":
            return 0.0
        return round(sum(float(t["score"]) for t in self.tests), 3)


def weights(
    exercises: list[registry.Exercise], path: Path = ROOT / "pyproject.toml"
) -> dict[str, float]:
    """[tool.kata.grading] weights = {ex01 = 20, ...} in pyproject.toml; 20 each by default."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    table = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    given = table.get("tool", {}).get("kata", {}).get("grading", {}).get("weights", {})
    return {e.module: float(given.get(e.marker, DEFAULT_WEIGHT)) for e in exercises}


def files_of(folder: Path, exercises: list[registry.Exercise]) -> tuple[dict[str, Path], list[str]]:
    """The student's exercise files (folder or folder/exercises) and the names ignored.

    Links are not followed: a link, or anything but a regular file, is ignored and named so.
    """
    wanted = {f"{e.module}.py" for e in exercises}
    found: dict[str, Path] = {}
    ignored: list[str] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(top, d))]):
            path = Path(top) / name
            relative = path.relative_to(folder)
            if path.is_symlink() or not path.is_file():
                ignored.append(f"{relative.as_posix()} (a link or special file, not read)")
                continue
            inside = relative.parts[:-1] in ((), ("exercises",))
            if inside and path.name in wanted and path.name[:-3] not in found:
                found[path.name[:-3]] = path
            else:
                ignored.append(relative.as_posix())
    return found, ignored


def child_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KATA_"))}
    env.update({name: "1" for name in THREADS})
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def _child_setup() -> None:
    """In the child pytest, before it runs: a session of its own (killed whole)."""
    os.setsid()


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def subject_uids(users: str | None) -> list[int]:
    """As root, the uids the students' code runs as, one per worker: --grade-user's users
    (NAME[,NAME...]), else sandbox.SUBJECT_UID and the uids after it, which no account owns."""
    if not users:
        return [sandbox.SUBJECT_UID + slot for slot in range(64)]
    import pwd

    found = []
    for name in users.split(","):
        try:
            found.append(pwd.getpwnam(name.strip()).pw_uid)
        except KeyError:
            raise pytest.UsageError(f"--user {name.strip()}: no such user.") from None
    if len(set(found)) != len(found):
        raise pytest.UsageError("--user: each worker needs a user of its own.")
    return found


def subject_uid(uids: list[int], slot: int) -> int | None:
    """As root: the uid the student's code runs as in worker `slot`, if that uid can run this
    Python (None: it cannot, and the code runs as root, which the run's header says)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    uid = uids[slot]
    return uid if sandbox.usable(uid) else None


def run_exercise(
    base: Path, work: Path, exercise: registry.Exercise, file: Path, options: ChildOptions
) -> tuple[str, str, list[Json], str]:
    """Run one student's exercise in a child: (status, cause, streamed records, its output)."""
    shutil.copytree(base, work)
    (work / "exercises" / f"{exercise.module}.py").write_bytes(sandbox.read_regular(file))
    stream = work / "grade-stream.jsonl"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-m",
        exercise.marker,
        f"--kata-grade-stream={stream}",
        f"--call-limit={options['call_limit']}",
        f"--test-limit={options['test_limit']}",
        f"--kata-subject-memory={options['memory']}",
        *([f"--kata-subject-user={options['uid']}"] if options.get("uid") is not None else []),
        f"tests/{exercise.test_file}",
    ]
    process = subprocess.Popen(
        command,
        cwd=work,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_child_setup,
    )
    output: list[bytes] = []
    stdout = process.stdout
    assert stdout is not None  # stdout=PIPE
    reader = threading.Thread(target=lambda: output.append(stdout.read()), daemon=True)
    reader.start()
    status, cause, start = "graded", "", time.monotonic()
    while process.poll() is None:
        if time.monotonic() - start > options["exercise_limit"]:
            _kill(process)
            status = "timed out"
            cause = f"the run did not finish within {options['exercise_limit']:g} s; killed"
        time.sleep(0.1)
    _kill(process)  # whatever it left behind, before anything is read
    uid = options.get("uid")
    if uid is not None:
        sandbox.kill_user(uid)
    reader.join(timeout=5)
    stdout.close()
    text = b"".join(output).decode("utf-8", "replace")
    records = []
    if stream.is_file():
        for line in stream.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return status, cause, records, text


def score(result: Result, status: str, cause: str, records: list[Json], output: str) -> Result:
    end = next((r for r in records if r.get("end")), None)
    tests = [r for r in records if "status" in r]
    result.table = _table(output)
    if status != "graded":
        result.status, result.cause = status, cause
    elif end is None:
        result.status = "no record"
        result.cause = "the run ended without its end-of-run record (the process died)"
    worths = _worths(result, end, tests)
    for r in tests:
        passed = r["status"] == "passed"
        worth = worths.get(r["test"], 0.0)
        result.tests.append(
            {
                "name": r["test"].split("::", 1)[-1],
                "score": worth if passed else 0.0,
                "max_score": worth,
                "status": "passed" if passed else "failed",
                "output": "" if passed else _why(r),
            }
        )
    return result


def _worths(result: Result, end: Json | None, tests: list[Json]) -> dict[str, float]:
    """Each test's points: the exercise's weight shared among its functions as the registry
    says, each function's share split evenly among its tests (those that did not run too),
    in thousandths of a point so that they add up exactly. Without the run's plan (it died
    before its end), the weight is split evenly among the tests that reported."""
    plan = (end or {}).get("plan") or [{"test": r["test"], "owner": ""} for r in tests]
    shares = result.exercise.shares
    owners: dict[str, list[str]] = {}
    for row in plan:
        owner = row["owner"] if row["owner"] in shares else ""
        owners.setdefault(owner, []).append(row["test"])
    total = sum(shares.get(owner, 0) for owner in owners) if "" not in owners else 0
    thousandths = round(result.weight * 1000)
    worths, given = {}, 0
    for i, (owner, names) in enumerate(owners.items()):
        last = i == len(owners) - 1
        part = (
            thousandths * shares[owner] // total if total else thousandths * len(names) // len(plan)
        )
        part = thousandths - given if last else part
        given += part
        base, extra = divmod(part, len(names))
        for j, name in enumerate(names):
            worths[name] = (base + (j < extra)) / 1000
    return worths


def _why(record: Json) -> str:
    """The kata's own message for a test that did not pass."""
    function = record.get("function") or "a function"
    if record["status"] == "blocked":
        return f"blocked: fix {function} first (it failed in an earlier test)"
    if record["status"] == "not started":
        return f"not started: write {function}()"
    return str(record.get("message") or record["status"])


def points(value: float) -> str:
    """A score as the gradebook writes it: three decimals at most."""
    return f"{round(value, 3):g}"


SUMMARY = re.compile(r"^=*\s*(\d+ \w+(, \d+ \w+)*|no tests ran) in [\d.]+s")


def _table(output: str) -> str:
    """The progress table from the child's output, without pytest's summary (its timing)."""
    lines = output.splitlines()
    # The last one: the kata prints its table after every captured output (a student's print
    # of a fake table comes before it).
    start = next((i for i in reversed(range(len(lines))) if "kata progress" in lines[i]), None)
    if start is None:
        return ""
    end = next(
        (
            i
            for i in range(start, len(lines))
            if lines[i].startswith("=") or SUMMARY.match(lines[i])
        ),
        len(lines),
    )
    return "\n".join(lines[start:end]).rstrip()


def results_json(results: list[Result], report: str = "") -> Json:
    """Gradescope's results.json: per test name, score, max_score, status, output; the
    student's report (the table, ignored files, given code changed) as the top-level output."""
    tests: list[Json] = []
    for r in results:
        if r.status != "graded" or not r.tests:
            tests.append(
                {
                    "name": f"{r.exercise.module}: {r.status}",
                    "score": 0.0,
                    "max_score": r.weight,
                    "status": "failed",
                    "output": r.cause or r.status,
                }
            )
            continue
        for t in r.tests:
            tests.append({**t, "name": f"{r.exercise.module}: {t['name']}"})
    for t in tests:
        t.update(output_format="text", visibility="visible")
    return {
        "score": round(sum(float(t["score"]) for t in tests), 3),
        "output": report,
        "output_format": "text",
        "visibility": "visible",
        "tests": tests,
    }


@dataclass
class Options:
    """A grading run's settings: `python -m tests.kata grade SUBMISSIONS --out OUT ...`."""

    submissions: Path
    out: Path
    exercises: str | None = None  # ex01,ex03: only these
    workers: int | None = None  # children at a time (default: by cores and free memory)
    limit: float = EXERCISE_LIMIT  # seconds for one student's exercise
    memory: float = sandbox.MEMORY / 1024**3  # GiB one child may use
    user: str | None = None  # as root: the students' code runs as these users
    call_limit: float = contain.Limits.call
    test_limit: float = contain.Limits.test


def options_of(config: pytest.Config) -> Options:
    """The old pytest options (--grade SUBMISSIONS --grade-out OUT ...) as Options."""
    for option, name in (("markexpr", "-m"), ("keyword", "-k")):
        if getattr(config.option, option, ""):
            raise pytest.UsageError(f"grading runs every test of each exercise: drop {name}.")
    if config.getoption("--solutions"):
        raise pytest.UsageError("grading grades submissions: drop --solutions.")
    if not config.getoption("--grade-out"):
        raise pytest.UsageError("--grade SUBMISSIONS needs --grade-out OUT.")
    defaults = Options(Path(), Path())
    return Options(
        submissions=Path(config.getoption("--grade")),
        out=Path(config.getoption("--grade-out")),
        exercises=config.getoption("--exercises"),
        workers=config.getoption("--grade-workers"),
        limit=config.getoption("--grade-limit") or defaults.limit,
        memory=config.getoption("--grade-memory") or defaults.memory,
        user=config.getoption("--grade-user"),
        call_limit=config.getoption("--call-limit") or defaults.call_limit,
        test_limit=config.getoption("--test-limit") or defaults.test_limit,
    )


def grade(run: Options) -> int:
    """Grade every student folder of SUBMISSIONS into OUT; 0 when grading finished."""
    if sys.platform == "win32":
        raise pytest.UsageError(
            "grading needs process groups and memory limits that Windows does not give: grade in"
            " WSL, or build a Gradescope autograder, whose containers isolate each submission."
        )
    if os.environ.get("KATA_IMPL"):
        raise pytest.UsageError("grading grades submissions: unset KATA_IMPL.")
    submissions = run.submissions.resolve()
    out = run.out.resolve()
    if not submissions.is_dir():
        raise pytest.UsageError(f"{run.submissions}: no such folder of submissions.")
    exercises = handout.choose(run.exercises)
    options: ChildLimits = {
        "call_limit": float(run.call_limit),
        "test_limit": float(run.test_limit),
        "exercise_limit": float(run.limit),
        "memory": int(float(run.memory) * 1024**3),
    }
    user = run.user
    if user and os.geteuid() != 0:
        raise pytest.UsageError("--user runs the students' code as that user: it needs root.")
    uids = subject_uids(user)
    markers = [e.marker for e in exercises]
    columns = ["student", *markers, "total", *(f"{m} status" for m in markers)]
    _earlier_rows(out, columns, set())  # an output of other exercises: refused before grading
    students = sorted(p for p in submissions.iterdir() if p.is_dir())
    workers = run.workers or default_workers(int(options["memory"]))
    workers = max(1, min(workers, len(uids)))  # a uid of its own for each worker
    slots: queue.SimpleQueue[int] = queue.SimpleQueue()
    for slot in range(workers):
        slots.put(slot)
    if os.geteuid() == 0 and subject_uid(uids, 0) is None:
        sys.stderr.write(
            f"grading as root: uid {uids[0]} cannot run {sys.executable}, so the students'"
            " code runs as root. Install the kata's Python where every user can read it (a"
            " virtual environment made from the system's python3, outside /root).\n"
        )
    points = weights(exercises)
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as tmp:
        base = Path(tmp) / "handout"
        handout.build(base, exercises)
        jobs = [(s, e) for s in students for e in exercises]
        done = [0]
        lock = threading.Lock()

        def job(student: Path, exercise: registry.Exercise) -> Result:
            result = Result(exercise, points[exercise.module])
            found, _ = files_of(student, exercises)
            if exercise.module not in found:
                result.status, result.cause = "not handed in", f"no {exercise.module}.py"
            else:
                work = Path(tmp) / "work" / student.name / exercise.module
                slot = slots.get()
                try:
                    mine: ChildOptions = {**options, "uid": subject_uid(uids, slot)}
                    result = score(
                        result, *run_exercise(base, work, exercise, found[exercise.module], mine)
                    )
                except OSError as exc:  # the file could not be read as a regular file
                    result.status, result.cause = "unreadable", str(exc)
                finally:
                    slots.put(slot)
                shutil.rmtree(work, ignore_errors=True)
            with lock:
                done[0] += 1
                bar = "#" * (30 * done[0] // len(jobs))
                sys.stderr.write(f"\rgrading [{bar:<30}] {done[0]}/{len(jobs)}")
                sys.stderr.flush()
            return result

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {(s.name, e.module): pool.submit(job, s, e) for s, e in jobs}
            graded = {key: f.result() for key, f in futures.items()}
        sys.stderr.write("\n")
    write_out(out, students, exercises, graded)
    print(f"graded {len(students)} students, {len(exercises)} exercises: {out / 'gradebook.csv'}")
    return 0


def default_workers(memory: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        free = memory
    return max(1, min(cores or 1, free // memory))


def write_out(
    out: Path,
    students: list[Path],
    exercises: list[registry.Exercise],
    graded: dict[tuple[str, str], Result],
) -> None:
    """gradebook.csv and, per student, results.json and report.txt; renamed into place.

    Students already in OUT and not graded now keep their rows and folders.
    """
    staging = out.with_name(out.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    markers = [e.marker for e in exercises]
    header = ["student", *markers, "total", *(f"{m} status" for m in markers)]
    rows = _earlier_rows(out, header, {s.name for s in students})
    for student in students:
        results = [graded[student.name, e.module] for e in exercises]
        total = points(sum(r.score for r in results))
        rows[student.name] = [
            student.name,
            *(points(r.score) for r in results),
            total,
            *(r.status for r in results),
        ]
        folder = staging / student.name
        folder.mkdir()
        _, ignored = files_of(student, exercises)
        report = [f"{student.name}: {total} points"]
        for r in results:
            report.append(
                f"\n{r.exercise.module}: {r.score:g} of {r.weight:g} ({r.status}"
                + (f": {r.cause}" if r.cause else "")
                + ")"
            )
            if r.table:
                report.append(r.table)
        if ignored:
            report.append(
                "\nignored (only exercises/exNN_*.py files are graded): " + ", ".join(ignored)
            )
        text = "\n".join(report) + "\n"
        (folder / "report.txt").write_text(text, encoding="utf-8")
        (folder / "results.json").write_text(
            json.dumps(results_json(results, text), indent=1) + "\n", encoding="utf-8"
        )
    for name in rows:
        kept = out / name
        if not (staging / name).exists() and kept.is_dir():
            shutil.copytree(kept, staging / name)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(header)
    for name in sorted(rows):
        writer.writerow(rows[name])
    (staging / "gradebook.csv").write_text(table.getvalue(), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)


def _earlier_rows(out: Path, header: list[str], now: set[str]) -> dict[str, list[str]]:
    """The rows of OUT's gradebook for students not graded now (same columns only)."""
    path = out / "gradebook.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        found = list(csv.reader(f))
    if not found or found[0] != header:
        raise pytest.UsageError(
            f"{out}: its gradebook has other exercises ({', '.join(found[0][1:])});"
            " grade into a new folder, or grade the same exercises."
        )
    return {row[0]: row for row in found[1:] if row and row[0] not in now}
