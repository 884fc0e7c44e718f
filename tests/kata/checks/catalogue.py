"""A catalogue of student answers, to prove the tests: wrong ones they must catch, right ones
they must accept.

Each answer is one reference solution with a few of its pieces replaced by what a student
would write: `replace` holds (old, the student's code) pairs. Old is code as in solutions/,
found once by its syntax tree, not its text (patching.py: statements, an expression or a
dict's item, whatever its comments, spacing, line breaks, brackets and quotes), or a
function named: `Header("backward")` its header, `Before("backward")` the place where it
begins. A solution reworded or formatted another way takes every answer still;
test_catalogue.py checks that for each. It runs an exercise's tests against every answer,
as a student would run them.

A wrong answer must fail, and the first failure's message must contain every word of
`expect` (the diagnosis's own phrase, wherever the diagnosis knows the mistake); when `test`
is set, the first failing test's name must contain it (networks that are wrong but
consistent, which no gradient check can see, must fail at a known answer). A right answer,
written in another style than the reference, must pass every test.

Run it with  pytest --solutions --slow -m catalogue
"""

from __future__ import annotations

from typing import NamedTuple

from tests.kata.checks.patching import Before, Header, Old


class Answer(NamedTuple):
    id: str
    exercise: str  # ex01 … ex05
    replace: tuple[tuple[Old, str], ...]  # (the solution's code, or a function named; new)
    expect: tuple[str, ...] = ()  # words the first failure's message must contain
    test: str = ""  # a word of the name of the first failing test
    # What to tell a student who makes this mistake, where no general check can tell it: the
    # generator stores the mistake's values at each check it fails
    # (tests/kata/runtime/fingerprints.py),
    # and the first failure must say it.
    says: str = ""


# Lines of the reference solutions that several answers replace.
STABLE_SIGMOID = """\
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"""
BCE = """\
    p_right = np.where(Y == 1, P, 1 - P)
    return float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))"""
NAIVE_BCE = "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"
EX01_GRADS = '    return {"W": X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}'
EX04_GRADS = """\
    return {
        "W1": X.T @ dZ1,
        "b1": dZ1.sum(axis=0, keepdims=True),
        "W2": A.T @ dZ2,
        "b2": dZ2.sum(axis=0, keepdims=True),
    }"""
EX05_GRADS = '    return {"W1": X.T @ dZ1, "W2": A.T @ dZ2}'
SOFTMAX = """\
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)"""
EX01_DZ = (
    "    dZ = (P - Y) / P.size  # sigmoid + cross-entropy collapse to P - Y; /(N·K) for the mean"
)
EX03_DZ2 = (
    "    dZ2 = (P - Y) / P.size  # sigmoid + cross-entropy collapse to P - Y; /(N·K) for the mean"
)
PER_SAMPLE_LOOP = """\
    for x, y in zip(X, Y, strict=True):
        z1 = x @ W1
        a = sigmoid(z1)
        e2 = sigmoid(a @ W2) - y  # this row's p - y
        e1 = (W2 @ e2) * sigmoid_prime(z1)
        dW2 += np.outer(a, e2)
        dW1 += np.outer(x, e1)"""
RELU_MASK = '    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)  # relu\'s slope: 1 where Z1 > 0, else 0'

W2_FROM_Z1 = (
    "W2's gradient takes the layer's input, the activation A, not the pre-activation Z1:"
    " dW2 = A.T @ dZ2"
)

SLOPE_AGAIN = (
    "backward multiplies P - Y by the sigmoid's slope P(1 - P) once more. With the "
    "cross-entropy that slope cancels: dL/dZ is (P - Y) / (N·K) alone (the slope "
    "belongs to a squared error)"
)

# Lines and helpers of the audit's answers (below, after the first groups).
EX03_GRADS = EX04_GRADS  # ex03 returns its four gradients in the same four lines
EX05_DZ2 = EX03_DZ2  # and ex05 starts its backward with ex03's line
BCE_MEAN = "float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))"
EX04_LOSS = """\
    p_label = P[np.arange(len(Y)), Y]
    return float(-np.mean(np.log(np.maximum(p_label, np.finfo(float).tiny))))"""
EX04_CE_GRAD = "    return (P - np.eye(P.shape[1])[Y]) / len(Y)"
PER_SAMPLE_SUMS = "    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)\n" + PER_SAMPLE_LOOP
PER_SAMPLE_MEAN = '    return {"W1": dW1 / Y.size, "W2": dW2 / Y.size}  # the mean over N·K entries'
PER_SAMPLE_BODY = (
    '    W1, W2 = params["W1"], params["W2"]\n' + PER_SAMPLE_SUMS + "\n" + PER_SAMPLE_MEAN
)
PER_SAMPLE_DEF = """\
def backward_per_sample(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, np.ndarray]:"""
PER_SAMPLE_FOR = "    for x, y in zip(X, Y, strict=True):"
BCE_LOGS = "np.log(np.maximum(p_right, np.finfo(float).tiny))"  # each row's log-likelihood
CE_LOGS = "np.log(np.maximum(p_label, np.finfo(float).tiny))"


def per_sample_loop(header: str) -> tuple[str, str]:
    """ex05's per-sample loop with its `for` line written another way."""
    return PER_SAMPLE_LOOP, PER_SAMPLE_LOOP.replace(PER_SAMPLE_FOR, header, 1)


# Sigmoids that are right in the middle and wrong in a tail.
SIGMOID_ONE_MINUS = """\
    s = 1 / (1 + np.exp(-np.abs(z)))  # sigmoid(|z|): exp never overflows
    return np.where(z >= 0, s, 1 - s)  # sigmoid(-t) = 1 - sigmoid(t)"""
SIGMOID_CLIPPED_37 = (
    "    return 1 / (1 + np.exp(-np.clip(z, -37, 37)))  # beyond ±37 it is 0 or 1 anyway"
)
SIGMOID_HARD_30 = """\
    inside = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
    return np.where(z > 30, 1.0, np.where(z < -30, 0.0, inside))  # saturated: exactly 0 or 1"""


def bce_floored_on_one_side(eps: str) -> str:
    """A binary cross-entropy whose P side is floored at tiny and whose 1 - P side at eps."""
    return (
        "    tiny = np.finfo(float).tiny\n"
        "    return float(-np.mean(Y * np.log(np.maximum(P, tiny))"
        f" + (1 - Y) * np.log(np.maximum(1 - P, {eps}))))"
    )


def bce_clipped(eps: str) -> str:
    """The textbook binary cross-entropy on P clipped to [eps, 1 - eps]."""
    return (
        f"    P = np.clip(P, {eps}, 1 - {eps})\n"
        "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"
    )


def clipped_gradients(block: str) -> str:
    """A block that ends `return {...}`, with every gradient clipped to [-1, 1]."""
    return (
        block.replace("    return {", "    grads = {", 1)
        + "\n    return {k: np.clip(g, -1, 1) for k, g in grads.items()}  # no exploding steps"
    )


# A backward by finite differences: right in value, not backpropagation.
NUMERIC_CENTRAL = '''\
def _numeric_gradients(objective, params, h=1e-5):
    """Central differences of objective(params), one entry of one parameter at a time."""
    grads = {}
    for name, value in params.items():
        grad = np.zeros(value.shape)
        for idx in np.ndindex(*value.shape):
            moved = {k: np.array(v, dtype=float) for k, v in params.items()}
            moved[name][idx] = value[idx] + h
            up = objective(moved)
            moved[name][idx] = value[idx] - h
            grad[idx] = (up - objective(moved)) / (2 * h)
        grads[name] = grad
    return grads


'''
NUMERIC_RICHARDSON = '''\
def _numeric_gradients(objective, params, h=1e-3):
    """Central differences at h and h/2, combined by Richardson extrapolation: error O(h⁴)."""

    def central(name, idx, step):
        moved = {k: np.array(v, dtype=float) for k, v in params.items()}
        moved[name][idx] = params[name][idx] + step
        up = objective(moved)
        moved[name][idx] = params[name][idx] - step
        return (up - objective(moved)) / (2 * step)

    grads = {}
    for name, value in params.items():
        grad = np.zeros(value.shape)
        for idx in np.ndindex(*value.shape):
            grad[idx] = (4 * central(name, idx, h / 2) - central(name, idx, h)) / 3
        grads[name] = grad
    return grads


'''
EX01_OBJECTIVE = '''\
def _objective(params, X, Y):
    """My own forward and loss in one: the mean cross-entropy, log(1 + e^-z) done stably."""
    Z = X @ params["W"] + params["b"]
    return np.mean(np.logaddexp(0, np.where(Y == 1, -Z, Z)))


'''
EX03_OBJECTIVE = '''\
def _objective(params, X, Y):
    """My own forward and loss in one: the mean cross-entropy, log(1 + e^-z) done stably."""
    A = np.tanh(X @ params["W1"] + params["b1"])
    Z2 = A @ params["W2"] + params["b2"]
    return np.mean(np.logaddexp(0, np.where(Y == 1, -Z2, Z2)))


'''
EX04_OBJECTIVE = '''\
def _objective(params, X, Y):
    """My own forward and loss in one: the mean of log-sum-exp minus the label's logit."""
    A = np.maximum(X @ params["W1"] + params["b1"], 0)
    Z2 = A @ params["W2"] + params["b2"]
    return np.mean(np.logaddexp.reduce(Z2, axis=1) - Z2[np.arange(len(Y)), Y])


'''
NUMERIC_BACKWARD = "    return _numeric_gradients(lambda p: _objective(p, X, Y), params)"

