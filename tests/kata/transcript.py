"""What `python -m <module> --plot PATH` prints, checked against the reference's transcript.

main() is given code: it trains the network with the student's functions and prints what its
document prints, then pictures. The suite's test runs it once with `--plot`, with the three
calls it makes into _draw for its side effects recorded instead of performed (`options` gets
its description, `save_plot` its arguments, `finish` what the plot returned; nothing is
written), and compares everything printed with tests/transcripts/<exercise>.txt. A second,
quick run without --plot (its training cut short) checks that no picture is saved then.

Text must match exactly, and every number be printed as the reference prints it (an integer
as an integer, a decimal as a decimal, an exponent as an exponent). Integers must be equal;
other numbers within one unit of the last digit printed (a right answer in another style
agrees with the reference to rounding, and rounding can flip the last digit). numpy 2 prints
np.float64(0.5) where a Python float prints 0.5: both read as 0.5. Where the reference prints
rounding noise, its transcript has ‹any› for the number (see NOISE).

After a deliberate change to a main() or to _draw, rewrite the transcripts from solutions/:

    python -m tests.kata.transcript
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import sys
from pathlib import Path

import numpy as np

from tests.kata import harness, registry, subject

FOLDER = Path(__file__).resolve().parent / "transcripts"
PLOT = "kata-test.png"  # never written: save_plot is recorded, not run
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
NUMPY_SCALAR = re.compile(r"np\.(?:float|int)\d*\(([^()]*)\)")
ANY = "‹any›"  # in a transcript: any number
# Numbers that rounding alone decides, written as ANY. ex01 on XOR: once the loss is ln 2 to
# every digit printed, W and b are 0 to rounding and every P is 0.5 ± 1e-16, so whether
# P > 0.5, and with it the accuracy printed, is a coin toss of rounding.
NOISE = {
    "ex01_logistic_regression": [(re.compile(r"(  0\.6931471806 / )\d+%$"), rf"\g<1>{ANY}%")],
}


def _describe(values) -> str:
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return str(values.ravel().tolist())
    return "[" + ", ".join(f"{v:.6f}" for v in values.ravel()) + "]"


class _Recorder:
    """Stands in for _draw's options, save_plot and finish; prints what each receives."""

    def __init__(self, draw):
        self.options = draw.options

    def record_options(self, description: str, argv=None):
        print(f"» options: {description}")
        return self.options(description, argv)

    @staticmethod
    def record_save_plot(path, trace, predict=None, X=None, labels=None, title=""):
        trace = np.asarray(trace, dtype=float)
        print(f"» save_plot: path {path}, title {title!r}")
        print(f"»   trace: {trace.size} values, {_describe(trace[[0, -1]])} first and last")
        if predict is not None:
            X = np.asarray(X, dtype=float)
            print(f"»   X: {X.shape}, sum {X.sum():.6f}; labels {_describe(labels)}")
            print(f"»   predict(X): {_describe(predict(X))}")
        return True

    @staticmethod
    def record_finish(saved):
        print(f"» finish({saved!r})")


@contextlib.contextmanager
def _swapped(module, swaps: dict):
    """Set module's attributes to `swaps` for a with-block, then restore them."""
    saved = {name: getattr(module, name) for name in swaps}
    try:
        for name, stand_in in swaps.items():
            setattr(module, name, stand_in)
        yield
    finally:
        for name, original in saved.items():
            setattr(module, name, original)


def run_main(m, argv=("--plot", PLOT), quick: bool = False) -> str:
    """Everything main(argv) prints, with _draw's side effects recorded.

    quick: with the training cut short (the registry's `quick`), when the numbers do not matter.
    """
    m = subject.resolve(m)
    draw = importlib.import_module(f"{m.__name__.rpartition('.')[0]}._draw")
    recorder = _Recorder(draw)
    swaps = {
        "options": recorder.record_options,
        "save_plot": recorder.record_save_plot,
        "finish": recorder.record_finish,
    }
    shortcut = {}
    if quick:
        name, make = registry.BY_MODULE[m.kata_exercise].quick
        shortcut[name] = make(getattr(m, name))
    out = _Sorting()
    with _swapped(draw, swaps), _swapped(m, shortcut), contextlib.redirect_stdout(out):
        harness.call(m, "main", list(argv))
    if out.theirs:
        subject.printed[m.kata_exercise] = out.theirs
    return out.ours.getvalue()


