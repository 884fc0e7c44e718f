"""What the benchmark compares: one gradient, computed several ways, for every network.

- loop: one row at a time with 1-D vectors, in the documents' style: forward the
  row, go right to left to its errors, add its outer products into running
  totals, and average at the end. Same mean-loss gradient as `backward`.
- vectorized: the reference solution's own `forward` then `backward`, all rows at
  once. Always solutions/, whichever tree the tests run against.
- vectorized_fast: the same math as the solution, operation for operation, with
  every intermediate in a buffer allocated once and written with `out=`; only its
  sigmoid is computed another way (see _sigmoid_into), so its gradient equals the
  solution's to rounding.
- compiled: the loop's algorithm, one row at a time, compiled by numba (an optional
  extra): is the loop slow because Python interprets it, or because it loops?
- torch: the same network's forward and backward in PyTorch, float64 on the CPU,
  for comparison only; PyTorch is never a dependency.

The solutions stay written for reading; the fast tiers live only here. A fast
tier also records the numpy calls it makes (`record_kernels`), so the benchmark
can time those calls alone, with no Python around them: the kernel floor.

Every gradient function takes (params, X, Y) and returns a dict shaped like params.
"""

from __future__ import annotations

import importlib

import numpy as np

try:  # an optional extra, for the compiled tier only: pip install -e '.[jit]'
    import numba
except ModuleNotFoundError:
    numba, NUMBA_MISSING = None, "numba is not installed: pip install -e '.[jit]'"
except ImportError as error:  # e.g. a numba older than this numpy
    numba, NUMBA_MISSING = None, f"numba cannot be imported: {error}"
else:
    NUMBA_MISSING = ""

from solutions import (  # the hand-written tiers below are theirs
    ex01_logistic_regression,
    ex02_sigmoid_mse,
    ex03_tanh_xor,
    ex05_online_sgd,
)
from tests.kata import registry
from tests.kata.bench import compiled as compiled_tier

MODULES = {e.marker: importlib.import_module(f"solutions.{e.module}") for e in registry.EXERCISES}
NETWORKS = tuple(MODULES)


# --- data ----------------------------------------------------------------------------------
def make_data(ex: str, n: int, seed: int = 0):
    """The document's network (init_params's defaults) and n rows of its task (the registry's
    `data`: float64 inputs, float64 targets or integer labels)."""
    rng = np.random.default_rng(seed)
    m = MODULES[ex]
    params = m.init_params(rng)
    X, Y = registry.BY_MARKER[ex].data(m, rng, n)
    return params, X, Y


# --- vectorized: the reference solutions ---------------------------------------------------
def vectorized(ex: str):
    """The solution's forward then backward, as one gradient function."""
    m = MODULES[ex]

    def gradient(params, X, Y):
        _, cache = m.forward(params, X)
        return m.backward(params, cache, Y)

    return gradient


# --- loop: one row at a time ---------------------------------------------------------------
def loop_ex01(params, X, Y):
    sigmoid = ex01_logistic_regression.sigmoid
    W, b = params["W"], params["b"][0]
    dW, db = np.zeros(params["W"].shape), np.zeros(params["b"].shape)
    for x, y in zip(X, Y, strict=True):
        e = sigmoid(x @ W + b) - y  # this row's p - y, (K,)
        dW += np.outer(x, e)
        db += e
    return {"W": dW / Y.size, "b": db / Y.size}


def loop_ex02(params, X, Y):
    m = ex02_sigmoid_mse
    W1, W2 = params["W1"], params["W2"]
    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)
    for x, y in zip(X, Y, strict=True):
        z1 = x @ W1
        a = m.sigmoid(z1)
        e2 = a @ W2 - y  # this row's out - y, (K,)
        e1 = (W2 @ e2) * m.sigmoid_prime(z1)
        dW2 += np.outer(a, e2)
        dW1 += np.outer(x, e1)
    return {"W1": dW1 / Y.size, "W2": dW2 / Y.size}


