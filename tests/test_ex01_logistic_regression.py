"""ex01 · logistic regression on AND and OR, and why it cannot learn XOR (document 000)."""

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
    swapped,
)
from tests.kata.runtime.suites import ContractSuite, ProbabilitySuite, SigmoidSuite


class TestSigmoid(SigmoidSuite):
    """The shared sigmoid checks, on this exercise."""


class TestContract(ProbabilitySuite, ContractSuite):
    default_shapes = {"W": (2, 1), "b": (1, 1)}
    # Three outputs: N = 5, K = 3 and N·K = 15 tell a missing /N from a missing /K.
    sizes = {"n_in": 4, "n_out": 3}
    shapes = {"W": (4, 3), "b": (1, 3)}
    output_layer = ("W", "b")

    def saturating_params(self):
        # Inputs are about ±3, so weights of ±300 give logits of several hundreds to thousands.
        return {
            "W": np.array([[300.0, -300.0, 0.0]] * 4) * np.array([[1.0], [-1.0], [2.0], [0.5]]),
            "b": np.array([[1000.0, -1000.0, 0.0]]),
        }

    def oracle(self, params, X, Y):
        Z = X @ params["W"] + params["b"]
        return oracle.sigmoid(Z), oracle.binary_cross_entropy(Z, Y)

    def saturated_outputs(self):
        P = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.0], [0.5, 1.0, 1.0]])
        return P, np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])


NETWORK = TestContract()  # its oracle, for the randomized checks beside stored answers


@pytest.mark.given
def test_init_params_draws_weights_of_about_0_01(m):
    """W ~ Normal(0, 0.01²), b = 0: 6 000 draws put the sample std within 5 % of 0.01."""
    params = m.init_params(np.random.default_rng(0), n_in=3000, n_out=2)
    assert np.all(params["b"] == 0), "b must start at 0"
    assert abs(params["W"].std() / 0.01 - 1) < 0.05, "W must be Normal(0, 0.01²)"


