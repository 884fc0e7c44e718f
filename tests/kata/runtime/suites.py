"""Test suites every network shares: the contract, and the small helpers.

A test module subclasses a suite and says what is particular to its network
(sizes, a batch of data); the suite's tests then run against that network.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.kata import registry
from tests.kata.runtime import diagnosis, fingerprints, oracle, subject
from tests.kata.runtime.harness import (
    Fault,
    call,
    check_gradients,
    expect_array,
    expect_close,
    expect_gradients,
    expect_scalar,
    fail,
    known_mistake,
    run_backward,
    run_forward,
    run_loss,
)
from tests.kata.runtime.transcript import expect_transcript, run_main

GRADIENT_ROWS = (5, 1)  # the gradient check's batches: several rows, and one


class OfTestFile:
    """A suite's exercise: the one whose test file subclasses it."""

    @property
    def exercise(self) -> str:
        return registry.of_test_module(type(self).__module__).module


class Network(OfTestFile):
    """What a suite needs to know about one network module."""

    # init_params(rng) must give these shapes (the document's sizes)...
    default_shapes: dict[str, tuple[int, ...]]
    # ...and init_params(rng, **sizes) these: non-square, so a transpose cannot hide.
    sizes: dict[str, int]
    shapes: dict[str, tuple[int, ...]]

    def params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Asymmetric parameters at `shapes`, drawn by the test, not by the student's code."""
        return {name: rng.normal(size=shape) for name, shape in self.shapes.items()}

    def batch(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """n rows of inputs X (n, D) and targets Y for the network at `shapes`."""
        D = next(iter(self.shapes.values()))[0]
        return rng.normal(size=(n, D)), self.targets(rng, n, self.out_shape(n)[1])

    def targets(self, rng: np.random.Generator, n: int, k: int) -> np.ndarray:
        """Targets for n rows of k outputs: 0/1 entries (N, K), unless the network says."""
        return rng.integers(0, 2, size=(n, k)).astype(float)

    def out_shape(self, n: int) -> tuple[int, int]:
        last = list(self.shapes.values())[-1]
        return (n, last[-1])

    def saturating_params(self) -> dict[str, np.ndarray]:
        """Parameters that drive the output's logits to about ±1000 on `batch`."""
        raise NotImplementedError

    def oracle(
        self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
    ) -> tuple[np.ndarray, complex]:
        """(output, loss) by the test's own forward pass, written with the functions of
        tests/kata/runtime/oracle.py so that complex steps go through it; never a gradient."""
        raise NotImplementedError

    def cross_check(self, m: Any, piece: str) -> None:
        """Beside a stored answer, the same piece ("forward", "loss" or "backward") at a point
        drawn here, against the test's own: a table of the stored inputs' answers cannot pass
        both."""
        rng = np.random.default_rng(99)
        X, Y = self.batch(rng, 7)
        params = self.params(rng)
        shape = self.out_shape(7)
        what = "at a point the test drew, beside the stored answer"
        if piece == "forward":
            out, _ = run_forward(m, params, X, shape)
            want = oracle.real(self.oracle(params, X, Y)[0])
            expect_close(f"forward's output {what}", out, want)
        elif piece == "loss":
            output, value = self.oracle(params, X, Y)
            got = run_loss(m, oracle.real(output), Y)
            expect_close(f"loss {what}", got, float(np.real(value)))
        else:
            _, cache = run_forward(m, params, X, shape)
            grads = run_backward(m, params, cache, Y, X)
            expect_gradients(what, grads, self.expected(params, X, Y)[2], shape)

    def expected(
        self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
    ) -> tuple[np.ndarray, float, dict[str, np.ndarray]]:
        """The test's own output, loss and gradients (numeric: complex steps) at a point."""
        output, value = self.oracle(params, X, Y)
        grads = oracle.gradient(lambda p: self.oracle(p, X, Y)[1], params)
        return oracle.real(output), float(np.real(value)), grads


class ContractSuite(Network):
    """init_params / forward / loss / backward keep the contract, and backward is exact."""

    @pytest.mark.given
    def test_init_params_gives_the_documents_shapes(self, m: Any) -> None:
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
    def test_forward_returns_output_and_cache(self, m: Any) -> None:
        rng = np.random.default_rng(1)
        X, _ = self.batch(rng, 5)
        run_forward(m, self.params(rng), X, self.out_shape(5))

    @pytest.mark.stage("forward")
    def test_forward_takes_one_row_and_integer_inputs(self, m: Any) -> None:
        rng = np.random.default_rng(2)
        params = self.params(rng)
        X, _ = self.batch(rng, 1)
        run_forward(m, params, X, self.out_shape(1))
        X_int = rng.integers(0, 2, size=(4, X.shape[1]))
        run_forward(m, params, X_int, self.out_shape(4))

    @pytest.mark.stage("forward")
    def test_forward_gives_one_answer_per_input(self, m: Any) -> None:
        """The same params and X twice: the same output, to the bit. A random draw (dropout,
        noise) or a state kept between calls makes every later comparison meaningless."""
        rng = np.random.default_rng(17)
        X, _ = self.batch(rng, 5)
        params = self.params(rng)
        first, _ = run_forward(m, params, X, self.out_shape(5))
        second, _ = run_forward(m, params, X, self.out_shape(5))
        if not np.array_equal(first, second):
            idx = tuple(int(i) for i in np.argwhere(first != second)[0])
            fail(
                f"forward gave two outputs for the same params and X: entry {list(idx)} was"
                f" {first[idx]:.10g}, then {second[idx]:.10g}. forward must depend on its"
                " arguments alone: no random draw (dropout, noise; leave those to training"
                " code of your own) and nothing kept from an earlier call.",
                "forward",
            )

    @pytest.mark.stage("forward")
    def test_forward_uses_every_parameter(self, m: Any) -> None:
        """Nudge one parameter at a time: forward's output must move with each."""
        rng = np.random.default_rng(11)
        X, _ = self.batch(rng, 5)
        params = self.params(rng)
        out, _ = run_forward(m, params, X, self.out_shape(5))
        for name in params:
            nudged = {k: (v + 0.1 if k == name else v) for k, v in params.items()}
            moved, _ = run_forward(m, nudged, X, self.out_shape(5))
            if np.array_equal(moved, out):
                fail(
                    f"forward's output does not change when {name} does: does forward use {name}?"
                    " (A bias is added to every row: Z = X @ W + b.)",
                    "forward",
                )

    @pytest.mark.stage("loss")
    def test_loss_returns_a_float(self, m: Any) -> None:
        rng = np.random.default_rng(3)
        X, Y = self.batch(rng, 5)
        params = self.params(rng)
        out, _ = run_forward(m, params, X, self.out_shape(5))
        value = run_loss(m, out, Y)
        if value < 0:
            right = float(np.real(self.oracle(params, X, Y)[1]))
            why = diagnosis.explain_ratio(value / right, one=True) if right > 0 else None
            fail(
                f"loss returned {value}, a negative number; these losses are never below 0."
                + (f" The right loss here is {right:.10g}: {why}." if why else "")
            )

    @pytest.mark.stage("backward")
    def test_backward_returns_one_gradient_per_parameter(self, m: Any) -> None:
        rng = np.random.default_rng(4)
        X, Y = self.batch(rng, 5)
        params = self.params(rng)
        _, cache = run_forward(m, params, X, self.out_shape(5))
        run_backward(m, params, cache, Y, X)

    @pytest.mark.stage("backward")
    def test_backward_keeps_no_state_between_calls(self, m: Any) -> None:
        """The same call gives the same gradient, whatever calls came before it.

        backward on (params B) after a call on (params A) must equal backward on (params B)
        in a fresh import of the file: a result remembered by any key, a first-call flag,
        a counter or an attribute kept between calls shows as a difference.
        """
        rng = np.random.default_rng(12)
        X, Y = self.batch(rng, 5)
        X7, Y7 = self.batch(rng, 7)  # the other calls see another batch size too
        first, second = self.params(rng), self.params(rng)
        answers = []
        # second after first (on another batch size), after itself, and after first again (on
        # the same batch): a remembered answer, a state that alternates from call to call, and
        # a size kept from the first call show in at least one of them.
        for params, (Xs, Ys, n) in (
            (first, (X7, Y7, 7)),
            (first, (X, Y, 5)),
            (second, (X, Y, 5)),
            (second, (X, Y, 5)),
            (first, (X, Y, 5)),
            (second, (X, Y, 5)),
        ):
            _, cache = run_forward(m, params, Xs, self.out_shape(n))
            answers.append((params is second, run_backward(m, params, cache, Ys, Xs)))
        clean = m.kata_run.fresh(self.exercise)
        _, cache = run_forward(clean, second, X, self.out_shape(5))
        alone = run_backward(clean, second, cache, Y, X)
        # And a fresh import whose first call was on another batch size, then the same call.
        other = m.kata_run.fresh(self.exercise)
        _, cache = run_forward(other, first, X7, self.out_shape(7))
        run_backward(other, first, cache, Y7, X7)
        _, cache = run_forward(other, second, X, self.out_shape(5))
        answers.append((True, run_backward(other, second, cache, Y, X)))
        for name, used in ((n, used) for is_second, used in answers if is_second for n in second):
            if not np.allclose(used[name], alone[name], rtol=1e-12, atol=1e-15):
                fail(
                    f"backward's gradient for {name!r} depends on earlier calls: after a call with"
                    " other parameters it differs from the same call in a fresh import of your"
                    " file. backward keeps something between calls (a remembered result, a flag"
                    " set on the first call, a counter, an attribute); compute everything from"
                    " its arguments every time.",
                    "backward",
                )

    def gradient_case(self, n: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """The gradient check's parameters and batch of n rows (also what `python -m
        tests.kata measure gradients` checks the reference on)."""
        rng = np.random.default_rng(5 + n)
        X, Y = self.batch(rng, n)
        return self.params(rng), X, Y

    @pytest.mark.parametrize("n", GRADIENT_ROWS)
    @pytest.mark.stage("backward")
    def test_gradients_match_numeric_gradients(self, m: Any, n: int) -> None:
        params, X, Y = self.gradient_case(n)
        check_gradients(m, params, X, Y, self.out_shape(n))

    @pytest.mark.stage("backward")
    def test_backward_leaves_params_X_and_cache_untouched(self, m: Any) -> None:
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

    @pytest.mark.stage("backward")
    @pytest.mark.extreme
    def test_backward_works_out_a_wide_layer_at_once(self, m: Any) -> None:
        """A layer of 100 000 weights: backpropagation takes one pass back (milliseconds); a
        gradient by differences takes two evaluations of the loss per weight (hours)."""
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(15)
        sizes = {key: 1000 if key == "n_in" else 100 for key in self.sizes}
        params = m.init_params(rng, **sizes)
        n, k = 50, list(params.values())[-1].shape[-1]
        X, Y = rng.normal(size=(n, sizes["n_in"])), self.targets(rng, n, k)
        _, cache = run_forward(m, params, X, (n, k))
        slow = None
        try:
            run_backward(m, params, cache, Y, X)
        except Fault as fault:
            if fault.kind != "hang" or fault.function != "backward":
                raise
            slow = fault
        if slow is not None:  # outside the except block: one message, no chained traceback
            weights = sum(v.size for v in params.values())
            fail(
                f"backward did not finish on a network of {weights} weights ({sizes}, {n} rows),"
                " where one pass back through the layers takes milliseconds: does it"
                " differentiate the loss numerically (the loss evaluated twice per weight)? The"
                " exercise is backpropagation: the chain rule applied layer by layer, right to"
                " left.\n" + "\n".join(slow.msg.splitlines()[:2]),
                "backward",
            )

    @pytest.mark.stage("document")
    def test_main_trains_and_prints_like_its_document(self, m: Any) -> None:
        """`python -m <module> --plot PATH` runs main(): it prints what the reference prints.

        tests/transcript.py says how: _draw's side effects recorded, numbers to rounding.
        """
        expect_transcript(self.exercise, run_main(m))

    @pytest.mark.stage("training")
    def test_main_trains_without_saving_a_picture_unless_asked(self, m: Any) -> None:
        """Without --plot, main() hands finish() nothing to report: no picture is saved."""
        out = run_main(m, argv=(), quick=True)
        calls = [line for line in out.splitlines() if line.startswith("» ")]
        if calls[1:] != ["» finish(None)"]:
            fail(f"main() without --plot made these calls into _draw: {calls}")

    @pytest.mark.stage("backward")
    @pytest.mark.extreme
    def test_logits_of_1000_stay_finite_and_keep_their_gradient(self, m: Any) -> None:
        """Saturated outputs: finite and silent, the output by value, every layer's gradient.

        The expected numbers are the test's own (tests/kata/runtime/oracle.py): its forward pass,
        and the numeric gradient of its loss, exact at any logit; so a gradient that vanished at
        saturation, or was clipped, is named.
        """
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(7)
        X, Y = self.batch(rng, 6)
        params = self.saturating_params()
        out, cache = run_forward(m, params, X, self.out_shape(6))
        run_loss(m, out, Y)
        grads = run_backward(m, params, cache, Y, X)
        expected_out, _, expected = self.expected(params, X, Y)
        # Below 1e-200 a probability is 0 for any purpose: a sigmoid clipped at ±500 is fine.
        close = np.isclose(out, expected_out, rtol=1e-9, atol=1e-200)
        if not close.all():
            idx = tuple(int(i) for i in np.argwhere(~close)[0])
            _not_only_the_extremes(out, expected_out, close, "at logits of about ±1000")
            fail(
                f"forward's output at logits of about ±1000: entry {list(idx)} is {out[idx]!r},"
                f" expected {expected_out[idx]!r} (the test's own, numerically stable forward)."
                " A saturated output is exactly 0 or 1 in float64; is it clipped, or an epsilon"
                " added somewhere?",
                "forward",
            )
        for name, want in expected.items():
            got = grads[name]
            lost = (np.abs(got) < 1e-3 * np.abs(want)) & (np.abs(want) > 1e-6)
            if lost.any():
                idx = tuple(int(i) for i in np.argwhere(lost)[0])
                fail(
                    f"backward's gradient for {name!r} vanishes where the outputs saturate (logits"
                    f" of about ±1000): entry {list(idx)} is {got[idx]:.4g}, expected"
                    f" {want[idx]:.4g}. A confidently wrong output must get the largest"
                    " gradient, not none. The chain rule written out through a saturated output"
                    " multiplies a huge 1/P (or a floored one) by P(1 - P) = 0; differentiate the"
                    " loss with respect to the logits on paper instead: it needs no division.",
                    "backward",
                )
        expect_gradients("at logits of about ±1000", grads, expected, self.out_shape(6))

    @pytest.mark.stage("backward")
    @pytest.mark.extreme
    def test_gradients_at_scale(self, m: Any) -> None:
        """Inputs of about ±10 000 and a first layer 10 000 times smaller: the same hidden
        values, and first-layer gradients of hundreds or more. Every layer against the test's
        own gradient."""
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(13)
        X, Y = self.batch(rng, 7)
        params = self.params(rng)
        first = next(iter(params))
        params[first] = params[first] / 10_000
        X = X * 10_000
        _, cache = run_forward(m, params, X, self.out_shape(7))
        grads = run_backward(m, params, cache, Y, X)
        _, _, expected = self.expected(params, X, Y)
        assert np.abs(expected[first]).max() > 100, "test data: gradients must reach 100"
        expect_gradients("with inputs of about ±10 000", grads, expected, self.out_shape(7))

    def _600_rows(
        self, m: Any
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, Any]:
        """A batch of 600 rows, non-integer inputs; forward's output and cache on it."""
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(14)
        X, Y = self.batch(rng, 600)
        params = self.params(rng)
        out, cache = run_forward(m, params, X, self.out_shape(600))
        return params, X, Y, out, cache

    @pytest.mark.stage("forward")
    @pytest.mark.extreme
    def test_forward_on_600_rows(self, m: Any) -> None:
        params, X, Y, out, _ = self._600_rows(m)
        want = oracle.real(self.oracle(params, X, Y)[0])
        expect_close("forward's output on 600 rows", out, want, rtol=1e-10, atol=1e-14)

    @pytest.mark.stage("loss")
    @pytest.mark.extreme
    def test_loss_on_600_rows(self, m: Any) -> None:
        params, X, Y, out, _ = self._600_rows(m)
        want = float(np.real(self.oracle(params, X, Y)[1]))
        expect_close("loss on 600 rows", run_loss(m, out, Y), want, rtol=1e-10, atol=0)

    @pytest.mark.stage("backward")
    @pytest.mark.extreme
    def test_backward_on_600_rows(self, m: Any) -> None:
        """Every gradient to 1e-9 of the test's own (its forward pass, its loss, and that
        loss's numeric gradient)."""
        params, X, Y, _, cache = self._600_rows(m)
        grads = run_backward(m, params, cache, Y, X)
        expect_gradients("on 600 rows", grads, self.expected(params, X, Y)[2], self.out_shape(600))

    @pytest.mark.stage("backward")
    def test_backward_reads_only_its_arguments(self, m: Any) -> None:
        """A forward on another batch in between must not change backward's answer."""
        rng = np.random.default_rng(9)
        params = self.params(rng)
        X1, Y1 = self.batch(rng, 5)
        X2, _ = self.batch(rng, 5)  # the same shape: only the numbers tell
        _, cache = run_forward(m, params, X1, self.out_shape(5))
        alone = run_backward(m, params, cache, Y1, X1)
        _, cache = run_forward(m, params, X1, self.out_shape(5))
        run_forward(m, params, X2, self.out_shape(5))
        after = run_backward(m, params, cache, Y1, X1)
        for name in params:
            if not np.allclose(after[name], alone[name], rtol=1e-10, atol=1e-14):
                fail(
                    f"backward gave another gradient for {name!r} when a forward on another batch"
                    " came between its forward and it: it reads what the last forward saw"
                    " (module state, a global) instead of its cache. Everything backward needs"
                    " must come from its arguments: return it from forward in the cache.",
                    "backward",
                )

    @pytest.mark.stage("backward")
    def test_backward_on_one_cache_answers_each_target(self, m: Any) -> None:
        """backward twice on one cache, with other targets the second time: two answers."""
        rng = np.random.default_rng(10)
        params = self.params(rng)
        X, Y1 = self.batch(rng, 5)
        _, Y2 = self.batch(rng, 5)
        _, cache = run_forward(m, params, X, self.out_shape(5))
        first = run_backward(m, params, cache, Y1, X)
        second = run_backward(m, params, cache, Y2, X)
        shared = subject.reused(m, first, second)
        if shared:
            fail(
                f"backward returned {' and '.join(shared)} of its first answer again the"
                " second time, filled with new numbers: the first answer changed when backward"
                " ran again. It keeps them between calls (a module-level dict or array, or"
                " out= into one); make new ones in every call: grads = {...} inside backward.",
                "backward",
            )
        _, fresh = run_forward(m, params, X, self.out_shape(5))
        expected = run_backward(m, params, fresh, Y2, X)
        for name in params:
            if not np.allclose(second[name], expected[name], rtol=1e-10, atol=1e-14):
                fail(
                    f"backward, called again on the same cache with other targets Y, gave another"
                    f" gradient for {name!r} than on a fresh cache: it remembers something of the"
                    " first call (a result kept in the cache or beside it). Compute the gradient"
                    " from params, cache and Y every time.",
                    "backward",
                )


def _not_only_the_extremes(
    out: np.ndarray, want: np.ndarray, close: np.ndarray, where: str
) -> None:
    """When outputs are wrong that are not extreme (between 1e-6 and 1 - 1e-6, or off by more
    than a rounding of 0 or 1), forward itself is wrong: say so, not what extremes need."""
    moderate = (want > 1e-6) & (want < 1 - 1e-6)
    gross = np.abs(out - want) > 1e-3
    wrong = ~close & (moderate | gross)
    if wrong.any():
        idx = tuple(int(i) for i in np.argwhere(wrong)[0])
        fail(
            f"forward's output {where} is wrong, and not only where it is extreme: entry"
            f" {list(idx)} is {out[idx]:.10g}, expected {want[idx]:.10g} (the test's own forward"
            " pass). Check forward against its docstring's equations, layer by layer; the"
            " known-answer tests of forward show where.",
            "forward",
        )


FLOOR = 1e-12  # a loss may floor its probabilities here or lower: the mainstream practice


class ProbabilitySuite(Network):
    """For outputs that are probabilities: the loss must survive exact 0s and 1s, by value,
    and the outputs must keep their relative accuracy far into the tails."""

    categorical = False  # True: Y holds integer labels and each row of P sums to 1 (softmax)
    output_layer: tuple[str, ...]  # the parameters of the output layer (scaled to the tails)

    def saturated_outputs(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _right(self, P: np.ndarray, Y: np.ndarray) -> list[float]:
        """The probability each entry gives the right answer, as Python floats."""
        if self.categorical:
            return [float(P[n, y]) for n, y in enumerate(Y)]
        return [float(p if y == 1 else 1 - p) for p, y in zip(P.ravel(), Y.ravel(), strict=True)]

    def _near(self, tiny: float) -> tuple[np.ndarray, np.ndarray]:
        """Outputs that give every right answer a probability of about `tiny`."""
        if self.categorical:
            rest = (1 - tiny) / 2
            P = np.array([[tiny, rest, rest], [rest, tiny, rest], [rest, rest, tiny]])
            return P, np.array([0, 1, 2])
        P = np.array([[tiny, 1 - tiny], [1 - tiny, tiny], [tiny, tiny]])
        return P, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])

    def _deep(self) -> tuple[np.ndarray, np.ndarray]:
        """Right answers given probabilities of 1e-300 … 1e-200 (and, for 0/1 targets, of
        2⁻⁵² and 2⁻⁵³ on the 1 - P side, the smallest there are): below any floor but 0's."""
        tiny = np.array([1e-300, 1e-200, 1e-250])
        if self.categorical:
            rest = (1 - tiny) / 2
            P = np.column_stack([tiny, rest, rest])
            return P, np.array([0, 0, 0])
        near_1 = 1 - np.array([2.0**-52, 2.0**-53, 2.0**-52])
        return np.column_stack([tiny, near_1]), np.array([[1.0, 0.0]] * 3)

    @pytest.mark.stage("loss")
    @pytest.mark.parametrize("case", ["1e-11", "1e-300"])
    @pytest.mark.extreme
    def test_loss_is_exact_near_0_and_1(self, m: Any, case: str) -> None:
        """Right answers given 1e-11 and less (from either end): the true -log; below FLOOR a
        floor may show (it changes nothing above it): anything between -log(max(p, FLOOR))
        and -log(p). An epsilon added inside the log changes every loss, so it shows."""
        P, Y = self._near(1e-11) if case == "1e-11" else self._deep()
        right = self._right(P, Y)
        expected = float(np.mean([-math.log(p) for p in right]))
        floored = float(np.mean([-math.log(max(p, FLOOR)) for p in right]))
        got = expect_scalar(call(m, "loss", P, Y), f"loss of outputs {case} away from 0 and 1")
        if got > expected and not math.isclose(got, expected, rel_tol=1e-9):
            why = diagnosis.explain_ratio(got / expected) or "too large"
            fail(
                f"loss of outputs that give the right answer a probability of {case}: expected"
                f" {expected:.10g} (-log of the probabilities given), got {got:.10g}: {why}.",
                "loss",
            )
        if got < floored and not math.isclose(got, floored, rel_tol=1e-9):
            sides = "" if self.categorical else " (on the P side or on the 1 - P side)"
            fail(
                f"loss of outputs that give the right answer a probability of {case}{sides}:"
                f" expected {expected:.10g} (-log of the probabilities given), got {got:.10g}."
                f" {diagnosis.kept_from_zero(got, right)} Keep log away from exactly 0 only: a"
                f" floor of {FLOOR:g} or below, or the smallest positive float,"
                " np.finfo(float).tiny.",
                "loss",
            )

    @pytest.mark.stage("forward")
    @pytest.mark.extreme
    def test_outputs_are_exact_far_into_the_tails(self, m: Any) -> None:
        """Logits of about ±50, ±100 and ±250: each output right to 1e-9 of its own size.

        A probability of 1e-22 is as much a number as 0.5: a confidently wrong answer's loss
        is -log of it. Below 1e-200 anything counts as 0 (a sigmoid clipped at ±500 is fine).
        """
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(7)
        X, Y = self.batch(rng, 6)
        tails = 0
        for shrink in (20, 10, 4):
            params = self.saturating_params()
            for name in self.output_layer:
                params[name] = params[name] / shrink
            out, _ = run_forward(m, params, X, self.out_shape(6))
            want = oracle.real(self.oracle(params, X, Y)[0])
            tails += int(((want > 1e-200) & (want < 1e-20)).sum())
            close = np.isclose(out, want, rtol=1e-9, atol=1e-200)
            if not close.all():
                idx = tuple(int(i) for i in np.argwhere(~close)[0])
                where = f"where the logits reach about ±{1000 // shrink}"
                _not_only_the_extremes(out, want, close, where)
                clipped = diagnosis.extreme_outputs(out, want, close)
                fail(
                    f"forward's output {where}: entry {list(idx)} is {out[idx]:.10g}, expected"
                    f" {want[idx]:.10g}. An output this close to 0 or 1 must still be right to its"
                    " last digits (relative to its size): -log of it is the loss of a"
                    f" confidently wrong answer. {clipped}"
                    + (
                        ""
                        if clipped.startswith("Those wrong all equal")
                        else " Compute each probability from its own exp(z - max), never as 1"
                        " minus the others."
                        if self.categorical
                        else " A sigmoid computed as 1 - sigmoid(-z) for z < 0, clipped at some"
                        " ±z, or rounded to 0/1 beyond some z loses it: for z < 0 use"
                        " e / (1 + e) with e = exp(z)."
                    ),
                    "forward",
                )
        assert tails >= 3, "test data: too few outputs in the tails"

    @pytest.mark.stage("loss")
    @pytest.mark.extreme
    def test_loss_of_forward_is_exact_in_the_tails(self, m: Any) -> None:
        """loss(forward(...)) where the right answers get 1e-11 … 1e-6: to 1e-9 of the test's
        own loss, computed from the logits (the floor a loss may have is below 1e-12)."""
        subject.needs(m, "forward")  # not started: before the test builds its data
        rng = np.random.default_rng(8)
        X, _ = self.batch(rng, 6)
        anything = np.zeros(6, int) if self.categorical else np.ones(self.out_shape(6))
        for shrink in np.geomspace(10, 10_000, 61):
            params = self.saturating_params()
            for name in self.output_layer:
                params[name] = params[name] / shrink
            want = oracle.real(self.oracle(params, X, anything)[0])
            if 1e-11 < want.min() < 1e-6:
                break
        else:
            raise AssertionError("test data: no output between 1e-11 and 1e-6")
        # Every answer wrong where it is confident: the least likely class (softmax), or 1 for
        # all (sigmoid), so each tiny output is a right answer's probability.
        Y = want.argmin(axis=1) if self.categorical else np.ones_like(want)
        out, _ = run_forward(m, params, X, self.out_shape(6))
        value = run_loss(m, out, Y)
        expected = float(np.real(self.oracle(params, X, Y)[1]))
        if not math.isclose(value, expected, rel_tol=1e-9):
            fail(
                f"loss(forward(...)) where the right answers get probabilities of"
                f" {want.min():.2g} and up is {value:.12g}, expected {expected:.12g} (the test's"
                " own, from the logits). The loss is right on its own (tested apart), so"
                " forward's smallest outputs are off: each must be right relative to its own"
                " size. A sigmoid written as 1 - sigmoid(-z) for z < 0 keeps only absolute"
                " accuracy there: for z < 0 use e / (1 + e) with e = exp(z).",
                "forward",
            )

    @pytest.mark.stage("loss")
    @pytest.mark.extreme
    def test_loss_of_outputs_exactly_0_or_1_and_wrong_is_large(self, m: Any) -> None:
        """Confidently wrong, exactly: a finite loss of at least 20 (-log 2e-9)."""
        P, Y = self._near(0.0)
        got = expect_scalar(call(m, "loss", P, Y), "loss of outputs exactly 0 or 1, all wrong")
        if got < 20:
            fail(
                f"loss of outputs that are exactly 0 or 1 and all wrong is {got:.6g}, expected at"
                " least 20: a confidently wrong answer must cost the most. Is the probability"
                " floored far above 0 (say at 1e-7, which caps the loss at 16.1)?",
                "loss",
            )

    @pytest.mark.stage("loss")
    @pytest.mark.extreme
    def test_loss_is_finite_when_outputs_are_exactly_0_or_1(self, m: Any) -> None:
        out, Y = self.saturated_outputs()
        expect_scalar(call(m, "loss", out, Y), "loss of outputs that are exactly 0 or 1")

    @pytest.mark.stage("forward")
    def test_outputs_are_probabilities(self, m: Any) -> None:
        rng = np.random.default_rng(8)
        X, _ = self.batch(rng, 6)
        params = self.params(rng)
        out, _ = run_forward(m, params, X, self.out_shape(6))
        if np.any(out < 0) or np.any(out > 1):
            known = known_mistake(m, {f"forward's output at {fingerprints.point(params, X)}": out})
            fail(
                f"forward gave values outside [0, 1]: {out.min():.4g} … {out.max():.4g}"
                + (f"\n  {known}" if known else "")
            )


def _sigmoid(z: float) -> float:
    """The test's own scalar sigmoid, from the math module (an independent oracle)."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


class SigmoidSuite(OfTestFile):
    @pytest.mark.stage("helper")
    def test_sigmoid_known_values(self, m: Any) -> None:
        z = np.array([[0.0, math.log(3), -math.log(3)], [2.0, -0.5, 10.0]])
        got = expect_array(call(m, "sigmoid", z), "sigmoid(z)", z.shape)
        expect_close(
            "sigmoid of [[0, ln 3, -ln 3], [2, -0.5, 10]]",
            got,
            [[0.5, 0.75, 0.25], [_sigmoid(2.0), _sigmoid(-0.5), _sigmoid(10.0)]],
        )
        z = np.random.default_rng(21).normal(scale=4.0, size=(3, 4))  # and at drawn points
        got = expect_array(call(m, "sigmoid", z), "sigmoid(z)", z.shape)
        want = [[_sigmoid(v) for v in row] for row in z.tolist()]
        expect_close("sigmoid at points the test drew (beside the stored ones)", got, want)

    @pytest.mark.stage("helper")
    @pytest.mark.extreme
    def test_sigmoid_is_finite_and_silent_at_plus_minus_1000(self, m: Any) -> None:
        z = np.array([-1000.0, 0.0, 40.0, 1000.0])
        got = expect_array(call(m, "sigmoid", z), "sigmoid([-1000, 0, 40, 1000])", z.shape)
        expect_close("sigmoid([-1000, 0, 40, 1000])", got, [0, 0.5, 1, 1])

    @pytest.mark.stage("helper")
    @pytest.mark.extreme
    def test_sigmoid_is_exact_far_into_its_tails(self, m: Any) -> None:
        """sigmoid(-z) = e^-z / (1 + e^-z) is tiny, not 0: right to 1e-12 of its own size."""
        z = np.array([-20.0, -30.0, -37.5, -50.0, -100.0, -300.0, -500.0])
        got = expect_array(call(m, "sigmoid", z), "sigmoid(z) far into the left tail", z.shape)
        want = np.array([_sigmoid(v) for v in z])
        close = np.isclose(got, want, rtol=1e-12, atol=0)
        if not close.all():
            i = int(np.argwhere(~close)[0][0])
            fail(
                f"sigmoid({z[i]:g}) is {got[i]:.10g}, expected {want[i]:.10g}: far into the left"
                " tail the sigmoid is tiny but no less exact, relative to its size (its -log is"
                " the loss of a confidently wrong answer)."
                f" {diagnosis.tail(z[~close], got[~close])}. For z < 0 use e / (1 + e) with"
                " e = exp(z).",
                "sigmoid",
            )


class SigmoidPrimeSuite(SigmoidSuite):
    @pytest.mark.stage("helper")
    def test_sigmoid_prime_matches_the_slope_of_sigmoid(self, m: Any) -> None:
        z = np.array([[-3.0, -0.5, 0.0], [0.25, 1.0, 4.0]])
        z = np.vstack([z, np.random.default_rng(22).normal(scale=3.0, size=(2, 3))])
        got = expect_array(call(m, "sigmoid_prime", z), "sigmoid_prime(z)", z.shape)
        # The slope by a complex step through the test's own sigmoid: exact to the last bits,
        # so a slope taken by differences (right to 1e-11 at best) is not mistaken for it.
        slope = np.imag(oracle.sigmoid(z + 1j * oracle.STEP)) / oracle.STEP
        expect_close(
            "sigmoid_prime(z) against the slope of sigmoid at z (it takes the pre-activation z,"
            " not sigmoid(z); the formula, not a difference quotient)",
            got,
            slope,
            rtol=1e-12,
            atol=0,
        )

    @pytest.mark.stage("helper")
    @pytest.mark.extreme
    def test_sigmoid_prime_is_finite_at_plus_minus_1000(self, m: Any) -> None:
        z = np.array([-1000.0, 1000.0])
        got = expect_array(call(m, "sigmoid_prime", z), "sigmoid_prime([-1000, 1000])", z.shape)
        expect_close("sigmoid_prime([-1000, 1000])", got, [0.0, 0.0])
