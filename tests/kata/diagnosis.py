"""Name the classic backprop mistake behind a wrong gradient.

Given the student's gradient and the numeric one, say what the difference
looks like: a constant factor (a missing /N, a flipped sign), a transpose, the
right numbers in the wrong places, a missing gradient; and, across layers,
where the error must sit. Each function returns a sentence, or None when the
difference has no recognisable shape.
"""

from __future__ import annotations

import re

import numpy as np


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-4) -> bool:
    scale = max(float(np.max(np.abs(b))), 1e-12)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * scale))


def factor(analytic: np.ndarray, numeric: np.ndarray) -> float | None:
    """r if analytic ≈ r · numeric for one constant r, else None."""
    norm = float(np.sum(numeric * numeric))
    if norm == 0:
        return None
    r = float(np.sum(analytic * numeric)) / norm
    return r if _close(analytic, r * numeric) else None


def explain_factor(r: float, n: int, k: int, is_bias: bool, d: int = 0) -> str | None:
    """What a constant ratio (student / right) usually means, for a batch of n rows, k outputs
    (and d inputs, when known)."""
    candidates = []
    if d and d != k:
        candidates.append(
            (
                k / d,
                f"{r:.4g} = K/D ({k}/{d}) times the right one: divided by X.size (N·D ="
                f" {n}·{d}) instead of the number of output entries (N·K = {n}·{k}, P.size)",
            )
        )
    if n > 1 and k > 1:
        candidates.append(
            (
                n * k,
                f"{r:.4g} = N·K ({n}·{k}) times too large: the loss is a mean over all N·K"
                " entries, so its gradient carries a 1/(N·K); it is missing",
            )
        )
    if n > 1:
        candidates.append(
            (
                n,
                f"{r:.4g} = N ({n}) times too large: the mean over the batch is missing"
                " (divide dL/d(output) by N)",
            )
        )
        if is_bias:
            candidates.append(
                (
                    1 / n,
                    f"N ({n}) times too small: the bias gradient takes the *sum* of dZ over"
                    " the rows, not the mean (dZ already carries the 1/N)",
                )
            )
        else:
            candidates.append((1 / n, f"N ({n}) times too small: divided by N twice?"))
    if k > 1:
        candidates.append(
            (
                k,
                f"{r:.4g} = K ({k}) times too large: divided by N but not by K; the loss averages"
                " over the K outputs too",
            )
        )
        candidates.append(
            (1 / k, f"K ({k}) times too small: divided by K, yet this loss averages over rows only")
        )
    candidates += [
        (-1, "-1 times the right one: the sign is flipped, so it points uphill (P - Y, not Y - P)"),
        (2, "twice too large: a stray factor 2 (d/dx of ½ x² is x, not 2x)"),
        (0.5, "half what it should be: a stray factor ½"),
    ]
    if abs(r - 1) < 1e-3:
        return NEAR_MISS
    for value, why in candidates:
        if np.isclose(r, value, rtol=1e-3):
            return why
    return f"off by a constant factor {r:.4g}: a scale somewhere in backward is wrong"


NEAR_MISS = (
    "almost right (within 1e-4 relative), not exact: float32 somewhere (an array made with"
    " dtype=np.float32, or .astype(np.float32)), an epsilon added to a probability or a"
    " denominator, a clip of the outputs, or a derivative taken by differences instead of by"
    " its formula (backpropagation). Work in float64 and leave the numbers exact"
)


def near_miss(analytic: np.ndarray, numeric: np.ndarray) -> bool:
    """Right to about 1e-7 … 1e-4 relative: not a mistake of the math, a loss of precision."""
    scale = max(float(np.max(np.abs(numeric))), 1e-12)
    return analytic.shape == numeric.shape and bool(
        np.all(np.abs(analytic - numeric) <= 1e-4 * scale)
    )


def not_used(name: str, analytic: np.ndarray, numeric: np.ndarray) -> str | None:
    """The loss does not change with this parameter, yet backward says it should."""
    if np.all(np.abs(numeric) < 1e-12) and np.any(np.abs(analytic) > 1e-9):
        return (
            f"the loss does not change at all with {name}, yet backward gives it a gradient:"
            f" does forward use {name}? (A bias is added to every row: Z = X @ W + b.)"
        )
    return None


