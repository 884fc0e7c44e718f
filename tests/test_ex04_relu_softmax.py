"""ex04 · a ReLU hidden layer and a softmax output classify Gaussian blobs (document 002).

There is no test of the document's own run: its data come from an unseeded
sklearn make_classification, so the losses it prints cannot be reproduced
(and its first printed loss, 0.1006, is far below the ln 3 its own start gives:
the notebook's weights had been trained in earlier runs of its cells).
"""

import math

import numpy as np
import pytest

from tests.kata.runtime import diagnosis, oracle
from tests.kata.runtime.harness import (
    Fault,
    H,
    call,
    expect_array,
    expect_close,
    expect_gradients,
    expect_scalar,
    fail,
    run_backward,
    run_forward,
    run_loss,
)
from tests.kata.runtime.subject import needs
from tests.kata.runtime.suites import ContractSuite, ProbabilitySuite

# The contract's hidden layer, set by hand (3 inputs, 5 hidden units), so that the test
# data can keep every pre-activation Z1 away from relu's kink at 0 (see `batch`).
HIDDEN_W1 = np.array(
    [[0.9, -1.1, 0.4, -0.3, 1.3], [-0.6, 0.8, 1.2, -1.4, 0.2], [0.5, 0.7, -0.9, 1.0, -0.8]]
)
HIDDEN_B1 = np.array([[0.3, -0.2, 0.1, -0.4, 0.25]])
# Central differences move Z1 by at most H · (1 + |x|) ≈ 1e-5 · 5: a margin of 1e-3 holds.
KINK_MARGIN = 1e-3


class TestContract(ProbabilitySuite, ContractSuite):
    categorical = True  # integer labels; each row of P sums to 1
    default_shapes = {"W1": (2, 2), "b1": (1, 2), "W2": (2, 3), "b2": (1, 3)}
    sizes = {"n_in": 3, "n_hidden": 5, "n_out": 4}
    shapes = {"W1": (3, 5), "b1": (1, 5), "W2": (5, 4), "b2": (1, 4)}
    output_layer = ("W2", "b2")

    def targets(self, rng, n, k):
        return rng.integers(0, k, size=n)  # integer labels

    def params(self, rng):
        # The hidden layer is fixed so that `batch` can steer clear of the kink; the output
        # layer is drawn here, by the test.
        return {
            "W1": HIDDEN_W1.copy(),
            "b1": HIDDEN_B1.copy(),
            "W2": rng.normal(size=(5, 4)),
            "b2": rng.normal(size=(1, 4)),
        }

    def batch(self, rng, n):
        """n rows whose hidden pre-activations are all clear of 0, some on and some off.

        relu has no slope at 0: a numeric gradient across the kink would disagree with
        any backward. Rows are drawn until each has every |Z1| > 0.05 and both signs,
        so the ReLU mask matters in every row. Labels cover the 4 classes.
        """
        rows = []
        while len(rows) < n:
            x = rng.normal(size=3)
            z = x @ HIDDEN_W1 + HIDDEN_B1[0]
            if np.abs(z).min() > 0.05 and (z > 0).any() and (z < 0).any():
                rows.append(x)
        X = np.array(rows)
        Z1 = X @ HIDDEN_W1 + HIDDEN_B1
        assert np.abs(Z1).min() > KINK_MARGIN, "test data straddle relu's kink"
        assert H * (1 + np.abs(X).max()) < KINK_MARGIN, "test inputs too large for the margin"
        return X, rng.permutation(np.arange(n) % 4)

    def saturating_params(self):
        # Hidden activations of 0 … 2 or so, times weights of ±300, plus biases of ±1000:
        # logits of about ±1000, and some labels get a probability of exactly 0.
        W2 = 300.0 * np.array(
            [[1, -1, 0, 1], [-1, 1, 1, 0], [1, 0, -1, -1], [0, 1, -1, 1], [-1, -1, 1, 0]]
        )
        return {
            "W1": HIDDEN_W1.copy(),
            "b1": HIDDEN_B1.copy(),
            "W2": W2,
            "b2": np.array([[1000.0, -1000.0, 0.0, 500.0]]),
        }

    def oracle(self, params, X, Y):
        return network(params, X, Y)

    def saturated_outputs(self):
        # Rows 0 and 2 give their label a probability of exactly 0.
        P = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
        return P, np.array([1, 2, 3])


