"""The pictures of the `python -m` runs: solutions/_draw.py, the source of every copy."""

import builtins
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.given


@pytest.fixture
def draw() -> ModuleType:
    return importlib.import_module("solutions._draw")


def test_loss_curve_is_a_log_scale_bar_chart(draw: ModuleType) -> None:
    values = np.logspace(0, -3, 200)
    picture = draw.loss_curve(values, width=40, height=5, title="loss")
    lines = picture.splitlines()
    assert lines[0].startswith("loss (log scale), 200 values")
    assert len(lines) == 1 + 5 + 1
    top, bottom = float(lines[1].split("┤")[0]), float(lines[5].split("┤")[0])
    assert 0.5 < top <= 1 and 0.001 <= bottom < 0.002  # labels: the first and last columns
    bars = [line.split("┤")[-1].split("│")[-1] for line in lines[1:6]]
    assert all(len(bar) == 40 for bar in bars)
    assert bars[0][0] == "█" and bars[0][-1] == " "  # falls from left to right
    assert bars[-1][-1] != " "  # the smallest value still shows


def test_loss_curve_of_a_flat_or_empty_trace_says_so(draw: ModuleType) -> None:
    assert "flat at 0.693147" in draw.loss_curve([np.log(2)] * 50)
    assert "nothing to draw" in draw.loss_curve([])


def test_decision_map_shades_probabilities_and_marks_points(draw: ModuleType) -> None:
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    picture = draw.decision_map(lambda G: (G[:, 0] > 0.5).astype(float), X, [0, 1], 20, 8)
    rows = [line[1:-1] for line in picture.splitlines()[2:10]]
    assert all(len(row) == 20 for row in rows)
    ones = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "1"]
    zeros = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "0"]
    assert ones[0][0] < 2 and ones[0][1] > 14, "(1, 1) sits top right: x2 grows upwards"
    assert zeros[0][0] > 5 and zeros[0][1] < 5, "(0, 0) sits bottom left"
    assert rows[3][0] == " " and rows[3][-1] == "█"


def test_decision_map_fills_classes(draw: ModuleType) -> None:
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    picture = draw.decision_map(lambda G: (G[:, 0] > 0).astype(int), X, [0, 1], 10, 4)
    assert "· class 0" in picture and "░ class 1" in picture


def test_plot_without_matplotlib_explains_how_to_install(
    draw: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> ModuleType:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert draw.save_plot(str(tmp_path / "x.png"), [1.0, 0.5]) is False
    assert "pip install -e '.[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(SystemExit) as stop:
        draw.finish(False)
    assert stop.value.code == 1


@pytest.mark.slow
def test_plot_with_matplotlib_writes_a_png(draw: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "x.png"
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert draw.save_plot(str(path), [1.0, 0.5], lambda G: G[:, 0], X, [0, 1], "t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unwritten_exercise_gets_a_sentence_not_a_traceback(
    draw: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    def main() -> None:
        raise NotImplementedError("ex09_demo.forward: not written yet")

    with pytest.raises(SystemExit):
        draw.run(main)
    err = capsys.readouterr().err
    assert "not written yet" in err and "pytest -m" in err


@pytest.mark.slow
@pytest.mark.parametrize("where", ["root", "its folder", "elsewhere"])
def test_a_module_runs_as_a_file_from_any_folder(where: str, tmp_path: Path) -> None:
    """`python solutions/ex03_tanh_xor.py`, an IDE's Run button, does what `python -m` does."""
    import subprocess
    import sys

    from tests.kata.paths import ROOT

    cwd = {"root": ROOT, "its folder": ROOT / "solutions", "elsewhere": tmp_path}[where]
    plot = tmp_path / "new" / "folder" / "run.png"
    args = ["--plot", str(plot)] if _has_matplotlib() else []  # the plot extra, if installed
    done = subprocess.run(
        [sys.executable, str(ROOT / "solutions" / "ex03_tanh_xor.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Final loss" in done.stdout
    if args:
        assert plot.is_file(), "--plot into a missing folder makes the folder"


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_pictures_fall_back_to_ascii_where_the_console_cannot_print_blocks(
    draw: ModuleType, encoding: str
) -> None:
    import io
    import sys

    console = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    real, sys.stdout = sys.stdout, console
    try:
        curve = draw.loss_curve(np.logspace(0, -3, 50))
        X = np.array([[0.0, 0.0], [1.0, 1.0]])
        shades = draw.decision_map(lambda G: G[:, 0], X, [0, 1], 20, 6)
        classes = draw.decision_map(lambda G: (G[:, 0] > 0.5).astype(int), X, [0, 1], 20, 6)
    finally:
        sys.stdout = real
    for picture in (curve, shades, classes):
        picture.encode(encoding)  # raises if a character cannot be printed there
    assert "#" in curve and "|" in curve
