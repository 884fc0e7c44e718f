"""pytest --reset: an exercise's stub, or one function's, back from tests/kata/pristine/.

The fast tests reset files in a temporary folder (its exercises/ and pristine/ copied from the
kata); the slow ones run pytest --reset in a copy of the kata and in a handout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.kata import environ
from tests.kata.checks.fakekata import QUIET, FakeKata, copy_kata
from tests.kata.instructor import handout
from tests.kata.maintainer import generate
from tests.kata.paths import EXERCISE_GLOB, PRISTINE
from tests.kata.runtime import sourcefile
from tests.kata.student import reset

pytestmark = pytest.mark.given
pytest_plugins = ("pytester",)

EX02 = "ex02_sigmoid_mse.py"
NOW = datetime(2025, 3, 14, 9, 26, 53)
STAMP = "20250314-092653"
STUB = "\n".join(generate.stub_line("ex02_sigmoid_mse", "backward", "    "))  # backward's raise
SOLVED = '    dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1)'


def solved(text: str, module: str) -> str:
    """The pristine stub `text` with the reference solution's answers in place of its raises."""
    source = (generate.SOURCE / f"{module}.py").read_text(encoding="utf-8")
    for function, lines in generate.solution_regions(source).items():
        stub = "\n".join(generate.stub_line(module, function, "    "))
        text = text.replace(stub, "\n".join(lines), 1)
    return text


class Kata:
    """exercises/ and tests/kata/pristine/ in a temporary folder, and reset run on them."""

    def __init__(self, root: Path):
        self.root = root
        self.exercises = root / "exercises"
        self.pristine = root / "tests" / "kata" / "pristine"
        for folder in (self.exercises, self.pristine):
            folder.mkdir(parents=True)
            for path in PRISTINE.glob(EXERCISE_GLOB):
                shutil.copyfile(path, folder / path.name)
        self.stub = (self.pristine / EX02).read_text(encoding="utf-8")

    @property
    def file(self) -> Path:
        return self.exercises / EX02

    def put(self, text: str, newline: str = "\n") -> bytes:
        data = text.replace("\n", newline).encode("utf-8")
        self.file.write_bytes(data)
        return data

    def reset(self, word: str, now: datetime = NOW) -> list[str]:
        return reset.reset(word, self.exercises, self.pristine, self.root, now)

    def backups(self) -> list[str]:
        return sorted(p.name for p in self.exercises.glob("*.bak-*"))


@pytest.fixture
def kata(tmp_path: Path) -> Kata:
    return Kata(tmp_path)


def with_helper(stub: str) -> str:
    """ex02 solved, with a helper, a comment and a decorated backward: a student's file."""
    text = solved(stub, "ex02_sigmoid_mse")
    text = text.replace(
        "def backward(",
        "# my notes: backward goes right to left\ndef helper(x):\n    return x  # mine\n\n\n"
        "@traced\n@another(level=2)\ndef backward(",
    )
    return text + "\n# the end of my file\n"


def test_one_function_is_found_with_its_decorators_and_only_its_lines_replaced(kata: Kata) -> None:
    text = with_helper(kata.stub)
    kata.put(text)
    printed = kata.reset("ex02.backward")
    after = kata.file.read_text(encoding="utf-8")
    start = text.index("@traced")
    end = text.index("\n", text.index("return {", start)) + 1  # backward's last line
    pristine_backward = kata.stub[kata.stub.index("def backward(") :]
    pristine_backward = pristine_backward[: pristine_backward.index(STUB) + len(STUB) + 1]
    assert after == text[:start] + pristine_backward + text[end:]
    assert "@traced" not in after and "def helper(x):\n    return x  # mine" in after
    assert SOLVED not in after and "return s * (1 - s)" in after, "other functions stay solved"
    assert printed == [
        f"backward in exercises/{EX02} (lines {text[:start].count(chr(10)) + 1}-"
        f"{text[:end].count(chr(10))} before) is the stub again; the rest of the file is as it"
        " was.",
        f"Your version is kept in exercises/{EX02}.bak-{STAMP}.",
    ]
    assert (kata.exercises / f"{EX02}.bak-{STAMP}").read_text(encoding="utf-8") == text


