"""Each exercise's number of tests, counted once from a full collection and kept in the cache.

The table's totals come from every test of an exercise, not from the run's selection, so
`pytest -m ex02 -k backward` can say "3 of 20 ran". A run that collects a whole test file
counts it; a partial run with nothing cached counts the file once in a child pytest.
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.kata import environ, registry

SHARED = Path(__file__).resolve().parent / "suites.py"  # tests every exercise inherits


def _key(path: Path, mode: str) -> str:
    digest = hashlib.sha1(mode.encode())
    for part in (path, SHARED):
        with contextlib.suppress(OSError):
            digest.update(part.read_bytes())
    return digest.hexdigest()


class Totals:
    def __init__(self, config: pytest.Config, mode: str):
        self.config = config
        self.mode = mode  # "student" or "solutions": given tests count only in the second
        self.cache: pytest.Cache | None = getattr(config, "cache", None)
        self.known: dict[str, list[str | int]] = (
            dict(self.cache.get("kata/totals", {})) if self.cache else {}
        )
        self.files: dict[str, Path] = {}

    def observe(self, items: list[pytest.Item], counted: Callable[[pytest.Item], bool]) -> None:
        """Count the exercises whose test files were collected whole (before any deselection)."""
        partial_files = {
            Path(arg.split("::")[0]).resolve() for arg in self.config.args if "::" in arg
        }
        lastfailed = self.config.getoption("lf", False) or self.config.getoption(
            "failedfirst", False
        )
        counts: dict[str, int] = {}
        for item in items:
            record = registry.of_test_file(item.path.name)
            if record is None:
                continue
            self.files[record.module] = item.path
            if counted(item):
                counts[record.module] = counts.get(record.module, 0) + 1
            else:
                counts.setdefault(record.module, 0)
        if lastfailed:
            return
        for exercise, n in counts.items():
            path = self.files[exercise]
            if path.resolve() not in partial_files:
                self.known[exercise] = [_key(path, self.mode), n]

    def get(self, exercise: str) -> int:
        path = self.files.get(exercise)
        if path is None:
            return 0
        found = self.known.get(exercise)
        if found is None or found[0] != _key(path, self.mode):
            self.known[exercise] = [_key(path, self.mode), self._count(path)]
        return int(self.known[exercise][1])

    def save(self) -> None:
        if self.cache is not None:
            self.cache.set("kata/totals", self.known)

    def _count(self, path: Path) -> int:
        """Collect one test file in a child pytest: its tests, the given ones aside."""
        env = environ.clean("KATA_IMPL")
        command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]
        command += ["-p", "no:randomly", "-m", "not given", str(path)]
        if self.mode == "solutions":
            command.append("--solutions")
        done = subprocess.run(
            command, cwd=self.config.rootpath, env=env, capture_output=True, text=True, check=False
        )
        return sum(1 for line in done.stdout.splitlines() if "::" in line)
