"""Choose which tree the tests run against, and report progress. Test logic lives in tests/.

pytest               the student's loop: tests run against exercises/
pytest --solutions   the instructor's switch: the same tests against solutions/
KATA_IMPL=solutions  the same switch, for IDEs and CI
"""

import argparse
import os

import pytest

from tests.kata import harness
from tests.kata.progress import KataPlugin, show_hint


def pytest_addoption(parser):
    group = parser.getgroup("kata")
    group.addoption(
        "--solutions",
        action="store_true",
        help="run the tests against solutions/ instead of exercises/ (same as KATA_IMPL=solutions)",
    )
    group.addoption(
        "--check-stubs",
        action="store_true",
        help="prove the kata: on pristine exercises/ no test of a student-written function passes",
    )
    group.addoption("--kata-report", metavar="PATH", help=argparse.SUPPRESS)
    group.addoption(
        "--catalogue", action="store_true", help="also run the slow catalogue of student answers"
    )
    group.addoption(
        "--hint",
        metavar="EXERCISE",
        help="show the next hint for one exercise (e.g. --hint ex02) and run no tests",
    )
    _typo_options(group)
    group.addoption(
        "--hint-reset", action="store_true", help="with --hint: start that exercise's hints over"
    )


# Near misses of the kata's options: each gets a clear error instead of argparse's.
TYPOS = {
    "--solution": "--solutions",
    "--solns": "--solutions",
    "--check-stub": "--check-stubs",
    "--hints": "--hint",
    "--catalog": "--catalogue",
}
OPTIONS = "--solutions, --check-stubs, --hint EXERCISE, --hint-reset, --catalogue"


def _typo_options(group):
    for typo in TYPOS:
        dest = "typo_" + typo.strip("-").replace("-", "_")
        group.addoption(typo, dest=dest, nargs="?", const=True, help=argparse.SUPPRESS)


def pytest_configure(config):
    for typo, meant in TYPOS.items():
        if config.getoption("typo_" + typo.strip("-").replace("-", "_")) is not None:
            raise pytest.UsageError(
                f"{typo} is not an option of the kata; did you mean {meant}?"
                f" The kata's options: {OPTIONS}."
            )
    impl = "solutions" if config.getoption("--solutions") else os.environ.get("KATA_IMPL", "")
    impl = impl.strip() or "exercises"
    # Besides the two trees, any folder of network modules (the kata's own catalogue
    # of wrong answers uses this).
    if impl not in harness.IMPLS and not os.path.isdir(impl):
        raise pytest.UsageError(
            f"KATA_IMPL={impl!r} names no tree of the kata; valid: {', '.join(harness.IMPLS)}"
            " (or a folder holding exNN_*.py modules)."
        )
    if config.getoption("--check-stubs") and impl != "exercises":
        raise pytest.UsageError("--check-stubs checks exercises/; drop --solutions / KATA_IMPL.")
    harness.use_impl(impl)
    if config.getoption("--hint"):
        show_hint(config, config.getoption("--hint"), reset=config.getoption("--hint-reset"))
        pytest.exit("hint shown, no tests run", returncode=0)
    plugin = KataPlugin(config, impl, check_stubs=config.getoption("--check-stubs"))
    config.pluginmanager.register(plugin, "kata")
    from tests.kata.bench.plugin import BenchmarkPlugin  # benchmarks only when asked for

    config.pluginmanager.register(BenchmarkPlugin(config), "kata-benchmark")
