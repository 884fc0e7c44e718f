"""Where things are: the one home of the kata's paths and of the exercise file pattern."""

from __future__ import annotations

from pathlib import Path

KATA = Path(__file__).resolve().parent  # tests/kata: the machinery
TESTS = KATA.parent  # tests/: the exercises' test files
ROOT = TESTS.parent  # the kata: exercises/, solutions/, tests/, conftest.py
PRISTINE = KATA / "pristine"  # the exercises as handed out, for --reset and --upgrade
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
# An exercise's file, in exercises/, solutions/ and pristine/: ex02_sigmoid_mse.py.
EXERCISE_GLOB = "ex[0-9][0-9]_*.py"