# Parameters set by hand; the expected numbers come from Python's math module.
HAND = {"W": np.array([[1.5], [-2.0]]), "b": np.array([[0.25]])}
HAND_P = [[0.5621765008857981], [0.14804719803168948], [0.8519528019683106], [0.43782349911420193]]


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    P, _ = run_forward(m, HAND, m.X_TRUTH, (4, 1))
    expect_close("forward on the truth table with W = [[1.5], [-2]], b = [[0.25]]", P, HAND_P)
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("forward")
def test_forward_known_answer_two_outputs(m):
    params = {"W": np.array([[1.0, -1.0], [0.5, 2.0]]), "b": np.array([[0.0, -0.5]])}
    X = np.array([[1, 2], [-1, 0], [3, 1]])
    P, _ = run_forward(m, params, X, (3, 2))
    expected = [
        [0.8807970779778823, 0.9241418199787566],
        [0.2689414213699951, 0.6224593312018546],
        [0.9706877692486436, 0.18242552380635635],
    ]
    expect_close("forward with two outputs (a bias per output, added to every row)", P, expected)
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    P, right = np.array(HAND_P), 0.9305817851584655
    value = run_loss(m, P, m.Y_AND)
    expect_close(
        "loss of the hand-set outputs against AND (mean over the 4 rows)",
        value,
        right,
        probe=swapped(m, "loss", (P, m.Y_AND), right),
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_averages_over_all_entries(m):
    P = np.array(
        [
            [0.8807970779778823, 0.9241418199787566],
            [0.2689414213699951, 0.6224593312018546],
            [0.9706877692486436, 0.18242552380635635],
        ]
    )
    value = run_loss(m, P, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    expect_close(
        "loss of a (3, 2) output: the mean over all N·K = 6 entries", value, 0.8707200188815376
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_at_one_half_is_log_2(m):
    value = run_loss(m, np.full((4, 1), 0.5), m.Y_XOR)
    expect_close(
        "loss when every output is 0.5 (it is ln 2, whatever the targets)", value, np.log(2)
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("backward")
def test_backward_known_answer_at_zero_weights(m):
    # P = 0.5 everywhere, so dZ = (0.5 - Y) / 4 and the gradients are small sums by hand.
    params = {"W": np.zeros((2, 1)), "b": np.zeros((1, 1))}
    _, cache = run_forward(m, params, m.X_TRUTH, (4, 1))
    grads = run_backward(m, params, cache, m.Y_AND, m.X_TRUTH)
    expect_close("dW at W = 0, b = 0 on AND: X.T @ (0.5 - Y) / 4", grads["W"], [[0.0], [0.0]])
    expect_close("db at W = 0, b = 0 on AND: sum of (0.5 - Y) / 4", grads["b"], [[0.25]])
    NETWORK.cross_check(m, "backward")


@pytest.mark.parametrize("target", ["Y_AND", "Y_OR"])
@pytest.mark.stage("training")
def test_learns_and_and_or(m, target):
    params = m.init_params(np.random.default_rng(0))
    Y = getattr(m, target)
    trace = call(m, "train", params, m.X_TRUTH, Y, 0.4, 2000)
    acc = call(m, "accuracy", params, m.X_TRUTH, Y)
    if acc < 1:
        fail(
            f"after 2 000 steps at rate 0.4 on {target[2:]}, accuracy is {acc:.0%}, expected 100 %."
            f" Loss went {trace[0]:.4f} -> {trace[-1]:.4f}."
        )
    if not trace[-1] < 0.05:
        fail(f"after 2 000 steps on {target[2:]} the loss is {trace[-1]:.4f}, expected < 0.05.")


@pytest.mark.stage("forward")
def test_untrained_net_saying_one_half_scores_75_percent_on_and(m):
    """At W = 0, b = 0 every P is exactly 0.5, which accuracy counts as a 0 (P > 0.5 is a 1)."""
    params = {"W": np.zeros((2, 1)), "b": np.zeros((1, 1))}
    acc = call(m, "accuracy", params, m.X_TRUTH, m.Y_AND)
    expect_close("accuracy on AND when every output is 0.5: 3 of 4 rows are 0", acc, 0.75)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.stage("training")
def test_cannot_learn_xor(m, seed):
    """No line separates XOR, so at most 3 of the 4 rows come out right, whatever the start."""
    params = m.init_params(np.random.default_rng(seed))
    params["W"] = params["W"] * 100 * (seed + 1)  # start from a variety of lines, not just near 0
    trace = call(m, "train", params, m.X_TRUTH, m.Y_XOR, 0.4, 500)
    acc = call(m, "accuracy", params, m.X_TRUTH, m.Y_XOR)
    if acc > 0.75:
        fail(f"a single layer got {acc:.0%} on XOR, which is impossible: check forward.")
    if not trace[-1] >= np.log(2) - 1e-9:
        fail(
            f"the loss on XOR fell to {trace[-1]:.6f}, below ln 2 = 0.693147, which no line can do."
        )


@pytest.mark.document("000")
@pytest.mark.stage("document")
def test_reproduces_document_run(m):
    """np.random.seed(0) and the document's loop print these on AND."""
    rows, _, _ = call(m, "document_run")
    xent = {epoch: value for epoch, value, _ in rows}
    # Printed to 10 decimals, so they match to half a unit of the last one.
    expect_close("cross-entropy at epoch 1 000", xent[1000], 0.0430490895, rtol=0, atol=5e-11)
    expect_close("cross-entropy at epoch 10 000", xent[10000], 0.0043115688, rtol=0, atol=5e-11)
    assert all(acc == 1.0 for *_, acc in rows), "accuracy must be 100 % at every printed epoch"


@pytest.mark.stage("document")
def test_document_run_reports_every_tenth_of_its_epochs(m):
    """25 epochs: a row every 25 // 10 = 2 epochs, each the loss before that epoch's update."""
    rows, _, trace = call(m, "document_run", m.Y_OR, 25)
    if len(trace) != 25:
        fail(f"document_run(Y_OR, 25) traced {len(trace)} losses, expected one per epoch: 25.")
    assert [epoch for epoch, *_ in rows] == list(range(2, 25, 2)), "rows at epochs 2, 4, …, 24"
    for epoch, xent, _ in rows:
        expect_close(f"the row of epoch {epoch}", xent, trace[epoch - 1], rtol=0, atol=0)
