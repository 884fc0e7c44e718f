"""Name the classic backprop mistake behind a wrong gradient.

Given the student's gradient and the numeric one, say what the difference
looks like: a constant factor (a missing /N, a flipped sign), a transpose, the
right numbers in the wrong places, a missing gradient; and, across layers,
where the error must sit. Each function returns a sentence, or None when the
difference has no recognisable shape.
"""

from __future__ import annotations

import functools
import io
import operator
import re
import tokenize
from collections.abc import Callable

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
    taken = [value for value, _ in candidates]
    if n > 1 and k > 1 and not any(np.isclose(n / k, value) for value in taken):
        candidates.append(
            (
                n / k,
                f"{r:.4g} = N/K ({n}/{k}) times the right one: divided by K, the number of"
                f" outputs ({k}), where the mean over the N rows ({n}) belongs",
            )
        )
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
            f" in going back through the hidden layer: dZ{first} = (dZ{last} @ W{last}.T) times the"
            f" activation's slope at the pre-activation Z{first} (for a ReLU, the mask Z{first} >"
            f" 0). Check each of the three: the error dZ{last}, the product with W{last}.T, and"
            f" the slope, taken at Z{first} (not at the activation)"
        )
    return None


def explain_shape(name: str, got: tuple[int, ...], want: tuple[int, ...], n: int) -> str:
    """Advice for a gradient of the wrong shape."""
    if name.startswith("b") and len(got) == 2 and got[0] == n and got[1:] == want[1:]:
        return "The bias gradient is not summed over the batch: sum dZ over the rows (axis=0)."
    if got == tuple(reversed(want)):
        return f"It is {TRANSPOSED}."
    if len(got) == 1 and got[0] == want[-1]:
        return "Keep it 2-D: a bias gradient is a (1, H) row (keepdims=True)."
    if name.startswith("b") and len(got) == 2 and got[0] == 1 and got[1] not in (want[1], n):
        error = "dZ" + "".join(re.findall(r"\d+", name))  # dZ1 for b1, dZ for b
        return (
            f"A bias gradient sums its own layer's error over the rows: d{name} comes from"
            f" {error}, one entry per unit of its layer ({want[1]}), not from another"
            " layer's input or error."
        )
    if name.startswith("b") and n in got and n not in want:
        return (
            "Summed over the wrong axis: dZ.sum(axis=1) gives one number per row, and the"
            " batch has N rows; a bias gradient sums over the rows (axis=0), one number per unit."
        )
    error = "dZ" + "".join(re.findall(r"\d+", name))  # dZ1 for W1 and b1, dZ for W and b
    if name.startswith("b") and len(got) == 2:
        return (
            f"A bias gradient is its layer's error summed over the rows: one row of {want[1]},"
            f" from {error} alone (no product with the layer's input)."
        )
    if len(got) == len(want) == 2 and got[1] == want[1] and got[0] != want[0]:
        source = "X" if layer_of(name) == 1 else "A, the activation of the layer before,"
        return (
            f"Its rows come from the wrong input: d{name} = {source.split(',')[0]}.T @ {error},"
            f" the layer's own input ({source} with {want[0]} columns) times its error."
        )
    if len(got) == len(want) == 2 and got[0] == want[0] and got[1] != want[1]:
        return (
            f"Its columns come from another layer's error: d{name} = (this layer's input).T"
            f" @ {error}, whose {want[1]} columns are this layer's units."
        )
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
        return (
            "every entry is 0: is anything computed at all, or does an expression cancel"
            " (operator precedence: s * 1 - s is s - s; s * (1 - s) was meant)?"
        )
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

    def round_number(x: float) -> bool:  # 1e-7, 0.001: a bound someone typed
        return bool(x > 0 and np.isclose(x, float(f"{x:.1g}"), rtol=1e-6, atol=0))

    bounds = [b for b in (out.min(), out.max()) if 0 < b < 1]
    at = [b for b in bounds if np.isclose(wrong, b, rtol=1e-12, atol=0).any()]
    on_bounds = np.zeros(wrong.shape, dtype=bool)
    for b in at:
        on_bounds |= np.isclose(wrong, b, rtol=1e-12, atol=0)
    typed = all(round_number(b) or round_number(1 - b) for b in at)
    if wrong.size and at and on_bounds.all() and (wrong.size > 1 or typed):
        return (
            f"Those wrong all equal {' or '.join(f'{b:.10g}' for b in at)}: forward clips its"
            " outputs there. Return the exact probabilities; keeping log away from 0 is the"
            " loss's business (a floor at 1e-12 or below)."
        )
    return ""


