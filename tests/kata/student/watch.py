"""pytest --watch: run the student's pytest again each time a file of exercises/ changes.

Like rustlings' watch mode. Each run is a fresh pytest process with the student's own
arguments (minus --watch), so every run imports the student's modules anew. The screen
shows the first failure, with what its test printed, and the progress table. A change
made while a run is going lets that run finish, then starts the next one.

Polling with the standard library: every POLL seconds the path, size, modification time
and inode of each .py file. An editor's rename-on-save gives the file a new inode (and
usually a new time); an added or deleted file changes the set of paths. After a change,
the next run waits until a burst of saves has settled: two looks SETTLE seconds apart agree.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TextIO

import pytest

from tests.kata.paths import ROOT
from tests.kata.runtime import subject

POLL = 0.5  # seconds between two looks at the files
SETTLE = 0.3  # seconds the files must stay as they are before a run
PRINTED = 20  # lines shown of what the failing test printed
STOP = 5  # seconds a run has to end after Ctrl-C before it is killed
TAIL = 40  # lines shown of pytest's output when it stopped before the table
ANSI = re.compile(r"\x1b\[[0-9;]*m")

Snapshot = dict[str, tuple[int, int, int]]  # path -> (size, mtime in ns, inode)


# --- the files -----------------------------------------------------------------------------
def snapshot(folder: Path) -> Snapshot:
    """Every .py file under folder, by its path relative to folder."""
    found = {}
    for path in folder.rglob("*.py"):
        try:
            st = path.stat()
        except OSError:  # deleted while we looked, or a dangling link (an editor's lock)
            continue
        found[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """The paths added, deleted or changed between two snapshots, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def wait_for_change(
    folder: Path, seen: Snapshot, sleep: Callable[[float], None] = time.sleep
) -> Snapshot:
    """Look every POLL seconds until the files differ from `seen`; the new snapshot."""
    while True:
        sleep(POLL)
        now = snapshot(folder)
        if now != seen:
            return now


def settle(folder: Path, seen: Snapshot, sleep: Callable[[float], None] = time.sleep) -> Snapshot:
    """Wait until two snapshots SETTLE seconds apart agree (a burst of saves is over)."""
    while True:
        sleep(SETTLE)
        now = snapshot(folder)
        if now == seen:
            return now
        seen = now


# --- one run -------------------------------------------------------------------------------
def without_watch(args: Iterable[str]) -> list[str]:
    return [a for a in args if a != "--watch"]


def child_env(environ: Mapping[str, str], stdout: TextIO, columns: int) -> dict[str, str]:
    """The child's environment: it prints as this terminal would show it."""
    env = dict(environ)
    addopts = shlex.split(env.get("PYTEST_ADDOPTS", ""))
    if "--watch" in addopts:  # a watcher's run is no watcher
        env["PYTEST_ADDOPTS"] = shlex.join(without_watch(addopts))
    env["PYTHONIOENCODING"] = f"{stdout.encoding or 'utf-8'}:replace"
    env["COLUMNS"] = str(columns)
    if stdout.isatty() and env.get("TERM") != "dumb" and not {"PY_COLORS", "NO_COLOR"} & set(env):
        env["PY_COLORS"] = "1"  # pytest's colors, though the child writes into a pipe
    return env


def run_once(args: list[str], env: dict[str, str]) -> str:
    """pytest with args in the kata's root, in a fresh process; what it printed.

    In the kata's order (not pytest-randomly's), so the first failure is the table's."""
    encoding = env["PYTHONIOENCODING"].split(":")[0]
    # POSIX: a session of its own, so a Ctrl-C in the terminal reaches the watcher only and
    # the watcher passes it on once (_stop). Windows sends Ctrl-C to both; the run ends itself.
    own_session = os.name != "nt"
    with subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        encoding=encoding,
        errors="replace",
        start_new_session=own_session,
    ) as process:
        try:
            return process.communicate()[0]
        finally:
            if process.poll() is None:  # Ctrl-C: the run stops too
                _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    """End a run as Ctrl-C does, so pytest closes it cleanly; kill it if it has not in STOP s."""
    if os.name != "nt":
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- what the student sees -----------------------------------------------------------------
def screen(output: str) -> list[str]:
    """The first failure and the progress table out of pytest's output (its end if no table)."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if " kata progress: " in _plain(line)), None)
    if start is None:  # pytest stopped before the table: a usage error, nothing collected
        return lines[-TAIL:]
    end = start + 1
    while end < len(lines) and not _plain(lines[end]).startswith(("=", "!")):
        end += 1
    summary = [line for line in lines[end:] if _plain(line).startswith("=")][-1:]
    return [*first_failure(lines[:start]), *lines[start:end], *summary]


def first_failure(lines: list[str]) -> list[str]:
    """The first test's section of pytest's ERRORS or FAILURES, what it printed clipped."""
    start = next((i for i, line in enumerate(lines) if _is_head(line)), None)
    if start is None:
        return []
    end = start + 1
    while end < len(lines) and not _is_head(lines[end]) and not _plain(lines[end]).startswith("="):
        end += 1
    shown, printed = [], None  # printed: lines of the current "Captured ..." part so far
    for line in lines[start:end]:
        if _plain(line).startswith("-") and " Captured " in line:
            shown += _more(printed)
            printed = 0
        elif printed is not None:
            printed += 1
            if printed > PRINTED:
                continue
        shown.append(line)
    return [*shown, *_more(printed), ""]


def _plain(line: str) -> str:
    return ANSI.sub("", line)


def _is_head(line: str) -> bool:
    """A test's section title, "____ TestX.test_y ____" (not a traceback's "_ _ _ _")."""
    plain = _plain(line)
    return plain.startswith("_") and plain.endswith("_") and bool(plain.strip("_ "))


def _more(printed: int | None) -> list[str]:
    hidden = (printed or 0) - PRINTED
    return [f"... and {hidden} more line{'s' * (hidden != 1)}"] if hidden > 0 else []


def show(lines: list[str], tty: bool) -> None:
    """Clear the terminal (not a file or a pipe), then print lines."""
    if tty and os.name == "nt":
        os.system("cls")
    elif tty:
        print("\x1b[2J\x1b[H", end="")
    print("\n".join(lines), flush=True)


# --- the loop ------------------------------------------------------------------------------
def watch(config: pytest.Config, folder: Path) -> None:
    """Run, show, wait for a change, again, until Ctrl-C."""
    args = without_watch(config.invocation_params.args)
    command = " ".join(["pytest", *args])
    where = subject.where(folder)
    tty = sys.stdout.isatty()
    seen, why = snapshot(folder), "first run"
    try:
        while True:
            show([f"Running  {command}  ({why}) ..."], tty)
            columns = shutil.get_terminal_size().columns
            output = run_once(args, child_env(os.environ, sys.stdout, columns))
            show([*screen(output), f"Watching {where}/ for changes. Ctrl-C to stop."], tty)
            now = settle(folder, wait_for_change(folder, seen))
            names = [f"{where}/{p}" for p in changed(seen, now)]
            more = " and more" if len(names) > 3 else ""
            why = f"{', '.join(names[:3]) or 'a file'}{more} changed"
            seen = now
    except KeyboardInterrupt:
        print()
