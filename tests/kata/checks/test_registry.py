"""The kata checks itself: the registry is complete, and the generated files are up to date.

Every exercise of the registry has its solution (with one marked region per function the
student writes), its test file, three hints per function and a transcript; every test of an exercise
declares its stage; and regenerating exercises/ and tests/kata/pristine/ from solutions/
alone changes nothing.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from types import ModuleType

import pytest

from tests.kata import registry
from tests.kata.maintainer import generate
from tests.kata.paths import PRISTINE, ROOT
from tests.kata.runtime.selection import STAGES
from tests.kata.runtime.transcript import FOLDER

pytestmark = pytest.mark.given
EXERCISES = [pytest.param(e, id=e.marker) for e in registry.ALL]


def test_regenerating_from_solutions_changes_nothing() -> None:
    problems = generate.check()
    assert not problems, "exercises/ or tests/kata/pristine/ is stale:\n" + "\n".join(problems)


@pytest.mark.parametrize("record", EXERCISES)
def test_every_exercise_has_every_part(record: registry.Exercise) -> None:
    solution = ROOT / "solutions" / f"{record.module}.py"
    assert solution.is_file(), f"solutions/{record.module}.py is missing"
    assert (ROOT / "tests" / record.test_file).is_file(), f"tests/{record.test_file} is missing"
    assert (PRISTINE / f"{record.module}.py").is_file(), "no pristine stub: run the generator"
    assert (FOLDER / f"{record.module}.txt").is_file(), (
        "no transcript: python -m tests.kata generate --transcripts"
    )
    assert record.writes, "the registry names no function for the student to write"
    for function, hints in record.hints.items():
        assert len(hints) == 3 and all(h.strip() for h in hints), (
            f"{function}: three hints (a nudge, the key equation, the shapes), none empty"
        )
    assert record.document and record.title and record.train_n > 0
    regions = generate.solution_regions(solution.read_text(encoding="utf-8"))
    assert list(regions) == list(record.writes), (
        f"solutions/{record.module}.py marks regions in {list(regions)}; the registry says the"
        f" student writes {list(record.writes)}, in that order"
    )
    pristine = importlib.import_module(f"tests.kata.pristine.{record.module}")
    name, _ = record.quick
    assert callable(getattr(pristine, name, None)), f"quick names {name}, no given function"


def _tests_of(module: ModuleType) -> list[tuple[str, object, list[pytest.Mark]]]:
    found: list[tuple[str, object, list[pytest.Mark]]] = []
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
def test_every_test_declares_its_stage(record: registry.Exercise) -> None:
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


@pytest.mark.parametrize("record", EXERCISES)
def test_every_function_has_its_share_and_its_tests(record: registry.Exercise) -> None:
    """The shares name every function the student writes and "network", add up to 100, and
    every share has tests to carry it."""
    assert set(record.shares) == {*record.writes, "network"}, (
        f"shares name {sorted(record.shares)}; expected every function of {list(record.writes)}"
        " and 'network'"
    )
    assert sum(record.shares.values()) == 100, f"shares add up to {sum(record.shares.values())}"
    module = importlib.import_module(f"tests.{record.test_file[:-3]}")
    owners = set()
    for name, _, marks in _tests_of(module):
        names = {m.name: m for m in marks}
        if "given" not in names and "stage" in names:
            owners.add(record.owner(name.rsplit(".", 1)[-1], names["stage"].args[0]))
    assert owners == set(record.shares), f"functions with no test: {set(record.shares) - owners}"


# --- the hints speak the docstring's language, and give no code away --------------------------
CODE = ("np.", ".T", "@", "keepdims", "axis=", "**", "[:,")
# A symbol: one capital and digits (X, W1, Z2), a small letter and digits (b1), a name with an
# underscore (sigmoid_prime, sum_j); dL/dW1 names L and W1. Single small letters (x, y, z)
# and words are prose.
SYMBOL = re.compile(r"(?<![A-Za-z0-9_])d?([A-Z][0-9]*|[a-z][0-9]+|[A-Za-z]\w*_\w+)(?![A-Za-z0-9_])")


def symbols(text: str) -> set[str]:
    return {m.group(1) for m in SYMBOL.finditer(text)}


def docstrings(record: registry.Exercise) -> str:
    """The exercise's module docstring and those of the functions the student writes."""
    tree = ast.parse((PRISTINE / f"{record.module}.py").read_text(encoding="utf-8"))
    parts = [ast.get_docstring(tree) or ""]
    parts += [
        ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in record.writes
    ]
    return "\n".join(parts)