NETWORK = TestContract()  # its oracle, for the randomized checks beside stored answers


def network(params, X, Y):
    """The test's own forward pass and cross-entropy: (P, loss), through the logits."""
    Z = oracle.relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return oracle.softmax(Z), oracle.cross_entropy(Z, Y)


# --- given code ----------------------------------------------------------------------------
@pytest.mark.given
def test_init_params_is_the_documents_start(m):
    params = m.init_params(np.random.default_rng(0), n_in=3, n_hidden=5, n_out=4)
    for name in ("W1", "W2"):
        w = params[name]
        assert np.all((w >= 0) & (w < 0.01)), f"{name} must be 0.01 × uniform on [0, 1)"
    for name in ("b1", "b2"):
        assert np.all(params[name] == 0), f"{name} must start at 0"


@pytest.mark.given
def test_make_blobs_is_seeded_and_covers_every_class(m):
    X, Y = m.make_blobs(np.random.default_rng(3), 10, n_classes=4)
    X2, Y2 = m.make_blobs(np.random.default_rng(3), 10, n_classes=4)
    assert X.shape == (10, 2) and X.dtype == np.float64
    assert Y.shape == (10,) and np.issubdtype(Y.dtype, np.integer)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2), "the same rng must give the same data"
    assert set(Y.tolist()) == {0, 1, 2, 3}
    X, Y = m.make_blobs(np.random.default_rng(3), 7, n_classes=2)
    assert set(Y.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="two classes or more"):
        m.make_blobs(np.random.default_rng(3), 7, n_classes=1)


@pytest.mark.given
def test_make_blobs_adds_noise_to_centres_on_a_circle(m):
    """Centre k at radius 3 and angle 2πk/K; each point its centre plus 0.5 × rng.normal."""
    X, Y = m.make_blobs(np.random.default_rng(5), 8, n_classes=4)
    angles = np.array([0.0, 0.5, 1.0, 1.5]) * math.pi
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    noise = 0.5 * np.random.default_rng(5).normal(size=(8, 2))
    np.testing.assert_allclose(X, centres[Y] + noise, rtol=0, atol=1e-12)


# --- relu and softmax ------------------------------------------------------------------------
@pytest.mark.stage("helper")
def test_relu_known_values(m):
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0], [1e-9, -1e-9, 7.0, -1000.0, 1000.0]])
    before = z.copy()
    got = expect_array(call(m, "relu", z), "relu(z)", z.shape)
    expected = [[0.0, 0.0, 0.0, 0.5, 3.0], [1e-9, 0.0, 7.0, 0.0, 1000.0]]
    expect_close("relu of [[-2, -0.5, 0, 0.5, 3], [1e-9, -1e-9, 7, -1000, 1000]]", got, expected)
    if not np.array_equal(z, before):
        fail("relu changed its argument in place: return a new array, e.g. np.maximum(z, 0).")
    z = np.random.default_rng(24).normal(size=(4, 5))  # and at points the test drew
    got = expect_array(call(m, "relu", z), "relu(z)", z.shape)
    expect_close("relu at points the test drew (beside the stored ones)", got, oracle.relu(z))