def loop_ex03(params, X, Y):
    m = ex03_tanh_xor
    W1, b1, W2, b2 = params["W1"], params["b1"][0], params["W2"], params["b2"][0]
    grads = {name: np.zeros(value.shape) for name, value in params.items()}
    for x, y in zip(X, Y, strict=True):
        a = np.tanh(x @ W1 + b1)
        e2 = m.sigmoid(a @ W2 + b2) - y  # this row's p - y, (K,)
        e1 = (W2 @ e2) * (1 - a**2)  # tanh'(z1) = 1 - tanh(z1)²
        grads["W2"] += np.outer(a, e2)
        grads["b2"] += e2
        grads["W1"] += np.outer(x, e1)
        grads["b1"] += e1
    return {name: g / Y.size for name, g in grads.items()}


def loop_ex04(params, X, Y):
    W1, b1, W2, b2 = params["W1"], params["b1"][0], params["W2"], params["b2"][0]
    grads = {name: np.zeros(value.shape) for name, value in params.items()}
    for x, y in zip(X, Y, strict=True):
        z1 = x @ W1 + b1
        a = np.maximum(z1, 0.0)
        z2 = a @ W2 + b2
        e2 = np.exp(z2 - z2.max())
        e2 /= e2.sum()  # the row's probabilities p, (K,)
        e2[y] -= 1.0  # p - onehot(y)
        e1 = (W2 @ e2) * (z1 > 0)
        grads["W2"] += np.outer(a, e2)
        grads["b2"] += e2
        grads["W1"] += np.outer(x, e1)
        grads["b1"] += e1
    return {name: g / len(Y) for name, g in grads.items()}


def per_row(ex: str):
    """Any network's gradient one row at a time: its own forward and backward on each row.

    Every loss of the kata is a mean over rows (of a mean over outputs), so the batch's
    gradient is the mean of the rows' gradients. The tier every network has.
    """
    m = MODULES[ex]

    def gradient(params, X, Y):
        total = {name: np.zeros(value.shape) for name, value in params.items()}
        for i in range(len(X)):
            _, cache = m.forward(params, X[i : i + 1])
            for name, g in m.backward(params, cache, Y[i : i + 1]).items():
                total[name] += g
        return {name: g / len(X) for name, g in total.items()}

    return gradient


def loop(ex: str):
    """The hand-written per-sample loop where the kata has one, else the per-row tier."""
    return LOOP.get(ex) or per_row(ex)


LOOP = {
    "ex01": loop_ex01,
    "ex02": loop_ex02,
    "ex03": loop_ex03,
    "ex04": loop_ex04,
    # The solution's own per-sample loop, written as the document writes it.
    "ex05": ex05_online_sgd.backward_per_sample,
}


