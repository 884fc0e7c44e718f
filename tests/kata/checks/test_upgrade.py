"""pytest --upgrade: a started kata brought up to a new version, the student's work kept.

The fast tests build an "old version" of the kata's pristine stubs in a temporary folder (the
kata's own with its given code and docstrings changed), a student's exercises/ started from
it, and upgrade them to the kata's pristine stubs as they are. The slow one runs
pytest --upgrade in a handout and then the upgraded exercise's tests.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.kata import environ
from tests.kata.checks.fakekata import QUIET
from tests.kata.checks.test_reset import solved
from tests.kata.instructor import handout
from tests.kata.maintainer import generate
from tests.kata.paths import PRISTINE
from tests.kata.student import upgrade

pytestmark = pytest.mark.given

NOW = datetime(2025, 3, 14, 9, 26, 53)
BACKUP = ".bak-20250314-092653"
EX02, EX03 = "ex02_sigmoid_mse", "ex03_tanh_xor"
WRITES = ("sigmoid", "sigmoid_prime", "forward", "loss", "backward")
# A docstring of a function the student writes, as the old version had it: a started function
# is kept whole, its docstring too.
NEW_DOC, OLD_DOC = "then dL/dW2, then back", "then dL/dW2, and back"
TRAIN_DOC = '    """Full-batch gradient descent, in place. Returns the loss before each step."""'


def old_version(text: str) -> str:
    """A pristine stub as an earlier version of the kata had it: other docstrings, a slip."""
    text = text.replace(TRAIN_DOC, '    """Gradient descent (an older docstring)."""', 1)
    text = text.replace("One hidden layer bends", "An older docstring: one hidden layer bends")
    return text.replace(NEW_DOC, OLD_DOC, 1)


def upgraded(new: str, module: str) -> str:
    """What a file solved against the old version becomes: the new, solved, with backward's
    old docstring."""
    return solved(new, module).replace(NEW_DOC, OLD_DOC, 1)


def functions(text: str) -> dict[str, str]:
    """{name: source} of a module's top-level functions."""
    tree = ast.parse(text)
    return {
        n.name: ast.get_source_segment(text, n) or ""
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
    }


