"""Every console prints the kata: its runs, its table, its messages and its hints.

A console that cannot encode a character (Windows' cp1252 has no "ᵀ" or "█";
PYTHONIOENCODING=ascii has nothing past 127) gets plain ASCII instead of a
UnicodeEncodeError. The slow tests run the kata as a student does with each encoding forced.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kata import environ, registry
from tests.kata.paths import ROOT
from tests.kata.runtime import console

pytestmark = pytest.mark.given
ENCODINGS = ["ascii", "cp1252"]
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks")


def test_plain_spells_the_kata_characters_in_ascii() -> None:
    text = "dL/dW1 = Xᵀ dL/dZ1 ⊙ s'(Z1), 15 = N·K (5×3) times… ½ (out - Y)² ✓ █░ » µs ÷"
    assert console.plain(text) == (
        "dL/dW1 = X^T dL/dZ1 * s'(Z1), 15 = N*K (5x3) times... 1/2 (out - Y)^2 + #. >> us /"
    )
    assert console.plain("☃") == "\\u2603"  # anything else escaped, never lost


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_fit_keeps_what_the_console_can_print(encoding: str) -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert console.fit(stream, "plain text") == "plain text"
    assert console.fit(stream, "N·K ᵀ").isascii()
    assert console.fit(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), "N·K ᵀ") == "N·K ᵀ"


def _run(args: list[str], cwd: Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = environ.clean()
    env["PYTHONIOENCODING"] = encoding
    env["COLUMNS"] = "100"
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, timeout=300
    )
    for name, data in (("stdout", done.stdout), ("stderr", done.stderr)):
        text = data.decode(encoding)  # raises if the run wrote what the console cannot show
        assert "UnicodeEncodeError" not in text, f"{args}: {name}:\n{text}"
        if encoding == "ascii":
            assert "\\x" not in text and "\\u" not in text, f"{args}: escapes in {name}:\n{text}"
    return done


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_python_m_run_prints_on_the_console(encoding: str) -> None:
    for record in registry.EXERCISES:
        done = _run(["-m", f"solutions.{record.module}"], ROOT, encoding)
        assert done.returncode == 0, done.stderr.decode(encoding)
    unwritten = _run(["-m", "exercises.ex02_sigmoid_mse"], ROOT, encoding)
    assert unwritten.returncode == 1 and b"Traceback" not in unwritten.stderr
    assert b"pytest -m ex02" in unwritten.stderr


@pytest.fixture(scope="module")
def kata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A student's kata: ex02 written with the gradient of the sum, not of the mean."""
    kata = tmp_path_factory.mktemp("kata")
    for name in ("exercises", "tests"):
        shutil.copytree(ROOT / name, kata / name, ignore=IGNORE)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, kata / name)
    solved = (ROOT / "solutions" / "ex02_sigmoid_mse.py").read_text(encoding="utf-8")
    wrong = solved.replace("dout = (out - Y) / out.size", "dout = out - Y")
    assert wrong != solved, "the solution no longer says dout = (out - Y) / out.size"
    (kata / "exercises" / "ex02_sigmoid_mse.py").write_text(wrong, encoding="utf-8")
    return kata


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_table_messages_and_hints_print_on_the_console(kata: Path, encoding: str) -> None:
    quiet = ("-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider")
    run = _run([*quiet], kata, encoding)
    assert run.returncode == 1
    out = run.stdout.decode(encoding)
    assert "times too large" in out and "ex02_sigmoid_mse" in out, out
    table = out[out.index("kata progress") :].splitlines()
    table = table[: next(i for i, line in enumerate(table) if "then run" in line) + 1]
    wide = [line for line in table if len(line) > 100]
    assert not wide, "the table is wider than the console:\n" + "\n".join(wide)
    for word in ("ex02", "ex02.backward", "ex04.softmax"):
        hint = _run([*quiet, "--hint", word], kata, encoding)
        assert hint.returncode == 0 and b"Hints for" in hint.stdout
