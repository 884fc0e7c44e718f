"""ex05 · a 5-10-5 sigmoid net learns bit complements by online SGD (document 004)."""

import numpy as np
import pytest

from tests.kata.runtime import diagnosis, oracle
from tests.kata.runtime.harness import (
    call,
    describe,
    expect_array,
    expect_close,
    expect_unchanged,
    fail,
    module_file,
    run_backward,
    run_forward,
    run_loss,
    snapshot,
    swapped,
)
from tests.kata.runtime.subject import Probe, probing
from tests.kata.runtime.suites import ContractSuite, ProbabilitySuite, SigmoidPrimeSuite


class TestContract(ContractSuite, ProbabilitySuite):
    default_shapes = {"W1": (5, 10), "W2": (10, 5)}
    # D = 4, H = 6, K = 3 and N = 5 all differ: N·K = 15 is not N·D = 20 (X.size), and a
    # missing /N, /K and a stray ½ tell apart.
    sizes = {"n_in": 4, "n_hidden": 6, "n_out": 3}
    shapes = {"W1": (4, 6), "W2": (6, 3)}
    output_layer = ("W2",)

    def saturating_params(self):
        # Hidden pre-activations of ±1000 and beyond, then output logits of about ±1000.
        W1 = np.array([[400.0, -500.0, 300.0, -350.0, 450.0, -420.0]] * 4)
        W2 = 100.0 * np.array(
            [
                [10, -12, 8],
                [-11, 9, -7],
                [13, -10, 12],
                [-9, 14, -13],
                [12, -8, 9],
                [-10, 11, -12],
            ]
        )
        return {"W1": W1 * np.array([[1.0], [-1.0], [2.0], [0.5]]), "W2": W2}

    def oracle(self, params, X, Y):
        return network(params, X, Y)

    def saturated_outputs(self):
        P = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 1.0]])
        return P, np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])


NETWORK = TestContract()  # its oracle, for the randomized checks beside stored answers


class TestSigmoid(SigmoidPrimeSuite):
    """The shared sigmoidprime checks, on this exercise."""


@pytest.mark.given
def test_make_complements_gives_bits_and_their_complements(m):
    X, Y = m.make_complements(np.random.default_rng(0), 200)
    assert X.shape == Y.shape == (200, 5), f"shapes {X.shape} and {Y.shape}, expected (200, 5)"
    assert np.issubdtype(X.dtype, np.integer), f"X has dtype {X.dtype}, expected integers"
    assert set(np.unique(X)) == {0, 1}, "X must hold both 0s and 1s, nothing else"
    assert np.array_equal(Y, 1 - X), "Y must be the complement 1 - X"


@pytest.mark.given
def test_init_params_draws_uniform_on_minus_1_to_1(m):
    """W1, W2 ~ uniform on [-1, 1): 3 000 draws each reach within 0.01 of both ends."""
    params = m.init_params(np.random.default_rng(0), n_in=50, n_hidden=60, n_out=50)
    for name in ("W1", "W2"):
        w = params[name]
        assert np.all((w >= -1) & (w < 1)), f"{name} must lie in [-1, 1)"
        assert w.min() < -0.99 and w.max() > 0.99, f"{name} must fill [-1, 1)"


# Parameters set by hand (3 rows, 2-3-2); the expected numbers come from scalar Python and
# the math module, not numpy.
HAND_X = np.array([[1, 0], [0, 1], [1, 1]])
HAND_Y = 1 - HAND_X
HAND = {
    "W1": np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -2.0]]),
    "W2": np.array([[1.0, -0.5], [-2.0, 0.25], [0.5, 1.5]]),
}
HAND_P = [
    [0.5904110126358076, 0.6454893769088722],
    [0.38197317922344803, 0.4849574957610833],
    [0.5197830866280814, 0.4728088861167571],
]


@pytest.mark.stage("forward")
def test_forward_known_answer(m):
    P, _ = run_forward(m, HAND, HAND_X, (3, 2))
    expect_close(
        "forward on hand-set W1 (2, 3), W2 (3, 2) and integer bits (both layers are sigmoids)",
        P,
        HAND_P,
    )
    NETWORK.cross_check(m, "forward")