WRONG: tuple[Answer, ...] = (
    # --- ex01: logistic regression ----------------------------------------------------------
    Answer(
        "ex01-unstable-sigmoid",
        "ex01",
        ((STABLE_SIGMOID, "    return 1 / (1 + np.exp(-z))"),),
        expect=("overflow", "sigmoid of a large negative number"),
    ),
    Answer(
        "ex01-sigmoid-in-a-cache",
        "ex01",
        (
            (Before("sigmoid"), "@functools.lru_cache\n"),
            ("import numpy as np", "import functools\n\nimport numpy as np"),
        ),
        expect=("unhashable", "lru_cache", "Remove the decorator"),
    ),
    Answer(
        "ex01-no-mean",
        "ex01",
        (("dZ = (P - Y) / P.size", "dZ = P - Y"),),
        expect=("N·K (5·3) times too large",),
    ),
    Answer(
        "ex01-sign-flipped",
        "ex01",
        (("dZ = (P - Y) / P.size", "dZ = (Y - P) / P.size"),),
        expect=("sign is flipped",),
    ),
    Answer(
        "ex01-transposed",
        "ex01",
        (('"W": X.T @ dZ', '"W": dZ.T @ X'),),
        expect=("transposed",),
    ),
    Answer(
        "ex01-bias-not-summed",
        "ex01",
        (('"b": dZ.sum(axis=0, keepdims=True)', '"b": dZ'),),
        expect=("not summed over the batch",),
    ),
    Answer(
        "ex01-bias-not-computed",
        "ex01",
        ((EX01_GRADS, '    return {"W": X.T @ dZ}'),),
        expect=("gradient for 'b' is missing",),
    ),
    Answer(
        "ex01-cache-changed",
        "ex01",
        (
            (
                "    dZ = (P - Y) / P.size",
                "    P -= Y  # the error at the logits\n    dZ = P / P.size",
            ),
        ),
        expect=("changed its cache", "in place"),
    ),
    Answer(
        "ex01-loss-summed",
        "ex01",
        ((f"np.mean({BCE_LOGS})", f"np.sum({BCE_LOGS})"),),
        expect=("× the expected", "a sum where the mean belongs"),
    ),
    Answer(
        "ex01-log-of-0",
        "ex01",
        ((BCE, NAIVE_BCE),),
        expect=("divide by zero", "log of 0"),
    ),
    Answer(
        "ex01-no-cache",
        "ex01",
        (("    return P, (X, P)", "    return P"),),
        expect=("return output, cache",),
    ),
    Answer(
        "ex01-forgot-return",
        "ex01",
        (("    return P, (X, P)", "    cache = (X, P)"),),
        expect=("forward returned None", "`return` missing"),
    ),
    Answer(
        "ex01-output-a-list",
        "ex01",
        (("    return P, (X, P)", "    return P.tolist(), (X, P)"),),
        expect=("is a list", "numpy array"),
    ),
    Answer(
        "ex01-no-bias",  # consistent: forward ignores b, backward says so; a nudge of b shows it
        "ex01",
        (
            ('sigmoid(X @ params["W"] + params["b"])', 'sigmoid(X @ params["W"])'),
            ('"b": dZ.sum(axis=0, keepdims=True)', '"b": np.zeros_like(params["b"])'),
        ),
        expect=("does forward use b?",),
        test="test_forward_uses_every_parameter",
    ),
    # --- ex02: sigmoid hidden layer, linear output, squared error ------------------------------
    Answer(
        "ex02-prime-of-the-activation",
        "ex02",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    return z * (1 - z)  # z is the sigmoid's output",
            ),
        ),
        expect=("pre-activation",),
    ),
    Answer(
        "ex02-prime-at-A",
        "ex02",
        (("sigmoid_prime(Z1)", "sigmoid_prime(A)"),),
        expect=("W1", "pre-activation"),
    ),
    Answer(
        "ex02-stray-2",
        "ex02",
        (("dout = (out - Y) / out.size", "dout = 2 * (out - Y) / out.size"),),
        expect=("stray factor 2",),
    ),
    Answer(
        "ex02-mean-over-rows-only",
        "ex02",
        (("dout = (out - Y) / out.size", "dout = (out - Y) / len(Y)"),),
        expect=("K (3) times too large",),
    ),
    Answer(
        "ex02-loss-without-half",
        "ex02",
        (("np.mean(0.5 * (out - Y) ** 2)", "np.mean((out - Y) ** 2)"),),
        expect=("2 × the expected",),
    ),
    Answer(
        "ex02-cache-spread-out",
        "ex02",
        (("    return out, (X, Z1, A, out)", "    return out, X, Z1, A"),),
        expect=("a tuple of length 4", "return output, cache"),
    ),
    Answer(
        "ex02-loss-per-output",
        "ex02",
        (("float(np.mean(0.5 * (out - Y) ** 2))", "np.mean(0.5 * (out - Y) ** 2, axis=0)"),),
        expect=("an array of shape (3,)", "one number"),
    ),
    Answer(
        "ex02-changed-signature",
        "ex02",
        ((Header("backward"), "def backward(params, cache, Y, lr) -> dict[str, np.ndarray]:"),),
        expect=("keep the signature",),
    ),
    Answer(
        "ex02-sigmoid-output",  # consistent: a sigmoid output and its derivative in backward
        "ex02",
        (
            ('out = A @ params["W2"]', 'out = sigmoid(A @ params["W2"])'),
            ("dout = (out - Y) / out.size", "dout = (out - Y) * out * (1 - out) / out.size"),
        ),
        test="test_forward_known_answer",
        expect=("no sigmoid after W2",),
    ),
    # --- ex03: tanh hidden layer, sigmoid output, cross-entropy ---------------------------------
    Answer(
        "ex03-bias-mean",
        "ex03",
        (('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": dZ2.mean(axis=0, keepdims=True)'),),
        expect=("N (5) times too small",),
    ),
    Answer(
        "ex03-b1-not-summed",
        "ex03",
        (('"b1": dZ1.sum(axis=0, keepdims=True)', '"b1": dZ1'),),
        expect=("not summed over the batch",),
    ),
    Answer(
        "ex03-b2-zeros",
        "ex03",
        (('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": np.zeros_like(params["b2"])'),),
        expect=("all zeros",),
    ),
    Answer(
        "ex03-prime-at-A",
        "ex03",
        (("tanh_prime(Z1)", "tanh_prime(A)"),),
        expect=("pre-activation",),
    ),
    Answer(
        "ex03-tanh-prime-of-the-activation",  # the derivative written for A = tanh(z), given z
        "ex03",
        (("return 1 - np.tanh(z) ** 2", "return 1 - z**2"),),
        expect=("pre-activation",),
    ),
    Answer(
        "ex03-tanh-by-hand",
        "ex03",
        (
            (
                "A = np.tanh(Z1)",
                "A = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))",
            ),
        ),
        expect=("overflow", "np.tanh"),
    ),
    Answer(
        "ex03-output-1d",
        "ex03",
        (("    return P, (X, Z1, A, P)", "    return P.ravel(), (X, Z1, A, P)"),),
        expect=("dropped an axis; keep it 2-D",),
    ),
    Answer(
        "ex03-sigmoid-hidden",  # consistent: the wrong activation, with its own derivative
        "ex03",
        (
            ("A = np.tanh(Z1)", "A = sigmoid(Z1)"),
            ("tanh_prime(Z1)", "A * (1 - A)"),
        ),
        test="test_forward_known_answer",
        says=(
            "the hidden layer uses the sigmoid where this network has tanh: A = np.tanh(Z1), and "
            "backward multiplies by tanh's slope at Z1, 1 - tanh(Z1)²"
        ),
    ),
    Answer(
        "ex03-no-biases",  # consistent: biases never used, their gradients zero
        "ex03",
        (
            ('Z1 = X @ params["W1"] + params["b1"]', 'Z1 = X @ params["W1"]'),
            ('P = sigmoid(A @ params["W2"] + params["b2"])', 'P = sigmoid(A @ params["W2"])'),
            ('"b1": dZ1.sum(axis=0, keepdims=True)', '"b1": np.zeros_like(params["b1"])'),
            ('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": np.zeros_like(params["b2"])'),
        ),
        expect=("does forward use b1?",),
        test="test_forward_uses_every_parameter",
    ),
    # --- ex04: ReLU hidden layer, softmax output, cross-entropy on labels ----------------------
    Answer(
        "ex04-unstable-softmax",
        "ex04",
        (("e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z)"),),
        expect=("overflow", "softmax without the max shift"),
    ),
    Answer(
        "ex04-softmax-global-max",
        "ex04",
        (("e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z - z.max())"),),
        expect=("each row's own maximum",),
    ),
    Answer(
        "ex04-relu-in-place",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    z[z < 0] = 0\n    return z"),),
        expect=("relu changed its argument in place",),
    ),
    Answer(
        "ex04-no-relu-mask",
        "ex04",
        ((RELU_MASK, '    dZ1 = dZ2 @ params["W2"].T'),),
        expect=("W1, b1", "mask"),
    ),
    Answer(
        "ex04-no-minus-one",
        "ex04",
        (("return (P - np.eye(P.shape[1])[Y]) / len(Y)", "return P / len(Y)"),),
        expect=("the −1 at each row's label",),
    ),
    Answer(
        "ex04-no-mean",
        "ex04",
        (("return (P - np.eye(P.shape[1])[Y]) / len(Y)", "return P - np.eye(P.shape[1])[Y]"),),
        expect=("N (4) times too large",),
    ),
    Answer(
        "ex04-transposed",
        "ex04",
        (('"W2": A.T @ dZ2', '"W2": dZ2.T @ A'),),
        expect=("transposed",),
    ),
    Answer(
        "ex04-log-of-0",
        "ex04",
        (
            (
                "np.log(np.maximum(p_label, np.finfo(float).tiny))",
                "np.log(p_label)",
            ),
        ),
        expect=("divide by zero", "log of 0"),
    ),
    Answer(
        "ex04-loss-summed",
        "ex04",
        ((f"np.mean({CE_LOGS})", f"np.sum({CE_LOGS})"),),
        expect=("× the expected", "a sum where the mean belongs"),
    ),
    Answer(
        "ex04-arguments-swapped",
        "ex04",
        (
            (
                Header("forward"),
                "def forward(X: np.ndarray, params: dict[str, np.ndarray])"
                " -> tuple[np.ndarray, object]:",
            ),
        ),
        expect=("forward(X, params)", "order"),
    ),
    Answer(
        "ex04-no-relu",  # consistent: a linear hidden layer, no mask in backward either
        "ex04",
        (("A = relu(Z1)", "A = Z1"), (RELU_MASK, '    dZ1 = dZ2 @ params["W2"].T')),
        test="test_forward_known_answer",
        says=(
            "the hidden layer has no relu: with A = Z1 the two layers collapse into one linear "
            "map. A = relu(Z1), and backward multiplies by its mask"
        ),
    ),
    # --- ex05: 5-10-5 sigmoid net, online SGD -------------------------------------------------
    Answer(
        "ex05-sigmoid-where-both-branches",
        "ex05",
        (
            (
                STABLE_SIGMOID,
                "    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))",
            ),
        ),
        expect=("overflow", "both branches"),
    ),
    Answer(
        "ex05-step-inside-backward",
        "ex05",
        (
            (
                EX05_GRADS,
                '    grads = {"W1": X.T @ dZ1, "W2": A.T @ dZ2}\n'
                "    for name in params:\n"
                "        params[name] -= 0.5 * grads[name]  # take the step right away\n"
                "    return grads",
            ),
        ),
        expect=("changed params['W1'] in place",),
    ),
    Answer(
        "ex05-prime-at-A",
        "ex05",
        (("sigmoid_prime(Z1)", "sigmoid_prime(A)"),),
        expect=("pre-activation",),
    ),
    Answer(
        "ex05-log-of-0",
        "ex05",
        ((BCE, NAIVE_BCE),),
        expect=("divide by zero", "log of 0"),
    ),
    Answer(
        "ex05-cache-none",
        "ex05",
        (("    return P, (X, Z1, A, P)", "    return P, None"),),
        expect=("None as its cache",),
    ),
    Answer(
        "ex05-per-sample-mean-over-rows",
        "ex05",
        (
            (
                '{"W1": dW1 / Y.size, "W2": dW2 / Y.size}',
                '{"W1": dW1 / len(Y), "W2": dW2 / len(Y)}',
            ),
        ),
        expect=("K (3) times too large",),
    ),
    Answer(
        "ex05-per-sample-transposed",
        "ex05",
        (("dW2 += np.outer(a, e2)", "dW2 += np.outer(e2, a)"),),
        expect=("backward_per_sample", "transposed"),
    ),
    # --- hidden state and side effects ------------------------------------------------------
    Answer(
        "ex02-backward-reads-module-state",
        "ex02",
        (
            ("import numpy as np", "import numpy as np\n\nLAST = {}  # what forward saw last"),
            (
                '    out = A @ params["W2"]\n    return out, (X, Z1, A, out)',
                '    out = A @ params["W2"]\n    LAST.update(X=X, Z1=Z1, A=A)\n'
                "    return out, (X, Z1, A, out)",
            ),
            (
                "    X, Z1, A, out = cache",
                '    out = cache[3]\n    X, Z1, A = LAST["X"], LAST["Z1"], LAST["A"]',
            ),
        ),
        expect=("reads what the last forward saw",),
    ),
    Answer(
        "ex01-backward-memoises-in-the-cache",
        "ex01",
        (
            ("    return P, (X, P)", '    return P, {"X": X, "P": P}'),
            (
                "    X, P = cache\n",
                '    if "dZ" not in cache:\n'
                '        cache["dZ"] = (cache["P"] - Y) / cache["P"].size\n'
                '    X, P, dZ = cache["X"], cache["P"], cache["dZ"]\n',
            ),
            (EX01_DZ, ""),
        ),
        expect=("added cache['dZ'] to its cache",),
    ),
    Answer(
        "ex05-backward-memoises-beside-the-cache",
        "ex05",
        (
            ("import numpy as np", "import numpy as np\n\nMEMO = {}  # cache id -> gradients"),
            (
                "    X, Z1, A, P = cache",
                "    if id(cache) in MEMO:\n        return MEMO[id(cache)][1]\n"
                "    X, Z1, A, P = cache",
            ),
            (
                EX05_GRADS,
                '    grads = {"W1": X.T @ dZ1, "W2": A.T @ dZ2}\n'
                "    MEMO[id(cache)] = (cache, grads)\n    return grads",
            ),
        ),
        expect=("first answer again", "keeps them between calls"),
    ),
    Answer(
        "ex03-output-buffer-reused-in-a-namespace-cache",
        "ex03",
        (
            ("import numpy as np", "from types import SimpleNamespace\n\nimport numpy as np"),
            (
                "    return P, (X, Z1, A, P)",
                "    return P, SimpleNamespace(X=X, Z1=Z1, A=A, P=P)",
            ),
            (
                "    X, Z1, A, P = cache",
                "    X, Z1, A = cache.X, cache.Z1, cache.A\n"
                "    P = np.subtract(cache.P, Y, out=cache.P)  # reuse the buffer",
            ),
            (EX03_DZ2, "    dZ2 = P / P.size"),
        ),
        expect=("changed its cache in place (cache.P",),
    ),
    Answer(
        "ex02-sigmoid-in-place",
        "ex02",
        (
            (
                STABLE_SIGMOID,
                "    e = np.exp(-np.abs(z))\n"
                "    z[...] = np.where(z >= 0, 1 / (1 + e), e / (1 + e))\n    return z",
            ),
        ),
        expect=("sigmoid changed its argument in place",),
    ),
    Answer(
        "ex01-backward-changes-Y",
        "ex01",
        ((EX01_DZ, "    np.subtract(P, Y, out=Y)  # the error, in place\n    dZ = Y / P.size"),),
        expect=("backward changed its argument Y in place",),
    ),
    # --- saturation, by value ------------------------------------------------------------------
    Answer(
        "ex01-chain-rule-with-P-floored",
        "ex01",
        (
            (
                EX01_DZ,
                "    Pc = np.clip(P, 1e-15, 1 - 1e-15)  # keep the division finite\n"
                "    dP = (-Y / Pc + (1 - Y) / (1 - Pc)) / P.size\n"
                "    dZ = dP * P * (1 - P)  # the sigmoid's slope",
            ),
        ),
        expect=("vanishes where the outputs saturate",),
    ),
    Answer(
        "ex01-keras-epsilon",
        "ex01",
        (
            (
                BCE,
                "    P = np.clip(P, 1e-7, 1 - 1e-7)\n"
                "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))",
            ),
        ),
        expect=("floors its probabilities at 1e-07",),
    ),
    # --- ex05's per-sample loop ------------------------------------------------------------------
    Answer(
        "ex05-per-sample-is-backward-in-disguise",
        "ex05",
        (
            (
                '    W1, W2 = params["W1"], params["W2"]',
                "    return backward(params, forward(params, X)[1], Y)\n"
                '    W1, W2 = params["W1"], params["W2"]',
            ),
        ),
        expect=("backward_per_sample runs the batched backward",),
    ),
    Answer(
        "ex05-per-sample-first-rows-only",
        "ex05",
        (("zip(X, Y, strict=True)", "zip(X[:8], Y[:8], strict=True)"),),
        expect=("the gradient of the first 8 only",),
    ),
    Answer(
        "ex05-per-sample-without-a-loop",
        "ex05",
        (
            (
                PER_SAMPLE_LOOP,
                "    A = sigmoid(X @ W1)\n"
                "    E2 = sigmoid(A @ W2) - Y\n"
                "    E1 = (E2 @ W2.T) * sigmoid_prime(X @ W1)\n"
                '    dW2 = np.einsum("nh,nk->hk", A, E2)\n'
                '    dW1 = np.einsum("nd,nh->dh", X, E1)',
            ),
        ),
        expect=("many rows at once",),
    ),
    # --- near misses and the right advice --------------------------------------------------------
    Answer(
        "ex02-float32-inside",
        "ex02",
        (
            (
                '    out = A @ params["W2"]',
                '    out = (A.astype(np.float32) @ params["W2"].astype(np.float32)).astype(float)',
            ),
        ),
        expect=("almost right", "float32"),
    ),
    Answer(
        "ex03-bias-summed-without-an-axis",
        "ex03",
        (('        "b1": dZ1.sum(axis=0, keepdims=True),', '        "b1": np.sum(dZ1),'),),
        expect=("is one number", "axis=0, keepdims=True"),
    ),
    Answer(
        "ex03-forward-forgets-its-bias",
        "ex03",
        (('    Z1 = X @ params["W1"] + params["b1"]', '    Z1 = X @ params["W1"]'),),
        expect=("does forward use b1?",),
    ),
    Answer(
        "ex04-ce-grad-divided-by-N-and-K",
        "ex04",
        (
            (
                "    return (P - np.eye(P.shape[1])[Y]) / len(Y)",
                "    return (P - np.eye(P.shape[1])[Y]) / P.size",
            ),
        ),
        expect=("K (3) times too small",),
    ),
    Answer(
        "ex03-stray-half",
        "ex03",
        ((EX03_DZ2, "    dZ2 = 0.5 * (P - Y) / P.size"),),
        expect=("half what it should be",),
    ),
    Answer(
        "ex02-gradient-of-some-rows",
        "ex02",
        (
            (
                '    return {"W1": X.T @ dZ1, "W2": A.T @ dout}',
                '    return {"W1": X[:-1].T @ dZ1[:-1], "W2": A[:-1].T @ dout[:-1]}',
            ),
        ),
        expect=("of rows 0 to 3 only",),
    ),
    Answer(
        "ex01-state-counter-between-calls",
        "ex01",
        (
            ("import numpy as np", 'import numpy as np\n\nSTATE = {"calls": 0, "db": None}'),
            (
                EX01_GRADS,
                '    STATE["calls"] += 1\n'
                '    if STATE["db"] is None or STATE["calls"] % 2 == 1:  # every other call\n'
                '        STATE["db"] = dZ.sum(axis=0, keepdims=True)\n'
                '    return {"W": X.T @ dZ, "b": STATE["db"]}',
            ),
        ),
        expect=("depends on earlier calls",),
    ),
    Answer(
        "ex04-memo-keyed-by-the-data",
        "ex04",
        (
            ("import numpy as np", "import numpy as np\n\nGRADS = {}  # (X, Y) -> gradients"),
            (
                "    X, Z1, A, P = cache\n",
                "    X, Z1, A, P = cache\n    key = (X.tobytes(), Y.tobytes())\n"
                "    if key in GRADS:\n        return GRADS[key]\n",
            ),
            (
                EX04_GRADS,
                EX04_GRADS.replace("    return {", "    GRADS[key] = {", 1)
                + "\n    return GRADS[key]",
            ),
        ),
        expect=("depends on earlier calls",),
    ),
    Answer(
        "ex04-every-other-row",
        "ex04",
        (('        "W1": X.T @ dZ1,', '        "W1": X[::2].T @ dZ1[::2],'),),
        expect=("rows 0, 2, 4, … only",),
    ),
    Answer(
        "ex05-per-sample-batched-inside-a-token-loop",
        "ex05",
        (
            (
                PER_SAMPLE_LOOP,
                "    for _ in range(1):  # one pass over the batch\n"
                "        A = sigmoid(X @ W1)\n"
                "        E2 = sigmoid(A @ W2) - Y\n"
                "        E1 = (E2 @ W2.T) * sigmoid_prime(X @ W1)\n"
                "        dW2 += A.T @ E2\n"
                "        dW1 += X.T @ E1",
            ),
        ),
        expect=("many rows at once",),
    ),
    Answer(
        "ex05-per-sample-misses-the-last-row",
        "ex05",
        (per_sample_loop("    for i in range(len(X) - 1):\n        x, y = X[i], Y[i]"),),
        expect=("the gradient of the first 4 only",),
    ),
    # --- the audit: sigmoids wrong only in a tail ---------------------------------------------
    Answer(
        "ex01-sigmoid-one-minus-for-negatives",
        "ex01",
        ((STABLE_SIGMOID, SIGMOID_ONE_MINUS),),
        expect=("1 - sigmoid(-z)", "cancels the tiny answer's digits"),
    ),
    Answer(
        "ex01-sigmoid-logits-clipped-at-37",
        "ex01",
        ((STABLE_SIGMOID, SIGMOID_CLIPPED_37),),
        expect=("It is the sigmoid of -37 for every z below", "z is clipped there"),
    ),
    Answer(
        "ex01-sigmoid-hard-0-1-beyond-30",
        "ex01",
        ((STABLE_SIGMOID, SIGMOID_HARD_30),),
        expect=("rounded to 0 beyond some z",),
    ),
    Answer(
        "ex03-sigmoid-one-minus-for-negatives",
        "ex03",
        ((STABLE_SIGMOID, SIGMOID_ONE_MINUS),),
        expect=("1 - sigmoid(-z)", "cancels the tiny answer's digits"),
    ),
    Answer(
        "ex03-sigmoid-logits-clipped-at-37",
        "ex03",
        ((STABLE_SIGMOID, SIGMOID_CLIPPED_37),),
        expect=("It is the sigmoid of -37 for every z below", "z is clipped there"),
    ),
    Answer(
        "ex03-sigmoid-hard-0-1-beyond-30",
        "ex03",
        ((STABLE_SIGMOID, SIGMOID_HARD_30),),
        expect=("rounded to 0 beyond some z",),
    ),
    Answer(
        "ex05-sigmoid-logits-clipped-at-37",
        "ex05",
        ((STABLE_SIGMOID, SIGMOID_CLIPPED_37),),
        expect=("It is the sigmoid of -37 for every z below", "z is clipped there"),
    ),
    # The tanh form 0.5 (1 + tanh(z/2)) is exact in algebra and cancels in float64 like 1 - s.
    Answer(
        "ex01-sigmoid-by-tanh-loses-the-tail",
        "ex01",
        ((STABLE_SIGMOID, "    return 0.5 * (1 + np.tanh(z / 2))"),),
        expect=("0.5 * (1 + tanh(z / 2))", "absolute accuracy"),
    ),
    # --- the audit: a loss floored on the 1 - P side only ---------------------------------------
    Answer(
        "ex01-loss-1-minus-P-floored-at-1e-10",
        "ex01",
        ((BCE, bce_floored_on_one_side("1e-10")),),
        expect=("floors or clips its probabilities well above 0",),
    ),
    Answer(
        "ex03-loss-1-minus-P-floored-at-1e-10",
        "ex03",
        ((BCE, bce_floored_on_one_side("1e-10")),),
        expect=("floors or clips its probabilities well above 0",),
    ),
    # --- the audit: gradients clipped to ±1 --------------------------------------------------
    Answer(
        "ex01-gradients-clipped-to-1",
        "ex01",
        ((EX01_GRADS, clipped_gradients(EX01_GRADS)),),
        expect=("is clipped at ±1", "Return the exact gradient"),
    ),
    Answer(
        "ex03-gradients-clipped-to-1",
        "ex03",
        ((EX03_GRADS, clipped_gradients(EX03_GRADS)),),
        expect=("is clipped at ±1", "Return the exact gradient"),
    ),
    Answer(
        "ex04-gradients-clipped-to-1",
        "ex04",
        ((EX04_GRADS, clipped_gradients(EX04_GRADS)),),
        expect=("is clipped at ±1", "Return the exact gradient"),
    ),
    # --- the audit: a scale wrong for some batches only --------------------------------------
    Answer(
        "ex05-mean-over-the-inputs-entries",  # N·D, not N·K: the same while D = K = 5
        "ex05",
        ((EX05_DZ2, "    dZ2 = (P - Y) / X.size  # the mean over the N·D entries"),),
        expect=("divided by X.size", "instead of the number of output entries"),
    ),
    Answer(
        "ex01-summed-above-64-rows",
        "ex01",
        (
            (
                EX01_DZ,
                EX01_DZ + "\n    if len(X) > 64:  # a big batch: the summed gradient, as the"
                " document steps\n        dZ = P - Y",
            ),
        ),
        expect=("on 600 rows", "N·K (600·3) times too large"),
    ),
    Answer(
        "ex01-summed-above-100-rows",
        "ex01",
        (
            (
                EX01_DZ,
                EX01_DZ + "\n    if len(X) > 100:  # a big batch: the summed gradient, as the"
                " document steps\n        dZ = P - Y",
            ),
        ),
        expect=("on 600 rows", "N·K (600·3) times too large"),
    ),
    Answer(
        "ex04-summed-above-64-rows",
        "ex04",
        (
            (
                "    dZ2 = softmax_cross_entropy_grad(P, Y)",
                "    dZ2 = softmax_cross_entropy_grad(P, Y)\n"
                "    if len(X) > 64:  # a big batch: the summed gradient\n"
                "        dZ2 = dZ2 * len(Y)",
            ),
        ),
        expect=("on 600 rows", "N (600) times too large"),
    ),
    Answer(
        "ex04-summed-above-100-rows",
        "ex04",
        (
            (
                "    dZ2 = softmax_cross_entropy_grad(P, Y)",
                "    dZ2 = softmax_cross_entropy_grad(P, Y)\n"
                "    if len(X) > 100:  # a big batch: the summed gradient\n"
                "        dZ2 = dZ2 * len(Y)",
            ),
        ),
        expect=("on 600 rows", "N (600) times too large"),
    ),
    # --- the audit: X kept as float32 in the cache ---------------------------------------------
    Answer(
        "ex02-cache-X-float32",
        "ex02",
        (
            (
                "    return out, (X, Z1, A, out)",
                "    return out, (X.astype(np.float32), Z1, A, out)  # bits: float32 holds them",
            ),
        ),
        expect=("float32 somewhere",),
    ),
    Answer(
        "ex03-cache-X-float32",
        "ex03",
        (
            (
                "    return P, (X, Z1, A, P)",
                "    return P, (X.astype(np.float32), Z1, A, P)  # bits: float32 holds them",
            ),
        ),
        expect=("float32 somewhere",),
    ),
    # --- the audit: a ReLU mask with a threshold ------------------------------------------------
    Answer(
        "ex04-relu-mask-above-0.005",
        "ex04",
        ((RELU_MASK, '    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0.005)  # a margin at the kink'),),
        expect=("compare Z1 with a threshold",),
    ),
    Answer(
        "ex04-relu-mask-above-0.01",
        "ex04",
        ((RELU_MASK, '    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0.01)  # a margin at the kink'),),
        expect=("compare Z1 with a threshold",),
    ),
    # --- the audit: backward by finite differences (right in value, wrong in kind) ------------
    Answer(
        "ex01-backward-by-central-differences",
        "ex01",
        (
            (Before("backward"), EX01_OBJECTIVE + NUMERIC_CENTRAL),
            (EX01_DZ + "\n" + EX01_GRADS, NUMERIC_BACKWARD),
        ),
        expect=("differentiate the loss numerically",),
    ),
    Answer(
        "ex01-backward-by-richardson-differences",
        "ex01",
        (
            (Before("backward"), EX01_OBJECTIVE + NUMERIC_RICHARDSON),
            (EX01_DZ + "\n" + EX01_GRADS, NUMERIC_BACKWARD),
        ),
        expect=("differentiate the loss numerically",),
    ),
    Answer(
        "ex03-backward-by-central-differences",
        "ex03",
        (
            (Before("backward"), EX03_OBJECTIVE + NUMERIC_CENTRAL),
            (
                EX03_DZ2 + '\n    dZ1 = (dZ2 @ params["W2"].T) * tanh_prime(Z1)\n' + EX03_GRADS,
                NUMERIC_BACKWARD,
            ),
        ),
        expect=("derivative taken by differences",),
    ),
    Answer(
        "ex04-backward-by-central-differences",
        "ex04",
        (
            (Before("backward"), EX04_OBJECTIVE + NUMERIC_CENTRAL),
            (
                "    dZ2 = softmax_cross_entropy_grad(P, Y)\n" + RELU_MASK + "\n" + EX04_GRADS,
                NUMERIC_BACKWARD,
            ),
        ),
        expect=("derivative taken by differences",),
    ),
    # --- the audit: ex05's per-sample loop that is not one ------------------------------------
    Answer(
        "ex05-per-sample-chunks-of-4-in-a-comprehension",
        "ex05",
        (
            (
                PER_SAMPLE_SUMS,
                "    chunks = [(X[i : i + 4], Y[i : i + 4]) for i in range(0, len(X), 4)]\n"
                "    parts = [\n"
                "        (\n"
                "            x.T @ (((sigmoid(sigmoid(x @ W1) @ W2) - y) @ W2.T)"
                " * sigmoid_prime(x @ W1)),\n"
                "            sigmoid(x @ W1).T @ (sigmoid(sigmoid(x @ W1) @ W2) - y),\n"
                "        )\n"
                "        for x, y in chunks  # four rows at a time\n"
                "    ]\n"
                "    dW1 = sum(part[0] for part in parts)\n"
                "    dW2 = sum(part[1] for part in parts)",
            ),
        ),
        expect=("computes many rows at once",),
    ),
    Answer(
        "ex05-per-sample-rows-through-an-alias-of-backward",
        "ex05",
        (
            (
                PER_SAMPLE_SUMS,
                "    fb, fw = backward, forward  # short names for the loop\n"
                "    rows = [fb(params, fw(params, X[i : i + 1])[1], Y[i : i + 1])"
                " for i in range(len(X))]\n"
                '    dW1 = sum(r["W1"] for r in rows) * Y.shape[1]  # each row\'s mean × K\n'
                '    dW2 = sum(r["W2"] for r in rows) * Y.shape[1]',
            ),
        ),
        expect=("runs the batched backward and forward",),
    ),
    Answer(
        "ex05-per-sample-memoised-on-the-data",
        "ex05",
        (
            ("import numpy as np", "import numpy as np\n\n_SEEN = {}  # (X, Y) bytes -> gradients"),
            (
                '    W1, W2 = params["W1"], params["W2"]',
                "    key = (X.tobytes(), Y.tobytes())  # the loop is slow: do it once per batch\n"
                "    if key in _SEEN:\n"
                "        return _SEEN[key]\n"
                '    W1, W2 = params["W1"], params["W2"]',
            ),
            (
                PER_SAMPLE_MEAN,
                '    _SEEN[key] = {"W1": dW1 / Y.size, "W2": dW2 / Y.size}\n    return _SEEN[key]',
            ),
        ),
        expect=("remembered from an earlier call",),
    ),
    # --- the audit, ex01: slips of axes, shapes, globals and derivatives ----------------------
    Answer(
        "ex01-bias-gradient-without-keepdims",
        "ex01",
        (('"b": dZ.sum(axis=0, keepdims=True)', '"b": dZ.sum(axis=0)'),),
        expect=("shape (3,), expected (1, 3)", "keepdims=True"),
    ),
    Answer(
        "ex01-forward-clips-its-probabilities",
        "ex01",
        (
            (
                '    P = sigmoid(X @ params["W"] + params["b"])',
                '    P = np.clip(sigmoid(X @ params["W"] + params["b"]), 1e-7, 1 - 1e-7)'
                "  # never 0 or 1",
            ),
        ),
        expect=("forward clips its outputs there",),
    ),
    Answer(
        "ex01-loss-mean-over-rows-summed-over-outputs",
        "ex01",
        (
            (
                BCE_MEAN,
                "float(-np.sum(np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny)),"
                " axis=0)))",
            ),
        ),
        expect=("× the expected value", "a sum where the mean belongs"),
    ),
    Answer(
        "ex01-dZ-times-the-sigmoid-slope",  # the squared-error chain rule, kept for cross-entropy
        "ex01",
        ((EX01_DZ, "    dZ = (P - Y) * P * (1 - P) / P.size  # through the sigmoid"),),
        says=SLOPE_AGAIN,
    ),
    Answer(
        "ex01-forward-in-float32",
        "ex01",
        (
            (
                '    P = sigmoid(X @ params["W"] + params["b"])',
                '    Z = (X @ params["W"] + params["b"]).astype(np.float32)  # plenty for a'
                " probability\n    P = sigmoid(Z)",
            ),
        ),
        expect=("dtype float32, expected float64",),
    ),
    Answer(
        "ex01-backward-reads-the-truth-table",  # a global where the cache's X belongs
        "ex01",
        (('"W": X.T @ dZ', '"W": X_TRUTH.T @ dZ'),),
        expect=("the line reads X_TRUTH",),
    ),
    Answer(
        "ex01-loss-masked-and-divided-by-N",
        "ex01",
        (
            (
                BCE,
                "    right = np.concatenate([P[Y == 1], 1 - P[Y == 0]])  # each target's"
                " probability\n"
                "    return float(-np.log(np.maximum(right, np.finfo(float).tiny)).sum()"
                " / len(Y))",
            ),
        ),
        expect=("× the expected value", "a sum where the mean belongs"),
    ),
    Answer(
        "ex01-bias-added-after-the-sigmoid",
        "ex01",
        (('sigmoid(X @ params["W"] + params["b"])', 'sigmoid(X @ params["W"]) + params["b"]'),),
        says=(
            "the bias is added after the sigmoid, so the outputs leave [0, 1]: it belongs inside, "
            "sigmoid(X @ W + b)"
        ),
    ),
    Answer(
        "ex01-loss-log-of-P-plus-1e-15",  # an epsilon added, not a floor
        "ex01",
        (
            (
                BCE,
                "    eps = 1e-15  # keeps log away from 0\n"
                "    return float(-np.mean(Y * np.log(P + eps) + (1 - Y) * np.log(1 - P + eps)))",
            ),
        ),
        expect=("adds 1e-15 to every probability",),
    ),
    # --- the audit, ex02: the same kinds of slip -----------------------------------------------
    Answer(
        "ex02-hidden-error-broadcast-not-matmul",  # equal while K = 1
        "ex02",
        (
            (
                'dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1)',
                'dZ1 = (dout * params["W2"].T) * sigmoid_prime(Z1)',
            ),
        ),
        expect=("fit a matrix product: `@`",),
    ),
    Answer(
        "ex02-loss-summed-over-outputs",
        "ex02",
        (
            (
                "float(np.mean(0.5 * (out - Y) ** 2))",
                "float(np.mean(np.sum(0.5 * (out - Y) ** 2, axis=1)))",
            ),
        ),
        expect=("× the expected value", "a sum where the mean belongs"),
    ),
    Answer(
        "ex02-Z1-recovered-from-A-by-the-logit",
        "ex02",
        (
            (
                "    X, Z1, A, out = cache",
                "    X, _, A, out = cache\n    Z1 = np.log(A / (1 - A))  # the logit undoes the"
                " sigmoid",
            ),
        ),
        expect=("undoing an activation",),
    ),
    Answer(
        "ex02-sigmoid-prime-textbook-formula",
        "ex02",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    return np.exp(-z) / (1 + np.exp(-z)) ** 2",
            ),
        ),
        expect=("overflow", "only ever take exp of a non-positive number"),
    ),
    Answer(
        "ex02-hidden-error-of-Y-minus-out",  # the sign slips in the hidden layer only
        "ex02",
        (
            (
                'dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1)',
                'dZ1 = ((Y - out) / out.size @ params["W2"].T) * sigmoid_prime(Z1)',
            ),
        ),
        expect=("W1 is -1 times the right one", "sign is flipped"),
    ),
    Answer(
        "ex02-W2-gradient-from-Z1",
        "ex02",
        (('"W2": A.T @ dout', '"W2": Z1.T @ dout'),),
        says=W2_FROM_Z1,
    ),
    Answer(
        "ex02-W1-gradient-from-A",
        "ex02",
        (('"W1": X.T @ dZ1', '"W1": A.T @ dZ1'),),
        expect=("Its rows come from the wrong input", "X.T @ dZ1"),
    ),
    Answer(
        "ex02-W2-gradient-averaged-twice",
        "ex02",
        (('"W2": A.T @ dout', '"W2": A.T @ dout / len(X)'),),
        expect=("N (5) times too small", "divided by N twice"),
    ),
    Answer(
        "ex02-activation-written-over-Z1",
        "ex02",
        (
            (
                "    A = sigmoid(Z1)\n",
                "    A = Z1  # reuse the buffer\n    A[...] = sigmoid(Z1)\n",
            ),
        ),
        expect=("are one array", "written over in place"),
    ),
    Answer(
        "ex02-forward-W1-transposed",  # the same shape while D = H = 2
        "ex02",
        (('    Z1 = X @ params["W1"]', '    Z1 = X @ params["W1"].T'),),
        expect=("forward raised ValueError", "The line transposes a factor (.T)"),
    ),
    Answer(
        "ex02-loss-averaged-in-float32",
        "ex02",
        (
            (
                "float(np.mean(0.5 * (out - Y) ** 2))",
                "float(np.mean(0.5 * (out - Y) ** 2, dtype=np.float32))",
            ),
        ),
        expect=("float32 somewhere",),
    ),
    # --- the audit, ex03: the same kinds of slip -----------------------------------------------
    Answer(
        "ex03-b1-gradient-before-the-tanh-slope",
        "ex03",
        (
            (
                '"b1": dZ1.sum(axis=0, keepdims=True)',
                '"b1": (dZ2 @ params["W2"].T).sum(axis=0, keepdims=True)',
            ),
        ),
        expect=("gradient for b1 is wrong", "Check each of the three"),
    ),
    Answer(
        "ex03-tanh-prime-as-sech-squared",
        "ex03",
        (("return 1 - np.tanh(z) ** 2", "return 1 / np.cosh(z) ** 2"),),
        expect=("overflow encountered in cosh", "Use np.tanh"),
    ),
    Answer(
        "ex03-tanh-prime-sign-slipped-in-backward",
        "ex03",
        (("tanh_prime(Z1)", "(np.tanh(Z1) ** 2 - 1)"),),
        expect=("W1 is -1 times the right one", "sign is flipped"),
    ),
    Answer(
        "ex03-W2-gradient-from-Z1",
        "ex03",
        (('"W2": A.T @ dZ2', '"W2": Z1.T @ dZ2'),),
        says=W2_FROM_Z1,
    ),
    Answer(
        "ex03-loss-flattened-targets",  # (N,) against (N, 1) broadcasts to (N, N)
        "ex03",
        (("p_right = np.where(Y == 1, P, 1 - P)", "p_right = np.where(Y.ravel() == 1, P, 1 - P)"),),
        expect=("was flattened",),
    ),
    Answer(
        "ex03-output-from-Z1",
        "ex03",
        (
            (
                'P = sigmoid(A @ params["W2"] + params["b2"])',
                'P = sigmoid(Z1 @ params["W2"] + params["b2"])',
            ),
        ),
        says=(
            "the output layer takes the hidden activation A, not the pre-activation Z1: P = "
            "sigmoid(A @ W2 + b2)"
        ),
    ),
    Answer(
        "ex03-b2-gradient-a-column",  # (K, 1), not (1, K): the same while K = 1
        "ex03",
        (('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": dZ2.sum(axis=0).reshape(-1, 1)'),),
        expect=("shape (3, 1), expected (1, 3)", "It is transposed"),
    ),
    Answer(
        "ex03-gradients-in-a-module-dict",  # every call returns the same dict, refilled
        "ex03",
        (
            ("import numpy as np", "import numpy as np\n\nGRADS: dict = {}  # filled by backward"),
            (
                EX03_GRADS,
                EX03_GRADS.replace("    return {", "    GRADS.update({", 1)[:-1]
                + "})\n    return GRADS",
            ),
        ),
        expect=("keeps them between calls", "module-level dict"),
    ),
    Answer(
        "ex03-b1-gradient-summed-over-the-wrong-axis",  # the same shape while N = H = 4
        "ex03",
        (('"b1": dZ1.sum(axis=0, keepdims=True)', '"b1": dZ1.sum(axis=1, keepdims=True).T'),),
        expect=("Summed over the wrong axis",),
    ),
    Answer(
        "ex03-backward-reads-the-XOR-targets",
        "ex03",
        ((EX03_DZ2, "    dZ2 = (P - Y_XOR) / P.size"),),
        expect=("the line reads Y_XOR",),
    ),
    Answer(
        "ex03-sigmoid-by-tanh-without-the-halves",
        "ex03",
        ((STABLE_SIGMOID, "    return 0.5 * (1 + np.tanh(z))  # tanh never overflows"),),
        says=(
            "0.5 (1 + tanh(z)) is the sigmoid of 2z: the identity halves z, σ(z) = 0.5 (1 + "
            "tanh(z / 2)); and that form too loses the far left tail, so use exp(-|z|)"
        ),
    ),
    # --- the audit, ex04: the same, and softmax's axis and the labels --------------------------
    Answer(
        "ex04-softmax-over-the-columns",
        "ex04",
        (
            (
                SOFTMAX,
                "    e = np.exp(z - z.max(axis=0, keepdims=True))\n"
                "    return e / e.sum(axis=0, keepdims=True)",
            ),
        ),
        expect=("each row normalised on its own, axis=1",),
        says=(
            "each column is normalised, not each row: softmax works along axis 1 "
            "(keepdims=True), one distribution per row"
        ),
    ),
    Answer(
        "ex04-softmax-sum-without-keepdims",
        "ex04",
        (("return e / e.sum(axis=1, keepdims=True)", "return e / e.sum(axis=1)"),),
        expect=("keepdims=True",),
    ),
    Answer(
        "ex04-softmax-shift-without-keepdims",
        "ex04",
        (("e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z - z.max(axis=1))"),),
        expect=("keepdims=True",),
    ),
    Answer(
        "ex04-softmax-shifted-by-the-minimum",
        "ex04",
        (
            (
                "e = np.exp(z - z.max(axis=1, keepdims=True))",
                "e = np.exp(z - z.min(axis=1, keepdims=True))",
            ),
        ),
        expect=("overflow", "Subtract each row's own maximum"),
    ),
    Answer(
        "ex04-loss-picks-label-columns",  # P[:, Y] is (N, N)
        "ex04",
        (("p_label = P[np.arange(len(Y)), Y]", "p_label = P[:, Y]"),),
        says=(
            "P[:, Y] picks whole columns (an N × N block), not each row's own label: "
            "P[np.arange(N), Y] picks one entry per row"
        ),
    ),
    Answer(
        "ex04-one-hot-N-wide",
        "ex04",
        (("np.eye(P.shape[1])[Y]", "np.eye(P.shape[0])[Y]"),),
        expect=("np.eye(K)[Y] needs K",),
    ),
    Answer(
        "ex04-one-hot-as-wide-as-the-largest-label",  # too narrow when a batch lacks a class
        "ex04",
        (("np.eye(P.shape[1])[Y]", "np.eye(Y.max() + 1)[Y]"),),
        expect=("np.eye(K)[Y] needs K",),
    ),
    Answer(
        "ex04-b1-gradient-before-the-mask",
        "ex04",
        (
            (
                '"b1": dZ1.sum(axis=0, keepdims=True)',
                '"b1": (dZ2 @ params["W2"].T).sum(axis=0, keepdims=True)',
            ),
        ),
        expect=("gradient for b1 is wrong", "the mask Z1 > 0"),
    ),
    Answer(
        "ex04-relu-mask-from-A-at-least-0",  # always true: no mask at all
        "ex04",
        ((RELU_MASK, '    dZ1 = (dZ2 @ params["W2"].T) * (A >= 0)  # relu\'s slope'),),
        expect=("taken at Z1 (not at the activation)", "the mask Z1 > 0"),
    ),
    Answer(
        "ex04-relu-slope-is-the-sign",
        "ex04",
        ((RELU_MASK, '    dZ1 = (dZ2 @ params["W2"].T) * np.sign(Z1)  # relu\'s slope'),),
        expect=("the mask Z1 > 0",),
    ),
    Answer(
        "ex04-loss-mean-over-N-K",
        "ex04",
        (
            (
                EX04_LOSS,
                "    onehot = np.eye(P.shape[1])[Y]\n"
                "    return float(-np.mean(onehot * np.log(np.maximum(P, np.finfo(float).tiny))))",
            ),
        ),
        expect=("1/4 of the expected value", "divided by 4 once too often"),
    ),
    Answer(
        "ex04-loss-of-the-likeliest-class",
        "ex04",
        (("p_label = P[np.arange(len(Y)), Y]", "p_label = P.max(axis=1)  # the predicted class"),),
        says=(
            "P.max(axis=1) is the probability of the class predicted, not of the label: the loss "
            "takes each row's own label, P[np.arange(N), Y]"
        ),
    ),
    Answer(
        "ex04-W2-gradient-from-Z1",
        "ex04",
        (('"W2": A.T @ dZ2', '"W2": Z1.T @ dZ2'),),
        says=W2_FROM_Z1,
    ),
    Answer(
        "ex04-ce-grad-divided-by-K",
        "ex04",
        ((EX04_CE_GRAD, "    return (P - np.eye(P.shape[1])[Y]) / P.shape[1]"),),
        expect=("N/K (4/3) times the right one", "divided by K"),
    ),
    Answer(
        "ex04-loss-log-of-p-plus-1e-15",  # an epsilon added, not a floor
        "ex04",
        (
            (
                EX04_LOSS,
                "    p_label = P[np.arange(len(Y)), Y]\n"
                "    return float(-np.mean(np.log(p_label + 1e-15)))",
            ),
        ),
        expect=("adds 1e-15 to every probability",),
    ),
    Answer(
        "ex04-softmax-logits-clipped-at-500",  # wrong where two logits of a row pass 500
        "ex04",
        (
            (
                SOFTMAX,
                "    e = np.exp(np.clip(z, -500, 500))  # exp(500) still fits a float64\n"
                "    return e / e.sum(axis=1, keepdims=True)",
            ),
        ),
        expect=("subtract each row's own maximum",),
    ),
    Answer(
        "ex04-ce-grad-in-place-cs231n",  # dscores[range(N), y] -= 1, on the caller's P
        "ex04",
        ((EX04_CE_GRAD, "    P[np.arange(len(Y)), Y] -= 1\n    return P / len(Y)"),),
        expect=("changed its argument P in place",),
    ),
    Answer(
        "ex04-one-hot-of-three-classes",  # a module constant where P's width belongs
        "ex04",
        (
            ("import numpy as np", "import numpy as np\n\nN_CLASSES = 3  # the three blobs"),
            ("np.eye(P.shape[1])[Y]", "np.eye(N_CLASSES)[Y]"),
        ),
        expect=("the line reads N_CLASSES",),
    ),
    # --- the audit, ex05: the same, and the per-sample loop's own slips -----------------------
    Answer(
        "ex05-per-sample-prime-at-a",
        "ex05",
        (("e1 = (W2 @ e2) * sigmoid_prime(z1)", "e1 = (W2 @ e2) * sigmoid_prime(a)"),),
        says="sigmoid_prime takes the pre-activation z1, not the activation a = sigmoid(z1)",
    ),
    Answer(
        "ex05-per-sample-totals-in-float32",
        "ex05",
        (
            (
                "dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)",
                "dW1, dW2 = np.zeros(W1.shape, np.float32), np.zeros(W2.shape, np.float32)",
            ),
        ),
        expect=("dtype float32, expected float64",),
    ),
    Answer(
        "ex05-per-sample-totals-kept-between-calls",
        "ex05",
        (
            ("import numpy as np", "import numpy as np\n\nTOTALS: dict = {}  # the loop's sums"),
            (
                "    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)",
                "    if not TOTALS:  # allocate once\n"
                "        TOTALS.update(W1=np.zeros(W1.shape), W2=np.zeros(W2.shape))\n"
                '    dW1, dW2 = TOTALS["W1"], TOTALS["W2"]',
            ),
        ),
        expect=("is the total kept from an earlier call",),
    ),
    Answer(
        "ex05-sigmoid-prime-by-tanh-half-not-quarter",
        "ex05",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    return 0.5 * (1 - np.tanh(z / 2) ** 2)",
            ),
        ),
        expect=("2 × the expected value", "a factor 1/2 left out"),
    ),
    Answer(
        "ex05-loss-summed-over-the-bits",  # the document sums the five outputs
        "ex05",
        (
            (
                BCE_MEAN,
                "float(-np.mean(np.sum(np.log(np.maximum(p_right, np.finfo(float).tiny)),"
                " axis=1)))",
            ),
        ),
        expect=("× the expected value", "a sum where the mean belongs"),
    ),
    Answer(
        "ex05-dZ2-times-the-sigmoid-slope",
        "ex05",
        ((EX05_DZ2, '    dZ2 = (P - Y) * sigmoid_prime(A @ params["W2"]) / P.size'),),
        says=SLOPE_AGAIN,
    ),
    Answer(
        "ex05-per-sample-floor-division",
        "ex05",
        (
            (
                '{"W1": dW1 / Y.size, "W2": dW2 / Y.size}',
                '{"W1": dW1 // Y.size, "W2": dW2 // Y.size}',
            ),
        ),
        says=(
            "`//` is floor division: it rounds every gradient down to a whole number. Divide with "
            "`/`"
        ),
    ),
    Answer(
        "ex05-per-sample-dW1-after-the-loop",  # an indentation slip: the last row's only
        "ex05",
        (("        dW1 += np.outer(x, e1)", "    dW1 += np.outer(x, e1)"),),
        says=(
            "a sum is added to once, after the loop, with the last row only: indent the `+=` into "
            "the loop's body"
        ),
    ),
    Answer(
        "ex05-per-sample-output-without-sigmoid",
        "ex05",
        (("e2 = sigmoid(a @ W2) - y", "e2 = a @ W2 - y"),),
        says="the output error takes the logits a @ W2, not the outputs: e2 = sigmoid(a @ W2) - y",
    ),
    Answer(
        "ex05-per-sample-over-the-columns",  # runs only when N = D
        "ex05",
        (("zip(X, Y, strict=True)", "zip(X.T, Y.T, strict=True)"),),
    ),
    Answer(
        "ex05-hidden-slope-sign-slipped",
        "ex05",
        (("sigmoid_prime(Z1)", "A * (A - 1)"),),
        expect=("W1 is -1 times the right one", "sign is flipped"),
    ),
    Answer(
        "ex05-per-sample-targets-one-row-behind",
        "ex05",
        (per_sample_loop("    for i in range(len(X)):\n        x, y = X[i], Y[i - 1]"),),
        says=(
            "each row is paired with another row's target (Y[i - 1] where Y[i] belongs): zip(X, "
            "Y) keeps them together"
        ),
    ),
    Answer(
        "ex05-mean-over-N-BITS",  # the module's constant where K belongs
        "ex05",
        ((EX05_DZ2, "    dZ2 = (P - Y) / (len(X) * N_BITS)  # the mean over N rows of 5 bits"),),
        says=(
            "the mean is taken over N_BITS, the document's 5 outputs, where the output's own "
            "width belongs: divide by P.size, N·K"
        ),
    ),
    # --- the second audit: what got through the first round of fixes ---------------------------
    Answer(
        "ex02-sigmoid-prime-by-central-difference",
        "ex02",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    h = 1e-5\n    return (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)",
            ),
        ),
        expect=("derivative taken by differences",),
    ),
    Answer(
        "ex03-tanh-prime-by-central-difference",
        "ex03",
        (
            (
                "    return 1 - np.tanh(z) ** 2",
                "    h = 1e-5\n    return (np.tanh(z + h) - np.tanh(z - h)) / (2 * h)",
            ),
        ),
        expect=("derivative taken by differences",),
    ),
    Answer(
        "ex02-scale-remembered-from-the-first-call",
        "ex02",
        (
            ("import numpy as np", "import numpy as np\n\n_SIZE = []  # N·K, worked out once"),
            (
                "    dout = (out - Y) / out.size",
                "    if not _SIZE:\n        _SIZE.append(out.size)\n"
                "    dout = (out - Y) / _SIZE[0]",
            ),
        ),
        expect=("depends on earlier calls",),
    ),
    Answer(
        "ex05-per-sample-token-loop-then-inline-batch",
        "ex05",
        (
            (
                PER_SAMPLE_SUMS,
                "    rows = []\n    for x in X:  # one row at a time\n        rows.append(x @ W1)\n"
                "    Z1 = np.array(rows)\n    A = 1 / (1 + np.exp(-Z1))\n"
                "    E2 = 1 / (1 + np.exp(-(A @ W2))) - Y\n    E1 = (E2 @ W2.T) * A * (1 - A)\n"
                "    dW2 = A.T @ E2\n    dW1 = X.T @ E1",
            ),
        ),
        expect=("computes many rows at once", "holds an array of shape"),
    ),
    # --- structural mistakes, named by what the values show -------------------------------------
    Answer(
        "ex03-forward-with-dropout",
        "ex03",
        (
            (
                "    A = np.tanh(Z1)",
                "    A = np.tanh(Z1) * (np.random.rand(*Z1.shape) > 0.1) / 0.9  # dropout",
            ),
        ),
        expect=("two outputs for the same params and X", "no random draw"),
    ),
    Answer(
        "ex01-grads-are-params",
        "ex01",
        (
            (
                EX01_GRADS,
                '    grads = params  # the same keys and shapes\n    grads["W"] = X.T @ dZ\n'
                '    grads["b"] = dZ.sum(axis=0, keepdims=True)\n    return grads',
            ),
        ),
        expect=("returned its argument params itself",),
    ),
    Answer(
        "ex04-relu-returns-its-mask",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return z > 0"),),
        expect=("holds True and False",),
    ),
    # --- the diagnosis's audit: mistakes of new kinds, as a new student writes them -------------
    Answer(
        "ex01-loss-log10",
        "ex01",
        ((BCE_LOGS, BCE_LOGS.replace("np.log(", "np.log10(", 1)),),
        expect=("ln 10",),
    ),
    Answer(
        "ex01-loss-without-the-1-minus-Y-term",
        "ex01",
        ((BCE, "    return float(-np.mean(Y * np.log(np.maximum(P, np.finfo(float).tiny))))"),),
        says=(
            "the loss keeps only the y = 1 term, y log p: the rows with y = 0 need their "
            "own, (1 - y) log(1 - p)"
        ),
    ),
    Answer(
        "ex01-loss-P-and-Y-swapped",
        "ex01",
        (
            (
                BCE,
                (
                    "    return float(-np.mean(P * "
                    "np.log(np.maximum(Y, np.finfo(float).tiny)) + (1 "
                    "- P) * np.log(np.maximum(1 - Y, np.finfo(float).tiny))))"
                ),
            ),
        ),
        says=(
            "P and Y are swapped: the log is taken of the targets. The loss is -log of the "
            "probability given to the right answer"
        ),
    ),
    Answer(
        "ex01-loss-of-the-wrong-class",
        "ex01",
        (("p_right = np.where(Y == 1, P, 1 - P)", "p_right = np.where(Y == 1, 1 - P, P)"),),
        says=(
            "each row's loss takes the probability of the wrong answer: for y = 1 it is p, "
            "for y = 0 it is 1 - p"
        ),
    ),
    Answer(
        "ex01-sigmoid-precedence",
        "ex01",
        ((STABLE_SIGMOID, "    return 1 / 1 + np.exp(-z)"),),
        says="operator precedence: 1 / 1 + e is (1 / 1) + e; write 1 / (1 + e)",
    ),
    Answer(
        "ex01-sigmoid-of-abs-z",
        "ex01",
        ((STABLE_SIGMOID, "    return 1 / (1 + np.exp(-np.abs(z)))  # never overflows"),),
        says=(
            "that is the sigmoid of |z| for every z: for z < 0 the sigmoid is e / (1 + e), "
            "with e = exp(-|z|)"
        ),
    ),
    Answer(
        "ex01-sigmoid-branches-swapped",
        "ex01",
        (
            (
                "np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
                "np.where(z >= 0, e / (1 + e), 1 / (1 + e))",
            ),
        ),
        says=(
            "the two branches are swapped: 1 / (1 + e) belongs to z >= 0 and e / (1 + e) to "
            "z < 0 (with e = exp(-|z|))"
        ),
    ),
    Answer(
        "ex01-forward-bias-subtracted",
        "ex01",
        (('X @ params["W"] + params["b"]', 'X @ params["W"] - params["b"]'),),
        says="the bias is subtracted: Z = X W + b adds it",
    ),
    Answer(
        "ex01-forward-returns-cache-first",
        "ex01",
        (("    return P, (X, P)", "    return (X, P), P"),),
        expect=("forward returned (cache, output)",),
    ),
    Answer(
        "ex01-backward-swallows-its-error",
        "ex01",
        (
            (
                '    return {"W": X.T @ dZ, "b": dZ.sum(axis=0, keepdims=True)}',
                (
                    '    try:\n        return {"W": X @ dZ, "b": '
                    "dZ.sum(axis=0, keepdims=True)}\n    "
                    'except Exception:  # a shape problem: no step this time\n        return {"W": '
                    'np.zeros_like(params["W"]), "b": np.zeros_like(params["b"])}'
                ),
            ),
        ),
        expect=("catches every exception",),
    ),
    Answer(
        "ex01-backward-sigmoid-of-P",
        "ex01",
        ((EX01_DZ, "    dZ = (sigmoid(P) - Y) / P.size"),),
        says=(
            "backward takes the sigmoid of P, which is a probability already: dL/dZ uses P "
            "as it is, (P - Y) / (N·K)"
        ),
    ),
    Answer(
        "ex02-loss-square-of-the-mean",
        "ex02",
        (
            (
                "    return float(np.mean(0.5 * (out - Y) ** 2))",
                "    return float(0.5 * np.mean(out - Y) ** 2)",
            ),
        ),
        says=(
            "that is the square of the mean error, not the mean of the squares: square each "
            "entry's error first, then average"
        ),
    ),
    Answer(
        "ex02-sigmoid-prime-precedence",
        "ex02",
        (("    return s * (1 - s)", "    return s * 1 - s"),),
        expect=("every entry is 0", "operator precedence"),
    ),
    Answer(
        "ex02-sigmoid-prime-of-z",
        "ex02",
        (("    return s * (1 - s)", "    return s * (1 - z)"),),
        says="the slope is s (1 - s) with s = sigmoid(z) in both places: s * (1 - z) mixes z in",
    ),
    Answer(
        "ex02-loss-summed",
        "ex02",
        (
            (
                "    return float(np.mean(0.5 * (out - Y) ** 2))",
                "    return float(np.sum(0.5 * (out - Y) ** 2))",
            ),
        ),
        expect=("a sum where the mean belongs",),
    ),
    Answer(
        "ex02-backward-slope-at-the-linear-output",
        "ex02",
        (
            (
                "    dout = (out - Y) / out.size",
                "    dout = (out - Y) * sigmoid_prime(out) / out.size",
            ),
        ),
        says=(
            "this network's output is linear (no sigmoid after W2), so dL/dout has no "
            "sigmoid slope in it: (out - Y) / (N·K)"
        ),
    ),
    Answer(
        "ex02-forward-sigmoid-on-the-output",
        "ex02",
        (('    out = A @ params["W2"]', '    out = sigmoid(A @ params["W2"])'),),
        says="ex02's output is linear: out = A W2, with no sigmoid after W2",
    ),
    Answer(
        "ex02-backward-cache-in-another-order",
        "ex02",
        (("    X, Z1, A, out = cache", "    X, A, Z1, out = cache"),),
        says=(
            "backward unpacks the cache in another order than forward packed it: take the "
            "pieces back in forward's order (X, Z1, A, out)"
        ),
    ),
    Answer(
        "ex03-tanh-prime-of-tanh",
        "ex03",
        (("    return 1 - np.tanh(z) ** 2", "    t = np.tanh(z)\n    return 1 - np.tanh(t) ** 2"),),
        says="tanh is taken twice: the slope at z is 1 - tanh(z)², with one tanh",
    ),
    Answer(
        "ex03-tanh-prime-by-the-sigmoid-slope",
        "ex03",
        (("    return 1 - np.tanh(z) ** 2", "    s = sigmoid(z)\n    return s * (1 - s)"),),
        says="that is the sigmoid's slope, s (1 - s): tanh's is 1 - tanh(z)²",
    ),
    Answer(
        "ex03-forward-float32",
        "ex03",
        (
            (
                '    Z1 = X @ params["W1"] + params["b1"]',
                '    Z1 = (X @ params["W1"] + params["b1"]).astype(np.float32)',
            ),
        ),
        expect=("float32 somewhere",),
    ),
    Answer(
        "ex03-loss-summed",
        "ex03",
        ((f"np.mean({BCE_LOGS})", f"np.sum({BCE_LOGS})"),),
        expect=("a sum where the mean belongs",),
    ),
    Answer(
        "ex03-backward-sign-flipped",
        "ex03",
        ((EX03_DZ2, "    dZ2 = (Y - P) / P.size"),),
        expect=("the sign is flipped",),
    ),
    Answer(
        "ex03-backward-slope-of-the-output-again",
        "ex03",
        ((EX03_DZ2, "    dZ2 = (P - Y) * P * (1 - P) / P.size"),),
        says=SLOPE_AGAIN,
    ),
    Answer(
        "ex03-forward-tanh-output",
        "ex03",
        (
            (
                '    P = sigmoid(A @ params["W2"] + params["b2"])',
                '    P = np.tanh(A @ params["W2"] + params["b2"])',
            ),
        ),
        says=(
            "the output goes through tanh, whose values reach -1: this network's output is a "
            "probability, sigmoid(A W2 + b2)"
        ),
    ),
    Answer(
        "ex03-b2-from-dZ1",
        "ex03",
        (('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": dZ1.sum(axis=0, keepdims=True)'),),
        expect=("A bias gradient sums its own layer's error",),
    ),
    Answer(
        "ex04-softmax-normalised-by-the-max",
        "ex04",
        (
            (
                "    return e / e.sum(axis=1, keepdims=True)",
                "    return e / e.max(axis=1, keepdims=True)",
            ),
        ),
        says=(
            "the exps are divided by the row's largest, not by the row's sum: a distribution "
            "adds up to 1"
        ),
    ),
    Answer(
        "ex04-relu-max-over-an-axis",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return np.max(z, 0)"),),
        expect=("np.maximum(z, 0) compares each entry with 0",),
    ),
    Answer(
        "ex04-loss-P-of-Y",
        "ex04",
        (("p_label = P[np.arange(len(Y)), Y]", "p_label = P[Y]"),),
        says=(
            "P[Y] picks whole rows (the row numbered by each label), not each row's own "
            "label: P[np.arange(N), Y]"
        ),
    ),
    Answer(
        "ex04-ce-grad-without-a-one-hot",
        "ex04",
        ((EX04_CE_GRAD, "    return (P - Y) / len(Y)"),),
        expect=("np.eye(K)[Y]",),
    ),
    Answer(
        "ex04-loss-mean-over-all-entries",
        "ex04",
        (("    p_label = P[np.arange(len(Y)), Y]\n", "    p_label = P * np.eye(P.shape[1])[Y]\n"),),
        says=(
            "the log is taken of every entry of P times the one-hot, so its zeros reach log: "
            "pick each row's own probability first, P[np.arange(N), Y], then take the log"
        ),
    ),
    Answer(
        "ex04-b1-from-dZ2",
        "ex04",
        (('"b1": dZ1.sum(axis=0, keepdims=True)', '"b1": dZ2.sum(axis=0, keepdims=True)'),),
        expect=("A bias gradient sums its own layer's error",),
    ),
    Answer(
        "ex05-forward-no-output-sigmoid",
        "ex05",
        (('    P = sigmoid(A @ params["W2"])', '    P = A @ params["W2"]'),),
        says="ex05's output goes through the sigmoid: P = sigmoid(A W2)",
    ),
    Answer(
        "ex05-per-sample-totals-start-over-each-row",
        "ex05",
        (
            per_sample_loop(
                PER_SAMPLE_FOR + "\n        dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)"
            ),
        ),
        says=(
            "the totals start over at every row, so only the last row's gradient is left: "
            "set them to zero once, before the loop"
        ),
    ),
    Answer(
        "ex05-per-sample-steps-inside-the-loop",
        "ex05",
        (
            (
                "        dW1 += np.outer(x, e1)\n",
                (
                    "        dW1 += np.outer(x, e1)\n        W1, W2 = "
                    "W1 - 0.5 * np.outer(x, e1), W2 "
                    "- 0.5 * np.outer(a, e2)  # online SGD\n"
                ),
            ),
        ),
        says=(
            "the weights change inside the loop: backward_per_sample gives the gradient at "
            "the weights it was given; the steps are train's business"
        ),
    ),
    Answer(
        "ex03-output-bias-as-one-number",  # the document's network has one output
        "ex03",
        (
            (
                '    P = sigmoid(A @ params["W2"] + params["b2"])',
                '    P = sigmoid(A @ params["W2"] + params["b2"][0, 0])  # the output bias',
            ),
        ),
        expect=("only column 0 of 3 is right", "[0, 0]"),
    ),
    Answer(
        "ex03-loss-arguments-swapped-and-clipped",
        "ex03",
        (
            (
                BCE,
                "    Y, P = P, np.clip(Y, 1e-12, 1 - 1e-12)\n"
                "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))",
            ),
        ),
        expect=("uses its two arguments the other way round", "(P, Y)"),
    ),
    Answer(
        "ex01-forward-product-in-the-wrong-order",
        "ex01",
        (('sigmoid(X @ params["W"] + params["b"])', 'sigmoid(params["W"] @ X + params["b"])'),),
        expect=("is one transposed, or are the two in the wrong order",),
    ),
    Answer(
        "ex01-b-gradient-from-X",
        "ex01",
        (('"b": dZ.sum(axis=0, keepdims=True)', '"b": X.sum(axis=0, keepdims=True)'),),
        expect=("A bias gradient sums its own layer's error", "db comes from dZ"),
    ),
    Answer(
        "ex01-loss-log-of-the-mean",
        "ex01",
        (
            (
                "float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))",
                "float(-np.log(np.mean(p_right)))",
            ),
        ),
        says=(
            "that is the log of the mean probability, not the mean of the logs: take -log of "
            "each row's probability, then average"
        ),
    ),
    Answer(
        "ex01-loss-squared-error",
        "ex01",
        ((BCE, "    return float(np.mean(0.5 * (P - Y) ** 2))"),),
        says=(
            "that is a squared error; this network's loss is the cross-entropy, -log of the "
            "probability given to the right answer"
        ),
    ),
    Answer(
        "ex02-forward-relu-hidden",
        "ex02",
        (("    A = sigmoid(Z1)", "    A = np.maximum(Z1, 0)"),),
        says="the hidden layer uses relu where this network has the sigmoid: A = sigmoid(Z1)",
    ),
    Answer(
        "ex02-loss-absolute-error",
        "ex02",
        (
            (
                "    return float(np.mean(0.5 * (out - Y) ** 2))",
                "    return float(np.mean(0.5 * np.abs(out - Y)))",
            ),
        ),
        says="that is half the absolute error; this loss squares each error: ½ (out - y)²",
    ),
    Answer(
        "ex02-hidden-error-W2-not-transposed",
        "ex02",
        (('(dout @ params["W2"].T)', '(dout @ params["W2"])'),),
        expect=("is one transposed, or are the two in the wrong order",),
    ),
    Answer(
        "ex02-sigmoid-prime-sign",
        "ex02",
        (("    return s * (1 - s)", "    return s * (s - 1)"),),
        expect=("the sign is flipped",),
    ),
    Answer(
        "ex03-tanh-prime-square-of-the-difference",
        "ex03",
        (("    return 1 - np.tanh(z) ** 2", "    return (1 - np.tanh(z)) ** 2"),),
        says=(
            "(1 - tanh z)² squares the difference; the slope is 1 - tanh(z)², with only tanh "
            "squared"
        ),
    ),
    Answer(
        "ex03-hidden-bias-after-tanh",
        "ex03",
        (
            (
                '    Z1 = X @ params["W1"] + params["b1"]\n    A = np.tanh(Z1)',
                '    Z1 = X @ params["W1"]\n    A = np.tanh(Z1) + params["b1"]',
            ),
        ),
        says="the hidden bias is added after tanh: it belongs inside, tanh(X W1 + b1)",
    ),
    Answer(
        "ex03-loss-log1p",
        "ex03",
        (
            (
                "float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))",
                "float(-np.mean(np.log1p(p_right)))",
            ),
        ),
        expect=("a negative number",),
    ),
    Answer(
        "ex04-softmax-without-exp",
        "ex04",
        ((SOFTMAX, "    return z / z.sum(axis=1, keepdims=True)"),),
        says=(
            "there is no exp: softmax divides exp(z) by its row's sum of exps, not z by its "
            "row's sum"
        ),
    ),
    Answer(
        "ex04-ce-grad-plus-one-at-the-label",
        "ex04",
        ((EX04_CE_GRAD, "    return (P + np.eye(P.shape[1])[Y]) / len(Y)"),),
        says=(
            "the one-hot is added where it is subtracted: the gradient at the logits is P - "
            "onehot(Y), -1 at each row's label"
        ),
    ),
    Answer(
        "ex04-relu-abs",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return np.abs(z)"),),
        says=(
            "|z| flips the negative entries where relu puts 0: relu keeps the positive "
            "entries and zeroes the rest"
        ),
    ),
    Answer(
        "ex04-relu-minimum",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return np.minimum(z, 0.0)"),),
        says=(
            "np.minimum keeps the negative side: relu keeps the larger of each entry and 0, "
            "np.maximum(z, 0)"
        ),
    ),
    Answer(
        "ex04-loss-without-the-minus",
        "ex04",
        ((f"-np.mean({CE_LOGS})", f"np.mean({CE_LOGS})"),),
        expect=("a negative number", "the sign is flipped"),
    ),
    Answer(
        "ex05-forward-tanh-hidden",
        "ex05",
        (("    A = sigmoid(Z1)", "    A = np.tanh(Z1)"),),
        says="the hidden layer uses tanh where this network has the sigmoid: A = sigmoid(Z1)",
    ),
    Answer(
        "ex05-loss-squared-error",
        "ex05",
        ((BCE, "    return float(np.mean(0.5 * (P - Y) ** 2))"),),
        says=(
            "that is a squared error; this network's loss is the cross-entropy, -log of the "
            "probability given to the right answer"
        ),
    ),
    Answer(
        "ex05-per-sample-hidden-error-without-W2",
        "ex05",
        (("e1 = (W2 @ e2) * sigmoid_prime(z1)", "e1 = e2.sum() * sigmoid_prime(z1)"),),
        says=(
            "the hidden error must go back through W2: the row's hidden error is (W2 @ e2) "
            "times the slope, not the sum of e2"
        ),
    ),
    Answer(
        "ex05-per-sample-divides-inside-the-loop",
        "ex05",
        (("        dW1 += np.outer(x, e1)\n", "        dW1 += np.outer(x, e1) / Y.size\n"),),
        expect=("divided by 15 once too often",),
    ),
    Answer(
        "ex01-forward-W-transposed",
        "ex01",
        (('sigmoid(X @ params["W"] + params["b"])', 'sigmoid(X @ params["W"].T + params["b"])'),),
        expect=("The line transposes a factor (.T)",),
    ),
    Answer(
        "ex01-sigmoid-of-minus-z",
        "ex01",
        ((STABLE_SIGMOID, "    return 1 / (1 + np.exp(z))"),),
        says="exp(z) where exp(-z) belongs: 1 / (1 + exp(z)) is the sigmoid of -z",
    ),
    Answer(
        "ex01-forward-returns-the-logits",
        "ex01",
        (
            (
                '    P = sigmoid(X @ params["W"] + params["b"])\n    return P, (X, P)',
                '    Z = X @ params["W"] + params["b"]\n    P = sigmoid(Z)\n    return Z, (X, P)',
            ),
        ),
        says=(
            "forward returns the logits Z = X W + b, not the probabilities: the output is "
            "sigmoid(Z)"
        ),
    ),
    Answer(
        "ex02-W1-gradient-from-the-output-error",
        "ex02",
        (('"W1": X.T @ dZ1', '"W1": X.T @ dout'),),
        expect=("Its columns come from another layer's error",),
    ),
    Answer(
        "ex02-sigmoid-applied-twice-in-the-slope",
        "ex02",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    s = sigmoid(sigmoid(z))\n    return s * (1 - s)",
            ),
        ),
        says="the sigmoid is taken twice: the slope at z is s (1 - s) with s = sigmoid(z), once",
    ),
    Answer(
        "ex03-tanh-prime-returns-tanh",
        "ex03",
        (("    return 1 - np.tanh(z) ** 2", "    return np.tanh(z)"),),
        says="that is tanh itself, not its slope: tanh'(z) = 1 - tanh(z)²",
    ),
    Answer(
        "ex03-loss-squared-error",
        "ex03",
        ((BCE, "    return float(np.mean(0.5 * (P - Y) ** 2))"),),
        says=(
            "that is a squared error; this network's loss is the cross-entropy, -log of the "
            "probability given to the right answer"
        ),
    ),
    Answer(
        "ex03-output-bias-before-W2",
        "ex03",
        (
            (
                '    P = sigmoid(A @ params["W2"] + params["b2"])',
                '    P = sigmoid((A + params["b2"]) @ params["W2"])',
            ),
        ),
        expect=("a row of 3 entries (a bias?)",),
    ),
    Answer(
        "ex04-relu-keeps-the-negatives",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return np.where(z > 0, 0.0, z)"),),
        says=(
            "the negative entries are kept and the positive ones zeroed: relu keeps the "
            "positive side, np.maximum(z, 0)"
        ),
    ),
    Answer(
        "ex04-ce-grad-in-place",
        "ex04",
        (
            (
                EX04_CE_GRAD,
                (
                    "    P[np.arange(len(Y)), Y] -= 1  # P - "
                    "onehot(Y), without a copy\n    return P "
                    "/ len(Y)"
                ),
            ),
        ),
        expect=("changed its argument P in place",),
    ),
    Answer(
        "ex04-backward-softmax-of-P",
        "ex04",
        (
            (
                "    dZ2 = softmax_cross_entropy_grad(P, Y)",
                "    dZ2 = softmax_cross_entropy_grad(softmax(P), Y)",
            ),
        ),
        says=(
            "backward takes the softmax of P, which holds probabilities already: the "
            "gradient at the logits is P - onehot(Y), from P as it is"
        ),
    ),
    Answer(
        "ex04-forward-relu-on-the-output",
        "ex04",
        (
            (
                '    P = softmax(A @ params["W2"] + params["b2"])',
                '    P = softmax(relu(A @ params["W2"] + params["b2"]))',
            ),
        ),
        says=(
            "relu on the output logits: the output layer is softmax(A W2 + b2), with no relu "
            "before it"
        ),
    ),
    Answer(
        "ex05-per-sample-output-error-without-y",
        "ex05",
        (("e2 = sigmoid(a @ W2) - y", "e2 = sigmoid(a @ W2)"),),
        says="the output error leaves y out: it is the row's p - y",
    ),
    Answer(
        "ex05-loss-of-the-first-output-only",
        "ex05",
        (("p_right = np.where(Y == 1, P, 1 - P)", "p_right = np.where(Y == 1, P, 1 - P)[:, :1]"),),
        says="only the first output's column enters the loss: it is the mean over all N·K entries",
    ),
    Answer(
        "ex02-hidden-error-from-the-output-itself",
        "ex02",
        (('dout @ params["W2"].T', 'out @ params["W2"].T'),),
        says=(
            "the hidden layer's error is built from the output itself, not from its error: "
            "dout @ W2.T, with dout the gradient at the output"
        ),
    ),
    Answer(
        "ex03-hidden-error-without-W2",
        "ex03",
        (
            (
                '    dZ1 = (dZ2 @ params["W2"].T) * tanh_prime(Z1)',
                "    dZ1 = dZ2.sum(axis=1, keepdims=True) * tanh_prime(Z1)",
            ),
        ),
        says="the hidden error must go back through W2: dZ2 @ W2.T, not a sum of dZ2's entries",
    ),
    Answer(
        "ex04-loss-divided-by-K",
        "ex04",
        (
            (
                "float(-np.mean(np.log(np.maximum(p_label, np.finfo(float).tiny))))",
                "float(-np.mean(np.log(np.maximum(p_label, np.finfo(float).tiny)))) / P.shape[1]",
            ),
        ),
        expect=("divided by 4 once too often",),
    ),
    Answer(
        "ex05-W2-gradient-without-the-mean",
        "ex05",
        (('"W2": A.T @ dZ2', '"W2": A.T @ (P - Y)'),),
        expect=("N·K (5·3) times too large",),
    ),
    Answer(
        "ex02-output-from-Z1",
        "ex02",
        (('    out = A @ params["W2"]', '    out = Z1 @ params["W2"]'),),
        says=(
            "the output layer takes the hidden activation A, not the pre-activation Z1: out = A W2"
        ),
    ),
    Answer(
        "ex01-loss-of-the-rounded-predictions",
        "ex01",
        (
            (
                "p_right = np.where(Y == 1, P, 1 - P)",
                "p_right = np.where(Y == 1, P.round(3), 1 - P.round(3))",
            ),
        ),
        says="the probabilities are rounded before the log: the loss takes them as they are",
    ),
)