def test_crlf_file_stays_crlf_and_byte_identical_outside_the_function(kata: Kata) -> None:
    text = with_helper(kata.stub)
    data = kata.put(text, "\r\n")
    kata.reset("ex02_sigmoid_mse.backward")
    after = kata.file.read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n"), "a lone \\n in a CRLF file"
    start = data.index(b"@traced")
    assert after.startswith(data[:start])
    assert after.endswith(data[data.index(b"\r\n# the end of my file") :])
    assert STUB.encode() + b"\r\n" in after
    assert (kata.exercises / f"{EX02}.bak-{STAMP}").read_bytes() == data


def test_the_last_function_of_a_file_without_a_last_newline(kata: Kata) -> None:
    text = solved(kata.stub, "ex02_sigmoid_mse")
    text = text[: text.index("# --- given: training")].rstrip("\n")  # backward ends the file
    kata.put(text)
    kata.reset("ex2.backward")
    assert kata.file.read_text(encoding="utf-8").endswith(STUB)


def test_a_file_that_does_not_parse_is_left_alone_and_the_whole_reset_offered(kata: Kata) -> None:
    text = kata.stub.replace("def loss(", "def loss(out, Y:\n    pass\ndef _(")
    data = kata.put(text)
    with pytest.raises(pytest.UsageError) as error:
        kata.reset("ex02.backward")
    line = text[: text.index("def loss(")].count("\n") + 1
    message = str(error.value)
    assert f"exercises/{EX02} does not parse (line {line}:" in message, message
    assert message.endswith("(your file is kept as a backup): pytest --reset ex02"), message
    assert kata.file.read_bytes() == data and kata.backups() == []
    # The whole reset works on it.
    assert kata.reset("ex02")[1] == f"Your version is kept in exercises/{EX02}.bak-{STAMP}."
    assert kata.file.read_text(encoding="utf-8") == kata.stub


def test_backups_are_dated_without_colons_and_never_overwritten(kata: Kata) -> None:
    first = kata.put(with_helper(kata.stub))
    kata.reset("ex02.backward")
    second = kata.file.read_bytes()
    kata.reset("ex02")  # the same second
    kata.put(with_helper(kata.stub))
    kata.reset("ex02.backward")
    names = kata.backups()
    assert names == [f"{EX02}.bak-{STAMP}", f"{EX02}.bak-{STAMP}-2", f"{EX02}.bak-{STAMP}-3"]
    assert all(re.fullmatch(r"ex02_sigmoid_mse\.py\.bak-\d{8}-\d{6}(-\d+)?", n) for n in names)
    assert not any(":" in n for n in names)
    assert (kata.exercises / names[0]).read_bytes() == first
    assert (kata.exercises / names[1]).read_bytes() == second


def test_backup_with_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "ex01_x.py"
    path.write_bytes(b"x = 1\r\n")
    saved = sourcefile.backup(path)
    assert re.fullmatch(r"ex01_x\.py\.bak-\d{8}-\d{6}", saved.name), saved.name
    assert saved.read_bytes() == b"x = 1\r\n"


def test_an_untouched_exercise_or_function_has_nothing_to_reset(kata: Kata) -> None:
    assert kata.reset("ex02") == [
        f"exercises/{EX02} is the pristine stub already: nothing to reset."
    ]
    assert kata.reset("ex02.forward") == [
        f"forward in exercises/{EX02} is the stub already: nothing to reset."
    ]
    kata.put(kata.stub, "\r\n")  # a Windows checkout of the untouched stub
    assert "nothing to reset" in kata.reset("ex02")[0]
    assert kata.backups() == []


def test_the_whole_exercise_comes_back_in_the_files_line_endings(kata: Kata) -> None:
    kata.put(with_helper(kata.stub), "\r\n")
    printed = kata.reset("ex02_sigmoid_mse")
    assert printed[0] == f"exercises/{EX02} is the pristine stub again: every function of" + (
        " ex02_sigmoid_mse to write."
    )
    assert kata.file.read_bytes() == kata.stub.replace("\n", "\r\n").encode()


