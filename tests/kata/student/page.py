"""The student's page: README.md, and the README of every handout, from one template.

tests/kata/student/page.md is the text; the exercises' rows, credits and files to hand in
come from the registry, the limits from the code that enforces them. `python -m tests.kata
generate` writes README.md with every exercise; a handout writes its own exercises' page,
the same text.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from tests.kata import registry
from tests.kata.runtime import contain
from tests.kata.runtime.child import sandbox

TEMPLATE = Path(__file__).resolve().with_name("page.md")
HEADER = (
    "<!-- The student's page, written by `python -m tests.kata generate` from"
    " tests/kata/student/page.md: edit that. -->\n\n"
)


def render(exercises: list[registry.Exercise] | tuple[registry.Exercise, ...]) -> str:
    first = exercises[0]
    values = {
        "rows": "\n".join(f"| `{e.module}` | {e.title} | {e.credit} |" for e in exercises),
        "handin": ", ".join(f"`exercises/{e.module}.py`" for e in exercises),
        "marker": first.marker,
        "module": first.module,
        "last": first.writes[-1],
        "call_limit": f"{contain.Limits().call:g}",  # the defaults, not this run's
        "test_limit": f"{contain.Limits().test:g}",
        "memory": f"{sandbox.MEMORY / 1024**3:g}",
    }
    return HEADER + Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)
