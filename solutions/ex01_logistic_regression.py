"""ex01 · Logistic regression: one layer, a sigmoid, binary cross-entropy.

The smallest network there is: every input is joined straight to the output.

    Z = X @ W + b          X: (N, D)   W: (D, K)   b: (1, K)   Z: (N, K)
    P = sigmoid(Z)         P: (N, K), each entry a probability in [0, 1]
    L = mean over all N·K entries of  -[Y log P + (1 - Y) log(1 - P)]

### BEGIN SOLUTION
Backward, the sigmoid and the cross-entropy cancel into one clean line:
### END SOLUTION
### BEGIN EXERCISE
Write the four functions under "yours", in order; `pytest -m ex01` checks each
one as you go. For backward, differentiate L by hand with respect to Z first:
the sigmoid and the cross-entropy cancel into something short.
### END EXERCISE

### BEGIN SOLUTION
    dL/dZ = (P - Y) / (N·K)        (the /(N·K) because L is a mean)
    dL/dW = X.T @ dZ               (D, N) @ (N, K) -> (D, K)
    dL/db = dZ summed over rows    (1, K): b was added to every row

It learns AND and OR, and can never learn XOR: a single line cannot put
(0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other.
### END SOLUTION
### BEGIN EXERCISE
It learns AND and OR, and can never learn XOR: the tests show both.
### END EXERCISE

Learning rate. The source document steps along the gradient of the loss
*summed* over the N rows while printing the mean; we use the gradient of the
mean, so its rate 0.1 on the four truth-table rows becomes 0.1 × N = 0.4 here.

### BEGIN SOLUTION
Run it:  python -m solutions.ex01_logistic_regression
### END SOLUTION
### BEGIN EXERCISE
Run it, once the tests pass:  python -m exercises.ex01_logistic_regression
### END EXERCISE
"""

from typing import Any

import numpy as np

# The truth tables: inputs (4, 2) and targets (4, 1), integers as in the document.
X_TRUTH = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y_AND = np.array([[0], [0], [0], [1]])
Y_OR = np.array([[0], [1], [1], [1]])
Y_XOR = np.array([[0], [1], [1], [0]])


# --- given ---------------------------------------------------------------------------
def init_params(rng: np.random.Generator, n_in: int = 2, n_out: int = 1) -> dict[str, np.ndarray]:
    """Small random weights, zero bias: W (n_in, n_out) ~ Normal(0, 0.01²), b (1, n_out) = 0."""
    return {
        "W": rng.normal(scale=0.01, size=(n_in, n_out)),
        "b": np.zeros((1, n_out)),
    }


# --- yours ---------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), elementwise, any shape.

    It must stay finite and silent for z = ±1000: exp(1000) overflows a float64,
    so never compute exp of a large positive number.
    """
    ### BEGIN SOLUTION
    # exp(-|z|) lies in (0, 1]: pick the algebraically equal form for each sign.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """P = sigmoid(X @ W + b).

    params: {"W": (D, K), "b": (1, K)};  X: (N, D), possibly an integer array.
    Returns (P, cache): P is (N, K) float64 probabilities; cache holds what
    backward needs (here X and P).
    """
    ### BEGIN SOLUTION
    P = sigmoid(X @ params["W"] + params["b"])
    return P, (X, P)
    ### END SOLUTION


def loss(P: np.ndarray, Y: np.ndarray) -> float:
    """Binary cross-entropy averaged over all N·K entries.

    P: (N, K) probabilities;  Y: (N, K) targets in {0, 1}.
    L = mean( -[Y log P + (1 - Y) log(1 - P)] ), a float. It stays finite
    when P is exactly 0 or 1.
    """
    ### BEGIN SOLUTION
    # The probability given to the right answer, floored so that log never sees 0.
    p_right = np.where(Y == 1, P, 1 - P)
    return float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))
    ### END SOLUTION


def backward(params: dict[str, np.ndarray], cache: Any, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The exact gradient of loss(forward(params, X)[0], Y) for each parameter.

    cache: what your forward returned;  Y: (N, K) targets in {0, 1}.
    Returns {"W": dL/dW of shape (D, K), "b": dL/db of shape (1, K)}.
    Work right to left: first dL/dZ at the logits Z = X @ W + b, (N, K); remember
    that L is a mean over N·K entries. Leave params, X and the cache unchanged.
    """
    ### BEGIN SOLUTION
    X, P = cache
    dZ = (P - Y) / P.size  # sigmoid + cross-entropy collapse to P - Y; /(N·K) for the mean
    return {"W": X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}
    ### END SOLUTION


# --- given: training and the document's run ------------------------------------------
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


def accuracy(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of entries where P > 0.5 matches the 0/1 target."""
    P, _ = forward(params, X)
    return float(np.mean((P > 0.5) == (Y == 1)))


def document_run(
    target: np.ndarray = Y_AND, epochs: int = 10_000
) -> tuple[list[tuple[int, float, float]], dict[str, np.ndarray], list[float]]:
    """Document 000's loop, seeded: (epoch, cross-entropy, accuracy) every epochs/10.

    np.random.seed(0) and its Normal(0, 0.01²) start, learning rate 0.1 × N = 0.4.
    Like the document, each row is measured before that epoch's update.
    Returns those rows, the trained params and the loss of every epoch.
    """
    legacy = np.random.RandomState(0)  # the same stream as np.random.seed(0)
    params = {"W": legacy.normal(scale=0.01, size=(2, 1)), "b": np.zeros((1, 1))}
    rows, trace = [], []
    for epoch in range(1, epochs + 1):
        P, cache = forward(params, X_TRUTH)
        trace.append(float(loss(P, target)))
        if epoch % (epochs // 10) == 0:
            rows.append((epoch, trace[-1], accuracy(params, X_TRUTH, target)))
        grads = backward(params, cache, target)
        for name in params:
            params[name] -= 0.4 * grads[name]
    return rows, params, trace


def main(argv: list[str] | None = None) -> None:
    from ._draw import decision_map, finish, loss_curve, options, save_plot

    plot = options("Logistic regression on AND, OR and XOR (document 000).", argv).plot
    saved = None
    for name, target in (("AND", Y_AND), ("OR", Y_OR), ("XOR", Y_XOR)):
        print(f"{name}: cross-entropy / accuracy, seeded as document 000")
        rows, params, trace = document_run(target)
        for epoch, xent, acc in rows:
            print(f"  epoch {epoch:6d}   {xent:.10f} / {acc:.0%}")
        print(loss_curve(trace, height=4, title=f"{name} loss"))
        predict = lambda G, p=params: forward(p, G)[0][:, 0]  # noqa: E731
        print(decision_map(predict, X_TRUTH, target, 32, 10, f"{name}: what the network says"))
        if plot and name == "XOR":  # the instructive picture: one line cannot do it
            saved = save_plot(plot, trace, predict, X_TRUTH, target, "ex01 on XOR")
    print("AND and OR are learned; XOR stays at 75 % or below: one line cannot separate it.")
    finish(saved)


if __name__ == "__main__":
    if not __package__:  # run as a file (an IDE's Run button): import as part of the kata
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        __package__ = Path(__file__).resolve().parent.name
    from ._draw import run

    run(main)