def test_a_function_not_yours_is_an_error_naming_yours(kata: Kata) -> None:
    with pytest.raises(pytest.UsageError) as error:
        kata.reset("ex02.backwards")
    assert str(error.value) == (
        "--reset 'ex02.backwards': backwards is not one of the functions you write in"
        " ex02_sigmoid_mse. Did you mean ex02.backward? Yours: sigmoid, sigmoid_prime, forward,"
        " loss, backward. To reset the whole file: pytest --reset ex02"
    )
    with pytest.raises(pytest.UsageError, match="train is given code: the tests use the kata's"):
        kata.reset("ex02.train")
    with pytest.raises(pytest.UsageError, match=r"'ex9.forward' names no exercise\. The exer"):
        kata.reset("ex9.forward")
    with pytest.raises(pytest.UsageError, match=r"'ex02\.': name one of ex02's functions after"):
        kata.reset("ex02.")  # a slip of the finger never resets the whole file


def test_a_function_missing_from_the_file_is_named_with_its_stub(kata: Kata) -> None:
    start = kata.stub.index("def loss(")
    kata.put(kata.stub[:start] + kata.stub[kata.stub.index("def backward(") :])
    with pytest.raises(pytest.UsageError) as error:
        kata.reset("ex02.loss")
    line = kata.stub[:start].count("\n") + 1
    assert str(error.value) == (
        f"--reset ex02.loss: exercises/{EX02} has no function loss (at the top level, not"
        f" indented). Its stub is at line {line} of tests/kata/pristine/{EX02}: copy it back, or"
        " reset the whole exercise (your file is kept as a backup): pytest --reset ex02"
    )


def test_a_function_defined_twice_is_not_guessed(kata: Kata) -> None:
    kata.put(kata.stub + "\n\ndef forward(params, X):\n    return X, None\n")
    with pytest.raises(pytest.UsageError, match="defines forward 2 times"):
        kata.reset("ex02.forward")


def test_solutions_are_never_reset(kata: Kata) -> None:
    with pytest.raises(pytest.UsageError, match="never solutions/"):
        reset.reset("ex02", kata.exercises, kata.pristine, kata.root, NOW, impl="solutions")


# --- end to end -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_reset_one_function_in_a_copy_of_the_kata(
    pytester: pytest.Pytester,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kata = FakeKata(pytester, copy_kata(tmp_path_factory.mktemp("kata")), monkeypatch)
    kata.solve("ex02")
    result = kata.run("--reset", "ex02.backward")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            f"backward in exercises/{EX02} (lines *) is the stub again; the rest of the file is"
            " as it was.",
            f"Your version is kept in exercises/{EX02}.bak-????????-??????.",
        ]
    )
    text = kata.exercise("ex02").read_text(encoding="utf-8")
    assert STUB in text and SOLVED not in text and "return s * (1 - s)" in text
    assert "passed" not in result.stdout.str() and "collected" not in result.stdout.str()


@pytest.mark.slow
def test_reset_an_exercise_in_a_handout(tmp_path: Path) -> None:
    out = tmp_path / "handout"
    handout.build(out, handout.choose("ex02"))
    path = out / "exercises" / EX02
    path.write_text(solved(path.read_text(encoding="utf-8"), "ex02_sigmoid_mse"), "utf-8")
    env = environ.clean()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *QUIET, "--reset", "ex02"],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"exercises/{EX02} is the pristine stub again" in done.stdout
    assert path.read_text(encoding="utf-8") == (out / "tests/kata/pristine" / EX02).read_text(
        encoding="utf-8"
    )
    assert len(list((out / "exercises").glob(f"{EX02}.bak-*"))) == 1


def test_comments_that_close_a_function_go_with_it(kata: Kata) -> None:
    text = kata.file.read_text(encoding="utf-8")
    notes = "    # an old try:\n    # dZ = (P - Y) / len(Y)\n"
    kata.file.write_text(text.replace(STUB, "    return {}\n" + notes.rstrip("\n"), 1), "utf-8")
    kata.reset("ex02.backward")
    assert kata.file.read_text(encoding="utf-8") == text
