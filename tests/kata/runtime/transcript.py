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
rounding noise, its transcript has ‹any› for the number (the record's `noise`).

After a deliberate change to a main() or to _draw, rewrite the transcripts from solutions/
(a transcript that still agrees within the tolerance above is kept as it is):

    python -m tests.kata generate --transcripts
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.kata import registry
from tests.kata.runtime import harness, subject

FOLDER = Path(__file__).resolve().parent / "transcripts"
PLOT = "kata-test.png"  # never written: save_plot is recorded, not run
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
NUMPY_SCALAR = re.compile(r"np\.(?:float|int)\d*\(([^()]*)\)")
ANY = "‹any›"  # in a transcript: any number (numbers rounding alone decides: a record's noise)


def run_main(m: Any, argv: Sequence[str] = ("--plot", PLOT), quick: bool = False) -> str:
    """Everything main(argv) prints, with _draw's side effects recorded (in the subject process).

    quick: with the training cut short (the registry's `quick`), when the numbers do not matter.
    What the student's own functions print is counted apart, never compared.
    """
    m = subject.resolve(m)
    m.kata_run.called.add("main")
    header = {"op": "run_main", "argv": list(argv)}
    if quick:
        header["quick"] = list(registry.BY_MODULE[m.kata_exercise].quick)
    try:
        answer, _ = m.ask(header, "main")
    except harness.Fault:
        raise
    except Exception as exc:  # the student's exception: in the contract's words
        harness.raised(m.kata_run, exc, "main")
    if answer["theirs"]:
        m.kata_run.printed[m.kata_exercise] = answer["theirs"]
    return str(answer["ours"])  # what main printed


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


def write_transcripts(exercises: list[str] | None = None) -> None:
    """Rewrite tests/kata/runtime/transcripts/ from the reference solutions (of `exercises`,
    modules, or of every exercise)."""
    run = subject.Run("solutions")
    FOLDER.mkdir(exist_ok=True)
    try:
        for exercise in exercises or harness.EXERCISES:
            m = run.load(exercise)
            lines = [line.rstrip() for line in run_main(m).splitlines()]
            for pattern, replacement in registry.BY_MODULE[exercise].noise:
                noise = re.compile(pattern)
                lines = [noise.sub(replacement.format(any=ANY), line) for line in lines]
            path = FOLDER / f"{exercise}.txt"
            kept = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            if len(kept) == len(lines) and all(
                a == b or _lines_agree(a, b) for a, b in zip(lines, kept, strict=True)
            ):
                print(
                    f"kept {harness.where(path)}: it agrees within the test's tolerance",
                    file=sys.stderr,
                )
                continue  # another machine's last digits are no change
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"wrote {harness.where(path)}", file=sys.stderr)
    finally:
        run.close()


if __name__ == "__main__":
    write_transcripts()
