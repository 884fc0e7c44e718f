"""The handout scan reads code, not text: every spelling of a backward is seen, and a
forward pass, a numeric gradient or a message is not."""

import ast

import pytest

from tests.kata.runtime import leaks
from tests.kata.runtime.harness import ROOT

pytestmark = pytest.mark.given

BACKWARD = [
    "A.T @ dZ",
    "dZ.T @ X",
    "np.dot(X.T, d)",
    "X.T.dot(dZ)",
    "np.transpose(A) @ d",
    "np.matmul(d, W.swapaxes(0, 1))",
    "np.outer(a, e)",
    'np.einsum("nd,nh->dh", X, dZ1)',
    'np.einsum("ij,ik->jk", A, d)',
    "np.tensordot(A, dZ, axes=(0, 0))",
    "s * (1 - s)",
    "(1 - s) * s",
    "1 - t ** 2",
    "1 - t * t",
    "1 - np.square(t)",
    "1 - np.tanh(z) ** 2",
    "g * (z > 0)",
    "(Z1 > 0) * g",
    "g * (z > 0).astype(float)",
    "np.where(z > 0, g, 0)",
    "np.heaviside(z, 0)",
    "(P - Y) / P.size",
    "(P - Y) / len(P)",
    "(out - Y) / Y.shape[0]",
    "(P - onehot) / N",
]
NOT_BACKWARD = [
    "X @ W + b",
    'np.einsum("nd,dh->nh", X, W)',
    "np.where(z > 0, z, 0)",
    "np.where(np.real(z) > 0, z, 0)",
    "(up - down) / (2 * H)",
    "np.exp(-np.logaddexp(0.0, -z))",
    'fail("dW = X.T @ dZ, and dZ = (P - Y) / N")',
    "x.dot(W)",
]


@pytest.mark.parametrize("code", BACKWARD)
def test_each_spelling_of_a_backward_is_found(code: str) -> None:
    assert leaks.findings(ast.parse(code)), f"{code!r} computes part of a backward"


@pytest.mark.parametrize("code", NOT_BACKWARD)
def test_forward_passes_numeric_gradients_and_strings_are_not(code: str) -> None:
    assert not leaks.findings(ast.parse(code)), f"{code!r} computes no backward"


@pytest.mark.slow  # a whole-tree read; the everyday run scans a handout (test_handout.py)
def test_the_solutions_are_found_and_the_shipped_tests_are_clean() -> None:
    assert len(leaks.scan(ROOT / "solutions", skip=())) >= 15
    left_out = ("kata/checks/", "kata/bench/tiers.py")  # never in a handout
    found = leaks.scan(ROOT / "tests", skip=left_out)
    conftest = ast.parse((ROOT / "conftest.py").read_text(encoding="utf-8"))
    found += [f"conftest.py:{line}: {reason}" for line, reason in leaks.findings(conftest)]
    assert not found, "\n".join(found)