class _Sorting(io.TextIOBase):
    """stdout for main(): what the kata's code prints, and apart from it what the student's does.

    A debugging print left in a student's function is legal; it is counted for the table
    ({function: (lines, first line number)}), never compared with the transcript.
    """

    def __init__(self):
        self.ours = io.StringIO()
        self.theirs: dict[str, list[int]] = {}

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        if frame is not None and subject.is_student_file(frame.f_code.co_filename):
            seen = self.theirs.setdefault(frame.f_code.co_name, [0, frame.f_lineno])
            seen[0] += text.count("\n")
        else:
            self.ours.write(text)
        return len(text)


def _tolerance(token: str) -> float:
    """One unit of the last digit printed; 0 for an integer."""
    mantissa, _, exponent = token.lower().partition("e")
    if "." not in mantissa:
        return 0.0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _kind(token: str) -> tuple[bool, bool]:
    """An integer, a decimal or a number with an exponent: 1 and 1. are printed differently."""
    return "." in token, "e" in token.lower()


def _normal(line: str) -> str:
    return NUMPY_SCALAR.sub(r"\1", line.rstrip())


def _lines_agree(got: str, expected: str) -> bool:
    got, expected = _normal(got), _normal(expected)
    if NUMBER.sub("#", got) != NUMBER.sub("#", expected.replace(ANY, "0")):
        return False
    expected_numbers = re.findall(f"{NUMBER.pattern}|{ANY}", expected)
    for a, b in zip(NUMBER.findall(got), expected_numbers, strict=True):
        if b == ANY:
            continue
        if _kind(a) != _kind(b) or abs(float(a) - float(b)) > _tolerance(b) + 1e-9 * abs(float(b)):
            return False
    return True


def expect_transcript(exercise: str, out: str) -> None:
    """`out` must read as the reference's transcript, line by line."""
    path = FOLDER / f"{exercise}.txt"
    expected = path.read_text(encoding="utf-8").splitlines()
    got = out.splitlines()
    for i, (g, e) in enumerate(zip(got, expected, strict=False)):  # lengths: below
        if not _lines_agree(g, e):
            harness.fail(
                f"main()'s output differs from the reference's at line {i + 1}:\n"
                f"  expected: {e.rstrip()}\n  got:      {g.rstrip()}\n"
                "main() is given code that only calls your functions, so they compute"
                " something else than the reference's on this run. (Lines starting with »"
                " record main's calls into _draw; numbers may differ in the last digit printed.)"
            )
    if len(got) != len(expected):
        missing = len(got) < len(expected)
        line = expected[len(got)] if missing else got[len(expected)]
        harness.fail(
            f"main() printed {len(got)} lines, the reference {len(expected)}; the first"
            f" {'missing' if missing else 'extra'} line: {line.rstrip()}"
        )


def write_transcripts() -> None:
    """Rewrite tests/kata/transcripts/ from the reference solutions."""
    harness.use_impl("solutions")
    FOLDER.mkdir(exist_ok=True)
    for exercise in harness.EXERCISES:
        m = subject.load(exercise)
        lines = [line.rstrip() for line in run_main(m).splitlines()]
        for pattern, replacement in NOISE.get(exercise, ()):
            lines = [pattern.sub(replacement, line) for line in lines]
        text = "\n".join(lines) + "\n"
        (FOLDER / f"{exercise}.txt").write_text(text, encoding="utf-8")
        print(f"wrote {harness.where(FOLDER / f'{exercise}.txt')}", file=sys.stderr)


if __name__ == "__main__":
    write_transcripts()
