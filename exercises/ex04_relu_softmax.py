"""ex04 · A ReLU hidden layer, a softmax output, cross-entropy on class labels.

Several classes at once: the network gives every row a probability for each of
K classes, and the targets are integer labels, not one-hot rows.

    Z1 = X @ W1 + b1       X: (N, D)   W1: (D, H)   b1: (1, H)   Z1: (N, H)
    A  = relu(Z1)          A: (N, H),  relu(z) = max(0, z)
    Z2 = A @ W2 + b2       W2: (H, K)  b2: (1, K)   Z2: (N, K), the logits
    P  = softmax(Z2)       P: (N, K),  P[n, k] = exp(Z2[n, k]) / sum_j exp(Z2[n, j])
    L  = mean over the N rows of -log P[n, Y[n]]       Y: (N,) integers in 0 .. K-1

Write the functions under "yours", in order; `pytest -m ex04` checks each one
as you go. backward is the chain rule applied right to left, one line per
arrow above, starting where softmax and cross-entropy meet: that first step is
softmax_cross_entropy_grad, written and tested on its own. Write the shape of
every intermediate beside it.

Learning rate. The source document already divides its gradient by N, so it
steps along the gradient of the mean loss it prints, as we do: its rate 0.01
maps 1:1 and is used unchanged here.

Its printed losses cannot be reproduced: its data come from an unseeded
make_classification (20 points, 2 classes, fed to 3 outputs). We stand in a
small Gaussian-blobs generator, seeded, built from numpy alone.

Run it, once the tests pass:  python -m exercises.ex04_relu_softmax
"""

from typing import Any

import numpy as np


# --- given ---------------------------------------------------------------------------
def init_params(
    rng: np.random.Generator, n_in: int = 2, n_hidden: int = 2, n_out: int = 3
) -> dict[str, np.ndarray]:
    """The document's start: weights 0.01 × uniform on [0, 1), zero biases (1, H) and (1, K)."""
    return {
        "W1": 0.01 * rng.uniform(size=(n_in, n_hidden)),
        "b1": np.zeros((1, n_hidden)),
        "W2": 0.01 * rng.uniform(size=(n_hidden, n_out)),
        "b2": np.zeros((1, n_out)),
    }