@pytest.mark.stage("loss")
def test_loss_known_answer(m):
    P, right = np.array(HAND_P), 0.7216613128295316
    value = run_loss(m, P, HAND_Y)
    expect_close(
        "loss of the hand-set outputs: cross-entropy averaged over all N·K = 6 entries",
        value,
        right,
        probe=swapped(m, "loss", (P, HAND_Y), right),
    )
    NETWORK.cross_check(m, "loss")


@pytest.mark.stage("backward")
def test_backward_known_answer(m):
    _, cache = run_forward(m, HAND, HAND_X, (3, 2))
    grads = run_backward(m, HAND, cache, HAND_Y, HAND_X)
    expected_W1 = [
        [0.0350262292883234, -0.07939467117812148, 0.01066781044256898],
        [-0.016431402122800712, 0.011494713669679205, 0.027694026694939124],
    ]
    expected_W2 = [
        [0.05334121894563678, 0.09871151842556827],
        [-0.005565237581977189, 0.07350617519890085],
        [0.05586617063383081, -0.011915193378482396],
    ]
    expect_close("dW1 on the hand-set net (mean over N·K = 6 entries)", grads["W1"], expected_W1)
    expect_close("dW2 on the hand-set net (mean over N·K = 6 entries)", grads["W2"], expected_W2)
    NETWORK.cross_check(m, "backward")


# --- the per-sample loop: the same gradient, row by row ------------------------------------
def run_backward_per_sample(m, params, X, Y, probe=None):
    """backward_per_sample(params, X, Y), checked like run_backward checks backward, and
    traced: the module's batched forward and backward must not run (in every test of the
    loop, since handing the rows to them defeats the whole function)."""
    before = snapshot(params, X)
    Y0 = np.array(Y, copy=True)
    with probing(m, watch=("sigmoid", "sigmoid_prime"), trace=True) as seen:
        grads = call(m, "backward_per_sample", params, X, Y)
    if probe is not None:
        probe.shapes.extend(seen.shapes)
        probe.traces.extend(seen.traces)
    batched = sorted({name for trace in seen.traces for name in trace["batched"]})
    if batched:
        fail(
            f"backward_per_sample runs the batched {' and '.join(batched)} (called directly,"
            " through another name, or on slices of rows): it must compute each row's gradient"
            " itself, one row at a time (z1 = x @ W1, ...), not hand the rows to the batched"
            " functions.",
            "backward_per_sample",
        )
    if not isinstance(grads, dict):
        fail(
            f"backward_per_sample returned {describe(grads)}; expected a dict with the keys of"
            f" params ({', '.join(params)}), each gradient shaped like its parameter."
        )
    if set(grads) != set(params):
        fail(
            f"backward_per_sample returned keys {sorted(grads)}, expected {sorted(params)}:"
            " name each gradient after its parameter (grads['W1'] is dL/dW1)."
        )
    for name, value in params.items():
        expect_array(grads[name], f"backward_per_sample's gradient for {name!r}", value.shape)
    expect_unchanged("backward_per_sample", params, X, before)
    if not np.array_equal(Y, Y0):
        fail("backward_per_sample changed Y in place: compute new arrays instead.")
    return grads


@pytest.mark.stage("loop")
def test_backward_per_sample_keeps_the_contract(m):
    rng = np.random.default_rng(10)
    params = {"W1": rng.normal(size=(3, 4)), "W2": rng.normal(size=(4, 2))}
    run_backward_per_sample(m, params, rng.normal(size=(4, 3)), rng.integers(0, 2, size=(4, 2)))


def network(params, X, Y):
    """The test's own forward pass and mean cross-entropy: (P, loss), through the logits."""
    Z = oracle.sigmoid(X @ params["W1"]) @ params["W2"]
    return oracle.sigmoid(Z), oracle.binary_cross_entropy(Z, Y)


