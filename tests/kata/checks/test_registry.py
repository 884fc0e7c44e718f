"""The kata checks itself: the registry is complete, and the generated files are up to date.

Every exercise of the registry has its solution (with one marked region per function the
student writes), its test file, three hints and a transcript; every test of an exercise
declares its stage; and regenerating exercises/ and tests/kata/pristine/ from solutions/
alone changes nothing.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from tests.kata import generate, registry
from tests.kata.selection import STAGES
from tests.kata.subject import PRISTINE, ROOT
from tests.kata.transcript import FOLDER

pytestmark = pytest.mark.given
EXERCISES = [pytest.param(e, id=e.marker) for e in registry.ALL]


def test_regenerating_from_solutions_changes_nothing():
    problems = generate.check()
    assert not problems, "exercises/ or tests/kata/pristine/ is stale:\n" + "\n".join(problems)


@pytest.mark.parametrize("record", EXERCISES)
def test_every_exercise_has_every_part(record):
    solution = ROOT / "solutions" / f"{record.module}.py"
    assert solution.is_file(), f"solutions/{record.module}.py is missing"
    assert (ROOT / "tests" / record.test_file).is_file(), f"tests/{record.test_file} is missing"
    assert (PRISTINE / f"{record.module}.py").is_file(), "no pristine stub: run the generator"
    assert (FOLDER / f"{record.module}.txt").is_file(), (
        "no transcript: python -m tests.kata.transcript"
    )
    assert len(record.hints) == 3 and all(h.strip() for h in record.hints), (
        "three hints, none empty"
    )
    assert record.writes, "the registry names no function for the student to write"
    assert record.document and record.title and record.train_n > 0
    regions = generate.solution_regions(solution.read_text(encoding="utf-8"))
    assert list(regions) == list(record.writes), (
        f"solutions/{record.module}.py marks regions in {list(regions)}; the registry says the"
        f" student writes {list(record.writes)}, in that order"
    )
    pristine = importlib.import_module(f"tests.kata.pristine.{record.module}")
    name, _ = record.quick
    assert callable(getattr(pristine, name, None)), f"quick names {name}, no given function"


def _tests_of(module) -> list[tuple[str, object, list]]:
    found = []
    for name, value in vars(module).items():
        if name.startswith("test_") and inspect.isfunction(value):
            found.append((name, value, getattr(value, "pytestmark", [])))
        elif name.startswith("Test") and inspect.isclass(value):
            outer = getattr(value, "pytestmark", [])
            for attr in dir(value):
                if attr.startswith("test_"):
                    fn = getattr(value, attr)
                    found.append((f"{name}.{attr}", fn, outer + getattr(fn, "pytestmark", [])))
    return found


@pytest.mark.parametrize("record", EXERCISES)
def test_every_test_declares_its_stage(record):
    module = importlib.import_module(f"tests.{record.test_file[:-3]}")
    missing = []
    for name, _, marks in _tests_of(module):
        names = {m.name: m for m in marks}
        if "given" in names:
            continue
        stage = names.get("stage")
        if stage is None or not stage.args or stage.args[0] not in STAGES:
            missing.append(name)
    assert not missing, f"tests/{record.test_file}: no stage on {missing}; one of {STAGES}"
