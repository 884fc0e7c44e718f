"""The fixtures every exercise's test file shares, so that none names its own exercise."""

from __future__ import annotations

import pytest

from tests.kata import registry
from tests.kata.runtime.subject import Lazy, Run


class Fixtures:
    """Registered by the plugin: pytest finds the fixtures of a registered object."""

    def __init__(self, run: Run):
        self.run = run

    # Both per test: a fixture of a plugin object with a wider scope breaks pytest 9.2's
    # teardown. Each returns what the run already holds, so that costs nothing.
    @pytest.fixture
    def kata_run(self) -> Run:
        """This run: its tree, its limits, its subject processes."""
        return self.run

    @pytest.fixture
    def m(self, request: pytest.FixtureRequest) -> Lazy:
        """The exercise's module, as the test file's name says (tests/test_<module>.py), in
        this run."""
        return Lazy(registry.of_test_module(request.module.__name__).module, self.run)