def make_blobs(
    rng: np.random.Generator,
    n: int,
    n_classes: int = 3,
    radius: float = 3.0,
    spread: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """n points in the plane, in n_classes Gaussian blobs: X (n, 2) float64, labels (n,) int.

    The blobs' centres sit evenly on a circle of `radius` about the origin; each
    point is its centre plus Normal(0, spread²) noise. Labels cycle 0, 1, ...,
    n_classes - 1, so every class appears once n >= n_classes.
    """
    if n_classes < 2:
        raise ValueError(f"make_blobs needs two classes or more, got n_classes={n_classes}")
    labels = np.arange(n) % n_classes
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centres[labels] + spread * rng.normal(size=(n, 2)), labels


# --- yours ---------------------------------------------------------------------------
def relu(z: np.ndarray) -> np.ndarray:
    """The rectifier max(0, z), elementwise, any shape; a new array, z is left unchanged."""
    raise NotImplementedError("ex04_relu_softmax.relu: not written yet (see its docstring)")


def softmax(z: np.ndarray) -> np.ndarray:
    """Row by row, P[n, k] = exp(z[n, k]) / sum_j exp(z[n, j]).

    z: (N, K) logits. Returns P (N, K): entries in [0, 1], each row summing to 1.
    It must stay finite and silent for logits of ±1000: exp(1000) overflows a
    float64. Subtracting one number from a whole row leaves its softmax as it
    was, so subtract each row's maximum first; exp then never sees more than 0.
    """
    raise NotImplementedError("ex04_relu_softmax.softmax: not written yet (see its docstring)")


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """P = softmax(relu(X @ W1 + b1) @ W2 + b2).

    params: {"W1": (D, H), "b1": (1, H), "W2": (H, K), "b2": (1, K)};
    X: (N, D), possibly an integer array.
    Returns (P, cache): P is (N, K) float64, one row of class probabilities per
    input row; cache holds what backward needs (X, Z1, A and P).
    """
    raise NotImplementedError("ex04_relu_softmax.forward: not written yet (see its docstring)")


def loss(P: np.ndarray, Y: np.ndarray) -> float:
    """Cross-entropy: the mean over the N rows of -log P[n, Y[n]].

    P: (N, K) probabilities;  Y: (N,) integer labels in 0 .. K-1. Returns a
    float. It stays finite when the probability of a label is exactly 0.
    """
    raise NotImplementedError("ex04_relu_softmax.loss: not written yet (see its docstring)")


def softmax_cross_entropy_grad(P: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dL/dZ2: the gradient of the loss at the logits, through softmax and cross-entropy.

    P: (N, K) the softmax of the logits Z2;  Y: (N,) integer labels in 0 .. K-1.
    Returns an (N, K) array. Work it out for one row first: how does
    -log softmax(z)[y] change with each z[k]? Then remember that L is the mean
    over N rows. backward starts from it.
    """
    raise NotImplementedError(
        "ex04_relu_softmax.softmax_cross_entropy_grad: not written yet (see its docstring)"
    )


def backward(params: dict[str, np.ndarray], cache: Any, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The exact gradient of loss(forward(params, X)[0], Y) for each parameter.

    cache: what your forward returned;  Y: (N,) integer labels.
    Returns {"W1": (D, H), "b1": (1, H), "W2": (H, K), "b2": (1, K)}, each
    dL/d(that parameter). Work right to left: first dL/dZ2 at the logits
    (N, K), through softmax and cross-entropy together; remember that L is a
    mean over N rows. Then dL/dW2 and dL/db2, back through W2 to dL/dA (N, H),
    through the ReLU to dL/dZ1 (N, H), and on to dL/dW1 and dL/db1.
    Leave params, X and the cache unchanged.
    """
    raise NotImplementedError("ex04_relu_softmax.backward: not written yet (see its docstring)")


# --- given: training and a run like the document's -----------------------------------
def train(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, lr: float, steps: int
) -> list[float]:
    """Full-batch gradient descent, in place. Returns the loss before each step."""
    trace = []
    for _ in range(steps):
        P, cache = forward(params, X)
        trace.append(float(loss(P, Y)))
        grads = backward(params, cache, Y)
        for name in params:
            params[name] -= lr * grads[name]
    return trace


def predict(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """The most probable class of each row: (N,) integer labels."""
    P, _ = forward(params, X)
    return P.argmax(axis=1)


def accuracy(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label."""
    return float(np.mean(predict(params, X) == Y))


def main(argv: list[str] | None = None) -> None:
    """The document's setting on seeded blobs: 20 points of 2 classes, a 2-2-3 net, rate 0.01.

    Like the document, it prints the loss every 1 000 of 10 000 iterations (here
    measured before that iteration's update), then the final probabilities; and
    the training accuracy. With 2 classes, the third output learns to say "never".
    """
    from ._draw import decision_map, finish, loss_curve, options, save_plot

    plot = options("A ReLU + softmax classifier on Gaussian blobs (document 002).", argv).plot
    rng = np.random.default_rng(0)
    X, Y = make_blobs(rng, 20, n_classes=2)
    params = init_params(rng)
    trace = []
    for i in range(0, 10_000, 1000):
        trace += train(params, X, Y, 0.01, 1000)
        print(f"Loss at iteration {i}: {trace[i]}")
    P, _ = forward(params, X)
    for p, label in zip(P, Y, strict=True):
        print("probabilities", "  ".join(f"{v:.8e}" for v in p), f"  label {label}")
    print(f"training accuracy: {accuracy(params, X, Y):.0%}")
    print(loss_curve(trace))
    classes = lambda G: predict(params, G)  # noqa: E731
    print(decision_map(classes, X, Y, title="the most probable class across the plane"))
    finish(save_plot(plot, trace, classes, X, Y, "ex04: ReLU + softmax on blobs") if plot else None)


if __name__ == "__main__":
    if not __package__:  # run as a file (an IDE's Run button): import as part of the kata
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        __package__ = Path(__file__).resolve().parent.name
    from ._draw import run

    run(main)