def explain_gradient(
    name: str, analytic: np.ndarray, numeric: np.ndarray, n: int, k: int, d: int = 0
) -> str | None:
    """The likely mistake behind one parameter's wrong gradient."""
    unused = not_used(name, analytic, numeric)
    if unused:
        return unused
    if not np.any(analytic) and np.any(numeric):
        return f"all zeros: nothing reaches {name} (is its gradient computed at all?)"
    if near_miss(analytic, numeric):
        return NEAR_MISS
    if name.startswith("b") and analytic.shape == (1, k) and k > 1:
        # A softmax's logits can all move together without changing it, so the right
        # gradient of the output bias adds up to 0; with P where P - onehot(Y) belongs,
        # each row adds 1 (or 1/N), and the sum is N (or 1).
        total = float(np.sum(analytic))
        if abs(float(np.sum(numeric))) < 1e-9 and any(np.isclose(total, t) for t in (1, n)):
            return (
                f"missing the −1 at each row's label: its entries add up to {total:.4g}, not 0"
                " (the gradient at the logits is P - onehot(Y), not P)"
            )
    square = analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] > 1
    if square and _close(analytic.T, numeric):
        return TRANSPOSED
    r = factor(analytic, numeric)
    if r is not None:
        return explain_factor(r, n, k, is_bias=name.startswith("b"), d=d)
    if np.allclose(np.sort(analytic.ravel()), np.sort(numeric.ravel()), rtol=1e-4, atol=1e-12):
        return "the right numbers in the wrong places: check the order of the matrix product"
    return None


TRANSPOSED = (
    "transposed: a weight's gradient is the layer's input, transposed, times dZ: X.T @ dZ"
    " (A.T @ dZ for a later layer), which has the weight's shape; dZ.T @ X is its transpose"
)


def layer_of(name: str) -> int:
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else 1


def explain_layers(wrong: list[str], right: list[str]) -> str | None:
    """When the last layer is right and an earlier one wrong, point between them."""
    if not wrong or not right:
        return None
    last = max(layer_of(p) for p in wrong + right)
    if all(layer_of(p) < last for p in wrong) and any(layer_of(p) == last for p in right):
        first = min(layer_of(p) for p in wrong)
        return (
            f"layer {last}'s gradients are right and layer {first}'s are not, so the mistake is"
            f" in going back through the hidden layer: multiply by the activation's derivative at"
            f" the pre-activation Z{first} (not at the activation itself), after @ W{last}.T."
            f" Is that factor missing? For a ReLU it is the mask Z{first} > 0"
        )
    return None


def explain_shape(name: str, got: tuple, want: tuple, n: int) -> str:
    """Advice for a gradient of the wrong shape."""
    if name.startswith("b") and len(got) == 2 and got[0] == n and got[1:] == want[1:]:
        return "The bias gradient is not summed over the batch: sum dZ over the rows (axis=0)."
    if got == tuple(reversed(want)):
        return f"It is {TRANSPOSED}."
    if len(got) == 1 and got[0] == want[-1]:
        return "Keep it 2-D: a bias gradient is a (1, H) row (keepdims=True)."
    return ""


def explain_ratio(r: float, one: bool = False) -> str | None:
    """A known answer that came out r times the expected value, for every entry (`one`: a
    single number, whose ratio to the right one means something only when it is a known
    constant)."""
    if np.isclose(r, 1, rtol=1e-9):
        return None
    if np.isclose(r, 1, rtol=1e-4):
        return NEAR_MISS
    if abs(r) < 1e-12:
        return "every entry is 0: is anything computed at all?"
    if np.isclose(r, -1, rtol=1e-6):
        return "that is -1 × the expected value: the sign is flipped"
    m = round(r) if r >= 1 else round(1 / r) if r > 0 else 0
    if m >= 2 and np.isclose(r, m, rtol=1e-6):
        return (
            f"that is {m} × the expected value: a sum where the mean belongs, or a factor"
            f" 1/{m} left out"
        )
    if m >= 2 and np.isclose(r, 1 / m, rtol=1e-6):
        return (
            f"that is 1/{m} of the expected value: a mean where a sum belongs, or divided by"
            f" {m} once too often"
        )
    if np.isclose(abs(r), np.log(10), rtol=1e-6) or np.isclose(abs(r), 1 / np.log(10), rtol=1e-6):
        return (
            f"that is {r:.4g} × the expected value, ln 10 (2.303) or its inverse: a log to base"
            " 10 (np.log10) where the natural log (np.log) belongs, or the other way"
        )
    if one:
        return None
    return f"that is {r:.4g} × the expected value, entry for entry: a constant factor is off"


