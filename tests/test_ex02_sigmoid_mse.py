"""ex02 · a 2-2-1 sigmoid net with squared error learns XOR (document 003)."""

import numpy as np
import pytest

from tests.kata.runtime import oracle
from tests.kata.runtime.harness import (
    call,
    expect_close,
    fail,
    run_backward,
    run_forward,
    run_loss,
)
from tests.kata.runtime.suites import ContractSuite, SigmoidPrimeSuite


class TestSigmoid(SigmoidPrimeSuite):
    """The shared sigmoidprime checks, on this exercise."""


class TestContract(ContractSuite):
    default_shapes = {"W1": (2, 2), "W2": (2, 1)}
    # D = 4, H = 6, K = 3 and N = 5 all differ (N·K = 15, N·D = 20): no size stands in for
    # another, and a transpose cannot hide.
    sizes = {"n_in": 4, "n_hidden": 6, "n_out": 3}
    shapes = {"W1": (4, 6), "W2": (6, 3)}

    def targets(self, rng, n, k):
        return rng.normal(size=(n, k))  # squared error: any real targets

    def oracle(self, params, X, Y):
        out = oracle.sigmoid(X @ params["W1"]) @ params["W2"]
        return out, np.mean(0.5 * (out - Y) ** 2)

    def saturating_params(self):
        # Hidden pre-activations of ±1000 and beyond: the sigmoid must not overflow.
        W1 = np.array([[400.0, -500.0, 300.0, -350.0, 450.0, -420.0]] * 4)
        W1 = W1 * np.array([[1.0], [-1.0], [2.0], [0.5]])
        return {"W1": W1, "W2": np.linspace(-1.0, 1.0, 18).reshape(6, 3)}


NETWORK = TestContract()  # its oracle, for the randomized checks beside stored answers


# Parameters set by hand; the expected numbers come from Python's math module.
HAND = {"W1": np.array([[0.5, -1.0], [1.5, 0.25]]), "W2": np.array([[1.0], [-2.0]])}
HAND_OUT = [[-0.5], [-0.3067785255779525], [0.08457648846186439], [0.23915447632866826]]


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    out, _ = run_forward(m, HAND, m.X_XOR, (4, 1))
    expect_close(
        "forward on the XOR inputs with W1 = [[0.5, -1], [1.5, 0.25]], W2 = [[1], [-2]]"
        " (the output is linear: no sigmoid after W2)",
        out,
        HAND_OUT,
    )
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    value = run_loss(m, np.array(HAND_OUT), m.Y_XOR)
    expect_close("loss of the hand-set outputs: mean of ½ (out - y)²", value, 0.3566081479920673)
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_is_half_the_mean_square(m):
    out = np.array([[1.0, 3.0], [0.0, -1.0], [2.0, 2.0]])
    value = run_loss(m, out, np.zeros((3, 2)))
    expect_close(
        "loss of a (3, 2) output against zeros: (1 + 9 + 0 + 1 + 4 + 4) / 2 / 6", value, 19 / 12
    )


@pytest.mark.stage("backward")
def test_backward_known_answer_at_zero_weights(m):
    # W2 = 0 gives out = 0 and dW1 = 0; A = sigmoid(0) = 0.5, so dW2 = 0.5 * sum(0 - Y) / 4.
    params = {"W1": np.zeros((2, 2)), "W2": np.zeros((2, 1))}
    _, cache = run_forward(m, params, m.X_XOR, (4, 1))
    grads = run_backward(m, params, cache, m.Y_XOR, m.X_XOR)
    expect_close("dW1 when W2 = 0 (nothing flows back)", grads["W1"], np.zeros((2, 2)))
    expect_close(
        "dW2 at zero weights on XOR: A.T @ (out - Y) / 4 with A = 0.5",
        grads["W2"],
        [[-0.25], [-0.25]],
    )
    NETWORK.cross_check(m, "backward")


SEED, STEPS = 1, 2000


@pytest.mark.stage("training")
def test_learns_xor(m):
    """From default_rng(1), the document's start and rate (0.4) solve XOR within 2 000 steps.

    The document's setup is slow but sound: about a third of starts need more steps.
    """
    params = m.init_params(np.random.default_rng(SEED))
    trace = call(m, "train", params, m.X_XOR, m.Y_XOR, 0.4, STEPS)
    out, _ = run_forward(m, params, m.X_XOR, (4, 1))
    right = np.abs(out - m.Y_XOR) < 0.5
    if not right.all():
        fail(
            f"after {STEPS} steps from default_rng({SEED}) at rate 0.4, XOR outputs are"
            f" {np.round(out.ravel(), 3).tolist()}, expected within 0.5 of [0, 1, 1, 0]."
            f" Loss went {trace[0]:.4f} -> {trace[-1]:.4f}."
        )
    if not trace[-1] < trace[0] / 4:
        fail(f"the loss only went {trace[0]:.4f} -> {trace[-1]:.4f} in {STEPS} steps.")


@pytest.mark.document("003")
@pytest.mark.stage("document")
def test_reproduces_document_run(m):
    """np.random.seed(0), W1 then W2 uniform, 10 000 steps: the document's four losses."""
    printed, out, _, _ = call(m, "document_run")
    document = {
        0: 0.14451072667400197,
        2500: 0.007930633168167129,
        5000: 0.0031754754752917323,
        7500: 0.0021824385490060365,
    }
    for step, value in document.items():
        expect_close(
            f"loss printed at step {step} of document 003's run", printed[step], value, rtol=1e-12
        )
    # The document prints the final predictions to 8 decimals.
    expected = [[-0.08500212], [0.98169372], [0.98169457], [0.07744216]]
    expect_close("final predictions of document 003's run", out, expected, rtol=0, atol=5e-9)
