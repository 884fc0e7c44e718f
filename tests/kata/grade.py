"""pytest --grade SUBMISSIONS --grade-out OUT: grade a class, each student and exercise apart.

SUBMISSIONS holds one folder per student. Only its exNN_*.py files are taken (from the
folder, or from an exercises/ inside it); everything else is listed as ignored. Each
student's exercise runs in a child pytest:

- in a fresh temporary copy of a handout built once per grading run (no solutions/),
  with the kata's own given code and data;
- with PYTEST_ADDOPTS cleared, plugins not autoloaded (a fixed set), BLAS on one thread;
- in its own process group, killed whole at the exercise's limit;
- under a memory limit: RLIMIT_AS on Linux; on macOS the grader polls the child's
  resident memory and kills it above the limit; on Windows grading is refused;
- with gradechild.py streaming each test's outcome, and watching for tampering.

The grader alone writes OUT (under a temporary name, renamed at the end): gradebook.csv,
and per student results.json (Gradescope's format) and report.txt (the progress table).
"""

from __future__ import annotations

import csv
import io
import json
import os
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

import pytest

from tests.kata import handout, registry

ROOT = Path(__file__).resolve().parents[2]
MEMORY = 2 * 1024**3  # bytes a child may use
EXERCISE_LIMIT = 300.0  # seconds for one student's exercise, all its tests
DEFAULT_WEIGHT = 20.0
# Where the kernel cannot limit a child's memory (macOS ignores RLIMIT_AS), the grader polls it.
POLL_MEMORY = sys.platform == "darwin"
THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@dataclass
class Result:
    """One student's one exercise, as the grader scores it."""

    exercise: registry.Exercise
    weight: float
    status: str = "graded"  # graded, not handed in, killed, timed out, tampered, no record
    cause: str = ""
    tests: list[dict] = field(default_factory=list)  # name, score, max_score, status, output
    table: str = ""

    @property
    def score(self) -> float:
        """The sum of the tests' scores (0 when the run could not be graded)."""
        if self.status != "graded":
            return 0.0
        return round(sum(t["score"] for t in self.tests), 3)


def weights(exercises: list[registry.Exercise], path: Path = ROOT / "pyproject.toml") -> dict:
    """[tool.kata.grading] weights = {ex01 = 20, ...} in pyproject.toml; 20 each by default."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    table = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    given = table.get("tool", {}).get("kata", {}).get("grading", {}).get("weights", {})
    return {e.module: float(given.get(e.marker, DEFAULT_WEIGHT)) for e in exercises}


def files_of(folder: Path, exercises: list[registry.Exercise]) -> tuple[dict[str, Path], list[str]]:
    """The student's exercise files (folder or folder/exercises) and the names ignored."""
    wanted = {f"{e.module}.py" for e in exercises}
    found: dict[str, Path] = {}
    ignored: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder)
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


def _child_setup(limit: int | None, user: str | None):
    """In the child, before it runs: its own session, the memory limit, the unprivileged user."""
    ids = None
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        ids = (entry.pw_uid, entry.pw_gid)

    def apply():
        os.setsid()
        if limit is not None:
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ImportError, ValueError, OSError):
                pass
        if ids is not None:
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])

    return apply


def _give(folder: Path, user: str | None) -> None:
    """Hand a child's working copy to the user it runs as (it writes only there)."""
    if not user:
        return
    import pwd

    entry = pwd.getpwnam(user)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    for parent in folder.parents:  # the way there: enter, not list or write
        if parent == Path(tempfile.gettempdir()):
            break
        parent.chmod(parent.stat().st_mode | 0o111)


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes, from ps (macOS has no /proc)."""
    try:
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
        return int(out.stdout.strip() or 0) * 1024
    except (OSError, ValueError):
        return 0


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def run_exercise(
    base: Path, work: Path, exercise: registry.Exercise, file: Path, options: dict
) -> tuple[str, str, list[dict], str]:
    """Run one student's exercise in a child: (status, cause, streamed records, its output)."""
    shutil.copytree(base, work)
    shutil.copyfile(file, work / "exercises" / f"{exercise.module}.py")
    stream = work / "grade-stream.jsonl"
    _give(work, options.get("user"))
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
        f"tests/{exercise.test_file}",
    ]
    process = subprocess.Popen(
        command,
        cwd=work,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_child_setup(
            options["memory"] if sys.platform == "linux" else None, options.get("user")
        ),
    )
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True)
    reader.start()
    status, cause, start = "graded", "", time.monotonic()
    while process.poll() is None:
        if time.monotonic() - start > options["exercise_limit"]:
            _kill(process)
            status = "timed out"
            cause = f"the run did not finish within {options['exercise_limit']:g} s; killed"
        elif POLL_MEMORY and _rss(process.pid) > options["memory"]:
            _kill(process)
            status, cause = "killed", f"used more than {options['memory'] / 1024**3:g} GiB; killed"
        time.sleep(0.1)
    reader.join(timeout=5)
    process.stdout.close()
    text = b"".join(output).decode("utf-8", "replace")
    records = []
    if stream.is_file():
        for line in stream.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return status, cause, records, text