@pytest.mark.stage("helper")
def test_softmax_known_values(m):
    z = np.array([[0.0, math.log(2), math.log(3)], [2.0, -1.0, 0.5]])
    before = z.copy()
    got = expect_array(call(m, "softmax", z), "softmax(z)", z.shape)
    # Row 0 is exp = 1, 2, 3 over 6; row 1 computed with Python's math module.
    expected = [
        [1 / 6, 1 / 3, 1 / 2],
        [0.7855970345892759, 0.039112573270687456, 0.1752903921400367],
    ]
    expect_close(
        "softmax of [[0, ln 2, ln 3], [2, -1, 0.5]] (each row normalised on its own, axis=1)",
        got,
        expected,
    )
    if not np.array_equal(z, before):
        fail("softmax changed its argument in place: write `z = z - ...`, not `z -= ...`.")
    z = np.random.default_rng(25).normal(scale=3.0, size=(4, 5))  # and at points the test drew
    got = expect_array(call(m, "softmax", z), "softmax(z)", z.shape)
    expect_close("softmax at points the test drew (beside the stored ones)", got, oracle.softmax(z))


@pytest.mark.stage("helper")
@pytest.mark.extreme
def test_softmax_is_finite_and_silent_for_huge_logits(m):
    z = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0], [1000.0, -1000.0, 0.0]])
    got = expect_array(call(m, "softmax", z), "softmax of logits of ±1000", z.shape)
    expected = [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]]
    expect_close("softmax of [[1000, 1000, -1000], [-1000] * 3, [1000, -1000, 0]]", got, expected)


@pytest.mark.stage("helper")
@pytest.mark.extreme
def test_softmax_shifts_each_row_by_its_own_maximum(m):
    # One row near +1000, one near -1000: shifting both by the largest entry of the whole
    # array leaves the second row as exp(-2000) = 0 everywhere, and 0 / 0.
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])
    problem = None
    try:
        got = call(m, "softmax", z)
    except Fault as exc:
        if exc.function != "softmax" or exc.kind in ("import", "hang", "exit", "interrupt"):
            raise  # not softmax's arithmetic: the fault's own message says what it is
        problem = exc
    if problem is not None:  # outside the except block: no chained traceback in the report
        fail(
            "softmax of [[1000, 999, 998], [-1000, -1001, -1002]] failed: subtract each row's"
            f" own maximum (keepdims=True), not the whole array's.\n{problem.msg}",
            "softmax",
            problem.kind,
        )
    got = expect_array(got, "softmax of rows at +1000 and at -1000", z.shape)
    row = [0.6652409557748218, 0.24472847105479764, 0.09003057317038046]  # softmax(0, -1, -2)
    expect_close(
        "softmax of [[1000, 999, 998], [-1000, -1001, -1002]]: both rows are softmax([0, -1, -2])"
        " (subtract each row's own maximum, not the whole array's)",
        got,
        [row, row],
    )


@pytest.mark.stage("helper")
def test_softmax_rows_sum_to_1(m):
    z = np.random.default_rng(9).normal(scale=10.0, size=(6, 4))
    got = expect_array(call(m, "softmax", z), "softmax(z)", z.shape)
    if np.any(got < 0) or np.any(got > 1):
        fail(f"softmax gave values outside [0, 1]: {got.min():.4g} … {got.max():.4g}")
    expect_close("the sums of softmax's rows", got.sum(axis=1), np.ones(6), rtol=1e-12)


