"""How long the student's loop takes: the README's speed table, measured here.

    python -m tests.kata timing [--runs RUNS] [--out FILE]

Runs each command RUNS times (default 5) on a copy of the kata with pristine exercises/
(and once more with every exercise solved), and prints the medians as a markdown table,
with the untouched run's time over collection's.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.kata import environ
from tests.kata.paths import ROOT

COMMANDS = (
    ("pytest --co", "collecting the tests (nothing runs)", "pristine"),
    ("pytest", "the untouched kata: every exercise, student mode", "pristine"),
    ("pytest -m ex02", "one exercise, untouched", "pristine"),
    ("pytest -m ex02", "one exercise, solved (two 10 000-step document runs)", "solved"),
    ("pytest -m ex01", "the slowest, solved (its main() trains on AND, OR and XOR)", "solved"),
    ("pytest", "every exercise, solved", "solved"),
    ("pytest --solutions", "the instructor's run, with the kata's own checks", "pristine"),
)


def copy_kata(target: Path, solved: bool) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks", "mutants")
    for name in ("exercises", "solutions", "tests"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)
    if solved:
        for path in (ROOT / "solutions").glob("ex*.py"):
            shutil.copy(path, target / "exercises" / path.name)
    return target


def seconds(kata: Path, command: str) -> float:
    env = environ.clean()
    args = [sys.executable, "-m", *command.split(), "-q", "-p", "no:randomly"]
    start = time.perf_counter()
    subprocess.run(args, cwd=kata, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main(runs: int = 5, out: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        katas = {
            "pristine": copy_kata(Path(tmp) / "pristine", solved=False),
            "solved": copy_kata(Path(tmp) / "solved", solved=True),
        }
        medians = []
        for command, what, kata in COMMANDS:
            seconds(katas[kata], command)  # warm the caches
            times = [seconds(katas[kata], command) for _ in range(runs)]
            medians.append((command, what, kata, statistics.median(times)))
    lines = ["| command | what | time |", "|---|---|---|"]
    lines += [f"| `{command}` | {what} | {median:.2f} s |" for command, what, _, median in medians]
    co, untouched = medians[0][3], medians[1][3]
    lines += ["", f"untouched run ÷ collection: {untouched / co:.2f}×"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if out is not None:
        out.write_text(
            f"<!-- written by: python -m tests.kata timing --runs {runs} --out ... -->\n" + text,
            encoding="utf-8",
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
