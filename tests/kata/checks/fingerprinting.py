"""Write tests/kata/runtime/fingerprints.json from the catalogue: each wrong answer that `says`
something runs against its exercise's tests, every test, and the values it gave at each check
it failed become that mistake's fingerprint there.

    python -m tests.kata generate --fingerprints
"""

from __future__ import annotations

import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.kata import environ
from tests.kata.checks.catalogue import WRONG
from tests.kata.checks.test_catalogue import WORKERS, mistaken_function, run_answer
from tests.kata.runtime import fingerprints

DIGITS = 12  # significant digits kept: matches are judged to 1e-9


def contents() -> dict[str, Any]:
    """The fingerprint file's data: {"mistakes": {id: says}, "checks": {check: [[id, shape,
    values], ...]}}, in the catalogue's order."""
    answers = [a for a in WRONG if a.says]
    base = environ.clean("KATA_IMPL")  # before the threads: see run_answer
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(WORKERS) as pool:
        root = Path(tmp)
        runs = [
            pool.submit(run_answer, a, root / a.id, base, str(root / f"{a.id}.jsonl"))
            for a in answers
        ]
        checks: dict[str, list[Any]] = {}
        for answer, run in zip(answers, runs, strict=True):
            run.result()
            path = root / f"{answer.id}.jsonl"
            lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            seen = set()
            for line in lines:
                entry = json.loads(line)
                values = [float(f"{v:.{DIGITS}g}") for v in entry["values"]]
                key = (entry["check"], tuple(values))
                if len(values) > 1 and len(set(values)) == 1:
                    continue  # all one number (zeros): too many mistakes give it to tell one
                if key not in seen:
                    seen.add(key)
                    checks.setdefault(entry["check"], []).append(
                        [answer.id, entry["shape"], values]
                    )
    return {
        "mistakes": {a.id: a.says for a in answers},
        "functions": {a.id: mistaken_function(a) for a in answers},
        "checks": dict(sorted(checks.items())),
    }


def text(data: dict[str, Any]) -> str:
    """One check per line: small diffs when a mistake is added."""
    lines = [
        '{"mistakes": ' + json.dumps(data["mistakes"], indent=1, ensure_ascii=False) + ",",
        ' "functions": ' + json.dumps(data["functions"], indent=1) + ",",
        ' "checks": {',
    ]
    items = list(data["checks"].items())
    for i, (check, entries) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(check, ensure_ascii=False)}: {json.dumps(entries)}{comma}")
    lines.append(" }\n}\n")
    return "\n".join(lines)


def write() -> Path:
    fingerprints.PATH.write_text(text(contents()), encoding="utf-8")
    return fingerprints.PATH


def stale() -> list[str]:
    """How the stored file differs from the catalogue in what it names (cheap: the values are
    checked by the catalogue's run, where each mistake's first failure must say its words)."""
    try:
        stored = json.loads(fingerprints.PATH.read_text(encoding="utf-8"))["mistakes"]
    except (OSError, ValueError, KeyError):
        return [f"{fingerprints.PATH.name} is missing or unreadable"]
    wanted = {a.id: a.says for a in WRONG if a.says}
    problems = [f"{i}: in the catalogue, not in the file" for i in wanted if i not in stored]
    problems += [f"{i}: in the file, not in the catalogue" for i in stored if i not in wanted]
    problems += [
        f"{i}: says something else now" for i in wanted if i in stored and stored[i] != wanted[i]
    ]
    return problems
