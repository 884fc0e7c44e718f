"""ex03 · A 2-4-1 net on XOR: tanh hidden layer, sigmoid output, binary cross-entropy.

Biases are back, and the hidden layer now squashes with tanh, which is centred
on 0: a hidden unit can say "no" (-1) as firmly as "yes" (+1).

    Z1 = X @ W1 + b1       X: (N, D)   W1: (D, H)   b1: (1, H)   Z1: (N, H)
    A  = tanh(Z1)          A: (N, H), each entry in (-1, 1)
    Z2 = A @ W2 + b2       W2: (H, K)  b2: (1, K)   Z2: (N, K)
    P  = sigmoid(Z2)       P: (N, K), each entry a probability in [0, 1]
    L  = mean over all N·K entries of  -[Y log P + (1 - Y) log(1 - P)]

### BEGIN SOLUTION
Backward, right to left. At the output the sigmoid and the cross-entropy
cancel into one clean line, as in ex01; inside, tanh'(z) = 1 - tanh(z)².

    dZ2 = (P - Y) / (N·K)              (the /(N·K) because L is a mean)
    dW2 = A.T @ dZ2                    (H, N) @ (N, K) -> (H, K)
    db2 = dZ2 summed over rows         (1, K): b2 was added to every row
    dA  = dZ2 @ W2.T                   (N, K) @ (K, H) -> (N, H)
    dZ1 = dA * tanh'(Z1)               elementwise, (N, H); tanh'(Z1) = 1 - A²
    dW1 = X.T @ dZ1                    (D, N) @ (N, H) -> (D, H)
    db1 = dZ1 summed over rows         (1, H)
### END SOLUTION
### BEGIN EXERCISE
Write the functions under "yours", in order; `pytest -m ex03` checks each one
as you go. backward is the chain rule applied right to left, one step for
each line above, bottom to top; a bias was added to every row, as in ex01.
Write the shape of every intermediate beside it.
### END EXERCISE

Learning rate. The document steps along the gradient of the cross-entropy
*summed* over the four rows while printing the mean; with the gradient of the
mean its rate 0.1 becomes 0.1 × N·K = 0.1 × 4 = 0.4 here, and the steps are
then the same.

### BEGIN SOLUTION
Run it:  python -m solutions.ex03_tanh_xor
### END SOLUTION
### BEGIN EXERCISE
Run it, once the tests pass:  python -m exercises.ex03_tanh_xor
### END EXERCISE
"""

from typing import Any

import numpy as np

# Two bits in, their parity out: XOR as (4, 2) integer inputs and (4, 1) targets.
X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y_XOR = np.array([[0], [1], [1], [0]])


# --- given ---------------------------------------------------------------------------
def init_params(
    rng: np.random.Generator, n_in: int = 2, n_hidden: int = 4, n_out: int = 1
) -> dict[str, np.ndarray]:
    """The document's start, zero biases and standard normal weights, scaled.

    W1 (n_in, n_hidden) ~ Normal(0, 1) / sqrt(n_in): 1/sqrt(2) for the document's
    two inputs, keeping every Z1 entry of variance about 1 at any size.
    W2 (n_hidden, n_out) ~ Normal(0, 1) × 0.5 at every size, as in the document.
    b1 (1, n_hidden) and b2 (1, n_out) are zeros.
    """
    return {
        "W1": rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in),
        "b1": np.zeros((1, n_hidden)),
        "W2": rng.standard_normal((n_hidden, n_out)) * 0.5,
        "b2": np.zeros((1, n_out)),
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


