"""Known mistakes, recognised by their values.

The catalogue of wrong answers (tests/kata/checks/catalogue.py) is the one home of each
mistake: its code, its name and what to tell the student. `python -m tests.kata generate
--fingerprints` runs the tests on each mistake that has something to say and keeps, for every
check it fails, the values it gave there: its fingerprint, in fingerprints.json. When a
student's values at a check are a mistake's values, the failure names that mistake.

A fingerprint only ever names a failure: every check that holds one fails or passes on the
right answer alone (and beside each stored answer a test also checks a point it draws), so
the file holds wrong numbers and no answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

PATH = Path(__file__).with_name("fingerprints.json")
RECORD = "KATA_RECORD_FINGERPRINTS"  # a file to append this run's failed values to, one per line
MAX_VALUES = 256  # larger checks (hundreds of rows) keep no fingerprint

About = tuple[str | None, str | None]  # the running test's exercise and the function it is about


@functools.cache
def _known() -> tuple[dict[str, str], dict[str, list[Any]], dict[str, str]]:
    """The file's mistakes (id: what to say), checks (key: [[id, shape, values], ...]) and
    each mistake's function (id: the one function its change is in)."""
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}, {}
    return data.get("mistakes", {}), data.get("checks", {}), data.get("functions", {})


def point(*values: np.ndarray | dict[str, np.ndarray]) -> str:
    """A short name for a check's inputs (arrays, or dicts of them): equal inputs, equal name."""
    digest = hashlib.sha256()
    for value in values:
        items = sorted(value.items()) if isinstance(value, dict) else [("", value)]
        for key, array in items:
            array = np.ascontiguousarray(array, dtype=np.float64)
            digest.update(f"{key}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()[:12]


def _record(check: str, values: np.ndarray) -> None:
    line = {"check": check, "shape": list(values.shape), "values": values.ravel().tolist()}
    with open(os.environ[RECORD], "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _usable(values: object) -> np.ndarray | None:
    array = np.asarray(values, dtype=np.float64)
    if array.size > MAX_VALUES or not np.all(np.isfinite(array)):
        return None
    return array


def _matching(check: str, values: np.ndarray) -> list[str]:
    """The mistakes whose values at `check` are these, in the file's order."""
    found = []
    for mistake, shape, stored in _known()[1].get(check, []):
        same = list(values.shape) == shape and np.allclose(
            values.ravel(), np.asarray(stored, dtype=np.float64), rtol=1e-9, atol=1e-14
        )
        if same and mistake not in found:
            found.append(mistake)
    return found


def name(check: str, values: object, about: About = (None, None)) -> str | None:
    """What the known mistakes whose values at `check` equal these say, or None.

    While the generator records (the RECORD variable set), it notes the values instead."""
    return name_all({check: values}, (), about)


def name_all(
    wrong: dict[str, object], right: tuple[str, ...] = (), about: About = (None, None)
) -> str | None:
    """The known mistakes that give these values at every check in `wrong` and fail none of
    the checks in `right` (a mistake that also breaks what the student got right is not the
    student's): what they say, or None.

    `about`: the running test's exercise (each check is the exercise's own) and the function
    the test is about: a mistake in another function would have failed that function's own
    tests first, and blocked this one, so it is not this failure's cause."""
    exercise, function = about
    wrong = {f"{exercise}: {check}": values for check, values in wrong.items()}
    right = tuple(f"{exercise}: {check}" for check in right)
    usable = {check: _usable(values) for check, values in wrong.items()}
    if os.environ.get(RECORD):
        for check, values in usable.items():
            if values is not None:
                _record(check, values)
        return None
    kept: dict[str, np.ndarray] = {c: v for c, v in usable.items() if v is not None}
    if not kept:
        return None
    mistakes, checks, functions = _known()
    candidates = None
    for check, values in kept.items():
        found = _matching(check, values)
        candidates = found if candidates is None else [m for m in candidates if m in found]
    elsewhere = {entry[0] for check in right for entry in checks.get(check, [])}
    hits = []
    for mistake in candidates or []:
        says = mistakes.get(mistake)
        theirs = functions.get(mistake)
        elsewhere_function = theirs and function not in (None, "network", theirs)
        if mistake not in elsewhere and not elsewhere_function and says and says not in hits:
            hits.append(says)
    if not hits:
        return None
    if len(hits) == 1:
        return f"This is a known mistake: {hits[0]}"
    return "It is one of these known mistakes, which give the same values here:\n" + "\n".join(
        f"  - {says}" for says in hits
    )
