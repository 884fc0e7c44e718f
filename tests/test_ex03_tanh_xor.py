"""ex03 · a 2-4-1 net, tanh hidden and sigmoid output, learns XOR with cross-entropy (001)."""

import math

import numpy as np
import pytest

from tests.kata.runtime import oracle
from tests.kata.runtime.harness import (
    call,
    expect_array,
    expect_close,
    fail,
    run_backward,
    run_forward,
    run_loss,
    swapped,
)
from tests.kata.runtime.suites import ContractSuite, ProbabilitySuite, SigmoidSuite


class TestContract(ContractSuite, ProbabilitySuite):
    default_shapes = {"W1": (2, 4), "b1": (1, 4), "W2": (4, 1), "b2": (1, 1)}
    # Non-square layers, and N = 5, K = 3, N·K = 15 tell a missing /N, /K and a stray ½ apart.
    sizes = {"n_in": 4, "n_hidden": 6, "n_out": 3}
    shapes = {"W1": (4, 6), "b1": (1, 6), "W2": (6, 3), "b2": (1, 3)}
    output_layer = ("W2", "b2")

    def params(self, rng):
        # W1 scaled as init_params scales it. Unscaled, Normal(0, 1) weights on four inputs
        # push some hidden units to |Z1| > 5, where tanh' < 1e-4: gradients through them are then
        # so small that the round-off of central differences alone exceeds the tolerance.
        params = super().params(rng)
        params["W1"] = params["W1"] / np.sqrt(4)
        return params

    def saturating_params(self):
        # Hidden pre-activations in the hundreds to thousands (a tanh written with exp overflows
        # there), and output logits of about ±1000: P is exactly 1 in one column, 0 in the other.
        W1 = np.array([[400.0, -500.0, 300.0, -350.0, 450.0, -420.0]] * 4)
        return {
            "W1": W1 * np.array([[1.0], [-1.0], [2.0], [0.5]]),
            "b1": np.zeros((1, 6)),
            "W2": np.linspace(-1.0, 1.0, 18).reshape(6, 3),
            "b2": np.array([[1000.0, -1000.0, 1000.0]]),
        }

    def oracle(self, params, X, Y):
        Z = oracle.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
        return oracle.sigmoid(Z), oracle.binary_cross_entropy(Z, Y)

    def saturated_outputs(self):
        P = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 1.0]])
        return P, np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])


NETWORK = TestContract()  # its oracle, for the randomized checks beside stored answers


class TestSigmoid(SigmoidSuite):
    """The shared sigmoid checks, on this exercise."""


@pytest.mark.given
def test_init_params_scales_as_stated(m):
    """W1 ~ Normal(0, 1) / sqrt(n_in), W2 ~ Normal(0, 1) × 0.5, zero biases."""
    params = m.init_params(np.random.default_rng(0), n_in=3, n_hidden=3000, n_out=2)
    assert np.all(params["b1"] == 0) and np.all(params["b2"] == 0), "biases must start at 0"
    # 9 000 and 6 000 draws: each sample std lands within 1 % of the true one.
    assert abs(params["W1"].std() * math.sqrt(3) - 1) < 0.05, "W1 must be Normal / sqrt(n_in)"
    assert abs(params["W2"].std() / 0.5 - 1) < 0.05, "W2 must be Normal × 0.5"


# --- tanh_prime -------------------------------------------------------------------------
@pytest.mark.stage("helper")
def test_tanh_prime_known_values(m):
    # tanh(atanh(0.5)) = 0.5, so the slope there is 1 - 0.25 = 0.75.
    z = np.array([[0.0, math.atanh(0.5), -math.atanh(0.5)]])
    got = expect_array(call(m, "tanh_prime", z), "tanh_prime(z)", z.shape)
    expect_close(
        "tanh_prime at [0, atanh(0.5), -atanh(0.5)]: 1 - tanh(z)² (it takes the pre-activation z,"
        " not tanh(z): 1 - z² is the derivative written for the activation)",
        got,
        [[1, 0.75, 0.75]],
    )


