"""Test suites every network shares: the contract, and the small helpers.

A test module subclasses a suite and says what is particular to its network
(sizes, a batch of data); the suite's tests then run against that network.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.kata.harness import (
    Lazy,
    call,
    check_gradients,
    expect_array,
    expect_close,
    expect_scalar,
    fail,
    run_backward,
    run_forward,
    run_loss,
)
from tests.kata.transcript import expect_transcript, run_main


class Network:
    """What a suite needs to know about one network module."""

    exercise: str
    # init_params(rng) must give these shapes (the document's sizes)...
    default_shapes: dict[str, tuple[int, ...]]
    # ...and init_params(rng, **sizes) these: non-square, so a transpose cannot hide.
    sizes: dict[str, int]
    shapes: dict[str, tuple[int, ...]]

    @pytest.fixture
    def m(self):
        return Lazy(self.exercise)

    def params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Asymmetric parameters at `shapes`, drawn by the test, not by the student's code."""
        return {name: rng.normal(size=shape) for name, shape in self.shapes.items()}

    def batch(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """n rows of inputs X (n, D) and targets Y for the network at `shapes`."""
        raise NotImplementedError

    def out_shape(self, n: int) -> tuple[int, int]:
        last = list(self.shapes.values())[-1]
        return (n, last[-1])

    def saturating_params(self) -> dict[str, np.ndarray]:
        """Parameters that drive the output's logits to about ±1000 on `batch`."""
        raise NotImplementedError


class ContractSuite(Network):
    """init_params / forward / loss / backward keep the contract, and backward is exact."""

    @pytest.mark.given
    def test_init_params_gives_the_documents_shapes(self, m):
        rng = np.random.default_rng(0)
        for params, shapes, how in (
            (m.init_params(rng), self.default_shapes, "init_params(rng)"),
            (m.init_params(rng, **self.sizes), self.shapes, f"init_params(rng, **{self.sizes})"),
        ):
            assert isinstance(params, dict), f"{how} returned {type(params).__name__}"
            got = {k: v.shape for k, v in params.items()}
            assert got == shapes, f"{how} gave shapes {got}, expected {shapes}"
            assert all(v.dtype == np.float64 for v in params.values()), f"{how}: not float64"

    @pytest.mark.stage("forward")
    def test_forward_returns_output_and_cache(self, m):
        rng = np.random.default_rng(1)
        X, _ = self.batch(rng, 5)
        run_forward(m, self.params(rng), X, self.out_shape(5))

    @pytest.mark.stage("forward")
    def test_forward_takes_one_row_and_integer_inputs(self, m):
        rng = np.random.default_rng(2)
        params = self.params(rng)
        X, _ = self.batch(rng, 1)
        run_forward(m, params, X, self.out_shape(1))
        X_int = rng.integers(0, 2, size=(4, X.shape[1]))
        run_forward(m, params, X_int, self.out_shape(4))

    @pytest.mark.stage("loss")
    def test_loss_returns_a_float(self, m):
        rng = np.random.default_rng(3)
        X, Y = self.batch(rng, 5)
        out, _ = run_forward(m, self.params(rng), X, self.out_shape(5))
        value = run_loss(m, out, Y)
        if value < 0:
            fail(f"loss returned {value}, a negative number; these losses are never below 0.")

    @pytest.mark.stage("backward")
    def test_backward_returns_one_gradient_per_parameter(self, m):
        rng = np.random.default_rng(4)
        X, Y = self.batch(rng, 5)
        params = self.params(rng)
        _, cache = run_forward(m, params, X, self.out_shape(5))
        run_backward(m, params, cache, Y, X)

    @pytest.mark.parametrize("n", [5, 1])
    @pytest.mark.stage("backward")
    def test_gradients_match_numeric_gradients(self, m, n):
        rng = np.random.default_rng(5 + n)
        X, Y = self.batch(rng, n)
        check_gradients(m, self.params(rng), X, Y, self.out_shape(n))

    @pytest.mark.stage("backward")
    def test_backward_leaves_params_X_and_cache_untouched(self, m):
        rng = np.random.default_rng(6)
        X, Y = self.batch(rng, 5)
        params = self.params(rng)
        _, cache = run_forward(m, params, X, self.out_shape(5))
        first = run_backward(m, params, cache, Y, X)  # fails naming any param or X it changed
        second = run_backward(m, params, cache, Y, X)
        for name in params:
            expect_close(
                f"backward run twice on one cache gave two gradients for {name!r}: it changed"
                " an array of the cache in place (write `d = P - Y`, not `P -= Y`)",
                second[name],
                first[name],
            )

    @pytest.mark.stage("document")
    def test_main_trains_and_prints_like_its_document(self, m):
        """`python -m <module> --plot PATH` runs main(): it prints what the reference prints.

        tests/transcript.py says how: _draw's side effects recorded, numbers to rounding.
        """
        expect_transcript(self.exercise, run_main(m))

    @pytest.mark.stage("training")
    def test_main_trains_without_saving_a_picture_unless_asked(self, m):
        """Without --plot, main() hands finish() nothing to report: no picture is saved."""
        out = run_main(m, argv=(), quick=True)
        calls = [line for line in out.splitlines() if line.startswith("» ")]
        if calls[1:] != ["» finish(None)"]:
            fail(f"main() without --plot made these calls into _draw: {calls}")

    @pytest.mark.stage("backward")
    def test_logits_of_1000_stay_finite_and_silent(self, m):
        rng = np.random.default_rng(7)
        X, Y = self.batch(rng, 6)
        params = self.saturating_params()
        out, cache = run_forward(m, params, X, self.out_shape(6))
        run_loss(m, out, Y)
        run_backward(m, params, cache, Y, X)


class ProbabilitySuite(Network):
    """For outputs that are probabilities: the loss must survive exact 0s and 1s."""

    def saturated_outputs(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    @pytest.mark.stage("loss")
    def test_loss_is_finite_when_outputs_are_exactly_0_or_1(self, m):
        out, Y = self.saturated_outputs()
        expect_scalar(call(m, "loss", out, Y), "loss of outputs that are exactly 0 or 1")

    @pytest.mark.stage("forward")
    def test_outputs_are_probabilities(self, m):
        rng = np.random.default_rng(8)
        X, _ = self.batch(rng, 6)
        out, _ = run_forward(m, self.params(rng), X, self.out_shape(6))
        if np.any(out < 0) or np.any(out > 1):
            fail(f"forward gave values outside [0, 1]: {out.min():.4g} … {out.max():.4g}")


def _sigmoid(z: float) -> float:
    """The test's own scalar sigmoid, from the math module (an independent oracle)."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


class SigmoidSuite:
    exercise: str

    @pytest.fixture
    def m(self):
        return Lazy(self.exercise)

    @pytest.mark.stage("helper")
    def test_sigmoid_known_values(self, m):
        z = np.array([[0.0, math.log(3), -math.log(3)], [2.0, -0.5, 10.0]])
        got = expect_array(call(m, "sigmoid", z), "sigmoid(z)", z.shape)
        expect_close(
            "sigmoid of [[0, ln 3, -ln 3], [2, -0.5, 10]]",
            got,
            [[0.5, 0.75, 0.25], [_sigmoid(2.0), _sigmoid(-0.5), _sigmoid(10.0)]],
        )

    @pytest.mark.stage("helper")
    def test_sigmoid_is_finite_and_silent_at_plus_minus_1000(self, m):
        z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
        got = expect_array(call(m, "sigmoid", z), "sigmoid([-1000, -40, 0, 40, 1000])", z.shape)
        expect_close("sigmoid([-1000, -40, 0, 40, 1000])", got, [0, _sigmoid(-40), 0.5, 1, 1])


class SigmoidPrimeSuite(SigmoidSuite):
    @pytest.mark.stage("helper")
    def test_sigmoid_prime_matches_the_slope_of_sigmoid(self, m):
        z = np.array([[-3.0, -0.5, 0.0], [0.25, 1.0, 4.0]])
        got = expect_array(call(m, "sigmoid_prime", z), "sigmoid_prime(z)", z.shape)
        h = 1e-5
        slope = [[(_sigmoid(v + h) - _sigmoid(v - h)) / (2 * h) for v in row] for row in z.tolist()]
        expect_close(
            "sigmoid_prime(z) against the slope of sigmoid at z (it takes the pre-activation z,"
            " not sigmoid(z))",
            got,
            slope,
            rtol=1e-8,
        )

    @pytest.mark.stage("helper")
    def test_sigmoid_prime_is_finite_at_plus_minus_1000(self, m):
        z = np.array([-1000.0, 1000.0])
        got = expect_array(call(m, "sigmoid_prime", z), "sigmoid_prime([-1000, 1000])", z.shape)
        expect_close("sigmoid_prime([-1000, 1000])", got, [0.0, 0.0])