class Kata:
    """A student's exercises/ started from an old version, and the new pristine stubs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.exercises = root / "exercises"
        self.pristine = root / "tests" / "kata" / "pristine"
        self.exercises.mkdir(parents=True)
        self.pristine.mkdir(parents=True)
        for path in PRISTINE.glob("*.py"):
            shutil.copyfile(path, self.pristine / path.name)
            text = path.read_text(encoding="utf-8")
            if path.name.startswith("ex"):
                text = old_version(text)
            (self.exercises / path.name).write_text(text, encoding="utf-8")

    def new(self, module: str) -> str:
        return (self.pristine / f"{module}.py").read_text(encoding="utf-8")

    def old(self, module: str) -> str:
        return old_version(self.new(module))

    def file(self, module: str) -> Path:
        return self.exercises / f"{module}.py"

    def text(self, module: str) -> str:
        return self.file(module).read_text(encoding="utf-8")

    def upgrade(self) -> list[str]:
        return upgrade.upgrade(self.exercises, self.pristine, self.root, NOW)


@pytest.fixture
def kata(tmp_path: Path) -> Kata:
    return Kata(tmp_path)


def started(old: str) -> str:
    """ex02 solved up to loss (backward not started), with a helper, a constant and imports."""
    text = solved(old, EX02)
    stub = old[old.index("def backward(") :]
    stub = stub[: stub.index("# --- given: training")]
    solution = text[text.index("def backward(") :]
    text = text.replace(solution[: solution.index("# --- given: training")], stub)
    text = text.replace("import numpy as np\n", "import math\n\nimport numpy as np\n", 1)
    text += "\n\ndef later(x):\n    return x\n"
    return text.replace(
        "def loss(",
        "# my own: the mean of squares\nEPS = 1e-12\n\n\n@cache_me\ndef half_mean_square(e):\n"
        "    return 0.5 * math.fsum(e.ravel() ** 2) / e.size\n\n\ndef loss(",
    )


def test_started_functions_helpers_and_imports_are_kept_and_given_code_rewritten(
    kata: Kata,
) -> None:
    text = started(kata.old(EX02))
    kata.file(EX02).write_text(text, encoding="utf-8")
    printed = kata.upgrade()
    after = kata.text(EX02)
    mine, new = functions(text), functions(after)
    for name in ("sigmoid", "sigmoid_prime", "forward", "loss"):
        assert new[name] == mine[name], f"{name} of the student changed"
    assert new["backward"] == functions(kata.new(EX02))["backward"], "the stub, new version"
    assert TRAIN_DOC in after and "One hidden layer bends" in after, "given code: new version"
    assert "import numpy as np\nimport math\n" in after
    own = text[text.index("# my own") : text.index("def loss(")]
    assert "return out, (X, Z1, A, out)\n\n\n" + own + "def loss(" in after, "where it was"
    tail = '    raise NotImplementedError("ex02_sigmoid_mse.backward: not written yet'
    assert '(see its docstring)")\n\n\ndef later(x):\n    return x\n\n\n# --- given' in after
    assert after.count("def later(") == 1 and tail in after
    assert (kata.exercises / f"{EX02}.py{BACKUP}").read_text(encoding="utf-8") == text
    row = printed.index(next(line for line in printed if EX02 in line))
    assert printed[row : row + 2] == [
        f"  {EX02}.py          upgraded: kept your sigmoid, sigmoid_prime, forward, loss; your"
        " own EPS, half_mean_square, later; your imports (import math)",
        f"  {'':<{len(EX02) + 3}}          backup: exercises/{EX02}.py{BACKUP}",
    ]
    # Upgraded once, it is up to date: no second backup.
    assert f"  {EX02}.py          up to date" in kata.upgrade()
    changed = [p for p in kata.pristine.glob("ex*.py") if kata.old(p.stem) != kata.new(p.stem)]
    assert len(list(kata.exercises.glob("*.bak-*"))) == len(changed), "each changed file once"


def test_a_solved_exercise_keeps_the_reference_answers(kata: Kata) -> None:
    """The functions of a solved file come through an upgrade unchanged, so its tests pass."""
    for module in (EX02, EX03):
        kata.file(module).write_text(solved(kata.old(module), module), encoding="utf-8")
    kata.upgrade()
    for module in (EX02, EX03):
        after, answer = kata.text(module), upgraded(kata.new(module), module)
        assert after == answer, f"{module}: the upgrade is not the new version, solved"


def test_an_exercise_not_started_is_replaced_and_one_missing_is_added(kata: Kata) -> None:
    kata.file(EX03).unlink()
    printed = kata.upgrade()
    for module in (EX02, EX03, "ex01_logistic_regression"):
        assert kata.text(module) == kata.new(module)
    assert f"  {EX02}.py          upgraded: nothing of yours started yet" in printed
    assert f"  {EX03}.py             added: new in this version" in printed
    assert not (kata.exercises / f"{EX03}.py{BACKUP}").exists()


def test_a_file_that_does_not_parse_is_skipped(kata: Kata) -> None:
    broken = kata.old(EX02).replace("def loss(", "def loss(out, Y:\n    pass\ndef _(", 1)
    kata.file(EX02).write_text(broken, encoding="utf-8")
    printed = kata.upgrade()
    line = broken[: broken.index("def loss(")].count("\n") + 1
    assert any(
        row.startswith(f"  {EX02}.py          skipped: does not parse (line {line}:")
        and row.endswith("fix it, then run pytest --upgrade again")
        for row in printed
    ), printed
    assert kata.text(EX02) == broken
    assert not (kata.exercises / f"{EX02}.py{BACKUP}").exists()


def test_changes_to_given_code_are_replaced_and_named(kata: Kata) -> None:
    text = solved(kata.old(EX02), EX02)
    text = text.replace("            params[name] -= lr * grads[name]", "            pass", 1)
    text = text.replace("Y_XOR = np.array([[0], [1], [1], [0]])", "Y_XOR = 1", 1)
    kata.file(EX02).write_text(text, encoding="utf-8")
    printed = kata.upgrade()
    assert kata.text(EX02) == upgraded(kata.new(EX02), EX02)
    assert (
        "given code now the new version's: Y_XOR, train (if you had changed it, your change is"
        " in the backup)"
    ) in "\n".join(printed)


def test_crlf_and_the_given_module(kata: Kata) -> None:
    text = started(kata.old(EX02))
    kata.file(EX02).write_bytes(text.replace("\n", "\r\n").encode())
    draw = kata.exercises / "_draw.py"
    draw.write_text(draw.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    printed = kata.upgrade()
    data = kata.file(EX02).read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert TRAIN_DOC.encode() in data
    assert draw.read_bytes() == (kata.pristine / "_draw.py").read_bytes()
    assert f"upgraded (given code); backup: exercises/_draw.py{BACKUP}" in "\n".join(printed)


def test_solutions_are_never_upgraded(kata: Kata) -> None:
    with pytest.raises(pytest.UsageError, match="never solutions/"):
        upgrade.upgrade(kata.exercises, kata.pristine, kata.root, NOW, impl="solutions")


# --- end to end -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_upgrade_a_started_handout_and_its_tests_pass(tmp_path: Path) -> None:
    """A handout solved against an old version; the new tests/ copied over; pytest --upgrade."""
    out = tmp_path / "handout"
    handout.build(out, handout.choose("ex02"))
    path, pristine = out / "exercises" / f"{EX02}.py", out / "tests/kata/pristine" / f"{EX02}.py"
    new = pristine.read_text(encoding="utf-8")
    path.write_text(solved(old_version(new), EX02), encoding="utf-8")
    env = environ.clean()

    def pytest_in_handout(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pytest", *QUIET, *args]
        return subprocess.run(
            command, cwd=out, env=env, capture_output=True, text=True, timeout=300
        )

    done = pytest_in_handout("--upgrade")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"kept your {', '.join(WRITES)}" in done.stdout, done.stdout
    assert path.read_text(encoding="utf-8") == upgraded(new, EX02)
    done = pytest_in_handout("-m", "ex02", "-q")
    assert done.returncode == 0, done.stdout[-3000:]


def test_comments_that_close_a_function_stay_with_it() -> None:
    """Comment lines after a function's last statement are the student's too: kept, not lost."""
    stub = "\n".join(generate.stub_line(EX02, "backward", "    "))
    new = (PRISTINE / f"{EX02}.py").read_text(encoding="utf-8")
    notes = "    # TODO: divide by N*K?  old try:\n    # dZ = (P - Y) / len(Y)\n"
    mine = new.replace(stub, "    return {}\n" + notes.rstrip("\n"), 1)
    merged = upgrade.merge(mine, old_version(new), WRITES)
    assert "backward" in merged.kept
    assert "    return {}\n" + notes in merged.text


def test_comments_around_a_started_function_stay_and_what_is_left_out_is_named() -> None:
    stub = "\n".join(generate.stub_line(EX02, "backward", "    "))
    new = (PRISTINE / f"{EX02}.py").read_text(encoding="utf-8")
    above = "# derived on paper, notes p. 3\n"
    mine = new.replace(stub, "    return {}\n#    return old(cache)", 1)
    mine = mine.replace("def backward(", above + "def backward(", 1)
    mine = mine.replace("def loss(", "def loss(out, Y):\n    return 1.0\n\n\ndef loss(", 1)
    mine = mine.replace('if __name__ == "__main__":\n', 'if __name__ == "__main__":\n    pass\n')
    merged = upgrade.merge(mine, old_version(new), WRITES)
    assert above + "def backward(" in merged.text
    assert "    return {}\n#    return old(cache)\n" in merged.text
    earlier = mine[: mine.index("def loss(")].count("\n") + 1  # the first of the two
    assert merged.dropped == [
        f"an earlier loss (line {earlier})",
        'your changes to the `if __name__ == "__main__":` block',
    ], merged.dropped


def test_a_file_with_no_function_to_write_keeps_the_students_own_code() -> None:
    new = '"""A given module."""\n\nX = 1\n'
    merged = upgrade.merge(new + "\n\ndef mine():\n    return 2\n", new, ())
    assert merged.own == ["mine"] and merged.text.rstrip().endswith("return 2")