@pytest.mark.stage("helper")
def test_tanh_prime_matches_the_slope_of_tanh(m):
    z = np.array([[-3.0, -0.5, 0.0], [0.25, 1.0, 4.0]])
    z = np.vstack([z, np.random.default_rng(23).normal(scale=2.0, size=(2, 3))])
    got = expect_array(call(m, "tanh_prime", z), "tanh_prime(z)", z.shape)
    # The slope by a complex step through tanh: exact to the last bits, so a slope taken by
    # differences (right to 1e-11 at best) is not mistaken for it.
    slope = np.imag(np.tanh(z + 1j * oracle.STEP)) / oracle.STEP
    expect_close(
        "tanh_prime(z) against the slope of tanh at z (it takes the pre-activation z, not"
        " tanh(z); the formula, not a difference quotient)",
        got,
        slope,
        rtol=1e-12,
        atol=0,
    )


@pytest.mark.stage("helper")
@pytest.mark.extreme
def test_tanh_prime_is_finite_at_plus_minus_1000(m):
    z = np.array([-1000.0, 1000.0])
    got = expect_array(call(m, "tanh_prime", z), "tanh_prime([-1000, 1000])", z.shape)
    expect_close("tanh_prime([-1000, 1000]) (np.tanh stays finite there)", got, [0.0, 0.0])


