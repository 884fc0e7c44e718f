"""The kata proves its tests: every wrong answer of the catalogue is caught, and named.

For each answer of tests/catalogue.py, the reference solution with the answer's lines
replaced is written to a folder of its own, and that exercise's tests run against it in a
pytest of its own, as a student runs them (KATA_IMPL=folder, -x): on POSIX a fork of a
server that imported pytest and numpy once (forkserver.py; KATA_CATALOGUE_FORK=0 starts a
new `python -m pytest` for each instead). A wrong answer must fail, its first failure's
message naming the mistake; a right answer must pass every test.

It takes tens of seconds, so the everyday `pytest` leaves it out:
    pytest --solutions --slow -m catalogue
"""

from __future__ import annotations

import ast
import json
import os
import queue
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest

from tests.kata import environ, registry
from tests.kata.checks import patching
from tests.kata.checks.catalogue import RIGHT, WRONG, Answer
from tests.kata.runtime import fingerprints
from tests.kata.runtime.harness import EXERCISES, ROOT, fail

pytestmark = [pytest.mark.catalogue, pytest.mark.slow, pytest.mark.given]

WORKERS = int(os.environ.get("KATA_CATALOGUE_WORKERS", 0)) or min(4, os.cpu_count() or 1)
TIMEOUT = 120  # seconds for one answer's run; a correct one takes about one

Outcome = dict[str, Any]  # one test in --kata-report's JSON: test, status, message, ...
Run = tuple[int, list[Outcome], str]  # exit code, outcomes in run order, output


class StaleCatalogueError(Exception):
    """The catalogue no longer fits the reference solution."""


def module_of(answer: Answer) -> str:
    return next(name for name in EXERCISES if name.startswith(answer.exercise))


def answer_source(answer: Answer) -> str:
    """The reference solution with the answer's replacements, each old line found once."""
    path = ROOT / "solutions" / f"{module_of(answer)}.py"
    return patched(answer, path.read_text(encoding="utf-8"), path.name)


def patched(answer: Answer, source: str, name: str = "the solution") -> str:
    """source with the answer's changes, each found once by its code (patching.py)."""
    for old, new in answer.replace:
        try:
            source = patching.patch(source, old, new)
        except patching.PatchError as exc:
            raise StaleCatalogueError(
                f"{answer.id}: in solutions/{name}, {exc}: update the catalogue to the solution."
            ) from None
    return source


def mistaken_function(answer: Answer) -> str | None:
    """The one function the student writes that the answer changes; None when it changes
    several (a mistake shared between forward and backward) or only given code. Lines added
    outside every function (a helper of the student's own) serve the function changed."""
    path = ROOT / "solutions" / f"{module_of(answer)}.py"
    source = path.read_text(encoding="utf-8")
    spans = [
        (node.name, node.lineno, node.end_lineno or node.lineno)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    ]
    touched = set()
    for old, _ in answer.replace:
        try:
            start, end = patching.locate(source, old)
        except patching.PatchError:  # code an earlier change of the answer wrote
            continue
        first, last = source.count("\n", 0, start) + 1, source.count("\n", 0, end) + 1
        touched |= {name for name, a, b in spans if a <= first and last <= b}
    record = registry.resolve(answer.exercise)
    writes = record.writes if record else ()
    return touched.pop() if len(touched) == 1 and touched <= set(writes) else None


class ForkServer:
    """A forkserver.py process: each run a fork of one that imported pytest and numpy once."""

    def __init__(self) -> None:
        env = environ.clean("KATA_IMPL", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.kata.checks.forkserver"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.buffer = b""

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 4096)
            if not chunk:
                raise EOFError("the fork server ended")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message

    def run(self, argv: list[str], env: dict[str, str], out: Path) -> int:
        assert self.process.stdin is not None
        request = {"cwd": str(ROOT), "env": env, "argv": argv, "out": str(out)}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        pid = self._line(TIMEOUT)["pid"]
        try:
            return int(self._line(TIMEOUT)["code"])
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            self._line(30)
            raise subprocess.TimeoutExpired(argv, TIMEOUT) from None

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        self.process.wait(timeout=30)