RIGHT: tuple[Answer, ...] = (
    # Given code is the kata's: the tests run its own copy of train, so a student's file that
    # renamed (or broke) its copy still passes; the table names the change instead.
    Answer(
        "ex01-given-function-renamed",
        "ex01",
        (
            (
                Header("train"),
                "def fit(\n"
                "    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,"
                " lr: float, steps: int\n"
                ") -> list[float]:",
            ),
        ),
    ),
    Answer(
        "ex01-einsum-dict-cache-logaddexp-sigmoid",
        "ex01",
        (
            (STABLE_SIGMOID, "    return np.exp(-np.logaddexp(0.0, -z))"),
            ("    return P, (X, P)", '    return P, {"X": X, "P": P}'),
            ("    X, P = cache", '    X, P = cache["X"], cache["P"]'),
            (
                EX01_GRADS,
                '    return {"W": np.einsum("nd,nk->dk", X, dZ),'
                ' "b": np.add.reduce(dZ, axis=0, keepdims=True)}',
            ),
        ),
    ),
    Answer(
        "ex02-dot-reordered-cache-tanh-prime",
        "ex02",
        (
            (
                "    s = sigmoid(z)\n    return s * (1 - s)",
                "    return 0.25 * (1 - np.tanh(z / 2) ** 2)",
            ),
            ("    return out, (X, Z1, A, out)", "    return out, (out, A, Z1, X)"),
            ("    X, Z1, A, out = cache", "    out, A, Z1, X = cache"),
            (
                'dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1)',
                'dZ1 = np.dot(dout, params["W2"].T) * sigmoid_prime(Z1)',
            ),
            ("np.mean(0.5 * (out - Y) ** 2)", "0.5 * np.mean(np.square(out - Y))"),
        ),
    ),
    Answer(
        "ex03-logaddexp-sigmoid-dict-cache",
        "ex03",
        (
            (STABLE_SIGMOID, "    return np.exp(-np.logaddexp(0, -z))"),
            ("    return P, (X, Z1, A, P)", '    return P, {"X": X, "A": A, "P": P}'),
            ("    X, Z1, A, P = cache", '    X, A, P = cache["X"], cache["A"], cache["P"]'),
            ("tanh_prime(Z1)", "(1 - A**2)"),
            (
                BCE,
                "    P = np.clip(P, 1e-300, 1 - 1e-16)\n"
                "    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))",
            ),
        ),
    ),
    Answer(
        "ex04-log-sum-exp-augmented-bias",
        "ex04",
        (
            (
                SOFTMAX,
                "    m = z.max(axis=1, keepdims=True)\n"
                "    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))\n"
                "    return np.exp(z - lse)",
            ),
            (
                'Z1 = X @ params["W1"] + params["b1"]',
                "Xb = np.hstack([X, np.ones((len(X), 1))])  # a column of ones for the bias\n"
                '    Z1 = Xb @ np.vstack([params["W1"], params["b1"]])',
            ),
            ("p_label = P[np.arange(len(Y)), Y]", "p_label = np.take_along_axis(P, Y[:, None], 1)"),
            ("np.eye(P.shape[1])[Y]", "(Y[:, None] == np.arange(P.shape[1]))"),
            (RELU_MASK, '    dZ1 = np.where(Z1 > 0, dZ2 @ params["W2"].T, 0.0)'),
            ('"b2": dZ2.sum(axis=0, keepdims=True)', '"b2": np.ones((1, len(Y))) @ dZ2'),
        ),
    ),
    Answer(
        "ex05-broadcast-outer-clipped-sigmoid",
        "ex05",
        (
            (STABLE_SIGMOID, "    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))"),
            ("dW2 += np.outer(a, e2)", "dW2 += a[:, None] * e2[None, :]"),
            ("dW1 += np.outer(x, e1)", "dW1 += x[:, None] * e1"),
            (EX05_GRADS, '    return {"W1": np.einsum("nd,nh->dh", X, dZ1), "W2": A.T @ dZ2}'),
            (BCE, "    return -np.mean(np.log(np.where(Y == 1, P, 1 - P).clip(1e-300)))"),
        ),
    ),
    # --- the student's own style ----------------------------------------------------------------
    Answer(
        "ex02-debugging-print-0d-loss-dot-and-a-keyword",
        "ex02",
        (
            (
                '    Z1 = X @ params["W1"]',
                '    print("forward:", X.shape)  # debugging\n    Z1 = X @ params["W1"]',
            ),
            (
                "    return float(np.mean(0.5 * (out - Y) ** 2))",
                "    return np.asarray(np.mean(0.5 * (out - Y) ** 2))  # a 0-d array",
            ),
            (
                Header("backward"),
                "def backward(params: dict[str, np.ndarray], cache: Any, Y: np.ndarray,"
                " debug=False) -> dict[str, np.ndarray]:",
            ),
            (
                '    return {"W1": X.T @ dZ1, "W2": A.T @ dout}',
                '    return {"W1": np.dot(X.T, dZ1), "W2": np.dot(A.T, dout)}',
            ),
        ),
    ),
    Answer(
        "ex03-dataclass-cache-own-helper-constant-future",
        "ex03",
        (
            (
                "from typing import Any\n\nimport numpy as np",
                "from __future__ import annotations\n\nfrom dataclasses import dataclass\n"
                "from typing import Any\n\nimport numpy as np\n\n"
                "ROWS = 0  # the axis of the rows\n\n\n@dataclass\n"
                "class Cache:\n    X: np.ndarray\n    Z1: np.ndarray\n    A: np.ndarray\n"
                "    P: np.ndarray\n\n\ndef summed(a: np.ndarray) -> np.ndarray:\n"
                "    return a.sum(axis=ROWS, keepdims=True)",
            ),
            ("    return P, (X, Z1, A, P)", "    return P, Cache(X, Z1, A, P)"),
            ("    X, Z1, A, P = cache", "    X, Z1, A, P = cache.X, cache.Z1, cache.A, cache.P"),
            ('        "b1": dZ1.sum(axis=0, keepdims=True),', '        "b1": summed(dZ1),'),
        ),
    ),
    Answer(
        "ex05-per-sample-loop-in-a-helper",
        "ex05",
        (
            (
                "    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)\n" + PER_SAMPLE_LOOP,
                "    dW1, dW2 = rows_summed(W1, W2, X, Y)",
            ),
            (
                Before("backward_per_sample"),
                "def rows_summed(W1, W2, X, Y):\n"
                "    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)\n"
                + PER_SAMPLE_LOOP
                + "\n    return dW1, dW2\n\n\n",
            ),
        ),
    ),
    # --- the audit: ex05's per-sample loop, in other shapes of code ------------------------------
    Answer(
        "ex05-per-sample-a-bound-method",
        "ex05",
        (
            (
                Header("backward_per_sample"),
                PER_SAMPLE_DEF.replace("def backward_per_sample(", "def _per_sample(", 1).replace(
                    "    params:", "    self, params:", 1
                ),
            ),
            (
                Before("online_sgd_epoch"),  # the first given function after the student's
                "class Network:\n"
                '    """The document\'s network, as an object; only its loop is needed here."""\n\n'
                "    backward_per_sample = _per_sample\n\n\n"
                "backward_per_sample = Network().backward_per_sample\n\n\n",
            ),
        ),
    ),
    Answer(
        "ex05-per-sample-in-a-helper-class",
        "ex05",
        (
            (
                Before("backward_per_sample"),
                "class RowByRow:\n"
                '    """One network\'s weights, and the document\'s loop over its rows."""\n\n'
                "    def __init__(self, params):\n"
                '        self.W1, self.W2 = params["W1"], params["W2"]\n\n'
                "    def gradient(self, X, Y):\n"
                "        W1, W2 = self.W1, self.W2\n"
                "        dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)\n"
                "        for x, y in zip(X, Y):\n"
                "            z1 = x @ W1\n"
                "            a = sigmoid(z1)\n"
                "            e2 = sigmoid(a @ W2) - y\n"
                "            e1 = (W2 @ e2) * sigmoid_prime(z1)\n"
                "            dW2 += np.outer(a, e2)\n"
                "            dW1 += np.outer(x, e1)\n"
                '        return {"W1": dW1 / Y.size, "W2": dW2 / Y.size}\n\n\n',
            ),
            (PER_SAMPLE_BODY, "    return RowByRow(params).gradient(X, Y)"),
        ),
    ),
    Answer(
        "ex05-per-sample-in-a-plain-decorator",  # no functools.wraps: the wrapper's own name
        "ex05",
        (
            (
                Before("backward_per_sample"),
                "def shapes_checked(fn):\n"
                '    """Check that each gradient has its parameter\'s shape."""\n\n'
                "    def wrapper(params, X, Y):\n"
                "        grads = fn(params, X, Y)\n"
                "        for name, value in params.items():\n"
                "            assert grads[name].shape == value.shape, name\n"
                "        return grads\n\n"
                "    return wrapper\n\n\n@shapes_checked\n",
            ),
        ),
    ),
    Answer(
        "ex05-per-sample-column-vectors",  # the textbook's (D, 1) columns
        "ex05",
        (
            (
                PER_SAMPLE_LOOP,
                "    for i in range(len(X)):\n"
                "        x = X[i].reshape(-1, 1)  # (D, 1)\n"
                "        y = Y[i].reshape(-1, 1)  # (K, 1)\n"
                "        z1 = W1.T @ x  # (H, 1)\n"
                "        a = sigmoid(z1)\n"
                "        e2 = sigmoid(W2.T @ a) - y  # (K, 1)\n"
                "        e1 = (W2 @ e2) * sigmoid_prime(z1)  # (H, 1)\n"
                "        dW2 += a @ e2.T  # (H, K)\n"
                "        dW1 += x @ e1.T  # (D, H)",
            ),
        ),
    ),
    # --- the audit: decorators, annotations and floors that change nothing -----------------------
    Answer(
        "ex02-decorator-with-a-module-call-log",
        "ex02",
        (
            (
                "import numpy as np",
                "import functools\n\nimport numpy as np\n\n"
                "CALLS: list[str] = []  # which of my functions ran, for debugging\n\n\n"
                "def logged(fn):\n"
                "    @functools.wraps(fn)\n"
                "    def wrapper(*args, **kwargs):\n"
                "        if len(CALLS) > 1000:\n"
                "            CALLS.clear()\n"
                "        CALLS.append(fn.__name__)\n"
                "        return fn(*args, **kwargs)\n\n"
                "    return wrapper",
            ),
            (Before("forward"), "@logged\n"),
            (Before("backward"), "@logged\n"),
        ),
    ),
    Answer(
        "ex01-future-annotations-dataclass-cache-NDArray",
        "ex01",
        (
            (
                "from typing import Any\n\nimport numpy as np",
                "from __future__ import annotations\n\nfrom dataclasses import dataclass\n"
                "from typing import Any\n\nimport numpy as np\n"
                "from numpy.typing import NDArray\n\n\n"
                "@dataclass(frozen=True)\nclass Cache:\n"
                "    X: NDArray[np.float64]\n    P: NDArray[np.float64]",
            ),
            ("    return P, (X, P)", "    return P, Cache(X, P)"),
            ("    X, P = cache", "    X, P = cache.X, cache.P"),
        ),
    ),
    Answer("ex01-loss-clipped-at-1e-12", "ex01", ((BCE, bce_clipped("1e-12")),)),
    # A floor of 1e-12 is the mainstream one on either side: it gives the true -log for every
    # probability above it, on the P side as on the 1 - P side (the tests' floor, FLOOR).
    Answer(
        "ex01-loss-1-minus-P-floored-at-1e-12", "ex01", ((BCE, bce_floored_on_one_side("1e-12")),)
    ),
    Answer(
        "ex03-loss-1-minus-P-floored-at-1e-12", "ex03", ((BCE, bce_floored_on_one_side("1e-12")),)
    ),
    Answer("ex01-loss-clipped-at-1e-15", "ex01", ((BCE, bce_clipped("1e-15")),)),
    Answer("ex03-loss-clipped-at-1e-12", "ex03", ((BCE, bce_clipped("1e-12")),)),
    Answer("ex03-loss-clipped-at-1e-15", "ex03", ((BCE, bce_clipped("1e-15")),)),
    Answer(
        "ex04-loss-clipped-at-1e-12",
        "ex04",
        (
            (
                EX04_LOSS,
                "    P = np.clip(P, 1e-12, 1 - 1e-12)\n"
                "    return float(-np.mean(np.log(P[np.arange(len(Y)), Y])))",
            ),
        ),
    ),
    Answer(
        "ex04-loss-clipped-at-1e-15",
        "ex04",
        (
            (
                EX04_LOSS,
                "    P = np.clip(P, 1e-15, 1 - 1e-15)\n"
                "    return float(-np.mean(np.log(P[np.arange(len(Y)), Y])))",
            ),
        ),
    ),
    # --- the second audit: right, though off the beaten track -----------------------------------
    # exp(1000) is inf, and 1 / (1 + inf) is the right 0: silenced, the naive form is exact.
    Answer(
        "ex01-sigmoid-overflow-silenced",
        "ex01",
        (
            (
                STABLE_SIGMOID,
                '    with np.errstate(over="ignore"):\n        return 1 / (1 + np.exp(-z))',
            ),
        ),
    ),
    # At exactly 0 relu has no slope; 1 there is as good a subgradient as 0.
    Answer(
        "ex04-relu-mask-Z1-at-least-0",
        "ex04",
        ((RELU_MASK, '    dZ1 = (dZ2 @ params["W2"].T) * (Z1 >= 0)'),),
    ),
    Answer(
        "ex03-tanh-slope-from-A",
        "ex03",
        (
            (
                '    dZ1 = (dZ2 @ params["W2"].T) * tanh_prime(Z1)',
                '    dZ1 = (dZ2 @ params["W2"].T) * (1 - A**2)  # tanh\' from the activation',
            ),
        ),
    ),
    Answer(
        "ex02-sigmoid-slope-from-A",
        "ex02",
        (
            (
                '    dZ1 = (dout @ params["W2"].T) * sigmoid_prime(Z1)',
                '    dZ1 = (dout @ params["W2"].T) * A * (1 - A)  # the slope from the activation',
            ),
        ),
    ),
    Answer(
        "ex04-relu-mask-from-A",
        "ex04",
        (
            (
                RELU_MASK,
                '    dZ1 = (dZ2 @ params["W2"].T) * (A > 0)  # where the relu let it through',
            ),
        ),
    ),
    Answer(
        "ex01-loss-abs-of-the-log",
        "ex01",
        (
            (
                "float(-np.mean(np.log(np.maximum(p_right, np.finfo(float).tiny))))",
                "float(np.mean(np.abs(np.log(np.maximum(p_right, np.finfo(float).tiny)))))",
            ),
        ),
    ),
    Answer("ex01-W-gradient-as-a-transpose", "ex01", (('"W": X.T @ dZ', '"W": (dZ.T @ X).T'),)),
    Answer(
        "ex04-ce-grad-by-a-loop",
        "ex04",
        (
            (
                EX04_CE_GRAD,
                (
                    "    G = P.copy()\n    for i, label in "
                    "enumerate(Y):\n        G[i, label] -= 1  # "
                    "-1 at each row's label\n    return G / len(Y)"
                ),
            ),
        ),
    ),
    Answer(
        "ex02-sigmoid-prime-as-s-minus-s-squared",
        "ex02",
        (("    return s * (1 - s)", "    return s - s**2"),),
    ),
    Answer(
        "ex05-per-sample-by-index",
        "ex05",
        (per_sample_loop("    for i in range(len(X)):\n        x, y = X[i], Y[i]"),),
    ),
    Answer(
        "ex04-softmax-by-logsumexp",
        "ex04",
        (
            (
                SOFTMAX,
                (
                    "    shifted = z - z.max(axis=1, keepdims=True)\n    return np.exp(shifted - "
                    "np.log(np.exp(shifted).sum(axis=1, keepdims=True)))"
                ),
            ),
        ),
    ),
    Answer(
        "ex04-relu-by-its-mask",
        "ex04",
        (("    return np.maximum(z, 0.0)", "    return z * (z > 0)"),),
    ),
)