def kept_from_zero(got: float, right: list[float]) -> str:
    """How a loss kept log away from 0, from its value on the right answers' probabilities:
    a floor (max(p, f)) or an epsilon added (p + e), and at which size."""
    for size in (1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
        forms: tuple[tuple[str, Callable[[float], float]], ...] = (
            ("floors its probabilities at", functools.partial(max, size)),
            ("adds an epsilon inside the log:", functools.partial(operator.add, size)),
        )
        for how, form in forms:
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


def _shapes(text: str) -> list[tuple[int, ...]]:
    """The shapes a numpy broadcast error names: "... with shapes (5,3) (3,6)"."""
    found = re.findall(r"\(([\d,]*)\)", text.split("shapes", 1)[-1])
    return [tuple(int(n) for n in s.split(",") if n) for s in found]


def _code_words(line: str) -> set[str]:
    """The names a line of code uses: its strings and its comment left out."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set()
    return {t.string for t in tokens if t.type == tokenize.NAME}


def shape_error(text: str, line: str, constants: set[str] | frozenset[str] = frozenset()) -> str:
    """What a shape error means, by its cause: the error's text, the student's line, and the
    upper-case names the student's module assigns (a line that reads one of them reads the
    document's data or a fixed size)."""
    code = line.replace(" ", "")
    read = sorted(_code_words(line) & set(constants))
    if read:
        return (
            f"the line reads {', '.join(read)}, a constant of the module (the document's"
            " data or a fixed size), where the function's own arguments belong: use what the"
            " function was given, so it works on any batch"
        )
    shapes = _shapes(text) if "broadcast" in text else []
    if len(shapes) >= 2 and "+=" in code and shapes[1] == shapes[0][::-1]:
        return (
            f"`+=` adds a {shapes[1]} value into a {shapes[0]} total: the value is transposed"
            " (np.outer(u, v) has len(u) rows and len(v) columns)"
        )
    if len(shapes) >= 2 and "+=" in code and shapes[0] != shapes[1]:
        return (
            f"`+=` adds a {shapes[1]} value into a {shapes[0]} total: is the total kept from an"
            " earlier call (a module-level variable), made for another call's shapes? Start"
            " each sum at zero, inside the function, on every call"
        )
    if len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        if len(a) == len(b) == 2:
            if "*" in code and a[1] == b[0]:
                return (
                    f"`*` multiplies entry by entry, so it needs shapes that match; {a} and {b}"
                    " fit a matrix product: `@`"
                )
            if a == b[::-1]:
                return f"{a} against {b}: one of the two is transposed"
            if a[0] == b[0] and "eye(" in code:
                return (
                    f"{a} against {b}: the one-hot rows are {b[1] if a[1] != b[1] else a[1]}"
                    " wide; np.eye(K)[Y] needs K, the number of classes (P.shape[1])"
                )
            row, other = (a, b) if a[0] == 1 else (b, a)
            if row[0] == 1 and other[0] > 1 and row[1] != other[1]:
                return (
                    f"a row of {row[1]} entries (a bias?) meets an array with {other[1]}"
                    " columns: each bias has its own layer's width and is added after that"
                    " layer's product"
                )
            if a[0] == b[0]:
                return f"{a} against {b}: the same rows, a different number of columns"
        one, two = (a, b) if len(a) == 1 else (b, a)
        if len(one) == 1 and len(two) == 2 and one[0] == two[0] and "Y" in code:
            return (
                f"Y holds one integer label per row, {one}, and {two} has a column per class:"
                " compare them through a one-hot, np.eye(K)[Y], of shape (N, K)"
            )
        if len(one) == 1 and len(two) == 2:
            if "axis=" in code and "keepdims" not in code:
                return (
                    f"a reduction over an axis gives {one}, which lines up with the last axis"
                    f" of {two}, not with its rows: keep the axis (keepdims=True), so it is"
                    f" {(one[0], 1)}"
                )
            if one[0] == two[0] * two[1]:
                return (
                    f"{one} against {two}: one of them was flattened (ravel, flatten,"
                    " reshape(-1)); keep both 2-D, (N, K)"
                )
            if ".T" in code:
                return (
                    f".T does nothing to a 1-D array: {one}.T is still {one}. Keep it 2-D"
                    " (x[None, :] or x[:, None]), or use np.outer for a product of two vectors"
                )
            return f"a 1-D {one} against a 2-D {two}: keep every array 2-D, (rows, columns)"
    if "mismatch in its core dimension" in text:
        sizes = re.findall(r"size (\d+) is different from (\d+)", text)
        inner = f" ({sizes[0][0]} and {sizes[0][1]})" if sizes else ""
        if ".T" in code:
            return (
                f"a matrix product A @ B needs A's columns to equal B's rows, and here they"
                f" differ{inner}. The line transposes a factor (.T): does that factor need it?"
                " Write each factor's shape beside it"
            )
        return (
            f"a matrix product A @ B needs A's columns to equal B's rows, and here they differ"
            f"{inner}. Write each factor's shape beside it: is one transposed, or are the two"
            " in the wrong order?"
        )
    return (
        "the shapes do not fit together. Write each array's shape beside it: is a factor"
        " transposed, or a matrix product in the wrong order?"
    )


def wrong_shape(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """Why an array came out `got` where `want` belongs, when the shapes say it."""
    if got == want[::-1]:
        return "It looks transposed."
    if len(got) == 2 and len(want) == 2 and got[0] == got[1] and got[0] in want and 1 in want:
        return (
            f"A 1-D ({got[0]},) array met a ({got[0]}, 1) column and broadcast into a"
            f" {got[0]} × {got[0]} table (y.ravel(), P[:, 0] or a sum without keepdims,"
            " against a column): keep both 2-D."
        )
    if len(got) == 1 and got[0] == int(np.prod(want)):
        return (
            "The right entries in one axis: ravel, flatten, reshape(-1) or [:, 0] dropped an"
            f" axis; keep it 2-D, {want}."
        )
    if len(want) == 2 and got in (want[1:], want[:1]):
        gone = "axis 0 (the rows)" if got == want[1:] else "axis 1 (the columns)"
        return (
            f"A reduction over {gone} took an axis away: a sum, mean or max with an axis"
            " (np.max(z, 0) is the largest entry of each column; np.maximum(z, 0) compares"
            " each entry with 0)."
        )
    if len(got) > len(want) and tuple(d for d in got if d != 1) == tuple(d for d in want if d != 1):
        return f"An extra axis of size 1: {got} where {want} belongs (np.newaxis, or a 3-D array)."
    return ""


def one_line_right(close: np.ndarray) -> str | None:
    """One row (or one column) right and every other wrong: the rows (or columns) are not all
    treated alike."""
    if close.ndim != 2:
        return None
    for axis, line, lines, causes in (
        (
            1,
            "row",
            "rows",
            "a loop over the rows that stops early, a slice, or row 0's value used for every row",
        ),
        (
            0,
            "column",
            "columns",
            "an index such as [:, 0] or [0, 0], a size of 1 assumed where there are K outputs,"
            " or a bias left out where that column's bias is 0",
        ),
    ):
        right = np.asarray(close.all(axis=axis))
        if len(right) >= 2 and close.shape[axis] >= 2 and right.sum() == 1:
            others = np.delete(close, int(np.argmax(right)), axis=1 - axis)
            if not others.any():
                return (
                    f"only {line} {int(np.argmax(right))} of {len(right)} is right, and every"
                    f" other {line} is wrong: the {lines} are not all treated alike ({causes})."
                )
    return None
