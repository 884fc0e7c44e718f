"""The one registry: a record per exercise, read from registry.toml (data, no code).

Markers, the teaching order of the functions, hints, the short run of main() the
transcript test needs, and the benchmark's settings are read from there. Adding a network
means its solution (solutions/exNN_*.py, the single source), its test file
(tests/test_exNN_*.py) and one record in registry.toml; `python -m tests.kata new
exNN_name` writes the three skeletons and `python -m tests.kata generate` the rest. The
completeness check (tests/kata/checks/test_registry.py) refuses a record with a part
missing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.kata.paths import KATA, TESTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RECORDS = KATA / "registry.toml"


# The function a stage's tests check, where their names do not say it (a record's `stages`
# adds its own: ex05's loop stage checks backward_per_sample).
PER_STAGE = {"forward": "forward", "loss": "loss", "backward": "backward"}


@dataclass(frozen=True)
class Network:
    """A record's layers: hidden activations, the output, the loss (see registry.toml)."""

    hidden: tuple[str, ...]
    output: str  # identity, sigmoid, softmax
    loss: str  # cross_entropy, half_squared_error

    ACTIVATIONS = ("sigmoid", "tanh", "relu")
    OUTPUTS = ("identity", "sigmoid", "softmax")
    LOSSES = ("cross_entropy", "half_squared_error")


