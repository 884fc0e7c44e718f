"""Choose which tree the tests run against, and report progress. The machinery is in tests/kata/.

pytest               the student's loop: tests run against exercises/
pytest --solutions   the instructor's switch: the same tests against solutions/
KATA_IMPL=solutions  the same switch, for IDEs and CI
"""

from tests.kata.runtime import plugin


def pytest_addoption(parser):
    plugin.addoption(parser)


def pytest_configure(config):
    plugin.configure(config)
