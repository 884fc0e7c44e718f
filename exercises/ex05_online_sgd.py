"""ex05 · A 5-10-5 sigmoid net learns to flip bits, trained one example at a time.

Five random bits in, their complement out (1 - x, "XOR with 1" bit by bit).
Sigmoid hidden layer, sigmoid outputs, no biases, as in the source document.

    Z1 = X @ W1            X: (N, D)   W1: (D, H)   Z1: (N, H)
    A  = sigmoid(Z1)       A: (N, H)
    Z2 = A @ W2            W2: (H, K)  Z2: (N, K)
    P  = sigmoid(Z2)       P: (N, K), one probability per output bit
    L  = mean over all N·K entries of  -[Y log P + (1 - Y) log(1 - P)]

Write the functions under "yours", in order; `pytest -m ex05` checks each one
as you go. backward is the chain rule applied right to left, one line per arrow
above, all rows at once; write the shape of every intermediate beside it. Then
backward_per_sample gets the same gradient the way the document does, with
1-D vectors for one row at a time.

Two different things go "one row at a time" here; keep them apart:
- backward_per_sample is the per-sample *loop*: it computes the same gradient as
  backward, at the same weights, only slowly (row by row, then averaged). It
  agrees with backward to rounding; it exists to be compared and timed.
- online SGD (online_sgd_epoch, the document's training) is a different
  *algorithm*: it updates the weights after every row, so each row sees weights
  the previous rows already moved. Its trajectory differs from full-batch
  descent, whatever way the gradient is computed.

Learning rate. The document steps along the gradient of the cross-entropy
summed over the 5 outputs while printing its mean; we use the gradient of the
mean over N·K entries with N = 1 per step, so its rate 0.1 becomes 0.1 × K = 0.5
here, and the steps are then the same.

Run it, once the tests pass:  python -m exercises.ex05_online_sgd
"""

from typing import Any

import numpy as np

N_BITS = 5


# --- given ---------------------------------------------------------------------------
def init_params(
    rng: np.random.Generator, n_in: int = N_BITS, n_hidden: int = 10, n_out: int = N_BITS
) -> dict[str, np.ndarray]:
    """The document's start: W1 (n_in, n_hidden) and W2 (n_hidden, n_out), uniform on [-1, 1)."""
    return {
        "W1": rng.uniform(-1, 1, size=(n_in, n_hidden)),
        "W2": rng.uniform(-1, 1, size=(n_hidden, n_out)),
    }