def run_answer(
    answer: Answer,
    folder: Path,
    base: dict[str, str],
    record: str = "",
    server: ForkServer | None = None,
) -> Run:
    """Run the answer's exercise tests against it: (exit code, outcomes in run order, output).
    `base`: the run's environment, taken by the caller before any worker thread starts (pytest
    sets PYTEST_CURRENT_TEST in os.environ as it goes: a thread reading it could see it change).
    With `record` (a file), every test runs, and the values of each failed check go there.
    With a fork server, the run is a fork of it; else a new `python -m pytest`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module_of(answer)}.py").write_text(answer_source(answer), encoding="utf-8")
    report = folder / "report.json"
    env = dict(base)
    env.update(KATA_IMPL=str(folder), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if record:
        env[fingerprints.RECORD] = record
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:hypothesispytest",  # a plugin the kata never uses; it costs half a second a run
        "-q",
        *([] if record else ["-x"]),
        "-m",
        answer.exercise,
        f"--kata-report={report}",
        f"tests/test_{module_of(answer)}.py",
    ]
    if server is not None:
        out = folder / "output.txt"
        code = server.run(command[3:], env, out)
        output = out.read_text(encoding="utf-8", errors="replace") if out.is_file() else ""
    else:
        proc = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
        code, output = proc.returncode, proc.stdout + proc.stderr
    outcomes = json.loads(report.read_text(encoding="utf-8"))["tests"] if report.is_file() else []
    return code, outcomes, output


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Every selected answer's run, started at once on a few workers."""
    selected = [
        cast(Answer, item.callspec.params["answer"])  # pytest types a parameter as object
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is sys.modules[__name__]
        and hasattr(item, "callspec")
        and "runs" in item.fixturenames  # not the checks that only read the answers
    ]
    selected = list({a.id: a for a in selected}.values())
    root = tmp_path_factory.mktemp("catalogue")
    base = environ.clean("KATA_IMPL")  # read here, in pytest's thread: see run_answer
    servers: queue.SimpleQueue[ForkServer | None] = queue.SimpleQueue()
    forking = hasattr(os, "fork") and os.environ.get("KATA_CATALOGUE_FORK", "1") != "0"
    started = [ForkServer() for _ in range(WORKERS)] if forking else []
    idle: Sequence[ForkServer | None] = started or [None] * WORKERS
    for server in idle:
        servers.put(server)

    def run(answer: Answer) -> Run:
        server = servers.get()
        try:
            return run_answer(answer, root / answer.id, base, server=server)
        finally:
            servers.put(server)

    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            yield {a.id: pool.submit(run, a) for a in selected}
            pool.shutdown(cancel_futures=True)
    finally:
        for server in started:
            server.close()


def result(runs: dict[str, Future[Run]], answer: Answer) -> Run:
    try:
        code, outcomes, output = runs[answer.id].result()
    except StaleCatalogueError as exc:
        problem = str(exc)
    else:
        if code not in (0, 1) or not outcomes:
            tail = "\n".join(output.strip().splitlines()[-15:])
            fail(f"{answer.id}: the run did not report (exit code {code}):\n{tail}")
        return code, outcomes, output
    fail(problem)


def counts(outcomes: list[Outcome]) -> str:
    tally: dict[str, int] = {}
    for o in outcomes:
        tally[o["status"]] = tally.get(o["status"], 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))


