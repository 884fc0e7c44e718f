"""python -m tests.kata new exNN_name: the skeletons of a new network's three files.

A network is three files: its solution (solutions/exNN_name.py, the single source of the
exercise and the pristine stub), its tests (tests/test_exNN_name.py) and its record in
tests/kata/registry.toml. This writes all three from tests/kata/maintainer/skeleton/: a
working linear layer with its tests and hints, which passes every check as it is. Make it
your network, then regenerate.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

import pytest

from tests.kata import registry
from tests.kata.paths import SOLUTIONS, TESTS

SKELETON = Path(__file__).resolve().parent / "skeleton"
NAME = re.compile(r"ex(?P<number>\d\d)_[a-z][a-z0-9_]*")
NEXT = """next:
  1. make the three files your network (its math, functions, tests and hints);
  2. python -m tests.kata generate                  writes exercises/ and the pristine stub
  3. python -m tests.kata generate --transcripts    records what its main() prints
  4. pytest --solutions -m {marker:<30}every check of it passes
  5. python -m tests.kata generate --golden         the table's golden files gain its row
  6. pytest --solutions --slow                      the kata's own checks, the new network too"""


def targets(name: str) -> dict[str, Path]:
    return {
        "solution": SOLUTIONS / f"{name}.py",
        "test": TESTS / f"test_{name}.py",
        "record": registry.RECORDS,
    }


def write(name: str) -> list[Path]:
    """Write the three skeletons for `name`; refuse a name or number the kata has."""
    if not NAME.fullmatch(name):
        raise pytest.UsageError(
            f"{name!r}: name a new network exNN_name, two digits and a lowercase name"
            " (ex06_leaky_relu)"
        )
    marker = name[:4]
    for record in registry.load():
        if record.marker == marker:
            raise pytest.UsageError(
                f"{marker} is {record.module} already; the next free number is"
                f" ex{max(int(r.marker[2:]) for r in registry.load()) + 1:02d}"
            )
    paths = targets(name)
    for what in ("solution", "test"):
        if paths[what].exists():
            raise pytest.UsageError(f"{paths[what]} exists: choose another name")
    words = name[5:].replace("_", " ")
    values = {"module": name, "marker": marker, "title": f"{words}: a linear layer fits a line"}
    for what, template in (("solution", "solution.py.tmpl"), ("test", "test.py.tmpl")):
        text = Template((SKELETON / template).read_text(encoding="utf-8")).substitute(values)
        paths[what].write_text(text, encoding="utf-8", newline="\n")
    entry = Template((SKELETON / "record.toml.tmpl").read_text(encoding="utf-8"))
    with paths["record"].open("a", encoding="utf-8", newline="\n") as f:
        f.write(entry.substitute(values))
    return [paths["solution"], paths["test"], paths["record"]]


def next_steps(name: str) -> str:
    return NEXT.format(marker=name[:4])
