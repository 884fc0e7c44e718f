"""ex06 · A toy: one linear layer, squared error.

    Z = X @ W + b          X: (N, D)   W: (D, K)   b: (1, K)   Z: (N, K)
    L = mean over all N·K entries of ½ (Z - Y)²

### BEGIN SOLUTION
Run it:  python -m solutions.ex06_linear
### END SOLUTION
### BEGIN EXERCISE
Run it, once the tests pass:  python -m exercises.ex06_linear
### END EXERCISE
"""

import numpy as np


# --- given ---------------------------------------------------------------------------
def init_params(rng: np.random.Generator, n_in: int = 2, n_out: int = 1) -> dict[str, np.ndarray]:
    """W (n_in, n_out) standard normal, b (1, n_out) zeros."""
    return {"W": rng.normal(size=(n_in, n_out)), "b": np.zeros((1, n_out))}


# --- yours ---------------------------------------------------------------------------
def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, object]:
    """Z = X @ W + b. Returns (Z, cache)."""
    ### BEGIN SOLUTION
    Z = X @ params["W"] + params["b"]
    return Z, (X, Z)
    ### END SOLUTION


def loss(Z: np.ndarray, Y: np.ndarray) -> float:
    """The mean over all N·K entries of ½ (Z - Y)²."""
    ### BEGIN SOLUTION
    return float(np.mean(0.5 * (Z - Y) ** 2))
    ### END SOLUTION


def backward(params: dict[str, np.ndarray], cache: object, Y: np.ndarray) -> dict[str, np.ndarray]:
    """{"W": dL/dW, "b": dL/db}."""
    ### BEGIN SOLUTION
    X, Z = cache
    dZ = (Z - Y) / Z.size
    return {"W": X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}
    ### END SOLUTION


# --- given: training ------------------------------------------------------------------
def train(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, lr: float, steps: int):
    """Full-batch gradient descent, in place. Returns the loss before each step."""
    trace = []
    for _ in range(steps):
        Z, cache = forward(params, X)
        trace.append(loss(Z, Y))
        grads = backward(params, cache, Y)
        for name in params:
            params[name] -= lr * grads[name]
    return trace


def main(argv: list[str] | None = None) -> None:
    from ._draw import finish, loss_curve, options

    options("A toy linear layer.", argv)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    trace = train(init_params(rng), X, X @ np.array([[2.0], [-1.0]]), 0.5, steps=50)
    print(f"loss {trace[0]:.6f} -> {trace[-1]:.6f}")
    print(loss_curve(trace))
    finish(None)


if __name__ == "__main__":
    from ._draw import run

    run(main)