@pytest.mark.parametrize("record", EXERCISES)
def test_hints_use_the_docstrings_symbols_and_no_code(record: registry.Exercise) -> None:
    if not (PRISTINE / f"{record.module}.py").is_file():
        pytest.skip("no pristine stub (the completeness check says so)")
    known = symbols(docstrings(record)) | set(record.writes)
    for function, hints in record.hints.items():
        for level, text in enumerate(hints, 1):
            code = [c for c in CODE if c in text]
            assert not code, f"{function} hint {level} contains code ({', '.join(code)}): {text}"
            strange = sorted(symbols(text) - known)
            assert not strange, (
                f"{function} hint {level} uses {', '.join(strange)}, which {record.module}'s"
                f" docstrings never name: {text}"
            )


def _as_math(text: str) -> str:
    """Code or math, with what tells them apart removed: params["W1"] is W1, X @ W is X W."""
    text = re.sub(r"params\[[\"'](\w+)[\"']\]", r"\1", re.sub(r"#.*", "", text))
    for mark in ("np.", "@", "*", "·", "×", "return"):
        text = text.replace(mark, "")
    return re.sub(r"\s+", "", text)


def solution_lines(record: registry.Exercise, function: str) -> list[tuple[str, str]]:
    """The lines of the reference function's body, as written and as math (short ones left
    out: `X, P = cache` is no answer)."""
    source = (ROOT / "solutions" / f"{record.module}.py").read_text(encoding="utf-8")
    node = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function
    )
    body = node.body[1:] if ast.get_docstring(node) else node.body
    lines = [
        line for stmt in body for line in (ast.get_source_segment(source, stmt) or "").splitlines()
    ]
    return [(line.strip(), _as_math(line)) for line in lines if len(_as_math(line)) >= 6]


@pytest.mark.parametrize("record", EXERCISES)
def test_no_hint_holds_more_than_one_line_of_the_solution(record: registry.Exercise) -> None:
    """The ladder never writes the function: a rung may give one equation, one line of the
    reference solution at most, read as math (the @ and params[...] left out)."""
    if not (ROOT / "solutions" / f"{record.module}.py").is_file():
        pytest.skip("no solutions/ here (a handout)")
    for function, hints in record.hints.items():
        lines = solution_lines(record, function)
        for level, text in enumerate(hints, 1):
            held = [code for code, math in lines if math in _as_math(text)]
            assert len(held) <= 1, f"{function} hint {level} holds {len(held)} lines: {held}"


def test_the_solution_line_rule_reads_math_as_code() -> None:
    assert _as_math('Z1 = X @ params["W1"] + params["b1"]') == _as_math("Z1 = X W1 + b1")
    assert _as_math("A = np.tanh(Z1)  # the hidden layer") == "A=tanh(Z1)"


def test_the_symbol_rule_sees_math_and_not_prose() -> None:
    assert symbols("dL/dW1 = Xᵀ dL/dZ1, b1 (1, H) and sigmoid_prime") == {
        "L",
        "W1",
        "X",
        "Z1",
        "b1",
        "H",
        "sigmoid_prime",
    }
    assert symbols("Nudge. Keep the rows, x and y as vectors: one line.") == set()


@pytest.fixture(scope="module")
def run_order() -> list[str]:
    """The exercises' tests in the order a run takes them (pytest --co, as pytest runs it)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "pytest", "--co", "-q", "--solutions", "-p", "no:randomly"]
    files = [f"tests/{e.test_file}" for e in registry.ALL]
    done = subprocess.run(
        [*command, "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.mark.slow
@pytest.mark.parametrize("record", EXERCISES)
def test_extreme_tests_run_after_the_plain_ones_of_their_stage(
    record: registry.Exercise, run_order: list[str]
) -> None:
    """In run order, within each stage, no plain test comes after an `extreme` one: a plain
    mistake is named by a plain test (a known answer) before the tails or saturation see it."""
    order = [nodeid for nodeid in run_order if nodeid.startswith(f"tests/{record.test_file}::")]
    module = importlib.import_module(f"tests.{record.test_file[:-3]}")
    marks = {name.rsplit(".", 1)[-1]: {m.name: m for m in ms} for name, _, ms in _tests_of(module)}
    seen_extreme: dict[str, str] = {}
    for nodeid in order:
        name = nodeid.rsplit("::", 1)[-1].split("[", 1)[0]
        found = marks.get(name, {})
        stage = found["stage"].args[0] if "stage" in found else "given"
        if "extreme" in found:
            seen_extreme.setdefault(stage, name)
        elif stage in seen_extreme:
            pytest.fail(f"{name} ({stage}) runs after the extreme {seen_extreme[stage]}")
    assert seen_extreme, "no extreme test found: the order is not checked"
