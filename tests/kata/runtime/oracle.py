"""The tests' own forward passes and losses, and their gradients by complex steps.

A test that needs expected values computes them here, from params, X and Y, with no
backward in sight: each network's test module writes its forward pass and loss once, with
the functions below, and `gradient` differentiates that loss numerically.

The differentiation is the complex step: f(x + ih) = f(x) + ih f'(x) - h² f''(x)/2 + ...,
so the imaginary part of f(x + ih) / h is f'(x) to within h² — with h = 1e-30, to the last
bit of a float64. Nothing is subtracted, so nothing cancels: the result is as exact at
logits of ±1000, at gradients of thousands and beside relu's kink as anywhere else, and the
real part of x never moves, so a step never crosses the kink.

For that the forward pass must be analytic in the parameters: the functions here pick
their branch by the real part only and never take abs or max of a complex number.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

STEP = 1e-30  # the imaginary step: any h below ~1e-20 gives the derivative to the last bit


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), with exp only ever of a number whose real part is at most 0."""
    ahead = np.real(z) >= 0
    e = np.exp(np.where(ahead, -z, z))
    return np.where(ahead, 1 / (1 + e), e / (1 + e))


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), the real parts picking the branch."""
    ahead = np.real(z) >= 0
    return np.where(ahead, z, 0) + np.log1p(np.exp(np.where(ahead, -z, z)))


def relu(z: np.ndarray) -> np.ndarray:
    return np.where(np.real(z) > 0, z, 0)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh by 2·sigmoid(2z) - 1 away from 0 (numpy's complex tanh overflows far out)."""
    near = np.abs(np.real(z)) < 1
    return np.where(near, np.tanh(np.where(near, z, 0)), 2 * sigmoid(2 * z) - 1)


def log_sum_exp(z: np.ndarray) -> np.ndarray:
    """log of the sum of exp over each row, shifted by the row's largest real part."""
    top = np.real(z).max(axis=1, keepdims=True)
    lse: np.ndarray = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
    return lse


def softmax(z: np.ndarray) -> np.ndarray:
    p: np.ndarray = np.exp(z - log_sum_exp(z))
    return p


def binary_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> complex:
    """The mean over all entries of -[y log σ(z) + (1 - y) log(1 - σ(z))], from the logits."""
    mean: complex = np.mean(softplus(Z) - Y * Z)  # a float64; a complex128 at a complex point
    return mean


def cross_entropy(Z: np.ndarray, labels: np.ndarray) -> complex:
    """The mean over rows of -log softmax(z)[label], from the logits."""
    rows = np.arange(len(labels))
    mean: complex = np.mean(log_sum_exp(Z)[:, 0] - Z[rows, labels])  # as binary_cross_entropy
    return mean


def gradient(
    loss: Callable[[dict[str, np.ndarray]], complex], params: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """d loss / d params[name] for every entry, by a complex step in each entry in turn."""
    point = {name: np.asarray(value, dtype=np.complex128) for name, value in params.items()}
    grads: dict[str, np.ndarray] = {}
    for name, value in point.items():
        grad = np.empty(value.shape)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + 1j * STEP
            grad[idx] = np.imag(loss(point)) / STEP
            value[idx] = old
        grads[name] = grad
    return grads


def real(value: npt.ArrayLike) -> np.ndarray:
    """A forward pass's output, evaluated at real parameters, as float64."""
    return np.real(np.asarray(value)).astype(np.float64)
