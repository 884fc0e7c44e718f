"""Which tests run, and in which order: markers from the registry, stages, the student's run.

- Every exercise's marker (ex01 …) is registered from the registry and put on its tests,
  so `pytest -m ex02` selects one exercise.
- Every student test declares its stage with @pytest.mark.stage("forward") (on the test or
  its class), or is marked `given`. Tests run in the order of STAGES within each file, so
  the first failure is the smallest wrong piece; within a stage, the tests marked `extreme`
  (tails, saturation, huge sizes) run last, after the known answers. Nothing is inferred
  from test names.
- A student's run collects the exercises' tests only, never the kata's own checks
  (tests/kata/), and deselects the `given` tests, which check the kata's own code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.paths import KATA

STAGES = ("helper", "forward", "loss", "backward", "loop", "training", "document")
MARKERS = (
    "given: checks only code the kata gives (the kata's own check; not in a student's run)",
    "document(number): reproduces a source document's printed run",
    f"stage(name): the piece a test checks, one of {', '.join(STAGES)}; tests run in that order",
    "catalogue: the catalogue of student answers",
    "slow: the kata's slow self-checks (the catalogue, the plugin end to end, a new network);"
    " they run with --slow",
    "kata_no_stage: set by the kata on a test that declares no stage (it then fails)",
    "test_limit(seconds): a self-check's own time limit, its fixtures' setup included",
    "extreme: checks its stage at the extremes (the tails, saturation, ±1000, huge sizes); it"
    " runs after the stage's other tests, so a plain mistake is named by a plain test first",
)

YOURS = KATA / "bench" / "test_yours.py"


def register_markers(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    for e in registry.EXERCISES:
        config.addinivalue_line("markers", f"{e.marker}: exercise {e.module}")


def stage_of(item: pytest.Item) -> str | None:
    if item.get_closest_marker("given"):
        return "given"
    marker = item.get_closest_marker("stage")
    if marker is None or not marker.args or marker.args[0] not in STAGES:
        return None
    return str(marker.args[0])  # one of STAGES


class Selection:
    def __init__(self, config: pytest.Config, student_mode: bool):
        self.config = config
        self.student_mode = student_mode

    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """A student's run: the exercises' test files only."""
        path = collection_path.resolve()
        if not self.student_mode or not (path == KATA or KATA in path.parents):
            return None
        if path in (KATA, KATA / "bench", YOURS) and self._benchmarks_asked():
            return None  # the benchmark of the student's own code
        return True

    def _benchmarks_asked(self) -> bool:
        bench = self.config.pluginmanager.get_plugin("kata-benchmark")
        return bool(bench and bench.asked())

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self._check_exercise_names()
        slow = [] if config.getoption("--slow") else ["slow"]
        drop_given = self.student_mode
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            record = registry.of_test_file(item.path.name)
            if record is not None:
                item.add_marker(record.marker)
                if stage_of(item) is None:
                    item.add_marker(pytest.mark.kata_no_stage)
            unwanted = any(item.get_closest_marker(name) for name in slow) or (
                drop_given and record is not None and item.get_closest_marker("given")
            )
            (drop if unwanted else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        if not self._random_order():
            files: dict[Path, int] = {}
            for item in items:
                files.setdefault(item.path, len(files))
            position = {id(item): i for i, item in enumerate(items)}
            items.sort(key=lambda it: (files[it.path], _rank(it), position[id(it)]))

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.get_closest_marker("kata_no_stage"):
            pytest.fail(
                f"{item.nodeid} declares no stage: mark it @pytest.mark.stage(...) with one of"
                f" {', '.join(STAGES)}, or @pytest.mark.given.",
                pytrace=False,
            )

    def _random_order(self) -> bool:
        """pytest-randomly (the kata's dev extra) is shuffling the tests: leave its order."""
        if not self.config.pluginmanager.has_plugin("randomly"):
            return False
        return bool(getattr(self.config.option, "randomly_reorganize", True))

    def _check_exercise_names(self) -> None:
        """`-k ex9` or `-m ex1` would silently select nothing: say which names exist."""
        option = self.config.option
        words = " ".join(filter(None, [option.keyword, option.markexpr]))
        known = {e.marker for e in registry.EXERCISES} | set(registry.names())
        for word in re.findall(r"\bex\w*", words):
            if word not in known and not any(name.startswith(word) for name in known):
                raise pytest.UsageError(
                    f"no exercise is called {word!r}. The exercises: {registry.valid()}."
                )


def _rank(item: pytest.Item) -> tuple[int, int]:
    stage = stage_of(item)
    if stage is None or stage == "given":
        return (-1, 0)
    return (STAGES.index(stage), 1 if item.get_closest_marker("extreme") else 0)
