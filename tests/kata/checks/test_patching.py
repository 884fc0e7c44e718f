"""patching.py finds code by its syntax tree: what the catalogue's answers rely on."""

from __future__ import annotations

import pytest

from tests.kata.checks.patching import Before, Header, PatchError, patch

SOURCE = '''\
import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^-z), stable: exp only ever sees -|z|."""
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


@staticmethod
def backward(params: dict[str, np.ndarray], cache: tuple, Y: np.ndarray) -> dict:
    X, P = cache
    dZ = (P - Y) / P.size  # ½·σ′ cancels: P - Y
    return {
        "W": X.T @ dZ,
        'b': dZ.sum(axis=0, keepdims=True),
    }
'''


def test_statements_are_found_whatever_their_comments_and_spacing() -> None:
    old = "    e = np.exp( -np.abs(z) )\n    return np.where(z>=0, 1/(1+e), e/(1+e))"
    new = "    return 1 / (1 + np.exp(-z))"
    assert "    return 1 / (1 + np.exp(-z))\n\n\n@staticmethod" in patch(SOURCE, old, new)
    assert "never overflows" not in patch(SOURCE, old, new)  # whole lines: comments go too


def test_an_expression_is_found_in_other_brackets_and_quotes() -> None:
    patched = patch(SOURCE, "(P - Y) / P.size", "P - Y")
    assert "    dZ = P - Y  # ½·σ′ cancels: P - Y\n" in patched  # a piece: the comment stays
    assert "'b': dZ" in patch(SOURCE, "(X.T @ dZ)", "dZ.T @ X").replace('"W": dZ.T @ X', "")


def test_a_dict_item_is_found_with_either_quotes_and_its_comma() -> None:
    patched = patch(SOURCE, '        "b": dZ.sum(axis=0, keepdims=True),', '        "b": dZ,')
    assert '        "b": dZ,\n    }' in patched


def test_a_decorated_function_is_replaced_with_its_decorator() -> None:
    old = SOURCE[SOURCE.index("@staticmethod") :]
    assert patch(SOURCE, old, "def backward(): ...\n").endswith("\n\n\ndef backward(): ...\n")


def test_a_piece_that_is_not_whole_code_is_found_by_its_tokens() -> None:
    patched = patch(SOURCE, "def backward(params:dict[str,np.ndarray],", "def backward(params,")
    assert "def backward(params, cache: tuple" in patched


def test_code_found_twice_or_never_is_an_error() -> None:
    with pytest.raises(PatchError, match="2 times"):
        patch(SOURCE, "(1 + e)", "2")
    with pytest.raises(PatchError, match="0 times"):
        patch(SOURCE, "np.tanh(z)", "z")


def test_a_function_is_named_by_its_header_or_where_it_begins() -> None:
    renamed = patch(SOURCE, Header("backward"), "def gradients(params, cache, Y):")
    assert "@staticmethod\ndef gradients(params, cache, Y):\n    X, P = cache" in renamed
    helper = patch(SOURCE, Before("backward"), "def helper():\n    pass\n\n\n")
    assert "def helper():\n    pass\n\n\n@staticmethod\ndef backward(" in helper
    assert patch(SOURCE, Before("sigmoid"), "@cache\n").count("@cache\ndef sigmoid(z") == 1
    with pytest.raises(PatchError, match="the function forward is in the solution 0 times"):
        patch(SOURCE, Header("forward"), "def forward():")
