"""main() in the subject process: _draw's side effects recorded, the student's prints apart.

The transcript test (tests/kata/runtime/transcript.py) compares what main(argv) prints with the
reference's. Here, in the subject process, `Recorder` stands in for _draw's options,
save_plot and finish and prints what each receives (nothing is drawn or written), and
`Sorting` is stdout: the kata's own printing is kept, the student's functions' prints are
counted by function ({function: [lines, first line number]}), never compared.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import types
from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt


def _describe(values: object) -> str:
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return str(values.ravel().tolist())
    return "[" + ", ".join(f"{v:.6f}" for v in values.ravel()) + "]"


class Recorder:
    """Stands in for _draw's options, save_plot and finish; prints what each receives."""

    def __init__(self, draw: types.ModuleType) -> None:
        self.options: Callable[[str, list[str] | None], argparse.Namespace] = draw.options

    def record_options(self, description: str, argv: list[str] | None = None) -> argparse.Namespace:
        print(f"» options: {description}")
        return self.options(description, argv)

    @staticmethod
    def record_save_plot(
        path: str,
        trace: npt.ArrayLike,
        predict: Callable[[np.ndarray], object] | None = None,
        X: npt.ArrayLike | None = None,
        labels: npt.ArrayLike | None = None,
        title: str = "",
    ) -> bool:
        trace = np.asarray(trace, dtype=float)
        print(f"» save_plot: path {path}, title {title!r}")
        print(f"»   trace: {trace.size} values, {_describe(trace[[0, -1]])} first and last")
        if predict is not None:
            X = np.asarray(X, dtype=float)
            print(f"»   X: {X.shape}, sum {X.sum():.6f}; labels {_describe(labels)}")
            print(f"»   predict(X): {_describe(predict(X))}")
        return True

    @staticmethod
    def record_finish(saved: bool | None) -> None:
        print(f"» finish({saved!r})")


@contextlib.contextmanager
def swapped(module: types.ModuleType, swaps: dict[str, object]) -> Iterator[None]:
    saved = {name: getattr(module, name) for name in swaps}
    try:
        for name, stand_in in swaps.items():
            setattr(module, name, stand_in)
        yield
    finally:
        for name, original in saved.items():
            setattr(module, name, original)


class Sorting(io.TextIOBase):
    """stdout for main(): what the kata's code prints, and apart from it what the student's does."""

    def __init__(self, is_student_file: Callable[[str], bool]) -> None:
        self.ours = io.StringIO()
        self.theirs: dict[str, list[int]] = {}
        self.is_student_file = is_student_file

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        if frame is not None and self.is_student_file(frame.f_code.co_filename):
            seen = self.theirs.setdefault(frame.f_code.co_name, [0, frame.f_lineno])
            seen[0] += text.count("\n")
        else:
            self.ours.write(text)
        return len(text)