# --- forward, loss and backward at hand-set points ----------------------------------------------
# 2 inputs (integers), 3 hidden units, 4 classes; in each row one hidden unit is off (Z1 < 0).
# The expected numbers come from a plain-Python computation with the math module.
X_HAND = np.array([[1, 2], [-1, 0], [3, -1], [0, 0]])
Y_HAND = np.array([0, 3, 1, 3])
HAND = {
    "W1": np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]),
    "b1": np.array([[0.25, -0.5, 1.0]]),
    "W2": np.array([[1.0, -0.5, 0.25, 0.0], [-1.0, 2.0, 0.5, -0.25], [0.5, 0.0, -1.5, 1.0]]),
    "b2": np.array([[0.1, -0.2, 0.3, 0.0]]),
}
HAND_P = [
    [0.5778083487232812, 0.06564373967400478, 0.2763704669089364, 0.0801774446937776],
    [0.1605807129860771, 0.41521510066792516, 0.15274909919966045, 0.2714550871463373],
    [0.7490112170525067, 0.0015585469726789303, 0.00010606045252889542, 0.24932417552228547],
    [0.3834810456241903, 0.11842622523935745, 0.052551318893020955, 0.44554141024343136],
]


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    P, _ = run_forward(m, HAND, X_HAND, (4, 4))
    expect_close(
        "forward at the hand-set point (Z1 = X @ W1 + b1, relu, then W2, b2 and softmax)",
        P,
        HAND_P,
    )
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    value = run_loss(m, np.array(HAND_P), Y_HAND)
    expect_close(
        "loss of the hand-set probabilities for labels [0, 3, 1, 3]:"
        " the mean over the 4 rows of -log P[row, label]",
        value,
        2.2812345059271255,
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("loss")
def test_loss_takes_the_probability_of_each_label(m):
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])
    value = run_loss(m, P, np.array([0, 2]))
    expect_close(
        "loss of [[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]] for labels [0, 2]: -(ln 0.7 + ln 0.4) / 2"
        " (Y holds integer labels, not one-hot rows; the mean is over rows, not entries)",
        value,
        0.6364828379064438,
    )
    NETWORK.cross_check(m, "loss")


# P for four rows of three classes and their labels; the gradient (P - onehot(Y)) / 4 by hand.
CE_P = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5], [0.5, 0.4, 0.1]])
CE_Y = np.array([0, 2, 1, 1])
CE_GRAD = [
    [-0.075, 0.05, 0.025],
    [0.025, 0.075, -0.1],
    [0.0625, -0.1875, 0.125],
    [0.125, -0.15, 0.025],
]


@pytest.mark.stage("helper")
def test_softmax_cross_entropy_grad_known_values(m):
    """Checked on its own, before backward: the first step of backward is this one."""
    P, Y = CE_P.copy(), CE_Y.copy()
    got = expect_array(
        call(m, "softmax_cross_entropy_grad", P, Y), "softmax_cross_entropy_grad(P, Y)", P.shape
    )
    if not (np.array_equal(P, CE_P) and np.array_equal(Y, CE_Y)):
        fail(
            "softmax_cross_entropy_grad changed P or Y in place: P is forward's output, still"
            " in the cache; copy it before subtracting 1 at the labels."
        )
    if not np.allclose(got, CE_GRAD, rtol=1e-9, atol=1e-12):
        rows = got.sum(axis=1)
        if np.allclose(rows, 1 / len(Y)) or np.allclose(rows, 1):
            fail(
                "softmax_cross_entropy_grad(P, Y): each row adds up to"
                f" {rows[0]:.4g}, not 0: the −1 at each row's label is missing"
                " (the gradient is P - onehot(Y), not P)."
            )
        r = diagnosis.factor(got, np.array(CE_GRAD))
        if r is not None and not np.isclose(r, 1):
            why = diagnosis.explain_factor(r, len(Y), P.shape[1], is_bias=False)
            fail(f"softmax_cross_entropy_grad(P, Y) is {why}.")
    expect_close(
        "softmax_cross_entropy_grad of four rows, labels [0, 2, 1, 1]: (P - onehot(Y)) / 4",
        got,
        CE_GRAD,
    )


