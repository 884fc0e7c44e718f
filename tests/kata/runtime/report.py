"""The outcomes as JSON (--kata-report PATH), for the kata's catalogue and for grading."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.kata.runtime.outcomes import Outcome


def write(path: str, records: list[Outcome], interrupted: bool) -> None:
    rows = [{"test": o.nodeid, **asdict(o)} for o in records]
    counts: dict[str, int] = {}
    for o in records:
        counts[o.status] = counts.get(o.status, 0) + 1
    data = {"interrupted": interrupted, "counts": counts, "tests": rows}
    Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")