def reference_gradient(params, X, Y) -> dict:
    """The gradient of the test's own loss, by complex steps (tests/kata/runtime/oracle.py)."""
    return oracle.gradient(lambda p: network(p, X, Y)[1], params)


def expect_loop_gradient(grads: dict, params: dict, X, Y) -> None:
    """backward_per_sample's gradient against the test's own; a mismatch says what it is."""
    n, k = Y.shape
    expected = reference_gradient(params, X, Y)
    for name in params:
        got = grads[name]
        if np.allclose(got, expected[name], rtol=1e-10, atol=1e-15):
            continue
        subsets = [(slice(0, j), f"the first {j}") for j in range(1, n)]
        subsets += [
            (slice(0, n, 2), "every other row (0, 2, 4, …)"),
            (slice(1, n, 2), "rows 1, 3, 5, …"),
        ]
        for rows, label in subsets:
            part = reference_gradient(params, X[rows], Y[rows])[name]
            used = len(X[rows])
            if any(np.allclose(got, part * s, rtol=1e-9) for s in (1, used / n)):
                fail(
                    f"backward_per_sample's {name!r} on {n} rows is the gradient of {label} only:"
                    " the loop must visit every row (is it cut short, or a slice left from"
                    " debugging?).",
                    "backward_per_sample",
                )
        r = diagnosis.factor(got, expected[name])
        why = diagnosis.explain_factor(r, n, k, False, X.shape[1]) if r is not None else None
        expect_close(
            f"backward_per_sample's {name!r} on {n} rows ({X.shape[1]} inputs, {k} outputs),"
            " against the test's own batched gradient of the mean loss"
            + (f": it is {why}" if why else ""),
            got,
            expected[name],
            rtol=1e-10,
            atol=1e-15,
        )


@pytest.mark.parametrize(
    "sizes, n, bits",
    [((4, 6, 3), 5, False), ((4, 6, 3), 8, False), ((5, 10, 2), 7, True), ((3, 7, 4), 600, False)],
    ids=["4-6-3-N5", "4-6-3-N8", "5-10-2-bits-N7", "3-7-4-N600"],
)
@pytest.mark.stage("loop")
def test_backward_per_sample_is_the_batched_gradient(m, sizes, n, bits):
    """The loop adds the same numbers as the matrix products, only in another order."""
    rng = np.random.default_rng(11 + n)
    D, H, K = sizes
    params = {"W1": rng.normal(size=(D, H)), "W2": rng.normal(size=(H, K))}
    X = rng.integers(0, 2, size=(n, D)) if bits else rng.normal(size=(n, D))
    Y = rng.integers(0, 2, size=(n, K))
    expect_loop_gradient(run_backward_per_sample(m, params, X, Y), params, X, Y)


@pytest.mark.stage("loop")
def test_backward_per_sample_answers_each_params(m):
    """The same rows with other weights: another gradient, each the right one (nothing kept
    from an earlier call, whatever it is keyed on)."""
    rng = np.random.default_rng(16)
    X, Y = rng.normal(size=(6, 4)), rng.integers(0, 2, size=(6, 3)).astype(float)
    earlier = None
    for _ in range(3):
        params = {"W1": rng.normal(size=(4, 6)), "W2": rng.normal(size=(6, 3))}
        grads = run_backward_per_sample(m, params, X, Y)
        if earlier is not None and all(np.array_equal(grads[k], earlier[k]) for k in grads):
            fail(
                "backward_per_sample gave the same gradient for other weights on the same rows:"
                " it returns a result remembered from an earlier call (kept by X and Y, say)."
                " The gradient depends on params too; compute it afresh every call.",
                "backward_per_sample",
            )
        expect_loop_gradient(grads, params, X, Y)
        earlier = grads