def score(result: Result, status: str, cause: str, records: list[dict], output: str) -> Result:
    end = next((r for r in records if r.get("end")), None)
    tampered = next((r["tampered"] for r in records if r.get("tampered")), None)
    tests = [r for r in records if "status" in r]
    result.table = _table(output)
    if status != "graded":
        result.status, result.cause = status, cause
    elif tampered:
        result.status = "tampered"
        result.cause = f"changed {', '.join(tampered)} while it ran"
    elif end is None:
        result.status = "no record"
        result.cause = "the run ended without its end-of-run record (the process died)"
    total = end["tests"] if end else len(tests)
    # The weight split in thousandths of a point, so the scores add up exactly.
    base, extra = divmod(round(result.weight * 1000), total) if total else (0, 0)
    for i, r in enumerate(tests):
        passed = r["status"] == "passed"
        worth = (base + (i < extra)) / 1000
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


def _why(record: dict) -> str:
    """The kata's own message for a test that did not pass."""
    function = record.get("function") or "a function"
    if record["status"] == "blocked":
        return f"blocked: fix {function} first (it failed in an earlier test)"
    if record["status"] == "not started":
        return f"not started: write {function}()"
    return record.get("message") or record["status"]


def points(value: float) -> str:
    """A score as the gradebook writes it: three decimals at most."""
    return f"{round(value, 3):g}"


def _table(output: str) -> str:
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "kata progress" in line), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("=")), len(lines))
    return "\n".join(lines[start:end])


def results_json(results: list[Result]) -> dict:
    """Gradescope's results.json: per test name, score, max_score, status, output."""
    tests = []
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
    return {"score": round(sum(t["score"] for t in tests), 3), "tests": tests}


def grade(config) -> int:
    """Grade every student folder of SUBMISSIONS into OUT; 0 when grading finished."""
    if sys.platform == "win32":
        raise pytest.UsageError(
            "--grade needs process groups and memory limits that Windows does not give: grade in"
            " WSL, or build a Gradescope autograder, whose containers isolate each submission."
        )
    for option, name in (("markexpr", "-m"), ("keyword", "-k")):
        if getattr(config.option, option, ""):
            raise pytest.UsageError(f"--grade runs every test of each exercise: drop {name}.")
    if config.getoption("--solutions") or os.environ.get("KATA_IMPL"):
        raise pytest.UsageError("--grade grades submissions: drop --solutions and KATA_IMPL.")
    submissions = Path(config.getoption("--grade")).resolve()
    out = Path(config.getoption("--grade-out") or "").resolve()
    if not config.getoption("--grade-out"):
        raise pytest.UsageError("--grade SUBMISSIONS needs --grade-out OUT.")
    if not submissions.is_dir():
        raise pytest.UsageError(f"--grade {submissions}: no such folder.")
    exercises = handout.choose(config.getoption("--exercises"))
    options = {
        "call_limit": float(config.getoption("--call-limit") or 10),
        "test_limit": float(config.getoption("--test-limit") or 60),
        "exercise_limit": float(config.getoption("--grade-limit") or EXERCISE_LIMIT),
        "memory": int(float(config.getoption("--grade-memory") or 2) * 1024**3),
        "user": config.getoption("--grade-user"),
    }
    if options["user"] and os.geteuid() != 0:
        raise pytest.UsageError("--grade-user runs each child as that user: it needs root.")
    students = sorted(p for p in submissions.iterdir() if p.is_dir())
    workers = config.getoption("--grade-workers") or default_workers(options["memory"])
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
                result = score(
                    result, *run_exercise(base, work, exercise, found[exercise.module], options)
                )
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


def write_out(out: Path, students: list[Path], exercises, graded: dict) -> None:
    """gradebook.csv and, per student, results.json and report.txt; renamed into place."""
    staging = out.with_name(out.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    markers = [e.marker for e in exercises]
    writer.writerow(["student", *markers, "total", *(f"{m} status" for m in markers)])
    for student in students:
        results = [graded[student.name, e.module] for e in exercises]
        scores = [points(r.score) for r in results]
        total = points(sum(r.score for r in results))
        writer.writerow([student.name, *scores, total, *(r.status for r in results)])
        folder = staging / student.name
        folder.mkdir()
        (folder / "results.json").write_text(
            json.dumps(results_json(results), indent=1) + "\n", encoding="utf-8"
        )
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
        (folder / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    (staging / "gradebook.csv").write_text(table.getvalue(), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
