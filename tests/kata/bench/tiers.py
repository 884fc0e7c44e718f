"""What the benchmark compares: one gradient, computed several ways, for every network.

- loop: one row at a time with 1-D vectors, in the documents' style: forward the
  row, go right to left to its errors, add its outer products into running
  totals, and average at the end. Same mean-loss gradient as `backward`. Written
  from the network's layers (layers.py), as straight code: print loop_source(ex).
- vectorized: the reference solution's own `forward` then `backward`, all rows at
  once. Always solutions/, whichever tree the tests run against.
- vectorized_fast: the same math as the solution, operation for operation, with
  every intermediate in a buffer allocated once and written with `out=`; only its
  sigmoid is computed another way (see _sigmoid_into), so its gradient equals the
  solution's to rounding. One class for every network, layer by layer.
- compiled: the loop's algorithm, one row at a time, compiled by numba (an optional
  extra): is the loop slow because Python interprets it, or because it loops?
- torch: the same network's forward and backward in PyTorch, float64 on the CPU,
  for comparison only; PyTorch is never a dependency.

The solutions stay written for reading; the fast tiers live only here. Every
tier but the vectorized one is derived from the record's layers, so a new
network gets them all, and a layer none is written for leaves the loop to the
per-row tier (its own forward and backward on each row). A fast
tier also records the numpy calls it makes (`record_kernels`), so the benchmark
can time those calls alone, with no Python around them: the kernel floor.

Every gradient function takes (params, X, Y) and returns a dict shaped like params.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

try:  # an optional extra, for the compiled tier only: pip install -e '.[jit]'
    import numba
except ModuleNotFoundError:
    numba, NUMBA_MISSING = None, "numba is not installed: pip install -e '.[jit]'"
except ImportError as error:  # e.g. a numba older than this numpy
    numba, NUMBA_MISSING = None, f"numba cannot be imported: {error}"
else:
    NUMBA_MISSING = ""

from tests.kata import registry
from tests.kata.bench import compiled as compiled_tier
from tests.kata.bench import layers

MODULES = {e.marker: importlib.import_module(f"solutions.{e.module}") for e in registry.EXERCISES}
NETWORKS = tuple(MODULES)

Params = dict[str, np.ndarray]  # a network's parameters, or their gradients, by name
Gradient = Callable[[Params, np.ndarray, np.ndarray], Params]  # (params, X, Y) -> grads
# A numpy call the fast tier made: the function, its arguments, its keywords
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


# --- data ----------------------------------------------------------------------------------
def make_data(ex: str, n: int, seed: int = 0) -> tuple[Params, np.ndarray, np.ndarray]:
    """The document's network (init_params's defaults) and n rows of its task (the registry's
    `data`: float64 inputs, float64 targets or integer labels)."""
    rng = np.random.default_rng(seed)
    m = MODULES[ex]
    params = m.init_params(rng)
    X, Y = registry.BY_MARKER[ex].data(m, rng, n)
    return params, X, Y


# --- vectorized: the reference solutions ---------------------------------------------------
def vectorized(ex: str) -> Gradient:
    """The solution's forward then backward, as one gradient function."""
    m = MODULES[ex]

    def gradient(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
        _, cache = m.forward(params, X)
        grads: Params = m.backward(params, cache, Y)  # the solution's module is untyped
        return grads

    return gradient


# --- loop: one row at a time, written from the layers --------------------------------------
ACTIVATION = {"sigmoid": "_sigmoid({z})", "tanh": "np.tanh({z})", "relu": "np.maximum({z}, 0.0)"}
# The slope of each hidden activation, from its value a
SLOPE = {"sigmoid": "{a} * (1.0 - {a})", "tanh": "1.0 - {a} * {a}", "relu": "{a} > 0.0"}


def _sigmoid(z: npt.NDArray[np.float64]) -> np.ndarray:
    """The solutions' stable sigmoid: exp only ever sees -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def loop_source(ex: str, names: list[str] | tuple[str, ...]) -> str:
    """The loop tier of network `ex` with parameters `names`, as Python source: one function
    taking the parameters in order, then X and Y, and returning their gradients in order."""
    net = layers.of(ex, names)
    L = len(net.weights)
    lines = [
        f"def loop({', '.join(names)}, X, Y):",
        *(f"    g{n} = np.zeros({n}.shape)" for n in names),
        "    for x, y in zip(X, Y, strict=True):",
    ]
    for i, (W, b) in enumerate(zip(net.weights, net.biases, strict=True), 1):
        z = ("x" if i == 1 else f"a{i - 1}") + f" @ {W}" + (f" + {b}[0]" if b else "")
        if i < L:
            lines.append(f"        a{i} = {ACTIVATION[net.hidden[i - 1]].format(z=z)}")
    e = f"e{L}"
    if net.labels:  # softmax: the row's probabilities, less one at its label
        lines += [
            f"        z{L} = {z}",
            f"        {e} = np.exp(z{L} - z{L}.max())",
            f"        {e} /= {e}.sum()",
            f"        {e}[y] -= 1.0  # p - onehot(y)",
        ]
    else:
        p = f"_sigmoid({z})" if net.output == "sigmoid" else z
        lines.append(f"        {e} = {p} - y  # this row's output less its target")
    for i in range(L, 0, -1):
        W, b = net.weights[i - 1], net.biases[i - 1]
        lines.append(f"        g{W} += np.outer({'x' if i == 1 else f'a{i - 1}'}, e{i})")
        if b:
            lines.append(f"        g{b} += e{i}")
        if i > 1:
            slope = SLOPE[net.hidden[i - 2]].format(a=f"a{i - 1}")
            lines.append(f"        e{i - 1} = ({W} @ e{i}) * ({slope})")
    grads = ", ".join(f"g{n} / {net.mean_over}" for n in names)
    lines.append(f"    return {grads}" + ("," if len(names) == 1 else ""))
    return "\n".join(lines) + "\n"


def per_row(ex: str) -> Gradient:
    """Any network's gradient one row at a time: its own forward and backward on each row.

    Every loss of the kata is a mean over rows (of a mean over outputs), so the batch's
    gradient is the mean of the rows' gradients. The loop of a network whose layers no
    loop is written for.
    """
    m = MODULES[ex]

    def gradient(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
        total = {name: np.zeros(value.shape) for name, value in params.items()}
        for i in range(len(X)):
            _, cache = m.forward(params, X[i : i + 1])
            for name, g in m.backward(params, cache, Y[i : i + 1]).items():
                total[name] += g
        return {name: g / len(X) for name, g in total.items()}

    return gradient


def loop(ex: str) -> Gradient:
    """The network's per-sample loop (loop_source), or the per-row tier where its layers have
    none."""
    if ex not in WRITTEN:
        return per_row(ex)
    functions: dict[tuple[str, ...], Callable[..., tuple[np.ndarray, ...]]] = {}

    def gradient(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
        names = tuple(params)
        if names not in functions:
            scope: dict[str, Any] = {"np": np, "_sigmoid": _sigmoid}
            exec(compile(loop_source(ex, names), f"<loop tier of {ex}>", "exec"), scope)
            functions[names] = scope["loop"]
        return dict(zip(params, functions[names](*params.values(), X, Y), strict=True))

    return gradient


# --- vectorized_fast: buffers allocated once, written with out= ----------------------------
# Each fast tier takes numpy as a parameter (np=np) so that record_kernels can hand it a
# stand-in that logs every call; in the benchmark the name is plain numpy. Hence `np: Any`:
# numpy, or its stand-in.
def _sigmoid_into(Z: np.ndarray, out: np.ndarray, np: Any = np) -> None:
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
    """Buffers for one network at one batch size n, layer by layer; gradient() fills and
    returns self.grads, making the solution's every operation into a buffer.

    The returned dict is the fast tier's own: the next call overwrites it.
    """

    def __init__(self, ex: str, params: Params, n: int) -> None:
        self.net = net = layers.of(ex, tuple(params))
        self.grads = {name: np.empty_like(value) for name, value in params.items()}
        sizes = [params[W].shape[1] for W in net.weights]
        self.A = [np.empty((n, size)) for size in sizes]  # each layer's output; the last: P
        self.dA = [np.empty((n, size)) for size in sizes[:-1]]  # dL/dZ of each hidden layer
        self.slope = [
            np.empty((n, size), dtype=bool if kind == "relu" else np.float64)
            for size, kind in zip(sizes, net.hidden, strict=False)
        ]
        if net.labels:
            self.row_max, self.row_sum = np.empty((n, 1)), np.empty((n, 1))
            self.onehot = np.empty((n, sizes[-1]), dtype=bool)
            self.classes = np.arange(sizes[-1])

    def gradient(self, params: Params, X: np.ndarray, Y: np.ndarray, np: Any = np) -> Params:
        net, g = self.net, self.grads
        into = X
        for i, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            Z = self.A[i]
            np.matmul(into, params[W], out=Z)
            if b:
                np.add(Z, params[b], out=Z)
            if i < len(net.hidden):
                self._activate(net.hidden[i], Z, self.slope[i], np)
            into = Z
        P = self.A[-1]
        self._output_error(P, Y, np)  # dL/dZ of the last layer, in P
        dZ = P
        for i in range(len(net.weights) - 1, -1, -1):
            W, b = net.weights[i], net.biases[i]
            np.matmul((X if i == 0 else self.A[i - 1]).T, dZ, out=g[W])
            if b:
                np.add.reduce(dZ, axis=0, keepdims=True, out=g[b])
            if i > 0:
                np.matmul(dZ, params[W].T, out=self.dA[i - 1])
                np.multiply(self.dA[i - 1], self.slope[i - 1], out=self.dA[i - 1])
                dZ = self.dA[i - 1]
        return g

    @staticmethod
    def _activate(kind: str, Z: np.ndarray, slope: np.ndarray, np: Any = np) -> None:
        """Z = activation(Z), in place, and its slope there into `slope`."""
        if kind == "relu":
            np.greater(Z, 0, out=slope)
            np.maximum(Z, 0.0, out=Z)
        elif kind == "tanh":
            np.tanh(Z, out=Z)
            np.multiply(Z, Z, out=slope)
            np.subtract(1.0, slope, out=slope)  # tanh' = 1 - A²
        else:
            _sigmoid_into(Z, Z, np)
            np.subtract(1.0, Z, out=slope)
            np.multiply(Z, slope, out=slope)  # sigmoid' = A (1 - A)

    def _output_error(self, P: np.ndarray, Y: np.ndarray, np: Any = np) -> None:
        """P (the last layer's Z) becomes dL/dZ: (p - y) over the loss's mean."""
        if self.net.labels:  # softmax over each row, less one at the row's label
            np.maximum.reduce(P, axis=1, keepdims=True, out=self.row_max)
            np.subtract(P, self.row_max, out=P)
            np.exp(P, out=P)
            np.add.reduce(P, axis=1, keepdims=True, out=self.row_sum)
            np.divide(P, self.row_sum, out=P)
            np.equal(Y[:, None], self.classes, out=self.onehot)
            np.subtract(P, self.onehot, out=P)
            np.divide(P, len(Y), out=P)
            return
        if self.net.output == "sigmoid":
            _sigmoid_into(P, P, np)
        np.subtract(P, Y, out=P)
        np.divide(P, P.size, out=P)

    def step(self, params: Params, X: np.ndarray, Y: np.ndarray, lr: float) -> None:
        """One full-batch SGD step, in place: params[name] -= lr * grads[name]."""
        grads = self.gradient(params, X, Y)
        for name, p in params.items():
            g = grads[name]
            np.multiply(g, lr, out=g)
            np.subtract(p, g, out=p)


def _written(ex: str) -> bool:
    """Whether the network's layers are ones the loop and fast tiers are written for."""
    try:
        layers.of(ex, tuple(MODULES[ex].init_params(np.random.default_rng(0))))
    except layers.NoKernel:
        return False
    return True


WRITTEN = tuple(ex for ex in NETWORKS if _written(ex))
# The fast tier of each network it is written for: FAST[ex](params, n)
FAST = {ex: functools.partial(Fast, ex) for ex in WRITTEN}


# --- compiled: the per-sample loop in numba, written from the registry (compiled.py) -------
def compiled(ex: str) -> Gradient:
    """The network's compiled loop as a gradient function (params, X, Y) -> dict.

    The kernel is written from the record on the first call with a set of parameter
    names, and compiled then (never timed). compiled.NoKernel when the record declares a
    layer no loop is written for; RuntimeError without numba.
    """
    if numba is None:
        raise RuntimeError(NUMBA_MISSING)
    kernels: dict[tuple[str, ...], Callable[..., tuple[np.ndarray, ...]]] = {}

    def gradient(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
        names = tuple(params)
        if names not in kernels:
            kernels[names] = compiled_tier.kernel(ex, list(names), numba.njit)
        return dict(zip(params, kernels[names](*params.values(), X, Y), strict=True))

    return gradient


# --- the kernel floor: the fast tier's numpy calls, and nothing else -----------------------
class _Recorder:
    """Stands in for numpy (or one of its functions): passes every call on, and logs it."""

    def __init__(self, target: Any, calls: list[Call]) -> None:  # numpy, or a function of it
        self._target, self._calls = target, calls

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return _Recorder(value, self._calls) if callable(value) else value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._calls.append((self._target, args, kwargs))
        return self._target(*args, **kwargs)


def record_kernels(fast: Fast, params: Params, X: np.ndarray, Y: np.ndarray) -> list[Call]:
    """Run fast.gradient once and return the numpy calls it made, with their very arguments.

    Replaying them (kernel_floor) writes the same gradient into the same buffers.
    """
    calls: list[Call] = []
    fast.gradient(params, X, Y, np=_Recorder(np, calls))
    return calls


def kernel_floor(calls: list[Call]) -> Callable[[], None]:
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
    scope: dict[str, Any] = {}
    exec(compile(source, "<kernel floor>", "exec"), scope)
    floor: Callable[[], None] = scope["make"](**names)
    return floor


# --- training ------------------------------------------------------------------------------
def sgd_step(params: Params, grads: Params, lr: float) -> None:
    """The solutions' update, in place: params[name] -= lr * grads[name]."""
    for name in params:
        params[name] -= lr * grads[name]


# PyTorch's objects are typed Any: it is an optional extra, imported only in these functions.
def torch_network(ex: str, params: Params) -> tuple[Any, Any, dict[str, Any]]:
    """The same network in PyTorch, float64, as its users write it; params are copied in.

    Returns (model, criterion, layers): layers maps our weight names to nn.Linear layers
    (their biases are ours named b...). PyTorch is not a dependency: import it only here.
    """
    import torch
    from torch import nn

    def linear(W: np.ndarray, b: np.ndarray | None = None) -> Any:
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
    parts: list[Any] = []
    for W, hidden in zip(weights, (*network.hidden, None), strict=True):
        parts.append(layers[W])
        if hidden is not None:
            parts.append(activation[hidden]())
    model = nn.Sequential(*parts)  # the logits: each loss below applies the output itself
    if (network.output, network.loss) == ("identity", "half_squared_error"):
        mse = nn.MSELoss()

        def criterion(out: Any, target: Any) -> Any:
            return 0.5 * mse(out, target)  # mean of ½ (out - Y)²
    elif (network.output, network.loss) == ("softmax", "cross_entropy"):
        criterion = nn.CrossEntropyLoss()  # softmax + mean of -log p[label], from the logits
    elif (network.output, network.loss) == ("sigmoid", "cross_entropy"):
        criterion = nn.BCEWithLogitsLoss()  # sigmoid + mean cross-entropy, from the logits
    else:
        raise ValueError(f"{ex}: no PyTorch loss for a {network.output} output with {network.loss}")
    return model, criterion, layers


def _torch_inputs(ex: str, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
    import torch

    labels = registry.BY_MARKER[ex].network.output == "softmax"  # int64 labels, not targets
    return torch.from_numpy(X), torch.from_numpy(Y).long() if labels else torch.from_numpy(Y)


def _as_ours(layers: dict[str, Any], which: str) -> Params:
    """The layers' weights (which="data") or gradients ("grad") as numpy arrays, named ours."""
    out: Params = {}
    for name, layer in layers.items():
        out[name] = getattr(layer.weight, which).detach().numpy().T.copy()
        if layer.bias is not None:
            out["b" + name[1:]] = getattr(layer.bias, which).detach().numpy()[None, :].copy()
    return out


def torch_gradient(
    ex: str, params: Params, X: np.ndarray, Y: np.ndarray
) -> tuple[Callable[[], None], Callable[[], Params]]:
    """The gradient in PyTorch: the timed tier `torch`, and its check.

    Returns (backward, grads): backward() runs zero_grad, forward, loss and backward, and
    leaves the gradient in the parameters' .grad, as a PyTorch user reads it; grads() gives
    it as numpy arrays, named and shaped as ours.
    """
    model, criterion, layers = torch_network(ex, params)
    Xt, Yt = _torch_inputs(ex, X, Y)

    def backward() -> None:
        model.zero_grad()
        criterion(model(Xt), Yt).backward()

    return backward, lambda: _as_ours(layers, "grad")


def torch_step(
    ex: str, params: Params, X: np.ndarray, Y: np.ndarray, lr: float
) -> tuple[Callable[[], None], Callable[[], Params]]:
    """The same network and one SGD step, written as a PyTorch user would, in float64.

    Returns (step, weights): step() runs zero_grad, forward, loss, backward and the
    optimizer's step; weights() gives the parameters back as numpy arrays, named and
    shaped as ours.
    """
    import torch

    model, criterion, layers = torch_network(ex, params)
    Xt, Yt = _torch_inputs(ex, X, Y)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def step() -> None:
        optimizer.zero_grad()
        criterion(model(Xt), Yt).backward()
        optimizer.step()

    return step, lambda: _as_ours(layers, "data")
