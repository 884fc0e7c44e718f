"""What a student sees, as a whole: each scenario's table and first message against its
golden file (golden.py says how they are made; `python -m tests.kata generate --golden`
rewrites them)."""

from __future__ import annotations

import difflib

import pytest

from tests.kata.checks import golden

pytestmark = [pytest.mark.slow, pytest.mark.given]


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.name) for s in golden.SCENARIOS])
def test_the_student_sees_the_golden_output(scenario: golden.Scenario) -> None:
    expected = golden.path(scenario).read_text(encoding="utf-8")
    got = golden.run(scenario)
    if got != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), got.splitlines(), "golden", "this run", lineterm=""
        )
        pytest.fail(
            f"{scenario.what}: the output differs from {golden.path(scenario).name}:\n"
            + "\n".join(diff)
            + "\nA deliberate change? Rewrite the golden files: python -m tests.kata generate"
            " --golden, and review their diff.",
            pytrace=False,
        )