def traced(m, n: int):
    """backward_per_sample on n rows, traced in the subject process: (grads, trace)."""
    rng = np.random.default_rng(14)
    params = {"W1": rng.normal(size=(4, 6)), "W2": rng.normal(size=(6, 3))}
    X, Y = rng.normal(size=(n, 4)), rng.integers(0, 2, size=(n, 3)).astype(float)
    probe = Probe({})
    grads = run_backward_per_sample(m, params, X, Y, probe)
    expect_loop_gradient(grads, params, X, Y)
    trace = probe.traces[-1] if probe.traces else {"lines": {}}
    return probe, {int(line): count for line, count in trace["lines"].items()}


@pytest.mark.stage("loop")
def test_backward_per_sample_loops_over_every_row_itself(m):
    """One row per step, in any form (row or column vectors, a method, a helper, a
    decorator), judged by what runs: run on 30 and on 60 rows, some line of the file runs
    once more per extra row, and the sigmoids see vectors, never a block of rows (and, as in
    every test of the loop, the module's batched forward and backward never run)."""
    probe, few = traced(m, 30)
    _, many = traced(m, 60)
    held = next((t["block"] for t in probe.traces if t.get("block")), None)
    if held:
        name, shape = held
        fail(
            f"backward_per_sample computes many rows at once: its variable {name} holds an"
            f" array of shape {tuple(shape)}, every row of the batch together. Go through the"
            " rows one at a time, each a vector (a row x = X[i], or a column"
            " x = X[i].reshape(-1, 1)), and add each row's gradient to running totals.",
            "backward_per_sample",
        )
    blocks = [s for s in probe.shapes if len(s) >= 2 and min(s) > 1]
    if blocks:
        fail(
            f"backward_per_sample computes many rows at once: its sigmoid got an array of shape"
            f" {blocks[0]}. Go through the rows one at a time, each a vector (a row x = X[i], or"
            " a column x = X[i].reshape(-1, 1)).",
            "backward_per_sample",
        )
    steps = max((count - few.get(line, 0) for line, count in many.items()), default=0)
    if steps < 30:
        per = f"{steps / 30:.2g} steps" if steps else "no step"
        fail(
            f"backward_per_sample does not take one step per row: with 30 more rows, no line of"
            f" {module_file(m)} runs 30 more times ({per} per extra row). Go through"
            " the rows one at a time (for x, y in zip(X, Y): ...) and add up each row's"
            " gradient; batches of rows, however small, are not the exercise.",
            "backward_per_sample",
        )


# --- training -------------------------------------------------------------------------------
@pytest.mark.stage("training")
def test_online_sgd_step_on_one_row_is_the_documents_step(m):
    """On one row, an online epoch is one full-batch step, and it is the document's step.

    Expected: the document's own update (rate 0.1 on the gradient summed over the 2 outputs),
    computed with the math module; with the mean over K = 2 outputs it needs rate 0.1 × 2 = 0.2.
    """
    params = {name: value.copy() for name, value in HAND.items()}
    value = call(m, "online_sgd_epoch", params, HAND_X[2:], HAND_Y[2:], 0.2)
    expect_close(
        "online_sgd_epoch's loss on one row, measured before the update", value, 0.6868547627700998
    )
    expect_close(
        "W1 after one online step on the row [1, 1]",
        params["W1"],
        [
            [0.4970247060184835, -0.9773220928874192, 0.23777675533083278],
            [1.4970247060184834, 0.7726779071125808, -2.0122232446691672],
        ],
    )
    expect_close(
        "W2 after one online step on the row [1, 1]",
        params["W2"],
        [
            [0.9542176576115662, -0.5416448685333617],
            [-2.0227573249767885, 0.22929931590680733],
            [0.49230475704404497, 1.493000196920593],
        ],
    )


@pytest.mark.stage("forward")
def test_flawless_rate_counts_rows_right_in_every_bit(m):
    """W2's second column is 0, so P[:, 1] is exactly 0.5: a 0, as P > 0.5 is a 1.

    P[:, 0] is HAND_P's, [0.59, 0.38, 0.52]: rows 0 and 1 are right in both bits, row 2 not.
    """
    params = {"W1": HAND["W1"], "W2": np.column_stack([HAND["W2"][:, 0], np.zeros(3)])}
    Y = np.array([[1, 0], [0, 0], [0, 0]])
    rate = call(m, "flawless_rate", params, HAND_X, Y)
    expect_close("flawless_rate when 2 of 3 rows are right in every bit", rate, 2 / 3)