def tanh_prime(z: np.ndarray) -> np.ndarray:
    """The derivative of tanh at the pre-activation z: 1 - tanh(z)², any shape.

    z: in backward it is Z1, not the activation A = tanh(Z1). Use np.tanh for
    tanh itself: it stays finite at z = ±1000, where (e^z - e^-z) / (e^z + e^-z)
    overflows.
    """
    ### BEGIN SOLUTION
    return 1 - np.tanh(z) ** 2
    ### END SOLUTION


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """P = sigmoid(tanh(X @ W1 + b1) @ W2 + b2).

    params: {"W1": (D, H), "b1": (1, H), "W2": (H, K), "b2": (1, K)};
    X: (N, D), possibly an integer array.
    Returns (P, cache): P is (N, K) float64 probabilities; cache holds what
    backward needs (X, Z1, A and P).
    """
    ### BEGIN SOLUTION
    Z1 = X @ params["W1"] + params["b1"]
    A = np.tanh(Z1)
    P = sigmoid(A @ params["W2"] + params["b2"])
    return P, (X, Z1, A, P)
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
    Returns {"W1": (D, H), "b1": (1, H), "W2": (H, K), "b2": (1, K)}, each dL/d
    of the parameter of that name.
    Work right to left: dL/dZ2 at the output logits (N, K), remembering that L
    is a mean over N·K entries; then dL/dW2 and dL/db2; back through W2 to
    dL/dA (N, H), through the tanh to dL/dZ1 (N, H), and on to dL/dW1 and
    dL/db1. Leave params, X and the cache unchanged.
    """
    ### BEGIN SOLUTION
    X, Z1, A, P = cache
    dZ2 = (P - Y) / P.size  # sigmoid + cross-entropy collapse to P - Y; /(N·K) for the mean
    dZ1 = (dZ2 @ params["W2"].T) * tanh_prime(Z1)
    return {
        "W1": X.T @ dZ1,
        "b1": dZ1.sum(axis=0, keepdims=True),
        "W2": A.T @ dZ2,
        "b2": dZ2.sum(axis=0, keepdims=True),
    }
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


def document_run(steps: int = 1000) -> tuple[list[float], np.ndarray, dict[str, np.ndarray]]:
    """Document 001's run: the 13th network built after seed 1337, 1 000 steps at 0.4.

    The notebook built its network many times before the printed run; each build
    draws randn(2, 4) then randn(4, 1), so we skip twelve such pairs. Then
    W1 = randn(2, 4) / sqrt(2), W2 = randn(4, 1) × 0.5, zero biases, and
    full-batch steps at 0.1 × N·K = 0.4.
    Returns the loss before each step (the document prints every 20th), the
    predictions after the last step, and the trained parameters.
    """
    legacy = np.random.RandomState(1337)  # the same stream as np.random.seed(1337)
    for _ in range(12):  # the twelve earlier builds: W1's draws, then W2's
        legacy.standard_normal((2, 4))
        legacy.standard_normal((4, 1))
    params = {
        "W1": legacy.standard_normal((2, 4)) / np.sqrt(2),
        "b1": np.zeros((1, 4)),
        "W2": legacy.standard_normal((4, 1)) * 0.5,
        "b2": np.zeros((1, 1)),
    }
    trace = train(params, X_XOR, Y_XOR, 0.4, steps)
    P, _ = forward(params, X_XOR)
    return trace, P, params


def main(argv: list[str] | None = None) -> None:
    from ._draw import decision_map, finish, loss_curve, options, save_plot

    plot = options("A 2-4-1 tanh/sigmoid net learns XOR (document 001).", argv).plot
    trace, P, params = document_run()
    for step in range(0, len(trace), 20):
        print(f"{step}/{len(trace)}: loss = {trace[step]:.3f}")
    # Like the document, the final loss is the one measured before the last step.
    print(f"Final loss = {trace[-1]:.3f}")
    for bits, p, label in zip(X_XOR, P, Y_XOR, strict=True):
        print(f"bits {bits} -> prediction {p[0]:.8f}   label {label[0]}")
    print(loss_curve(trace))
    predict = lambda G: forward(params, G)[0][:, 0]  # noqa: E731
    print(decision_map(predict, X_XOR, Y_XOR, title="XOR: the probability of 1"))
    finish(save_plot(plot, trace, predict, X_XOR, Y_XOR, "ex03: 2-4-1 on XOR") if plot else None)


if __name__ == "__main__":
    if not __package__:  # run as a file (an IDE's Run button): import as part of the kata
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        __package__ = Path(__file__).resolve().parent.name
    from ._draw import run

    run(main)
