"""The kata checks itself: exercises/ and solutions/ expose the same contract.

For every exercise, both trees must define the same public functions with the
same signatures, the same docstrings, the same given code (compared as syntax
trees, so reformatting is fine) and the same data. A student may add helpers of
their own to exercises/; the instructor's run (--solutions) allows none, so the
pristine trees stay in step.
"""

import ast
import importlib
import inspect
import textwrap

import numpy as np
import pytest

from tests.kata.harness import EXERCISES, ROOT, fail, impl_package

pytestmark = pytest.mark.given


def _module(package: str, name: str):
    try:
        return importlib.import_module(f"{package}.{name}")
    except Exception as exc:
        fail(f"{package}/{name}.py does not import: {type(exc).__name__}: {exc}")


def _public(module) -> dict:
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
        and inspect.isfunction(value)
    }


def _data(module) -> dict:
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, np.ndarray | int | float | tuple | str)
    }


def _tree(fn) -> str:
    return ast.dump(ast.parse(textwrap.dedent(inspect.getsource(fn))))


@pytest.mark.parametrize("name", EXERCISES)
def test_both_trees_keep_one_contract(name):
    ex, sol = _module("exercises", name), _module("solutions", name)
    mine, ref = _public(ex), _public(sol)
    where = f"exercises/{name}.py"
    missing = sorted(set(ref) - set(mine))
    if missing:
        fail(f"{where} lacks {', '.join(missing)}: the tests call them; restore them.")
    extra = sorted(set(mine) - set(ref))
    if extra and impl_package() == "solutions":
        fail(f"{where} defines {', '.join(extra)}, which solutions/{name}.py does not.")
    writes = getattr(sol, "STUDENT_WRITES", ())
    assert getattr(ex, "STUDENT_WRITES", ()) == writes, f"{where}: STUDENT_WRITES differs"
    for fname, fn in ref.items():
        if str(inspect.signature(mine[fname])) != str(inspect.signature(fn)):
            fail(
                f"{where}: {fname}{inspect.signature(mine[fname])} differs from the contract's"
                f" {fname}{inspect.signature(fn)}; keep the given signature."
            )
        if impl_package() == "solutions" and inspect.getdoc(mine[fname]) != inspect.getdoc(fn):
            fail(f"{fname}'s docstring differs between {where} and solutions/{name}.py.")
        if fname not in writes and _tree(mine[fname]) != _tree(fn):
            fail(
                f"{where}: the given function {fname} was changed;"
                " restore it (the tests rely on it)."
            )
    data_ex, data_sol = _data(ex), _data(sol)
    assert data_ex.keys() == data_sol.keys(), f"{where}: module constants differ"
    for key, value in data_sol.items():
        assert np.array_equal(data_ex[key], value), f"{where}: {key} differs from the kata's"


@pytest.mark.parametrize("name", EXERCISES)
def test_every_exercise_has_its_test_file(name):
    assert (ROOT / "tests" / f"test_{name}.py").is_file(), f"tests/test_{name}.py is missing"