@pytest.mark.stage("helper")
def test_softmax_cross_entropy_grad_of_one_row_is_p_minus_onehot(m):
    P = np.array([[0.1, 0.6, 0.3]])
    got = expect_array(
        call(m, "softmax_cross_entropy_grad", P, np.array([1])),
        "softmax_cross_entropy_grad(P, [1])",
        (1, 3),
    )
    expect_close("softmax_cross_entropy_grad of one row with label 1", got, [[0.1, -0.4, 0.3]])
    # And at logits the test drew: the numeric gradient of the cross-entropy at those logits.
    rng = np.random.default_rng(26)
    Z, Y = rng.normal(scale=2.0, size=(6, 5)), rng.integers(0, 5, size=6)
    P = oracle.real(oracle.softmax(Z))
    want = oracle.gradient(lambda p: oracle.cross_entropy(p["Z"], Y), {"Z": Z})["Z"]
    got = expect_array(
        call(m, "softmax_cross_entropy_grad", P, Y), "softmax_cross_entropy_grad(P, Y)", P.shape
    )
    expect_close(
        "softmax_cross_entropy_grad of 6 rows of 5 classes the test drew, against the numeric"
        " gradient of the cross-entropy at their logits",
        got,
        want,
    )


@pytest.mark.stage("loss")
def test_initial_loss_is_log_of_the_number_of_classes(m):
    """With weights of 0.01 every probability is about 1/K, so the loss is about ln K."""
    rng = np.random.default_rng(11)
    for sizes in (
        {},
        {"n_in": 3, "n_hidden": 5, "n_out": 4},
        {"n_in": 2, "n_hidden": 6, "n_out": 7},
    ):
        params = m.init_params(rng, **sizes)
        D, K = params["W1"].shape[0], params["W2"].shape[1]
        X = rng.normal(scale=3.0, size=(50, D))
        P, _ = run_forward(m, params, X, (50, K))
        value = run_loss(m, P, np.arange(50) % K)
        if abs(value - math.log(K)) > 1e-3:
            fail(
                f"at the start (weights of 0.01 × uniform, {K} classes) the loss is {value:.6f};"
                f" every probability is about 1/{K} there, so it should be about"
                f" ln {K} = {math.log(K):.6f}."
            )


@pytest.mark.stage("backward")
def test_backward_known_answer_at_zero_output_weights(m):
    # W2 = 0, b2 = 0: every probability is 1/4, so dZ2 = (1/4 - onehot(Y)) / 4, whose column
    # sums give db2 = [0, 0, 1/4, -1/4]; nothing flows back through W2 = 0 to W1 or b1.
    # A = relu(Z1) = [[2.25, 0.5, 0], [0, 0.5, 0.5], [2.75, 0, 3.5], [0.25, 0, 1]].
    params = {**HAND, "W2": np.zeros((3, 4)), "b2": np.zeros((1, 4))}
    _, cache = run_forward(m, params, X_HAND, (4, 4))
    grads = run_backward(m, params, cache, Y_HAND, X_HAND)
    expect_close(
        "db2 at W2 = 0, b2 = 0: the column sums of (1/4 - onehot) / 4",
        grads["b2"],
        [[0.0, 0.0, 0.25, -0.25]],
    )
    expect_close(
        "dW2 at W2 = 0, b2 = 0: A.T @ (1/4 - onehot) / 4",
        grads["W2"],
        [
            [-0.234375, -0.359375, 0.328125, 0.265625],
            [-0.0625, 0.0625, 0.0625, -0.0625],
            [0.3125, -0.5625, 0.3125, -0.0625],
        ],
    )
    expect_close("dW1 when W2 = 0 (nothing flows back)", grads["W1"], np.zeros((2, 3)))
    expect_close("db1 when W2 = 0 (nothing flows back)", grads["b1"], np.zeros((1, 3)))
    NETWORK.cross_check(m, "backward")


@pytest.mark.stage("backward")
def test_backward_known_answer(m):
    _, cache = run_forward(m, HAND, X_HAND, (4, 4))
    grads = run_backward(m, HAND, cache, Y_HAND, X_HAND)
    expected = {
        "b2": [
            [0.21772033109651384, -0.09978909686150844, 0.12044423636353668, -0.23837547059854206]
        ],
        "W2": [
            [0.301429973231956, -0.6421022563121956, 0.15881576162820416, 0.18185652145203562],
            [-0.032701367286330205, 0.06010735504274124, 0.05363994576357461, -0.08104593351998564],
            [0.7713276654502506, -0.792127827505576, 0.03232427001917558, -0.0115241079638502],
        ],
        # One hidden unit is off in each row: its gradient stops at the ReLU.
        "b1": [[0.29993582925514484, 0.3999950672671928, -0.17381313926859354]],
        "W1": [
            [0.8397136179128528, -0.06418506581431677, 0.687097571317338],
            [-0.5050250668630685, 0.33581000145287604, -0.1559176733424364],
        ],
    }
    for name, value in expected.items():
        expect_close(f"backward's gradient for {name!r} at the hand-set point", grads[name], value)
    NETWORK.cross_check(m, "backward")


