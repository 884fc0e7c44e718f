"""ex06 · a toy linear layer (the kata's own check that adding a network takes three files)."""

import numpy as np
import pytest

from tests.kata.runtime.harness import (
    Lazy,
    call,
    check_gradients,
    expect_close,
    run_forward,
    run_loss,
)

EX = "ex06_linear"


@pytest.fixture
def m():
    return Lazy(EX)


@pytest.mark.given
def test_init_params_gives_the_shapes(m):
    assert m.init_params(np.random.default_rng(0))["W"].shape == (2, 1)


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    params = {"W": np.array([[1.0], [2.0]]), "b": np.array([[0.5]])}
    Z, _ = run_forward(m, params, np.array([[1.0, 1.0], [0.0, -1.0]]), (2, 1))
    expect_close("forward of a hand-set layer", Z, [[3.5], [-1.5]])


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    expect_close("½ mean square", run_loss(m, np.array([[1.0], [3.0]]), np.zeros((2, 1))), 2.5)


@pytest.mark.stage("backward")
def test_gradients_match_numeric_gradients(m):
    rng = np.random.default_rng(1)
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=(1, 3))}
    check_gradients(m, params, rng.normal(size=(5, 4)), rng.normal(size=(5, 3)), (5, 3))


@pytest.mark.stage("training")
def test_learns_a_line(m):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 2))
    trace = call(m, "train", m.init_params(rng), X, X @ np.array([[2.0], [-1.0]]), 0.5, 200)
    assert trace[-1] < 1e-6 * trace[0]