@dataclass(frozen=True)
class Exercise:
    module: str  # exNN_name: the file in exercises/, solutions/ and tests/test_<module>.py
    document: str  # the source document's number
    title: str  # one line: the network and its task
    credit: str  # the write-up whose idea it retells (the student's page credits it)
    # The functions the student writes, in teaching order, each with its three hints: a
    # nudge, the key equation, the shapes.
    hints: dict[str, tuple[str, str, str]] = field(hash=False)
    # What each function is worth: its share of the exercise's points, in percent, split
    # among the tests that check it; "network" for the tests of the whole network at work
    # (training, the document's run). A function skipped costs its share, no more, no less.
    shares: dict[str, int] = field(hash=False)
    # main()'s training cut short, for a run that asks only what main() does, not what it
    # prints: (the given function main calls, a stand-in built from the kata's own copy).
    # main()'s short run: (a given function, the source of a function that wraps it), run in
    # the subject process.
    quick: tuple[str, str]
    # The benchmark: n rows of the task, as float64 (X, Y), drawn with rng; and the
    # document's batch size, for one timed training step.
    data: Callable[[object, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
    data_spec: dict[str, str] = field(hash=False)
    train_n: int
    # The layers, for the benchmark's PyTorch tier (and any tier built from the record).
    network: Network = field(hash=False)
    # Stages whose tests check a function their names do not say: {stage: function}.
    stages: dict[str, str] = field(default_factory=dict, hash=False)
    # main()'s transcript: lines where rounding alone decides a number, as (regular
    # expression, replacement) pairs; {any} in a replacement is the transcript's any-number.
    noise: tuple[tuple[str, str], ...] = ()
    # The student's benchmark run on the reference solution (per row ÷ batched, N = 500), as
    # measured on the README's machine with `pytest --solutions --benchmark-only
    # tests/kata/bench/test_yours.py`: quoted beside the student's own speedup.

    @property
    def writes(self) -> tuple[str, ...]:
        """The functions the student writes, in teaching order."""
        return tuple(self.hints)

    def owner(self, test: str, stage: str | None) -> str:
        """The function a test checks: named in the test's name (test_<function>_...), else
        the one its stage is about; "network" for a test of the whole (training, document)."""
        name = test.rsplit("::", 1)[-1].split("[", 1)[0]
        for function in sorted(self.writes, key=len, reverse=True):  # sigmoid_prime first
            if name == f"test_{function}" or name.startswith(f"test_{function}_"):
                return function
        staged = {**PER_STAGE, **self.stages}.get(stage or "")
        return staged if staged in self.writes else "network"

    @property
    def marker(self) -> str:
        """ex02: the marker that selects the exercise (pytest -m ex02)."""
        return self.module[:4]

    @property
    def test_file(self) -> str:
        return f"test_{self.module}.py"


BITS = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}


def _data(spec: dict[str, str]) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """A record's `data`, as the function (module, rng, n) -> (X, Y) that draws n rows."""
    if "bits" in spec:
        gate = BITS[spec["bits"]]

        def bits(m: object, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
            X = rng.integers(0, 2, size=(n, 2))
            return X.astype(np.float64), gate(X[:, :1], X[:, 1:]).astype(np.float64)

        return bits
    name = spec["given"]

    def given(m: object, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        X, Y = getattr(m, name)(rng, n)
        # Targets (2-D) as float64; integer labels (1-D) stay labels.
        return np.asarray(X, np.float64), np.asarray(Y, np.float64) if np.ndim(Y) == 2 else Y

    return given


def load(path: Path = RECORDS) -> tuple[Exercise, ...]:
    """Every record of registry.toml, in its order, shared hints resolved."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    shared = {name: (h[0], h[1], h[2]) for name, h in data.get("shared", {}).items()}

    def hints_of(value: str | list[str]) -> tuple[str, str, str]:
        if isinstance(value, str):
            return shared[value.removeprefix("shared:")]
        return (value[0], value[1], value[2])  # the nudge, the key equation, the shapes

    return tuple(
        Exercise(
            module=r["module"],
            document=r["document"],
            title=r["title"],
            credit=r["credit"],
            hints={name: hints_of(value) for name, value in r["hints"].items()},
            shares=dict(r["shares"]),
            quick=(r["quick"][0], r["quick"][1]),
            data=_data(r["data"]),
            data_spec=dict(r["data"]),
            train_n=r["train_n"],
            network=Network(**{**r["network"], "hidden": tuple(r["network"]["hidden"])}),
            stages=dict(r.get("stages", {})),
            noise=tuple((pattern, replacement) for pattern, replacement in r.get("noise", [])),
        )
        for r in data["exercise"]
    )


ALL: tuple[Exercise, ...] = load()

# The exercises this copy of the kata holds: all of them, or those a handout was made of
# (pytest --handout OUT --exercises ex01,ex03), as their test files say.
EXERCISES: tuple[Exercise, ...] = tuple(e for e in ALL if (TESTS / e.test_file).is_file())
BY_MODULE = {e.module: e for e in EXERCISES}
BY_MARKER = {e.marker: e for e in EXERCISES}


def names() -> tuple[str, ...]:
    return tuple(e.module for e in EXERCISES)


def valid() -> str:
    """The exercises, for error messages: 'ex01 (ex01_logistic_regression), ...'."""
    return ", ".join(f"{e.marker} ({e.module})" for e in EXERCISES)


def resolve(word: str) -> Exercise | None:
    """'ex02', '2', 'ex02_sigmoid_mse' or a unique prefix -> its record; else None."""
    word = word.strip().lower()
    if word.isdigit():
        word = f"ex{int(word):02d}"
    matches = [e for e in EXERCISES if e.module.startswith(word)] if word else []
    return matches[0] if len(matches) == 1 else None


def parse_target(word: str) -> tuple[Exercise | None, str | None]:
    """An exercise and maybe one of its functions, as a student names them on the command line:
    'ex02', 'ex2', '2', 'ex02_sigmoid_mse', './exercises/ex02_sigmoid_mse.py', each with an
    optional '.function' (any case). The function is None without a dot, '' with nothing after
    it; the record None for no exercise."""
    text = word.strip().replace("\\", "/").removeprefix("./").removeprefix("exercises/")
    text = text.removesuffix(".py")
    exercise, dot, function = text.partition(".")
    number = re.fullmatch(r"ex(\d)", exercise.strip().lower())
    record = resolve(f"ex0{number[1]}" if number else exercise)  # ex2 for ex02
    return record, function.strip().lower() if dot else None


def of_test_file(filename: str) -> Exercise | None:
    """The exercise whose test file this is (test_ex02_sigmoid_mse.py -> ex02), else None."""
    for e in EXERCISES:
        if filename == e.test_file:
            return e
    return None


def of_test_module(name: str) -> Exercise:
    """The exercise whose test file defines the module `name` (a test's or a suite's
    __module__): what `m` and a suite's `exercise` are, so no test file names its own."""
    path = getattr(sys.modules.get(name), "__file__", None) or ""
    record = of_test_file(Path(path).name)
    if record is None:
        raise LookupError(
            f"{name} is not the test file of an exercise (tests/test_<module>.py with a record"
            " in tests/kata/registry.toml)"
        )
    return record