@pytest.mark.stage("training")
def test_minibatch_epoch_steps_batch_by_batch(m):
    """10 rows in batches of 4: rows 0-3, 4-7, 8-9, each a step from where the last left off.

    The loss returned is the mean over the 10 rows, each batch measured before its step.
    """
    rng = np.random.default_rng(12)
    params = {"W1": rng.normal(size=(3, 4)), "W2": rng.normal(size=(4, 2))}
    X, Y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=(10, 2))
    expected, total = dict(params), 0.0
    for rows in (slice(0, 4), slice(4, 8), slice(8, 10)):
        out, cache = run_forward(m, expected, X[rows], (len(X[rows]), 2))
        total += run_loss(m, out, Y[rows]) * len(X[rows])
        grads = run_backward(m, expected, cache, Y[rows], X[rows])
        expected = {name: expected[name] - 0.5 * grads[name] for name in expected}
    value = call(m, "minibatch_epoch", params, X, Y, 0.5, 4)
    expect_close("minibatch_epoch's loss: the mean over all rows", value, total / 10)
    for name in params:
        expect_close(f"{name} after one epoch of batches of 4", params[name], expected[name])


SEED = 3  # seeds 0 to 5 all reach 100 %; one is fixed so the test never changes


@pytest.mark.stage("training")
def test_online_sgd_learns_complements(m):
    """The document's recipe from default_rng(3): 500 vectors, 10 epochs at 0.5, 5 000 new ones."""
    rng = np.random.default_rng(SEED)
    X, Y = m.make_complements(rng, 500)
    params = m.init_params(rng)
    trace = [call(m, "online_sgd_epoch", params, X, Y, 0.5) for _ in range(10)]
    X_new, Y_new = m.make_complements(rng, 5000)
    rate = call(m, "flawless_rate", params, X_new, Y_new)
    if rate < 0.99:
        fail(
            f"after 10 epochs of online SGD at rate 0.5 from default_rng({SEED}), {rate:.1%} of"
            f" 5 000 new vectors come out flawless, expected at least 99 %. Epoch losses went"
            f" {trace[0]:.4f} -> {trace[-1]:.4f}."
        )


@pytest.mark.stage("training")
def test_minibatch_epochs_lower_the_loss(m):
    rng = np.random.default_rng(0)
    X, Y = m.make_complements(rng, 500)
    params = m.init_params(rng)
    start = run_loss(m, run_forward(m, params, X, (500, 5))[0], Y)
    for _ in range(5):
        call(m, "minibatch_epoch", params, X, Y, 2.0, 25)
    end = run_loss(m, run_forward(m, params, X, (500, 5))[0], Y)
    if not end < start / 2:
        fail(
            f"5 mini-batch epochs (batches of 25, rate 2.0) took the loss from {start:.4f} only"
            f" to {end:.4f}, expected below half of it."
        )


@pytest.mark.document("004")
@pytest.mark.stage("document")
def test_reproduces_document_run(m):
    """np.random.seed(42): training bits, W1, W2, 10 online epochs at 0.5, then 5 000 vectors."""
    losses, params, X_new = call(m, "document_run")
    document = [
        0.41375321,
        0.13942819,
        0.07611117,
        0.05151639,
        0.03867311,
        0.03084649,
        0.02559992,
        0.02184708,
        0.01903371,
        0.01684861,
    ]
    # Printed to 8 decimals, so they match to half a unit of the last one.
    expect_close(
        "average loss of each of document 004's 10 epochs", losses, document, rtol=0, atol=5e-9
    )
    rate = call(m, "flawless_rate", params, X_new, 1 - X_new)
    expect_close("flawless share of the 5 000 new vectors (the document gets 100 %)", rate, 1.0)
