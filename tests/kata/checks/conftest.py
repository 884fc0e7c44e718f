"""Fixtures the end-to-end checks share: a copy of the kata, run as a student runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kata.checks.fakekata import FakeKata, copy_kata


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the kata per module; each test copies it on into pytester's folder."""
    return copy_kata(tmp_path_factory.mktemp("kata"))


@pytest.fixture
def kata(pytester: pytest.Pytester, template: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKata:
    return FakeKata(pytester, template, monkeypatch)