def short(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


@pytest.mark.parametrize("answer", WRONG, ids=[a.id for a in WRONG])
def test_wrong_answer_is_caught_and_named(runs: dict[str, Future[Run]], answer: Answer) -> None:
    _, outcomes, _ = result(runs, answer)
    failed = [o for o in outcomes if o["status"] == "failed"]
    if not failed:
        fail(f"{answer.id}: a wrong answer, yet no test fails ({counts(outcomes)}).")
    first = failed[0]
    shown = f"first failure, {short(first['test'])}:\n{first['message']}"
    if answer.test and answer.test not in first["test"]:
        fail(f"{answer.id}: the first failure should be in {answer.test}, not here. {shown}")
    words = (*answer.expect, *((answer.says,) if answer.says else ()))
    missing = [word for word in words if word not in first["message"]]
    if missing:
        fail(f"{answer.id}: the first failure does not say {missing}. {shown}")
    blamed = blames(answer, first)
    if blamed:
        fail(f"{answer.id}: the mistake is in {mistaken_function(answer)}, {blamed}. {shown}")


def blames(answer: Answer, first: Outcome) -> str:
    """How the first failure points at a function the answer did not change, or ""."""
    function = mistaken_function(answer)
    if function is None:
        return ""
    record = registry.resolve(answer.exercise)
    assert record is not None, answer.exercise
    owner = first["function"] or record.owner(first["test"], first["stage"])
    if owner not in (function, "network") or (owner == "network" and not answer.test):
        return f"yet the first failure is a test of {owner}"
    other = [f for f in re.findall(r"\bfix (\w+) first", first["message"]) if f != function]
    return f"yet the first failure says to fix {other[0]} first" if other else ""


def test_no_two_answers_are_the_same() -> None:
    """Each answer has an id of its own and a change of its own (lines compared without
    their indentation), so no mistake is counted twice."""
    seen: dict[object, str] = {}  # an id, or an exercise and a change: the answer's id
    for answer in WRONG + RIGHT:
        change = tuple(
            tuple(line.strip() for line in str(text).splitlines())
            for pair in answer.replace
            for text in pair
        )
        for key in (answer.id, (answer.exercise, change)):
            if key in seen:
                fail(f"{answer.id} repeats {seen[key]}")
            seen[key] = answer.id


def test_nine_in_ten_wrong_answers_are_named() -> None:
    """Of the wrong answers, at least 90 % expect their mistake's own words in the first
    failure: a general check's (`expect`) or their own (`says`, by fingerprint). Each one's
    test then checks that the words come."""
    named = [a for a in WRONG if a.expect or a.says]
    share = len(named) / len(WRONG)
    if share < 0.9:
        unnamed = ", ".join(a.id for a in WRONG if not (a.expect or a.says))
        fail(f"{len(named)} of {len(WRONG)} wrong answers ({share:.0%}) are named: {unnamed}")


@pytest.mark.parametrize("answer", RIGHT, ids=[a.id for a in RIGHT])
def test_right_answer_passes_every_test(runs: dict[str, Future[Run]], answer: Answer) -> None:
    code, outcomes, _ = result(runs, answer)
    wrong = [o for o in outcomes if o["status"] != "passed"]
    if wrong or code != 0:
        o = wrong[0] if wrong else {"test": "?", "status": f"exit code {code}", "message": ""}
        fail(
            f"{answer.id}: a right answer, yet {short(o['test'])} {o['status']}"
            f" ({counts(outcomes)}):\n{o['message']}"
        )


def reworded(source: str) -> str:
    """The solution as a maintainer might leave it: every comment reworded, strings in single
    quotes, and every one-line return's value in brackets. Its program is the same."""
    import io
    import tokenize

    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    for token in reversed(tokens):
        if token.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        row, col = token.start
        line = lines[row - 1]
        if token.type == tokenize.COMMENT:
            lines[row - 1] = line[:col] + "# (reworded)" + line[token.end[1] :]
        elif token.type == tokenize.STRING and token.start[0] == token.end[0]:
            text = token.string
            plain = text.startswith('"') and not text.startswith('"""')
            if plain and "'" not in text and "\\" not in text:
                lines[row - 1] = line[:col] + "'" + text[1:-1] + "'" + line[token.end[1] :]
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0].rstrip()
        value = code.strip().removeprefix("return ")
        if code.strip().startswith("return ") and _one_expression(value):
            indent = code[: len(code) - len(code.lstrip())]
            lines[i] = f"{indent}return ({value}){line[len(code) :]}"
    return "".join(lines)


def _one_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("answer", [pytest.param(a, id=a.id) for a in WRONG + RIGHT])
def test_an_answer_fits_a_reworded_solution(answer: Answer) -> None:
    """The catalogue patches code, not text: the same answer on a solution whose comments,
    quotes and brackets changed is the same program."""
    path = ROOT / "solutions" / f"{module_of(answer)}.py"
    source = path.read_text(encoding="utf-8")
    mine = patched(answer, reworded(source), path.name)
    assert ast.dump(ast.parse(mine)) == ast.dump(ast.parse(patched(answer, source, path.name)))
