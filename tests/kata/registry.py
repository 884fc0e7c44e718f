"""The one registry: a record per exercise. Everything else about an exercise is derived.

Markers, the teaching order of the functions, hints, the short run of main() the
transcript test needs, and the benchmark's settings are read from here. Adding a network
means its solution (solutions/exNN_*.py, the single source), its test file
(tests/test_exNN_*.py) and one record below; `python -m tests.kata.generate` writes the rest.
The completeness check (tests/kata/checks/test_registry.py) refuses a record with a part
missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _bits(target: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """Data of n random bit pairs and target(x1, x2) as (n, 1) float64 columns."""

    def data(m, rng: np.random.Generator, n: int):
        X = rng.integers(0, 2, size=(n, 2))
        return X.astype(np.float64), target(X[:, :1], X[:, 1:]).astype(np.float64)

    return data


@dataclass(frozen=True)
class Exercise:
    module: str  # exNN_name: the file in exercises/, solutions/ and tests/test_<module>.py
    document: str  # the source document's number
    title: str  # one line: the network and its task
    writes: tuple[str, ...]  # the functions the student writes, in teaching order
    hints: tuple[str, str, str]  # a nudge, the key equation, the shapes
    # main()'s training cut short, for a run that asks only what main() does, not what it
    # prints: (the given function main calls, a stand-in built from the kata's own copy).
    quick: tuple[str, Callable[[Callable], Callable]]
    # The benchmark: n rows of the task, as float64 (X, Y), drawn with rng; and the
    # document's batch size, for one timed training step.
    data: Callable[[object, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
    train_n: int
    # The reference solution's gradient at N = 500, loop ÷ vectorized, as measured on the
    # README's machine: quoted beside the student's own speedup.
    reference_speedup: float

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
        writes=("sigmoid", "forward", "loss", "backward"),
        hints=(
            "Nudge. Write sigmoid first and keep it safe at z = -1000: exp(1000) overflows, but"
            " exp of a number <= 0 never does, and 1/(1+e^-z) = e^z/(1+e^z). forward is two"
            " lines. For backward, don't differentiate the log and the sigmoid separately:"
            " differentiate the loss of one entry with respect to its logit z, on paper, first.",
            "Key equation. For one entry, d/dz of -[y log s(z) + (1-y) log(1-s(z))] is s(z) - y"
            " = p - y: the sigmoid's slope cancels. The loss is a mean over N·K entries, so each"
            " entry's share carries a 1/(N·K). From dL/dZ, the chain rule through Z = XW + b"
            " gives both gradients; remember that b was added to every row.",
            "Shapes. X (N, D), W (D, K), b (1, K), Z and P (N, K). dL/dZ is (N, K); Xᵀ dL/dZ is"
            " (D, N)(N, K) = (D, K) like W; summing (N, K) over axis 0 with keepdims gives (1, K)"
            " like b. The cache must carry X (backward needs it) and P.",
        ),
        quick=("document_run", lambda run: lambda Y: run(Y, epochs=10)),
        data=_bits(np.bitwise_and),
        train_n=4,
        reference_speedup=325.0,
    ),
    Exercise(
        module="ex02_sigmoid_mse",
        document="003",
        title="a 2-2-1 sigmoid net with squared error learns XOR",
        writes=("sigmoid", "sigmoid_prime", "forward", "loss", "backward"),
        hints=(
            "Nudge. sigmoid_prime takes the pre-activation z and returns s(z)(1 - s(z)). The"
            " output is linear, so forward has no sigmoid after W2. backward is the chain rule"
            " read right to left: one line per arrow of forward.",
            "Key equations. L = mean of ½(out - Y)², so dL/dout = (out - Y)/(N·K). out = A W2"
            " gives dL/dW2 = Aᵀ dL/dout and dL/dA = dL/dout W2ᵀ. A = s(Z1) gives dL/dZ1 = dL/dA"
            " ⊙ s'(Z1), elementwise, at Z1. Z1 = X W1 gives dL/dW1 = Xᵀ dL/dZ1.",
            "Shapes. X (N, D), W1 (D, H), Z1 and A (N, H), W2 (H, K), out (N, K). dL/dout"
            " (N, K); Aᵀ dL/dout (H, K) like W2; dL/dout W2ᵀ (N, H) like A; ⊙ s'(Z1) keeps"
            " (N, H); Xᵀ dL/dZ1 (D, H) like W1. If a product does not fit, you have a transpose"
            " wrong.",
        ),
        quick=("document_run", lambda run: lambda: run(steps=1)),
        data=_bits(np.bitwise_xor),
        train_n=4,
        reference_speedup=298.0,
    ),
    Exercise(
        module="ex03_tanh_xor",
        document="001",
        title="a 2-4-1 tanh / sigmoid net learns XOR",
        writes=("sigmoid", "tanh_prime", "forward", "loss", "backward"),
        hints=(
            "Nudge. Use np.tanh (the exp formula overflows at ±1000). tanh_prime takes the"
            " pre-activation z. The output is sigmoid + cross-entropy, exactly as in ex01, so the"
            " gradient at the output logits is the same short expression.",
            "Key equations. dL/dZ2 = (P - Y)/(N·K). dL/dW2 = Aᵀ dL/dZ2, dL/db2 = rows of dL/dZ2"
            " summed. dL/dA = dL/dZ2 W2ᵀ; dL/dZ1 = dL/dA ⊙ (1 - tanh(Z1)²). dL/dW1 = Xᵀ dL/dZ1,"
            " dL/db1 = rows of dL/dZ1 summed.",
            "Shapes. X (N, D); W1 (D, H), b1 (1, H), Z1 and A (N, H); W2 (H, K), b2 (1, K), Z2"
            " and P (N, K). Every gradient has its parameter's shape: a bias gradient is a (1, ·)"
            " row (sum over axis 0 with keepdims), never (N, ·).",
        ),
        quick=("document_run", lambda run: lambda: run(steps=1)),
        data=_bits(np.bitwise_xor),
        train_n=4,
        reference_speedup=180.0,
    ),
    Exercise(
        module="ex04_relu_softmax",
        document="002",
        title="a ReLU + softmax classifier learns Gaussian blobs",
        writes=("relu", "softmax", "forward", "loss", "softmax_cross_entropy_grad", "backward"),
        hints=(
            "Nudge. Softmax: subtract each row's maximum from the logits before exp; it changes"
            " nothing mathematically and makes overflow impossible. The loss picks one"
            " probability per row, P[n, y_n]: fancy indexing with np.arange(N) and Y. Floor it"
            " before the log.",
            "Key equations. With a one-hot T of the labels, dL/dZ2 = (P - T)/N: subtract 1 at"
            " each row's label and divide by N (this loss averages over rows only). ReLU passes"
            " the gradient where Z1 > 0 and blocks it elsewhere: dL/dZ1 = (dL/dZ2 W2ᵀ) ⊙"
            " [Z1 > 0].",
            "Shapes. X (N, D); Z1 and A (N, H); Z2 and P (N, K); Y is (N,) integer labels, not"
            " one-hot. dL/dW2 = Aᵀ dL/dZ2 (H, K), dL/db2 (1, K), dL/dW1 = Xᵀ dL/dZ1 (D, H),"
            " dL/db1 (1, H).",
        ),
        # main() prints the loss at every 1 000th step: one step, its loss repeated.
        quick=("train", lambda train: lambda *a: train(*a[:4], 1) * a[4]),
        data=lambda m, rng, n: m.make_blobs(rng, n),
        train_n=20,
        reference_speedup=91.0,
    ),
    Exercise(
        module="ex05_online_sgd",
        document="004",
        title="a 5-10-5 sigmoid net learns bit complements by online SGD",
        writes=(
            "sigmoid",
            "sigmoid_prime",
            "forward",
            "loss",
            "backward",
            "backward_per_sample",
        ),
        hints=(
            "Nudge. The batched functions are ex02's with a sigmoid on the output too and"
            " cross-entropy instead of squared error: reuse what you learned in ex01 for the"
            " output. backward_per_sample computes the *same* gradient one row at a time.",
            "Key equations. dL/dZ2 = (P - Y)/(N·K); dL/dW2 = Aᵀ dL/dZ2; dL/dZ1 = (dL/dZ2 W2ᵀ) ⊙"
            " s'(Z1); dL/dW1 = Xᵀ dL/dZ1. Per row n: e2 = p - y, e1 = (W2 e2) ⊙ s'(z1); add the"
            " outer products a e2ᵀ and x e1ᵀ, and divide the sums by N·K at the end.",
            "Shapes. Per row: x (D,), a (H,), p and y (K,), e2 (K,), e1 (H,); np.outer(a, e2) is"
            " (H, K) like W2, np.outer(x, e1) is (D, H) like W1. Batched: Xᵀ (D, N) times (N, H)"
            " is the same sum of N outer products.",
        ),
        quick=("document_run", lambda run: lambda: run(epochs=1)),
        data=lambda m, rng, n: tuple(a.astype(np.float64) for a in m.make_complements(rng, n)),
        train_n=500,
        reference_speedup=155.0,
    ),
)

# The exercises this copy of the kata holds: all of them, or those a handout was made of
# (pytest --handout OUT --exercises ex01,ex03), as their test files say.
TESTS = Path(__file__).resolve().parents[1]
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


def of_test_file(filename: str) -> Exercise | None:
    """The exercise whose test file this is (test_ex02_sigmoid_mse.py -> ex02), else None."""
    for e in EXERCISES:
        if filename == e.test_file:
            return e
    return None
