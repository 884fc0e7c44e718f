"""The diagnosis's pure parts, case by case: what each cause looks like, and what it is not."""

from __future__ import annotations

import numpy as np

from tests.kata.runtime import diagnosis


def test_a_shape_error_reads_code_not_comments() -> None:
    error = "operands could not be broadcast together with shapes (4,3) (4,) "
    said = diagnosis.shape_error(error, "G = P - Y  # the NLL's gradient, as in the TODO", {"NLL"})
    assert "NLL" not in said and "TODO" not in said
    said = diagnosis.shape_error(error, "dZ2 = (P - Y_XOR) / P.size", {"Y_XOR", "X_XOR"})
    assert said.startswith("the line reads Y_XOR,"), said
    # An upper-case name the module does not assign is not its data.
    assert "the line reads" not in diagnosis.shape_error(error, "G = P - Y  # K", set())


def test_a_shape_error_by_its_cause() -> None:
    def said(shapes: str, line: str) -> str:
        return diagnosis.shape_error(f"could not be broadcast together with shapes {shapes} ", line)

    assert "fit a matrix product: `@`" in said("(5,3) (3,6)", "d = (e * W.T) * s")
    assert "keepdims=True" in said("(2,3) (2,)", "return e / e.sum(axis=1)")
    assert "flattened" in said("(15,) (5,3)", "p = np.where(Y.ravel() == 1, P, 1 - P)")
    assert "the value is transposed" in said("(4,2) (2,4) (4,2)", "dW2 += np.outer(e2, a)")
    assert "kept from an" in said("(4,2) (6,3) (4,2)", "dW2 += np.outer(a, e2)")
    assert "a bias?" in said("(6,6) (1,3)", "P = sigmoid((A + b2) @ W2)")


def test_a_factor_of_two_is_two_even_where_n_is_twice_k() -> None:
    assert "twice" in (diagnosis.explain_factor(2.0, n=6, k=3, is_bias=False) or "")
    assert "N/K (5/3)" in (diagnosis.explain_factor(5 / 3, n=5, k=3, is_bias=False) or "")


def test_a_bias_gradient_of_the_wrong_shape_is_told_as_a_bias() -> None:
    said = diagnosis.explain_shape("b", (4, 3), (1, 3), n=5)
    assert said.startswith("A bias gradient is its layer's error summed"), said
    assert "X.T" not in said
    said = diagnosis.explain_shape("W1", (6, 6), (4, 6), n=5)
    assert "X.T @ dZ1" in said
    assert "dZ1" not in diagnosis.explain_shape("W", (5, 3), (4, 3), n=5)


def test_one_line_right_needs_lines_of_more_than_one_entry() -> None:
    assert diagnosis.one_line_right(np.array([[True, False, False]])) is None
    column = np.array([[True, False], [True, False], [True, False]])
    assert (diagnosis.one_line_right(column) or "").startswith("only column 0 of 2 is right")
    mixed = np.array([[True, False], [True, True], [True, False]])
    assert diagnosis.one_line_right(mixed) is None