def clipped(got: np.ndarray, want: np.ndarray) -> str | None:
    """The gradient clipped (at ±c, c its own largest entry) where the right one is larger."""
    c = float(np.abs(got).max(initial=0.0))
    if 0 < c < float(np.abs(want).max(initial=0.0)) and _close(got, np.clip(want, -c, c)):
        return (
            f"clipped at ±{c:.4g}: the right gradient reaches {np.abs(want).max():.4g}. Return the"
            " exact gradient; clipping, if wanted, is the training loop's business"
        )
    return None


def tail(z: np.ndarray, got: np.ndarray) -> str:
    """Why a sigmoid's far left tail is off: rounded to 0, clipped, or cancelled."""
    if np.all(got == 0):
        return f"It is 0 from z = {z.max():g} down: rounded to 0 beyond some z"
    got, z = got[got > 0], z[got > 0]
    with np.errstate(all="ignore"):
        reached = np.log(got) - np.log1p(-got)  # the z whose sigmoid it is
    if len(got) > 1 and np.all(reached > z) and np.ptp(reached) < 1e-6 * np.abs(reached).max():
        return f"It is the sigmoid of {reached[0]:.4g} for every z below: z is clipped there"
    return (
        "Computed from a number near 1 (as 1 - sigmoid(-z), or 0.5 * (1 + tanh(z / 2))), it"
        " keeps only absolute accuracy: 1 minus a number near 1 cancels the tiny answer's digits"
    )


def extreme_outputs(out: np.ndarray, want: np.ndarray, close: np.ndarray) -> str:
    """What the wrong extreme outputs look like: a clip at one value, or zeros."""
    wrong = out[~close]
    if wrong.size and np.all(wrong == 0):
        return "Those wrong are exactly 0: rounded to 0 beyond some point."
    for bound in (out.min(), out.max()):
        hits = np.isclose(wrong, bound, rtol=1e-12, atol=0)
        if wrong.size > 1 and hits.all() and 0 < bound < 1:
            return f"Those wrong all equal {bound:.6g}: forward clips its outputs there."
    return ""


def kept_from_zero(got: float, right: list[float]) -> str:
    """How a loss kept log away from 0, from its value on the right answers' probabilities:
    a floor (max(p, f)) or an epsilon added (p + e), and at which size."""
    for size in (1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
        for how, form in (
            ("floors its probabilities at", lambda p, s=size: max(p, s)),
            ("adds an epsilon inside the log:", lambda p, s=size: p + s),
        ):
            value = float(np.mean([-np.log(form(p)) for p in right]))
            if np.isclose(value, got, rtol=1e-9, atol=0):
                if how.startswith("adds"):
                    return (
                        f"The loss adds {size:g} to every probability inside the log, which"
                        " shifts every loss a little, more the smaller the probability (a"
                        " floor, np.maximum(p, tiny), changes nothing above it)."
                    )
                return (
                    f"The loss {how} {size:g}, too far from 0: that changes the loss of every"
                    " output closer to 0 or 1 than the floor (Keras's 1e-7 gives 16.1 for 23.0)."
                )
    floor = f" (= -log({np.exp(-got):.2g}))" if 0 < got < 700 else ""
    return (
        f"The loss{floor} floors or clips its probabilities well above 0, which changes the loss"
        " of every output closer to 0 or 1 than the floor (Keras's 1e-7 gives 16.1 for 23.0)."
    )