def make_complements(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n random bit vectors X (n, 5) and their complements Y = 1 - X, both integer arrays."""
    X = rng.integers(0, 2, size=(n, N_BITS))
    return X, 1 - X


# --- yours ---------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), elementwise, any shape.

    It must stay finite and silent for z = ±1000: exp(1000) overflows a float64,
    so never compute exp of a large positive number.
    """
    raise NotImplementedError("ex05_online_sgd.sigmoid: not written yet (see its docstring)")


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """The derivative of sigmoid at the pre-activation z: sigmoid(z) (1 - sigmoid(z)).

    z: any shape (in backward it is Z1, not the activation A = sigmoid(Z1)).
    """
    raise NotImplementedError("ex05_online_sgd.sigmoid_prime: not written yet (see its docstring)")


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """P = sigmoid(sigmoid(X @ W1) @ W2).

    params: {"W1": (D, H), "W2": (H, K)};  X: (N, D), possibly an integer array.
    Returns (P, cache): P is (N, K) float64 probabilities; cache holds what
    backward needs (X, Z1, A and P).
    """
    raise NotImplementedError("ex05_online_sgd.forward: not written yet (see its docstring)")


def loss(P: np.ndarray, Y: np.ndarray) -> float:
    """Binary cross-entropy averaged over all N·K entries.

    P: (N, K) probabilities;  Y: (N, K) targets in {0, 1}.
    L = mean( -[Y log P + (1 - Y) log(1 - P)] ), a float. It stays finite
    when P is exactly 0 or 1.
    """
    raise NotImplementedError("ex05_online_sgd.loss: not written yet (see its docstring)")


def backward(params: dict[str, np.ndarray], cache: Any, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The exact gradient of loss(forward(params, X)[0], Y) for each parameter, all rows at once.

    cache: what your forward returned;  Y: (N, K) targets in {0, 1}.
    Returns {"W1": dL/dW1 of shape (D, H), "W2": dL/dW2 of shape (H, K)}.
    Work right to left: dL/dZ2 at the output logits (N, K), remembering that L
    is a mean over N·K entries; then dL/dW2; back through W2 to dL/dA (N, H),
    through the sigmoid to dL/dZ1 (N, H), and on to dL/dW1.
    Leave params, X and the cache unchanged.
    """
    raise NotImplementedError("ex05_online_sgd.backward: not written yet (see its docstring)")


def backward_per_sample(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, np.ndarray]:
    """The same gradient as backward, computed with a loop over the rows, one at a time.

    params: {"W1": (D, H), "W2": (H, K)};  X: (N, D);  Y: (N, K) targets in {0, 1}.
    Returns {"W1": (D, H), "W2": (H, K)}: the gradient of the mean loss over all
    N·K entries, equal to backward's up to rounding.
    For each row take x (D,) and y (K,) as 1-D vectors: run it forward, go right
    to left to its error at the output logits (K,) and at the hidden
    pre-activations (H,), and add the row's gradients for W2 and W1 (each an
    outer product of two vectors) into running totals. At the end, turn the
    totals into the gradient of the mean. The weights never change in the loop.
    Leave params, X and Y unchanged.
    """
    raise NotImplementedError(
        "ex05_online_sgd.backward_per_sample: not written yet (see its docstring)"
    )


# --- given: training and the document's run ------------------------------------------
def online_sgd_epoch(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, lr: float
) -> float:
    """One epoch of online SGD, in place: one row at a time, an update after each.

    Returns the epoch's average per-sample loss, each measured before its update.
    """
    losses = []
    for n in range(len(X)):
        P, cache = forward(params, X[n : n + 1])
        losses.append(float(loss(P, Y[n : n + 1])))
        grads = backward(params, cache, Y[n : n + 1])
        for name in params:
            params[name] -= lr * grads[name]
    return float(np.mean(losses))


def minibatch_epoch(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, lr: float, batch_size: int
) -> float:
    """One epoch of mini-batch descent, in place: batch_size rows per vectorized update.

    Returns the epoch's average per-sample loss, each batch measured before its update.
    """
    total = 0.0
    for start in range(0, len(X), batch_size):
        Xb, Yb = X[start : start + batch_size], Y[start : start + batch_size]
        P, cache = forward(params, Xb)
        total += float(loss(P, Yb)) * len(Xb)
        grads = backward(params, cache, Yb)
        for name in params:
            params[name] -= lr * grads[name]
    return total / len(X)


def flawless_rate(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of rows whose every output bit is right: (P > 0.5) == Y on all K entries."""
    P, _ = forward(params, X)
    return float(np.mean(np.all((P > 0.5) == (Y == 1), axis=1)))


def document_run(epochs: int = 10) -> tuple[list[float], dict[str, np.ndarray], np.ndarray]:
    """Document 004's run: seed 42, 500 training vectors, online SGD at 0.1 × K = 0.5.

    The stream of np.random.seed(42) gives, in order, the training bits, W1, W2
    and, after training, 5 000 new vectors to validate on. Returns the average
    loss of each epoch, the trained params and those new vectors.
    """
    legacy = np.random.RandomState(42)  # the same stream as np.random.seed(42)
    X = legacy.binomial(1, 0.5, (500, N_BITS))
    params = {
        "W1": legacy.uniform(-1, 1, (N_BITS, 10)),
        "W2": legacy.uniform(-1, 1, (10, N_BITS)),
    }
    losses = [online_sgd_epoch(params, X, 1 - X, 0.5) for _ in range(epochs)]
    return losses, params, legacy.binomial(1, 0.5, (5000, N_BITS))


def main(argv: list[str] | None = None) -> None:
    from ._draw import finish, loss_curve, options, save_plot

    plot = options("A 5-10-5 sigmoid net learns bit complements, online (document 004).", argv).plot
    losses, params, X_new = document_run()
    for epoch, value in enumerate(losses, start=1):
        print(f"Epoch: {epoch}, Average Loss: {value:.8f}")
    P, _ = forward(params, X_new[:3])
    for i in range(3):
        print("********")
        print(f"Challenge {i + 1}: {X_new[i]}")
        print(f"Predicted {i + 1}: {(P[i] > 0.5).astype(int)}")
        print(f"Correct   {i + 1}: {1 - X_new[i]}")
    rate = flawless_rate(params, X_new, 1 - X_new)
    print(f"\nProportion of flawless instances on {len(X_new)} new examples: {rate:.0%}")
    print(loss_curve(losses, height=6, title="average loss of each epoch"))
    finish(save_plot(plot, losses, title="ex05: average loss of each epoch") if plot else None)


if __name__ == "__main__":
    if not __package__:  # run as a file (an IDE's Run button): import as part of the kata
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        __package__ = Path(__file__).resolve().parent.name
    from ._draw import run

    run(main)