# --- vectorized_fast: buffers allocated once, written with out= ----------------------------
# Each fast tier takes numpy as a parameter (np=np) so that record_kernels can hand it a
# stand-in that logs every call; in the benchmark the name is plain numpy.
def _sigmoid_into(Z, out, np=np):
    """out = sigmoid(Z) = (1 + tanh(Z / 2)) / 2; out may be Z.

    The one place where the fast tier parts from the solutions' arithmetic: their stable
    sigmoid (exp(-|z|), then a choice by sign) costs seven passes over the array here, the
    choice a masked divide that alone took a quarter of ex05's time. tanh is just as safe,
    it never overflows, and takes four passes. The gradient then equals the solution's to
    rounding (rtol 1e-10), not bit for bit.
    """
    np.multiply(Z, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    np.add(out, 0.5, out=out)


class Fast:
    """Buffers for one network at one batch size n; gradient() fills and returns self.grads.

    The returned dict is the fast tier's own: the next call overwrites it.
    """

    def __init__(self, params: dict, n: int):
        self.grads = {name: np.empty_like(value) for name, value in params.items()}

    def gradient(self, params: dict, X, Y, np=np) -> dict:
        raise NotImplementedError  # each network's own, below

    def buffer(self, *shape, dtype=np.float64):
        return np.empty(shape, dtype=dtype)

    def step(self, params: dict, X, Y, lr: float) -> None:
        """One full-batch SGD step, in place: params[name] -= lr * grads[name]."""
        grads = self.gradient(params, X, Y)
        for name, p in params.items():
            g = grads[name]
            np.multiply(g, lr, out=g)
            np.subtract(p, g, out=p)


class FastEx01(Fast):
    def __init__(self, params, n):
        super().__init__(params, n)
        K = params["W"].shape[1]
        self.P = self.buffer(n, K)

    def gradient(self, params, X, Y, np=np):
        P, g = self.P, self.grads
        np.matmul(X, params["W"], out=P)
        np.add(P, params["b"], out=P)  # Z
        _sigmoid_into(P, P, np)
        np.subtract(P, Y, out=P)
        np.divide(P, P.size, out=P)  # dZ
        np.matmul(X.T, P, out=g["W"])
        np.add.reduce(P, axis=0, keepdims=True, out=g["b"])
        return g


class FastEx02(Fast):
    def __init__(self, params, n):
        super().__init__(params, n)
        H, K = params["W2"].shape
        self.A, self.dA, self.T = (self.buffer(n, H) for _ in range(3))
        self.out = self.buffer(n, K)

    def gradient(self, params, X, Y, np=np):
        A, dA, T, out, g = self.A, self.dA, self.T, self.out, self.grads
        W2 = params["W2"]
        np.matmul(X, params["W1"], out=A)  # Z1
        _sigmoid_into(A, A, np)  # A
        np.matmul(A, W2, out=out)
        np.subtract(out, Y, out=out)
        np.divide(out, out.size, out=out)  # dout
        np.matmul(A.T, out, out=g["W2"])
        np.matmul(out, W2.T, out=dA)
        np.subtract(1.0, A, out=T)
        np.multiply(A, T, out=T)  # sigmoid'(Z1) = A (1 - A)
        np.multiply(dA, T, out=dA)  # dZ1
        np.matmul(X.T, dA, out=g["W1"])
        return g


class FastEx03(Fast):
    def __init__(self, params, n):
        super().__init__(params, n)
        H, K = params["W2"].shape
        self.A, self.dA, self.T = (self.buffer(n, H) for _ in range(3))
        self.P = self.buffer(n, K)

    def gradient(self, params, X, Y, np=np):
        A, dA, T, P, g = self.A, self.dA, self.T, self.P, self.grads
        W2 = params["W2"]
        np.matmul(X, params["W1"], out=A)
        np.add(A, params["b1"], out=A)
        np.tanh(A, out=A)
        np.matmul(A, W2, out=P)
        np.add(P, params["b2"], out=P)
        _sigmoid_into(P, P, np)
        np.subtract(P, Y, out=P)
        np.divide(P, P.size, out=P)  # dZ2
        np.matmul(A.T, P, out=g["W2"])
        np.add.reduce(P, axis=0, keepdims=True, out=g["b2"])
        np.matmul(P, W2.T, out=dA)
        np.multiply(A, A, out=T)
        np.subtract(1.0, T, out=T)  # tanh'(Z1) = 1 - A²
        np.multiply(dA, T, out=dA)  # dZ1
        np.matmul(X.T, dA, out=g["W1"])
        np.add.reduce(dA, axis=0, keepdims=True, out=g["b1"])
        return g


class FastEx04(Fast):
    def __init__(self, params, n):
        super().__init__(params, n)
        H, K = params["W2"].shape
        self.A, self.dA = self.buffer(n, H), self.buffer(n, H)
        self.slope = self.buffer(n, H, dtype=bool)
        self.P = self.buffer(n, K)
        self.onehot = self.buffer(n, K, dtype=bool)
        self.row_max, self.row_sum = self.buffer(n, 1), self.buffer(n, 1)
        self.classes = np.arange(K)

    def gradient(self, params, X, Y, np=np):
        A, dA, P, g = self.A, self.dA, self.P, self.grads
        W2 = params["W2"]
        np.matmul(X, params["W1"], out=A)
        np.add(A, params["b1"], out=A)  # Z1
        np.greater(A, 0, out=self.slope)  # relu's slope at Z1
        np.maximum(A, 0.0, out=A)
        np.matmul(A, W2, out=P)
        np.add(P, params["b2"], out=P)  # Z2
        np.maximum.reduce(P, axis=1, keepdims=True, out=self.row_max)
        np.subtract(P, self.row_max, out=P)
        np.exp(P, out=P)
        np.add.reduce(P, axis=1, keepdims=True, out=self.row_sum)
        np.divide(P, self.row_sum, out=P)  # softmax
        np.equal(Y[:, None], self.classes, out=self.onehot)
        np.subtract(P, self.onehot, out=P)
        np.divide(P, len(Y), out=P)  # dZ2
        np.matmul(A.T, P, out=g["W2"])
        np.add.reduce(P, axis=0, keepdims=True, out=g["b2"])
        np.matmul(P, W2.T, out=dA)
        np.multiply(dA, self.slope, out=dA)  # dZ1
        np.matmul(X.T, dA, out=g["W1"])
        np.add.reduce(dA, axis=0, keepdims=True, out=g["b1"])
        return g


class FastEx05(Fast):
    def __init__(self, params, n):
        super().__init__(params, n)
        H, K = params["W2"].shape
        self.A, self.dA, self.T = (self.buffer(n, H) for _ in range(3))
        self.P = self.buffer(n, K)

    def gradient(self, params, X, Y, np=np):
        A, dA, T, P, g = self.A, self.dA, self.T, self.P, self.grads
        W2 = params["W2"]
        np.matmul(X, params["W1"], out=A)
        _sigmoid_into(A, A, np)  # A
        np.matmul(A, W2, out=P)
        _sigmoid_into(P, P, np)
        np.subtract(P, Y, out=P)
        np.divide(P, P.size, out=P)  # dZ2
        np.matmul(A.T, P, out=g["W2"])
        np.matmul(P, W2.T, out=dA)
        np.subtract(1.0, A, out=T)
        np.multiply(A, T, out=T)  # sigmoid'(Z1) = A (1 - A)
        np.multiply(dA, T, out=dA)  # dZ1
        np.matmul(X.T, dA, out=g["W1"])
        return g


FAST = {"ex01": FastEx01, "ex02": FastEx02, "ex03": FastEx03, "ex04": FastEx04, "ex05": FastEx05}


# --- compiled: the per-sample loop in numba, written from the registry (compiled.py) -------
def compiled(ex: str):
    """The network's compiled loop as a gradient function (params, X, Y) -> dict.

    The kernel is written from the record on the first call with a set of parameter
    names, and compiled then (never timed). compiled.NoKernel when the record declares a
    layer no loop is written for; RuntimeError without numba.
    """
    if numba is None:
        raise RuntimeError(NUMBA_MISSING)
    kernels: dict[tuple[str, ...], object] = {}

    def gradient(params, X, Y):
        names = tuple(params)
        if names not in kernels:
            kernels[names] = compiled_tier.kernel(ex, list(names), numba.njit)
        return dict(zip(params, kernels[names](*params.values(), X, Y), strict=True))

    return gradient


# --- the kernel floor: the fast tier's numpy calls, and nothing else -----------------------
class _Recorder:
    """Stands in for numpy (or one of its functions): passes every call on, and logs it."""

    def __init__(self, target, calls: list):
        self._target, self._calls = target, calls

    def __getattr__(self, name):
        value = getattr(self._target, name)
        return _Recorder(value, self._calls) if callable(value) else value

    def __call__(self, *args, **kwargs):
        self._calls.append((self._target, args, kwargs))
        return self._target(*args, **kwargs)


def record_kernels(fast: Fast, params, X, Y) -> list:
    """Run fast.gradient once and return the numpy calls it made, with their very arguments.

    Replaying them (kernel_floor) writes the same gradient into the same buffers.
    """
    calls: list = []
    fast.gradient(params, X, Y, np=_Recorder(np, calls))
    return calls


def kernel_floor(calls: list):
    """A function that makes exactly these numpy calls, in order, and nothing else.

    It is generated as straight-line code, one call per line, every function and
    argument already bound to a local name: no attribute or dict lookups, no helper
    calls, no Python arithmetic. Its time is the cost of the numpy calls themselves.
    """
    names: dict[str, object] = {}
    lines = []
    for i, (function, args, kwargs) in enumerate(calls):
        names[f"f{i}"] = function
        words = []
        for j, value in enumerate(args):
            names[f"a{i}_{j}"] = value
            words.append(f"a{i}_{j}")
        for key, value in kwargs.items():
            names[f"k{i}_{key}"] = value
            words.append(f"{key}=k{i}_{key}")
        lines.append(f"        f{i}({', '.join(words)})")
    source = (
        "def make(" + ", ".join(names) + "):\n"
        "    def floor():\n" + "\n".join(lines or ["        pass"]) + "\n"
        "    return floor\n"
    )
    scope: dict = {}
    exec(compile(source, "<kernel floor>", "exec"), scope)
    return scope["make"](**names)


# --- training ------------------------------------------------------------------------------
def sgd_step(params: dict, grads: dict, lr: float) -> None:
    """The solutions' update, in place: params[name] -= lr * grads[name]."""
    for name in params:
        params[name] -= lr * grads[name]


def torch_network(ex: str, params: dict):
    """The same network in PyTorch, float64, as its users write it; params are copied in.

    Returns (model, criterion, layers): layers maps our weight names to nn.Linear layers
    (their biases are ours named b...). PyTorch is not a dependency: import it only here.
    """
    import torch
    from torch import nn

    def linear(W, b=None):
        layer = nn.Linear(*W.shape, bias=b is not None, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(W.T))  # torch keeps (out, in)
            if b is not None:
                layer.bias.copy_(torch.from_numpy(b[0]))
        return layer

    network = registry.BY_MARKER[ex].network
    weights = [name for name in params if name.startswith("W")]  # init_params's order
    if len(weights) != len(network.hidden) + 1:
        raise ValueError(
            f"{ex}: registry.toml's network has {len(network.hidden)} hidden layer(s), and"
            f" init_params gives {len(weights)} weight matrices ({', '.join(weights)})"
        )
    layers = {W: linear(params[W], params.get("b" + W[1:])) for W in weights}
    activation = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    parts: list = []
    for W, hidden in zip(weights, (*network.hidden, None), strict=True):
        parts.append(layers[W])
        if hidden is not None:
            parts.append(activation[hidden]())
    model = nn.Sequential(*parts)  # the logits: each loss below applies the output itself
    if (network.output, network.loss) == ("identity", "half_squared_error"):
        mse = nn.MSELoss()

        def criterion(out, target):
            return 0.5 * mse(out, target)  # mean of ½ (out - Y)²
    elif (network.output, network.loss) == ("softmax", "cross_entropy"):
        criterion = nn.CrossEntropyLoss()  # softmax + mean of -log p[label], from the logits
    elif (network.output, network.loss) == ("sigmoid", "cross_entropy"):
        criterion = nn.BCEWithLogitsLoss()  # sigmoid + mean cross-entropy, from the logits
    else:
        raise ValueError(f"{ex}: no PyTorch loss for a {network.output} output with {network.loss}")
    return model, criterion, layers


def _torch_inputs(ex: str, X, Y):
    import torch

    labels = registry.BY_MARKER[ex].network.output == "softmax"  # int64 labels, not targets
    return torch.from_numpy(X), torch.from_numpy(Y).long() if labels else torch.from_numpy(Y)


def _as_ours(layers: dict, which: str) -> dict:
    """The layers' weights (which="data") or gradients ("grad") as numpy arrays, named ours."""
    out = {}
    for name, layer in layers.items():
        out[name] = getattr(layer.weight, which).detach().numpy().T.copy()
        if layer.bias is not None:
            out["b" + name[1:]] = getattr(layer.bias, which).detach().numpy()[None, :].copy()
    return out


def torch_gradient(ex: str, params: dict, X, Y):
    """The gradient in PyTorch: the timed tier `torch`, and its check.

    Returns (backward, grads): backward() runs zero_grad, forward, loss and backward, and
    leaves the gradient in the parameters' .grad, as a PyTorch user reads it; grads() gives
    it as numpy arrays, named and shaped as ours.
    """
    model, criterion, layers = torch_network(ex, params)
    Xt, Yt = _torch_inputs(ex, X, Y)

    def backward():
        model.zero_grad()
        criterion(model(Xt), Yt).backward()

    return backward, lambda: _as_ours(layers, "grad")


def torch_step(ex: str, params: dict, X, Y, lr: float):
    """The same network and one SGD step, written as a PyTorch user would, in float64.

    Returns (step, weights): step() runs zero_grad, forward, loss, backward and the
    optimizer's step; weights() gives the parameters back as numpy arrays, named and
    shaped as ours.
    """
    import torch

    model, criterion, layers = torch_network(ex, params)
    Xt, Yt = _torch_inputs(ex, X, Y)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def step():
        optimizer.zero_grad()
        criterion(model(Xt), Yt).backward()
        optimizer.step()

    return step, lambda: _as_ours(layers, "data")