# --- known answers ----------------------------------------------------------------------
# Parameters set by hand; the expected numbers come from Python's math module.
HAND = {
    "W1": np.array([[0.5, -1.0, 1.5, 0.25], [1.0, 0.75, -0.5, -2.0]]),
    "b1": np.array([[0.1, -0.2, 0.0, 0.3]]),
    "W2": np.array([[1.0], [-2.0], [0.5], [1.5]]),
    "b2": np.array([[-0.25]]),
}
HAND_P = [[0.664048314631803], [0.11059148202674052], [0.9592115708457686], [0.6347674256031941]]


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    P, _ = run_forward(m, HAND, m.X_XOR, (4, 1))
    expect_close(
        "forward on the XOR inputs with the hand-set HAND parameters"
        " (tanh after W1 and b1, sigmoid after W2 and b2)",
        P,
        HAND_P,
    )
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("forward")
def test_forward_known_answer_two_outputs(m):
    params = {
        "W1": np.array([[1.0, -1.0], [0.5, 2.0], [0.0, -0.5]]),
        "b1": np.array([[0.25, -0.25]]),
        "W2": np.array([[1.0, -2.0], [0.5, 1.0]]),
        "b2": np.array([[0.0, -0.5]]),
    }
    X = np.array([[1, 2, 0], [-1, 0, 1], [0, 1, 3]])
    P, _ = run_forward(m, params, X, (3, 2))
    expected = [
        [0.8136579305223233, 0.187826929879533],
        [0.3745632274991334, 0.7340397980726014],
        [0.6808342411895424, 0.17867076399854262],
    ]
    expect_close("forward of a 3-2-2 net (each bias added to every row)", P, expected)
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    P, right = np.array(HAND_P), 1.0853911705784265
    value = run_loss(m, P, m.Y_XOR)
    expect_close(
        "loss of the hand-set outputs against XOR (mean over the 4 rows)",
        value,
        right,
        probe=swapped(m, "loss", (P, m.Y_XOR), right),
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_averages_over_all_entries(m):
    P = np.array(
        [
            [0.8136579305223233, 0.187826929879533],
            [0.3745632274991334, 0.7340397980726014],
            [0.6808342411895424, 0.17867076399854262],
        ]
    )
    value = run_loss(m, P, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    expect_close(
        "loss of a (3, 2) output: the mean over all N·K = 6 entries", value, 0.5499001674824638
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_at_one_half_is_log_2(m):
    value = run_loss(m, np.full((4, 1), 0.5), m.Y_XOR)
    expect_close(
        "loss when every output is 0.5 (it is ln 2, whatever the targets)", value, math.log(2)
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("backward")
def test_backward_known_answer(m):
    # W1 = 0 and b1 = ±atanh(0.5), 0, 0 give A = [0.5, -0.5, 0, 0] on every row, where
    # tanh' = [0.75, 0.75, 1, 1]; W2 cancels A so P = 0.5 and dZ2 = (0.5 - Y) / 4.
    # With Y = [1, 0, 1, 1]: dZ2 = [-1, 1, -1, -1] / 8, summed -1/4; W2 · tanh' = [1.5, 1.5, -1, 3].
    a = math.atanh(0.5)
    params = {
        "W1": np.zeros((2, 4)),
        "b1": np.array([[a, -a, 0.0, 0.0]]),
        "W2": np.array([[2.0], [2.0], [-1.0], [3.0]]),
        "b2": np.zeros((1, 1)),
    }
    Y = np.array([[1], [0], [1], [1]])
    _, cache = run_forward(m, params, m.X_XOR, (4, 1))
    grads = run_backward(m, params, cache, Y, m.X_XOR)
    expect_close("db2: dZ2 = (P - Y) / 4 summed over rows", grads["b2"], [[-0.25]])
    expect_close(
        "dW2: A.T @ dZ2, with A = [0.5, -0.5, 0, 0] on each row",
        grads["W2"],
        [[-0.125], [0.125], [0.0], [0.0]],
    )
    by_hidden = [-0.375, -0.375, 0.25, -0.75]  # -1/4 × W2 · tanh'(Z1)
    expect_close(
        "db1: (dZ2 @ W2.T) * tanh'(Z1), summed over rows (tanh' at Z1, not at A)",
        grads["b1"],
        [by_hidden],
    )
    expect_close(
        "dW1: X.T @ dZ1 (the rows with x1 = 1 add up; those with x2 = 1 cancel)",
        grads["W1"],
        [by_hidden, [0.0, 0.0, 0.0, 0.0]],
    )
    NETWORK.cross_check(m, "backward")


# --- training ---------------------------------------------------------------------------
SEED, STEPS = 0, 1000


@pytest.mark.stage("training")
def test_learns_xor(m):
    """From default_rng(0) the document's start and rate (0.4) solve XOR in 1 000 steps.

    With a correct network the loss is below 0.05 from step 326 on and ends near 0.007.
    """
    params = m.init_params(np.random.default_rng(SEED))
    trace = call(m, "train", params, m.X_XOR, m.Y_XOR, 0.4, STEPS)
    P, _ = run_forward(m, params, m.X_XOR, (4, 1))
    if not np.all((P > 0.5) == (m.Y_XOR == 1)):
        fail(
            f"after {STEPS} steps from default_rng({SEED}) at rate 0.4, XOR predictions are"
            f" {np.round(P.ravel(), 3).tolist()}, expected on the right side of 0.5 for"
            f" [0, 1, 1, 0]. Loss went {trace[0]:.4f} -> {trace[-1]:.4f}."
        )
    if not trace[-1] < 0.05:
        fail(f"after {STEPS} steps the loss is {trace[-1]:.4f}, expected < 0.05.")


# The losses document 001 prints every 20 steps, 0 … 840 (its printout stops there).
DOCUMENT_LOSSES = [
    0.708, 0.689, 0.678, 0.655, 0.610, 0.547, 0.484, 0.421, 0.336, 0.239, 0.167,
    0.120, 0.091, 0.072, 0.059, 0.050, 0.043, 0.038, 0.034, 0.030, 0.028, 0.025,
    0.023, 0.022, 0.020, 0.019, 0.018, 0.017, 0.016, 0.015, 0.014, 0.014, 0.013,
    0.012, 0.012, 0.011, 0.011, 0.011, 0.010, 0.010, 0.010, 0.009, 0.009,
]  # fmt: skip


@pytest.mark.document("001")
@pytest.mark.stage("document")
def test_reproduces_document_run(m):
    """The 13th network built after np.random.seed(1337), 1 000 steps at 0.4."""
    trace, P, _ = call(m, "document_run")
    for i, printed in enumerate(DOCUMENT_LOSSES):
        # Printed to 3 decimals, so each matches to half a unit of the last one.
        expect_close(
            f"loss printed at step {20 * i} of document 001's run",
            trace[20 * i],
            printed,
            rtol=0,
            atol=5e-4,
        )
    # The document prints the predictions after training to 8 decimals.
    expected = [[0.00122615], [0.99247126], [0.99164817], [0.01158322]]
    expect_close("predictions after document 001's run", P, expected, rtol=0, atol=5e-9)
