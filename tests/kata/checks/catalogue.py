"""A catalogue of student answers, to prove the tests: wrong ones they must catch, right ones
they must accept.

Each answer is one reference solution with a few of its lines replaced by what a student
would write: `replace` holds (line as in solutions/, the student's line) pairs, each old
string found exactly once. tests/test_catalogue.py runs an exercise's tests against every
answer, as a student would run them.

A wrong answer must fail, and the first failure's message must contain every word of
`expect` (the diagnosis's own phrase, wherever the diagnosis knows the mistake); when `test`
is set, the first failing test's name must contain it (networks that are wrong but
consistent, which no gradient check can see, must fail at a known answer). A right answer,
written in another style than the reference, must pass every test.

Run it with  pytest --catalogue -m catalogue
"""

from __future__ import annotations

from typing import NamedTuple


class Answer(NamedTuple):
    id: str
    exercise: str  # ex01 … ex05
    replace: tuple[tuple[str, str], ...]
    expect: tuple[str, ...] = ()  # words the first failure's message must contain
    test: str = ""  # a word of the name of the first failing test


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
            ("def sigmoid(z: np.ndarray)", "@functools.lru_cache\ndef sigmoid(z: np.ndarray)"),
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
        (("float(-np.mean(np.log(", "float(-np.sum(np.log("),),
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
        (
            (
                "def backward(params: dict[str, np.ndarray], cache: object, Y: np.ndarray)",
                "def backward(params, cache, Y, lr)",
            ),
        ),
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
        expect=("(N, K) not (N,)",),
    ),
    Answer(
        "ex03-sigmoid-hidden",  # consistent: the wrong activation, with its own derivative
        "ex03",
        (
            ("A = np.tanh(Z1)", "A = sigmoid(Z1)"),
            ("tanh_prime(Z1)", "A * (1 - A)"),
        ),
        test="test_forward_known_answer",
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
        (("float(-np.mean(np.log(", "float(-np.sum(np.log("),),
        expect=("× the expected", "a sum where the mean belongs"),
    ),
    Answer(
        "ex04-arguments-swapped",
        "ex04",
        (
            (
                "def forward(params: dict[str, np.ndarray], X: np.ndarray)",
                "def forward(X: np.ndarray, params: dict[str, np.ndarray])",
            ),
        ),
        expect=("forward(X, params)", "order"),
    ),
    Answer(
        "ex04-no-relu",  # consistent: a linear hidden layer, no mask in backward either
        "ex04",
        (("A = relu(Z1)", "A = Z1"), (RELU_MASK, '    dZ1 = dZ2 @ params["W2"].T')),
        test="test_forward_known_answer",
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
        expect=("remembers something of the first call",),
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
        expect=("floors or clips", "= -log(1e-07)"),
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
        expect=("backward_per_sample calls backward",),
    ),
    Answer(
        "ex05-per-sample-first-rows-only",
        "ex05",
        (("for x, y in zip(X, Y, strict=True):", "for x, y in zip(X[:8], Y[:8], strict=True):"),),
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
        (
            (
                "    for x, y in zip(X, Y, strict=True):",
                "    for i in range(len(X) - 1):\n        x, y = X[i], Y[i]",
            ),
        ),
        expect=("the gradient of the first 4 only",),
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
                "def train(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,",
                "def fit(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,",
            ),
        ),
    ),
    Answer(
        "ex01-einsum-dict-cache-tanh-sigmoid",
        "ex01",
        (
            (STABLE_SIGMOID, "    return 0.5 * (1 + np.tanh(z / 2))"),
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
                "def backward(params: dict[str, np.ndarray], cache: object, Y: np.ndarray)",
                "def backward(params: dict[str, np.ndarray], cache: object, Y: np.ndarray,"
                " debug=False)",
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
                "import numpy as np",
                "from __future__ import annotations\n\nfrom dataclasses import dataclass\n\n"
                "import numpy as np\n\nROWS = 0  # the axis of the rows\n\n\n@dataclass\n"
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
                "def backward_per_sample(",
                "def rows_summed(W1, W2, X, Y):\n"
                "    dW1, dW2 = np.zeros(W1.shape), np.zeros(W2.shape)\n"
                + PER_SAMPLE_LOOP
                + "\n    return dW1, dW2\n\n\ndef backward_per_sample(",
            ),
        ),
    ),
)