@pytest.mark.stage("backward")
@pytest.mark.extreme
def test_backward_switches_relu_exactly_at_0(m):
    """Hidden pre-activations a hair from 0 (1e-3 down to 1e-8, both signs): relu passes the
    gradient on one side of 0 and blocks it on the other, however close. Output and every
    gradient against the test's own (complex steps never move a pre-activation across 0)."""
    needs(m, "forward")  # not started: before the test builds its data
    rng = np.random.default_rng(17)
    W1, X = rng.normal(size=(3, 5)), rng.normal(size=(7, 3))
    near = np.array([1e-3, -1e-3, 4e-3, -4e-6, 1e-8])
    b1 = (near - X[0] @ W1)[None, :]  # row 0's pre-activations are `near`
    direction = rng.normal(size=3)
    for row, step in enumerate([2e-3, -3e-3, 1e-6, -5e-9, 7e-4, -4e-4], start=1):
        X[row] = X[0] + step * direction  # and the other rows' a step away from them
    params = {"W1": W1, "b1": b1, "W2": rng.normal(size=(5, 4)), "b2": rng.normal(size=(1, 4))}
    Y = rng.integers(0, 4, size=7)
    Z1 = X @ W1 + b1
    assert (np.abs(Z1) < 5e-2).mean() > 0.8 and np.abs(Z1).min() > 1e-10, "test data"
    P, cache = run_forward(m, params, X, (7, 4))
    grads = run_backward(m, params, cache, Y, X)
    want = oracle.real(network(params, X, Y)[0])
    expect_close("forward with hidden pre-activations a hair from 0", P, want, rtol=1e-10)
    expected = oracle.gradient(lambda p: network(p, X, Y)[1], params)
    expect_gradients(
        "where the hidden pre-activations are a hair from 0",
        grads,
        expected,
        (7, 4),
        hint="Every Z1 here is within 0.05 of 0, and the other gradient tests pass: does"
        " relu's mask compare Z1 with a threshold (Z1 > 0.01) instead of with 0?",
    )


# --- training --------------------------------------------------------------------------------
DATA_SEED, INIT_SEED, HIDDEN, LR, STEPS = 0, 1, 16, 1.0, 300


@pytest.mark.stage("training")
def test_learns_well_separated_blobs(m):
    """Three blobs of 20 points from default_rng(0); a 2-16-3 net from default_rng(1).

    300 full-batch steps at rate 1.0 (a faster rate than the document's 0.01, to keep
    the test short) must classify at least 95 % of the training points.
    """
    X, Y = m.make_blobs(np.random.default_rng(DATA_SEED), 60, n_classes=3)
    params = m.init_params(np.random.default_rng(INIT_SEED), n_hidden=HIDDEN)
    trace = call(m, "train", params, X, Y, LR, STEPS)
    acc = expect_scalar(call(m, "accuracy", params, X, Y), "accuracy after training")
    if acc < 0.95:
        fail(
            f"after {STEPS} steps at rate {LR} on three well-separated blobs, training accuracy"
            f" is {acc:.0%}, expected at least 95 %. Loss went {trace[0]:.4f} -> {trace[-1]:.4f}."
        )
    if not trace[-1] < 0.1:
        fail(f"the loss went {trace[0]:.4f} -> {trace[-1]:.4f} in {STEPS} steps, expected < 0.1.")
