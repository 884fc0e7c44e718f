"""The figures the pages quote, measured here and written where the pages link them.

    python -m tests.kata measure gradients [--out FILE]   the reference's gradient errors

`gradients` repeats the gradient test's own computation on the reference solutions: each
network's suite (its test file's ContractSuite) draws the test's parameters and batches, and
the reference backward is compared with central differences of the reference's loss, entry by
entry, as the test compares the student's (harness.check_gradients). The table says how far
below the tolerance the reference stays.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Any

import numpy as np

from tests.kata import registry
from tests.kata.runtime import harness
from tests.kata.runtime.suites import GRADIENT_ROWS, ContractSuite


def _suite(record: registry.Exercise) -> ContractSuite | None:
    """The exercise's contract suite, as its test file sets it up."""
    module = importlib.import_module(f"tests.{Path(record.test_file).stem}")
    for value in vars(module).values():
        ours = isinstance(value, type) and value.__module__ == module.__name__
        if ours and issubclass(value, ContractSuite):
            suite: ContractSuite = value()
            return suite
    return None


def gradient_errors(record: registry.Exercise) -> dict[str, float]:
    """The worst relative error of the reference backward, per parameter, over the gradient
    test's own cases (suites.GRADIENT_ROWS, ContractSuite.gradient_case)."""
    suite = _suite(record)
    if suite is None:
        return {}
    m: Any = importlib.import_module(f"solutions.{record.module}")
    worst: dict[str, float] = {}
    for n in GRADIENT_ROWS:
        params, X, Y = suite.gradient_case(n)
        _, cache = m.forward(params, X)
        grads = m.backward(params, cache, Y)
        loss = functools.partial(_loss, m, X=X, Y=Y)
        for name in params:
            err = harness.relative_error(grads[name], harness.numeric_gradient(loss, params, name))
            worst[name] = max(worst.get(name, 0.0), float(err.max()))
    return worst


def _loss(m: Any, p: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    return float(m.loss(m.forward(p, X)[0], Y))


def gradients() -> str:
    lines = [
        "| network | worst relative error, per parameter | worst | tolerance ÷ worst |",
        "|---|---|---|---|",
    ]
    for record in registry.EXERCISES:
        errors = gradient_errors(record)
        if not errors:
            continue
        each = ", ".join(f"{name} {err:.1e}" for name, err in errors.items())
        top = max(errors.values())
        ratio = f"{harness.GRAD_TOL / top:,.0f}×" if top else "∞"
        lines.append(f"| {record.marker} | {each} | {top:.1e} | {ratio} |")
    lines += [
        "",
        f"The test's tolerance is {harness.GRAD_TOL:.0e} (relative error, central differences,"
        f" h = {harness.H:.0e}).",
    ]
    return "\n".join(lines) + "\n"


def main(what: str, out: Path | None = None) -> None:
    text = gradients()
    print(text, end="")
    if out is not None:
        command = f"python -m tests.kata measure {what}"
        out.write_text(f"<!-- written by: {command} --out ... -->\n" + text, encoding="utf-8")
