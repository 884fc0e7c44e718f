"""The environment of a child pytest or command of the kata's: as typed, not as inherited."""

from __future__ import annotations

import os

# What would change a child's run behind its command line: the user's pytest options, and
# the tree KATA_IMPL names.
INHERITED = ("PYTEST_ADDOPTS", "KATA_IMPL")


def clean(*keep: str, **extra: str) -> dict[str, str]:
    """os.environ without INHERITED (but the names in `keep`), with `extra` set."""
    drop = set(INHERITED) - set(keep)
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}
