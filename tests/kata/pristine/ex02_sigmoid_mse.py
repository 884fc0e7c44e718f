"""ex02 · A 2-2-1 net on XOR: sigmoid hidden layer, linear output, squared error.

One hidden layer bends the input plane so that a straight line can finish the
job. No biases, as in the source document.

    Z1 = X @ W1            X: (N, D)   W1: (D, H)   Z1: (N, H)
    A  = sigmoid(Z1)       A: (N, H)
    out = A @ W2           W2: (H, K)  out: (N, K), a raw number, no squashing
    L = mean over all N·K entries of ½ (out - Y)²

Write the functions under "yours", in order; `pytest -m ex02` checks each one
as you go. backward is the chain rule applied right to left, one line per
arrow above; write the shape of every intermediate beside it.

Learning rate. The document steps along the gradient of ½ (out - Y)² summed
over the four rows while printing the mean; with the gradient of the mean its
rate 0.1 becomes 0.1 × N = 0.4 here, and the steps are then the same.

Run it, once the tests pass:  python -m exercises.ex02_sigmoid_mse
"""

from typing import Any

import numpy as np

# Two bits in, their parity out: XOR as (4, 2) integer inputs and (4, 1) targets.
X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y_XOR = np.array([[0], [1], [1], [0]])


# --- given ---------------------------------------------------------------------------
def init_params(
    rng: np.random.Generator, n_in: int = 2, n_hidden: int = 2, n_out: int = 1
) -> dict[str, np.ndarray]:
    """The document's start: W1 (n_in, n_hidden) and W2 (n_hidden, n_out), uniform on [0, 1)."""
    return {
        "W1": rng.uniform(size=(n_in, n_hidden)),
        "W2": rng.uniform(size=(n_hidden, n_out)),
    }


# --- yours ---------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), elementwise, any shape.

    It must stay finite and silent for z = ±1000: exp(1000) overflows a float64,
    so never compute exp of a large positive number.
    """
    raise NotImplementedError("ex02_sigmoid_mse.sigmoid: not written yet (see its docstring)")


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """The derivative of sigmoid at the pre-activation z: sigmoid(z) (1 - sigmoid(z)).

    z: any shape (in backward it is Z1, not the activation A = sigmoid(Z1)).
    """
    raise NotImplementedError("ex02_sigmoid_mse.sigmoid_prime: not written yet (see its docstring)")


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """out = sigmoid(X @ W1) @ W2.

    params: {"W1": (D, H), "W2": (H, K)};  X: (N, D), possibly an integer array.
    Returns (out, cache): out is (N, K) float64, the raw linear output; cache
    holds what backward needs (X, Z1, A and out).
    """
    raise NotImplementedError("ex02_sigmoid_mse.forward: not written yet (see its docstring)")


def loss(out: np.ndarray, Y: np.ndarray) -> float:
    """Squared error: the mean over all N·K entries of ½ (out - Y)².

    out: (N, K);  Y: (N, K). Returns a float.
    """
    raise NotImplementedError("ex02_sigmoid_mse.loss: not written yet (see its docstring)")


def backward(params: dict[str, np.ndarray], cache: Any, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The exact gradient of loss(forward(params, X)[0], Y) for each parameter.

    cache: what your forward returned;  Y: (N, K).
    Returns {"W1": dL/dW1 of shape (D, H), "W2": dL/dW2 of shape (H, K)}.
    Work right to left: dL/dout (N, K), then dL/dW2, then back through W2 to
    dL/dA (N, H), through the sigmoid to dL/dZ1 (N, H), and on to dL/dW1.
    Leave params, X and the cache unchanged.
    """
    raise NotImplementedError("ex02_sigmoid_mse.backward: not written yet (see its docstring)")


# --- given: training and the document's run ------------------------------------------
def train(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, lr: float, steps: int
) -> list[float]:
    """Full-batch gradient descent, in place. Returns the loss before each step."""
    trace = []
    for _ in range(steps):
        out, cache = forward(params, X)
        trace.append(float(loss(out, Y)))
        grads = backward(params, cache, Y)
        for name in params:
            params[name] -= lr * grads[name]
    return trace


def document_run(
    steps: int = 10_000,
) -> tuple[dict[int, float], np.ndarray, dict[str, np.ndarray], list[float]]:
    """Document 003's run: seed 0, W1 then W2 uniform, 10 000 steps at 0.1 × N = 0.4.

    Returns the loss printed every 2 500 steps (measured before that step's
    update), the outputs of the last forward pass, as the document prints them,
    the trained params and the loss before every step.
    """
    legacy = np.random.RandomState(0)  # the same stream as np.random.seed(0)
    params = {"W1": legacy.uniform(size=(2, 2)), "W2": legacy.uniform(size=(2, 1))}
    trace = []
    for _ in range(steps):
        out, cache = forward(params, X_XOR)
        trace.append(float(loss(out, Y_XOR)))
        grads = backward(params, cache, Y_XOR)
        for name in params:
            params[name] -= 0.4 * grads[name]
    printed = {step: trace[step] for step in range(0, steps, 2500)}
    return printed, out, params, trace


def main(argv: list[str] | None = None) -> None:
    from ._draw import decision_map, finish, loss_curve, options, save_plot

    plot = options("A 2-2-1 sigmoid net learns XOR (document 003).", argv).plot
    printed, out, params, trace = document_run()
    for step, value in printed.items():
        print(f"step {step:5d}   loss {value!r}")
    for bits, prediction, label in zip(X_XOR, out, Y_XOR, strict=True):
        print(f"bits {bits} -> prediction {prediction[0]: .8f}   label {label[0]}")
    print(loss_curve(trace))
    predict = lambda G: forward(params, G)[0][:, 0]  # noqa: E731
    print(decision_map(predict, X_XOR, Y_XOR, title="XOR: the raw output, clipped to [0, 1]"))
    finish(save_plot(plot, trace, predict, X_XOR, Y_XOR, "ex02: 2-2-1 on XOR") if plot else None)


if __name__ == "__main__":
    if not __package__:  # run as a file (an IDE's Run button): import as part of the kata
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        __package__ = Path(__file__).resolve().parent.name
    from ._draw import run

    run(main)
