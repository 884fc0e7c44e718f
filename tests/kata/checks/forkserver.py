"""A fork server for the catalogue: pytest and numpy imported once, each answer's run a fork.

The catalogue runs the exercise's tests once per answer, each in a pytest of its own, as a
student runs them. Most of such a run's time in pytest's own process is starting Python and
importing pytest and numpy; this server does that once, then forks a child per request. The
child is a fresh pytest from there on: it takes the request's folder, environment and
arguments, writes its output to the request's file and exits with pytest's code. The kata
itself (its conftest, its plugin, the tests) is imported in the child, as in any run.

    python -m tests.kata.checks.forkserver      (started by test_catalogue.py, POSIX only)

Requests and answers are JSON lines: {"cwd", "env", "argv", "out"} in; {"pid"} when the
child starts, then {"code"} when it ends.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _child(request: dict[str, Any]) -> None:
    import pytest

    code = 70
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        code = int(pytest.main(request["argv"]))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def serve() -> None:
    import numpy  # noqa: F401  (imported once, here: each child has it)
    import pytest  # noqa: F401
    import pytest_benchmark.plugin  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    serve()
