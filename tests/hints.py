"""Progressive hints, three per exercise: a nudge, the key equation, the shapes.

`pytest --hint ex02` shows the next one (pytest's cache remembers how many you
have seen; `--hint ex02 --hint-reset` starts over). Hints give the math, never code.
"""

HINTS: dict[str, tuple[str, str, str]] = {
    "ex01_logistic_regression": (
        "Nudge. Write sigmoid first and keep it safe at z = -1000: exp(1000) overflows, but "
        "exp of a number <= 0 never does, and 1/(1+e^-z) = e^z/(1+e^z). forward is two lines. "
        "For backward, don't differentiate the log and the sigmoid separately: differentiate the "
        "loss of one entry with respect to its logit z, on paper, first.",
        "Key equation. For one entry, d/dz of -[y log s(z) + (1-y) log(1-s(z))] is s(z) - y = "
        "p - y. The loss is the mean over N·K entries, so dL/dZ = (P - Y) / (N·K). Then Z = XW + b "
        "gives dL/dW = Xᵀ dL/dZ, and dL/db = the sum of dL/dZ over the rows, since b was added "
        "to every row.",
        "Shapes. X (N, D), W (D, K), b (1, K), Z and P (N, K). dL/dZ is (N, K); Xᵀ dL/dZ is "
        "(D, N)(N, K) = (D, K) like W; summing (N, K) over axis 0 with keepdims gives (1, K) like "
        "b. The cache must carry X (backward needs it) and P.",
    ),
    "ex02_sigmoid_mse": (
        "Nudge. sigmoid_prime takes the pre-activation z and returns s(z)(1 - s(z)). The output "
        "is linear, so forward has no sigmoid after W2. backward is the chain rule read right to "
        "left: one line per arrow of forward.",
        "Key equations. L = mean of ½(out - Y)², so dL/dout = (out - Y)/(N·K). out = A W2 gives "
        "dL/dW2 = Aᵀ dL/dout and dL/dA = dL/dout W2ᵀ. A = s(Z1) gives dL/dZ1 = dL/dA ⊙ s'(Z1), "
        "elementwise, at Z1. Z1 = X W1 gives dL/dW1 = Xᵀ dL/dZ1.",
        "Shapes. X (N, D), W1 (D, H), Z1 and A (N, H), W2 (H, K), out (N, K). dL/dout (N, K); "
        "Aᵀ dL/dout (H, K) like W2; dL/dout W2ᵀ (N, H) like A; ⊙ s'(Z1) keeps (N, H); "
        "Xᵀ dL/dZ1 (D, H) like W1. If a product does not fit, you have a transpose wrong.",
    ),
    "ex03_tanh_xor": (
        "Nudge. Use np.tanh (the exp formula overflows at ±1000). tanh_prime takes the "
        "pre-activation z. The output is sigmoid + cross-entropy, exactly as in ex01, so the "
        "gradient at the output logits is the same short expression.",
        "Key equations. dL/dZ2 = (P - Y)/(N·K). dL/dW2 = Aᵀ dL/dZ2, dL/db2 = rows of dL/dZ2 "
        "summed. dL/dA = dL/dZ2 W2ᵀ; dL/dZ1 = dL/dA ⊙ (1 - tanh(Z1)²). dL/dW1 = Xᵀ dL/dZ1, "
        "dL/db1 = rows of dL/dZ1 summed.",
        "Shapes. X (N, D); W1 (D, H), b1 (1, H), Z1 and A (N, H); W2 (H, K), b2 (1, K), Z2 and "
        "P (N, K). Every gradient has its parameter's shape: a bias gradient is a (1, ·) row "
        "(sum over axis 0 with keepdims), never (N, ·).",
    ),
    "ex04_relu_softmax": (
        "Nudge. Softmax: subtract each row's maximum from the logits before exp; it changes "
        "nothing mathematically and makes overflow impossible. The loss picks one probability per "
        "row, P[n, y_n]: fancy indexing with np.arange(N) and Y. Floor it before the log.",
        "Key equations. With a one-hot T of the labels, dL/dZ2 = (P - T)/N: subtract 1 at each "
        "row's label and divide by N (this loss averages over rows only). ReLU passes the "
        "gradient where Z1 > 0 and blocks it elsewhere: dL/dZ1 = (dL/dZ2 W2ᵀ) ⊙ [Z1 > 0].",
        "Shapes. X (N, D); Z1 and H (N, Hd); Z2 and P (N, C); Y is (N,) integer labels, not "
        "one-hot. dL/dW2 = Hᵀ dL/dZ2 (Hd, C), dL/db2 (1, C), dL/dW1 = Xᵀ dL/dZ1 (D, Hd), "
        "dL/db1 (1, Hd).",
    ),
    "ex05_online_sgd": (
        "Nudge. The batched functions are ex02's with a sigmoid on the output too and "
        "cross-entropy instead of squared error: reuse what you learned in ex01 for the output. "
        "backward_per_sample computes the *same* gradient one row at a time.",
        "Key equations. dL/dZ2 = (P - Y)/(N·K); dL/dW2 = Aᵀ dL/dZ2; dL/dZ1 = (dL/dZ2 W2ᵀ) ⊙ "
        "s'(Z1); dL/dW1 = Xᵀ dL/dZ1. Per row n: e2 = p - y, e1 = (W2 e2) ⊙ s'(z1); add the outer "
        "products a e2ᵀ and x e1ᵀ, and divide the sums by N·K at the end.",
        "Shapes. Per row: x (D,), a (H,), p and y (K,), e2 (K,), e1 (H,); np.outer(a, e2) is "
        "(H, K) like W2, np.outer(x, e1) is (D, H) like W1. Batched: Xᵀ (D, N) times (N, H) is "
        "the same sum of N outer products.",
    ),
}
