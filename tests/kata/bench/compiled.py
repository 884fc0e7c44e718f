"""The compiled tier, derived from the registry: any network's per-sample loop, in numba.

From a network's layers (layers.py: its record's `network` and init_params's names) this
module writes the loop tier's algorithm as plain Python, every loop spelled out down to the
multiply-adds of a row times a matrix (numba's matrix products need SciPy), and numba
compiles it (on the first call, never timed). No network has a kernel written by hand, so
a new network has one too.

Each kernel takes the parameters in init_params's order, then X and Y, and returns their
gradients in that order: the mean over the batch of each row's gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tests.kata.bench import layers
from tests.kata.bench.layers import NoKernel as NoKernel  # this tier's error, as before

# The slope of each hidden activation, from its value a (the pre-activation is not kept).
SLOPE = {
    "sigmoid": "{a} * (1.0 - {a})",
    "tanh": "1.0 - {a} * {a}",
    "relu": "1.0 if {a} > 0.0 else 0.0",
}
ACTIVATION = {
    "sigmoid": "_sigmoid({z})",
    "tanh": "np.tanh({z})",
    "relu": "{z} if {z} > 0.0 else 0.0",
}


def _sigmoid(z: float) -> float:
    e: float = np.exp(-abs(z))  # exp of a number <= 0: never overflows
    p = 1.0 / (1.0 + e)  # sigmoid(|z|)
    return p if z >= 0 else e * p  # sigmoid(-|z|) = e / (1 + e)


def source(ex: str, names: list[str]) -> str:
    """The kernel's Python source for the network `ex` with parameters `names` in order."""
    net = layers.of(ex, names)
    weights = net.weights
    biases = dict(zip(weights, net.biases, strict=True))
    L = len(weights)
    lines = [f"def kernel({', '.join(names)}, X, Y):", "    N = X.shape[0]"]
    for i, W in enumerate(weights, 1):
        lines.append(f"    S{i} = {W}.shape[1]")
        lines.append(f"    g{W} = np.zeros({W}.shape)")
        lines.append(f"    a{i} = np.empty(S{i})")
        lines.append(f"    e{i} = np.empty(S{i})")
        if biases[W]:
            lines.append(f"    g{biases[W]} = np.zeros({biases[W]}.shape)")
    lines.append("    for n in range(N):")
    for i, W in enumerate(weights, 1):
        into = "X[n, d]" if i == 1 else f"a{i - 1}[d]"
        b = biases[W]
        lines += [
            f"        for j in range(S{i}):",
            f"            z = {f'{b}[0, j]' if b else '0.0'}",
            f"            for d in range({W}.shape[0]):",
            f"                z += {into} * {W}[d, j]",
        ]
        if i < L:
            lines.append(f"            a{i}[j] = {ACTIVATION[net.hidden[i - 1]].format(z='z')}")
        else:
            lines.append(f"            a{i}[j] = z")  # the logits; the output error below
    K = f"S{L}"
    if net.labels:  # a label per row; the loss is a mean over N
        scale = "N"
        lines += [
            f"        top = a{L}[0]",
            f"        for k in range({K}):",
            f"            top = max(top, a{L}[k])",
            "        total = 0.0",
            f"        for k in range({K}):",
            f"            e{L}[k] = np.exp(a{L}[k] - top)",
            f"            total += e{L}[k]",
            f"        for k in range({K}):",
            f"            e{L}[k] = e{L}[k] / total - (1.0 if k == Y[n] else 0.0)",
        ]
    else:  # a target per output; the loss is a mean over N·K
        scale = f"(N * {K})"
        p = f"_sigmoid(a{L}[k])" if net.output == "sigmoid" else f"a{L}[k]"
        lines += [f"        for k in range({K}):", f"            e{L}[k] = {p} - Y[n, k]"]
    for i in range(L, 0, -1):
        W, b = weights[i - 1], biases[weights[i - 1]]
        into = "X[n, d]" if i == 1 else f"a{i - 1}[d]"
        lines += [f"        for j in range(S{i}):"]
        if b:
            lines.append(f"            g{b}[0, j] += e{i}[j]")
        lines += [
            f"            for d in range({W}.shape[0]):",
            f"                g{W}[d, j] += {into} * e{i}[j]",
        ]
        if i > 1:
            slope = SLOPE[net.hidden[i - 2]].format(a=f"a{i - 1}[d]")
            lines += [
                f"        for d in range(S{i - 1}):",
                "            back = 0.0",
                f"            for j in range(S{i}):",
                f"                back += {W}[d, j] * e{i}[j]",
                f"            e{i - 1}[d] = back * ({slope})",
            ]
    grads = [f"g{n} / {scale}" for n in names]
    lines.append(f"    return ({', '.join(grads)},)")
    return "\n".join(lines) + "\n"


def kernel(
    ex: str, names: list[str], jit: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Callable[..., tuple[np.ndarray, ...]]:
    """The compiled kernel of network `ex` (NoKernel when its record declares no such loop)."""
    namespace: dict[str, Any] = {"np": np, "_sigmoid": jit(_sigmoid)}
    exec(compile(source(ex, names), f"<compiled tier of {ex}>", "exec"), namespace)
    return jit(namespace["kernel"])
