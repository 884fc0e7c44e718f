"""The one registry: a record per exercise. Everything else about an exercise is derived.

Markers, the teaching order of the functions, hints, the short run of main() the
transcript test needs, and the benchmark's settings are read from here. Adding a network
means its solution (solutions/exNN_*.py, the single source), its test file
(tests/test_exNN_*.py) and one record below; `python -m tests.kata generate`
writes the rest.
The completeness check (tests/kata/checks/test_registry.py) refuses a record with a part
missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tests.kata.paths import TESTS


def _bits(target: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """Data of n random bit pairs and target(x1, x2) as (n, 1) float64 columns."""

    def data(m, rng: np.random.Generator, n: int):
        X = rng.integers(0, 2, size=(n, 2))
        return X.astype(np.float64), target(X[:, :1], X[:, 1:]).astype(np.float64)

    return data


# Hints for functions that several exercises share, written once. Each function the student
# writes has three: a nudge, the key equation, the shapes. They speak in the exercise's
# docstring's symbols and contain no code (tests/kata/checks/test_registry.py checks both).
SIGMOID = (
    "Nudge. exp of a large positive number overflows; exp of a number at or below zero never"
    " does. For each entry, use the form of the sigmoid whose exponent is at or below zero.",
    "Key equation. 1/(1 + e^-z) and e^z/(1 + e^z) are the same number. The first is safe for"
    " z >= 0, the second for z < 0, and both need only e^-|z|, which lies in (0, 1].",
    "Shapes. z may be any shape, even a single number: work on the whole array at once,"
    " elementwise, with no loop, and return the same shape.",
)
SIGMOID_PRIME = (
    "Nudge. It takes the pre-activation z, not the activation: compute the sigmoid of z first,"
    " then build the slope from it.",
    "Key equation. s'(z) = s(z)(1 - s(z)), with s your own sigmoid; written this way it keeps"
    " your sigmoid's safety at ±1000.",
    "Shapes. Elementwise, any shape: backward gives it Z1 (N, H) and gets (N, H) back.",
)
CROSS_ENTROPY = (
    "Nudge. For each entry, take the probability it gives to the right answer, then average"
    " minus its log. P may be exactly 0 or 1, so the log must never see 0.",
    "Key equation. The right answer's probability is P where Y is 1 and 1 - P where Y is 0; L is"
    " the mean over all N·K entries of minus its log. Floor it before the log at the smallest"
    " positive float64, or at most at 1e-12, never at 1e-7: the tests check the exact loss of"
    " probabilities down to 1e-11.",
    "Shapes. P and Y are both (N, K), and so is the right answer's probability; the loss is one"
    " plain float, the mean over N·K entries: not a sum, not an array.",
)


# The function a stage's tests check, where their names do not say it.
PER_STAGE = {"forward": "forward", "loss": "loss", "backward": "backward"}
PER_STAGE["loop"] = "backward_per_sample"


@dataclass(frozen=True)
class Exercise:
    module: str  # exNN_name: the file in exercises/, solutions/ and tests/test_<module>.py
    document: str  # the source document's number
    title: str  # one line: the network and its task
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
    train_n: int
    # The student's benchmark run on the reference solution (per row ÷ batched, N = 500), as
    # measured on the README's machine with `pytest --solutions --benchmark-only
    # tests/kata/bench/test_yours.py`: quoted beside the student's own speedup.
    reference_speedup: float

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
        function = PER_STAGE.get(stage or "")
        return function if function in self.writes else "network"

    @property
    def marker(self) -> str:
        """ex02: the marker that selects the exercise (pytest -m ex02)."""
        return self.module[:4]

    @property
    def test_file(self) -> str:
        return f"test_{self.module}.py"


ALL: tuple[Exercise, ...] = (
    Exercise(
        module="ex01_logistic_regression",
        document="000",
        title="logistic regression learns AND and OR, and cannot learn XOR",
        hints={
            "sigmoid": SIGMOID,
            "forward": (
                "Nudge. Two lines: the logits, then the sigmoid. Return the probabilities and a"
                " cache holding what backward will need.",
                "Key equation. Z = X W + b, then P = sigmoid(Z); the bias row b is added to every"
                " row of X W.",
                "Shapes. X (N, D) times W (D, K) is (N, K); b (1, K) broadcasts over the N rows; P"
                " is (N, K) float64 even for an integer X. The cache carries X and P.",
            ),
            "loss": CROSS_ENTROPY,
            "backward": (
                "Nudge. Don't differentiate the log and the sigmoid separately: differentiate the"
                " loss of one entry with respect to its logit z, on paper, first. The result is"
                " short.",
                "Key equation. For one entry, the derivative of -[y log s(z) + (1 - y) log(1 -"
                " s(z))] by z is s(z) - y = p - y: the sigmoid's slope cancels. L is a mean over"
                " N·K entries, so each entry's share carries 1/(N·K). From dL/dZ, the chain rule"
                " through Z = X W + b gives both gradients; b was added to every row.",
                "Shapes. dL/dZ is (N, K). dL/dW must be (D, K) like W, and the one product of X"
                " (N, D) and dL/dZ (N, K) of that shape is Xᵀ dL/dZ. dL/db must be (1, K) like b:"
                " add dL/dZ up over its N rows and keep the result a row.",
            ),
        },
        shares={"sigmoid": 15, "forward": 20, "loss": 20, "backward": 35, "network": 10},
        quick=("document_run", "lambda run: lambda Y: run(Y, epochs=10)"),
        data=_bits(np.bitwise_and),
        train_n=4,
        reference_speedup=372.0,
    ),
    Exercise(
        module="ex02_sigmoid_mse",
        document="003",
        title="a 2-2-1 sigmoid net with squared error learns XOR",
        hints={
            "sigmoid": SIGMOID,
            "sigmoid_prime": SIGMOID_PRIME,
            "forward": (
                "Nudge. Three steps, as in the docstring: the hidden pre-activation, its sigmoid,"
                " then a plain product with W2. The output gets no sigmoid.",
                "Key equation. The hidden layer is Z1 = X W1, then the sigmoid; the output layer"
                " is built the same way from A, with no sigmoid. Keep what backward needs (X, Z1,"
                " A, out).",
                "Shapes. X (N, D) times W1 (D, H) gives Z1 and A (N, H); A times W2 (H, K) gives"
                " out (N, K), float64 even for an integer X.",
            ),
            "loss": (
                "Nudge. Half the squared difference, averaged over every entry: one line.",
                "Key equation. L = mean over all N·K entries of ½ (out - Y)². Keep the ½: it"
                " cancels the 2 of the square in the gradient.",
                "Shapes. out and Y are both (N, K); return one plain float, not a (1,) or (N, K)"
                " array.",
            ),
            "backward": (
                "Nudge. The chain rule read right to left, one line per arrow of forward. Start"
                " with dL/dout, and write the shape of each intermediate beside it.",
                "Key equation. dL/dout = (out - Y)/(N·K): the ½ cancels the 2 of the square, and"
                " the mean over N·K entries divides. Every later step is a product with a"
                " transpose, or an elementwise product with s'(Z1) taken at Z1.",
                "Shapes. dL/dout (N, K); dL/dW2 (H, K) like W2, from A (N, H) and dL/dout; dL/dA"
                " (N, H) like A, from dL/dout and W2 (H, K); dL/dZ1 (N, H), elementwise; dL/dW1"
                " (D, H) like W1, from X (N, D). When a product does not fit, a transpose is"
                " wrong.",
            ),
        },
        shares={
            "sigmoid": 10,
            "sigmoid_prime": 10,
            "forward": 15,
            "loss": 15,
            "backward": 40,
            "network": 10,
        },
        quick=("document_run", "lambda run: lambda: run(steps=1)"),
        data=_bits(np.bitwise_xor),
        train_n=4,
        reference_speedup=265.0,
    ),
    Exercise(
        module="ex03_tanh_xor",
        document="001",
        title="a 2-4-1 tanh / sigmoid net learns XOR",
        hints={
            "sigmoid": SIGMOID,
            "tanh_prime": (
                "Nudge. It takes the pre-activation z. Use numpy's own tanh, not the formula with"
                " exponentials, which overflows at ±1000.",
                "Key equation. tanh'(z) = 1 - tanh(z)².",
                "Shapes. Elementwise, any shape: backward gives it Z1 (N, H) and gets (N, H) back.",
            ),
            "forward": (
                "Nudge. Four lines, one per line of the docstring's diagram: the hidden logits,"
                " tanh, the output logits, sigmoid.",
                "Key equation. The hidden layer is Z1 = X W1 + b1, then tanh; the output layer is"
                " built the same way from A, with the sigmoid. Keep what backward needs (X, Z1, A,"
                " P).",
                "Shapes. X (N, D), W1 (D, H), b1 (1, H), Z1 and A (N, H); W2 (H, K), b2 (1, K), Z2"
                " and P (N, K). Each bias row broadcasts over the N rows.",
            ),
            "loss": CROSS_ENTROPY,
            "backward": (
                "Nudge. The output is a sigmoid with cross-entropy, exactly as in ex01, so the"
                " gradient at the output logits is the same short expression. Then right to left,"
                " one line per arrow.",
                "Key equation. Back through the tanh, multiply elementwise by its slope at the"
                " pre-activation: dL/dZ1 = dL/dA ⊙ (1 - tanh(Z1)²).",
                "Shapes. dL/dZ2 (N, K); dL/dW2 (H, K) from A (N, H); dL/db2 (1, K); dL/dA (N, H)"
                " through W2 (H, K); dL/dZ1 (N, H); dL/dW1 (D, H) from X (N, D); dL/db1 (1, H)."
                " Each bias gradient is one row, never (N, ·).",
            ),
        },
        shares={
            "sigmoid": 10,
            "tanh_prime": 10,
            "forward": 15,
            "loss": 15,
            "backward": 40,
            "network": 10,
        },
        quick=("document_run", "lambda run: lambda: run(steps=1)"),
        data=_bits(np.bitwise_xor),
        train_n=4,
        reference_speedup=209.0,
    ),
    Exercise(
        module="ex04_relu_softmax",
        document="002",
        title="a ReLU + softmax classifier learns Gaussian blobs",
        hints={
            "relu": (
                "Nudge. Keep the positive entries, put 0 for the rest, and return a new array:"
                " the tests check that z is left as it was.",
                "Key equation. relu(z) = max(0, z) entry by entry: the larger of each entry and"
                " 0, not the largest entry of z.",
                "Shapes. Any shape in, the same shape out; forward gives it Z1 (N, H).",
            ),
            "softmax": (
                "Nudge. Subtracting one number from a whole row leaves its softmax as it was."
                " Subtract each row's own maximum first, and exp never overflows.",
                "Key equation. P[n, k] = exp(z[n, k] - max) / sum_j exp(z[n, j] - max), where max"
                " is the largest entry of row n: the shift cancels between top and bottom.",
                "Shapes. z (N, K) in, P (N, K) out. Each row's maximum and sum must be an (N, 1)"
                " column, so that it broadcasts along its own row; an (N,) vector broadcasts the"
                " wrong way.",
            ),
            "forward": (
                "Nudge. Four lines, one per line of the docstring's diagram, with your relu and"
                " softmax.",
                "Key equation. The hidden layer is Z1 = X W1 + b1, then relu; the output layer is"
                " built the same way from A, with softmax. Keep what backward needs (X, Z1, A,"
                " P).",
                "Shapes. X (N, D), W1 (D, H), b1 (1, H), Z1 and A (N, H); W2 (H, K), b2 (1, K), Z2"
                " and P (N, K).",
            ),
            "loss": (
                "Nudge. Each row adds minus the log of one probability, the one its label picks."
                " Pick them all at once by indexing P with the row numbers and the labels"
                " together, and keep the log away from 0.",
                "Key equation. L = mean over the N rows of -log P[n, Y[n]]. Floor each picked"
                " probability at the smallest positive float64 before the log, not at 1e-7: the"
                " tests check the exact loss of tiny probabilities.",
                "Shapes. P (N, K); Y (N,) integer labels, not one-hot rows; the picked"
                " probabilities (N,); the loss one plain float.",
            ),
            "softmax_cross_entropy_grad": (
                "Nudge. Work one row out on paper: how does -log softmax(z)[y] change as each"
                " z[k] moves? Softmax and cross-entropy cancel into something short.",
                "Key equation. For one row, the derivative by z[k] is P[k] - 1 where k is the"
                " label, and P[k] elsewhere. L is the mean over N rows, so divide by N.",
                "Shapes. P (N, K) in, (N, K) out: a copy of P with 1 subtracted at column Y[n] of"
                " each row n, divided by N. Leave P itself unchanged.",
            ),
            "backward": (
                "Nudge. Start from your softmax_cross_entropy_grad: that is dL/dZ2. Then right to"
                " left, one line per arrow of forward.",
                "Key equation. The ReLU passes the gradient where Z1 > 0 and blocks it elsewhere:"
                " dL/dZ1 = dL/dA ⊙ [Z1 > 0].",
                "Shapes. dL/dZ2 (N, K); dL/dW2 (H, K) from A (N, H); dL/db2 (1, K), one row for"
                " all N; dL/dA (N, H) through W2 (H, K); dL/dZ1 (N, H); dL/dW1 (D, H) from X"
                " (N, D); dL/db1 (1, H).",
            ),
        },
        # main() prints the loss at every 1 000th step: one step, its loss repeated.
        shares={
            "relu": 5,
            "softmax": 15,
            "forward": 15,
            "loss": 15,
            "softmax_cross_entropy_grad": 10,
            "backward": 30,
            "network": 10,
        },
        quick=("train", "lambda train: lambda *a: train(*a[:4], 1) * a[4]"),
        data=lambda m, rng, n: m.make_blobs(rng, n),
        train_n=20,
        reference_speedup=122.0,
    ),
    Exercise(
        module="ex05_online_sgd",
        document="004",
        title="a 5-10-5 sigmoid net learns bit complements by online SGD",
        hints={
            "sigmoid": SIGMOID,
            "sigmoid_prime": SIGMOID_PRIME,
            "forward": (
                "Nudge. ex02's forward with a sigmoid on the output too; no biases.",
                "Key equation. The hidden layer is Z1 = X W1, with no bias, then the sigmoid; the"
                " output layer is built the same way from A. Keep what backward needs (X, Z1, A,"
                " P).",
                "Shapes. X (N, D) times W1 (D, H) gives Z1 and A (N, H); A times W2 (H, K) gives Z2"
                " and P (N, K).",
            ),
            "loss": CROSS_ENTROPY,
            "backward": (
                "Nudge. The output is a sigmoid with cross-entropy, as in ex01 and ex03, so the"
                " gradient at the output logits is short; the hidden layer then goes as in ex02.",
                "Key equation. Back through the hidden layer: dL/dZ1 = (dL/dZ2 W2ᵀ) ⊙ s'(Z1),"
                " elementwise, with the slope taken at Z1.",
                "Shapes. dL/dZ2 (N, K); dL/dW2 (H, K) from A (N, H); dL/dZ1 (N, H) through W2"
                " (H, K); dL/dW1 (D, H) from X (N, D).",
            ),
            "backward_per_sample": (
                "Nudge. The same gradient as backward, one row at a time: loop over the rows with"
                " x and y as 1-D vectors, add each row's gradients into running totals, and turn"
                " the totals into the mean at the end. The weights never change in the loop.",
                "Key equation. A row's gradient for a weight matrix is the outer product of the"
                " layer's input and the layer's error: for W2, outer(a, p - y), with a (H,) the"
                " row's hidden activations. Add it to a total; the mean divides by N·K at the end.",
                "Shapes. x (D,); the hidden pre-activations, activations and error (H,); p, y and"
                " the output error (K,). The outer product of an (H,) and a (K,) vector is (H, K)"
                " like W2; of x and an (H,) vector, (D, H) like W1. Only the totals are 2-D.",
            ),
        },
        shares={
            "sigmoid": 5,
            "sigmoid_prime": 5,
            "forward": 10,
            "loss": 10,
            "backward": 25,
            "backward_per_sample": 35,
            "network": 10,
        },
        quick=("document_run", "lambda run: lambda: run(epochs=1)"),
        data=lambda m, rng, n: tuple(a.astype(np.float64) for a in m.make_complements(rng, n)),
        train_n=500,
        reference_speedup=152.0,
    ),
)

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
