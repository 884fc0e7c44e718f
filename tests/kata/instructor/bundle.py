"""python -m tests.kata bundle OUT.zip: a Gradescope autograder built from a handout.

The zip holds, at its root, `setup.sh`, `run_autograder` and `kata/`, a handout. Gradescope
unpacks it into /autograder/source and runs each submission in a container of its own:

- setup.sh (once, when the image is built) installs bubblewrap where apt can, the handout
  into a virtual environment (system pip is refused on current Ubuntu), and creates an
  unprivileged user for the students' code;
- run_autograder (once per submission) grades /autograder/submission with
  `python -m tests.kata grade`: the grader runs as root, the student's code in subject processes as
  that user, which can reach neither the grader's working folder nor the results, and it
  always leaves /autograder/results/results.json.

Both scripts take their paths from AUTOGRADER (default /autograder), so they can be run
against a simulated layout; AUTOGRADER_USER names the user ("" to run as the caller) and
VENV_OPTIONS go to `python3 -m venv`.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.kata import registry
from tests.kata.instructor import handout

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # useradd
AUTOGRADER="${AUTOGRADER:-/autograder}"
USER_NAME="${AUTOGRADER_USER-kata-student}"
if ! python3 -m venv --help >/dev/null 2>&1 && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
# bubblewrap: the sandbox of the subject process (used where the container lets it work).
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) || true
fi
# A virtual environment: current Ubuntu refuses pip on the system Python.
python3 -m venv ${VENV_OPTIONS:-} "$AUTOGRADER/venv"
"$AUTOGRADER/venv/bin/python" -m pip install --quiet --upgrade pip
"$AUTOGRADER/venv/bin/python" -m pip install --quiet -e "$AUTOGRADER/source/kata"
if [ -n "$USER_NAME" ] && [ "$(id -u)" = 0 ] && ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this once per submission; it always leaves results/results.json.
set -uo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
USER_NAME="${AUTOGRADER_USER-kata-student}"
RESULTS="$AUTOGRADER/results"
mkdir -p "$RESULTS"
work="$(mktemp -d)"
mkdir -p "$work/submissions/submission"
cp -r "$AUTOGRADER/submission/." "$work/submissions/submission/" 2>/dev/null
as_user=()
if [ -n "$USER_NAME" ] && [ "$(id -u)" = 0 ] && id "$USER_NAME" >/dev/null 2>&1; then
    as_user=(--user "$USER_NAME")
fi
cd "$AUTOGRADER/source/kata" || exit 1
"$AUTOGRADER/venv/bin/python" -m tests.kata grade "$work/submissions" --out "$work/out" \\
    "${as_user[@]}" >"$work/log" 2>&1
touch "$work/log"
if [ -f "$work/out/submission/results.json" ]; then
    cp "$work/out/submission/results.json" "$RESULTS/results.json"
else
    python3 - "$work/log" "$RESULTS/results.json" <<'PY'
import json, sys
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()[-3000:]
report = {"score": 0.0, "output": "The autograder could not grade this submission:\\n" + log}
json.dump(report, open(sys.argv[2], "w", encoding="utf-8"))
PY
fi
cat "$work/log"
"""


def build(out: Path, exercises: list[registry.Exercise]) -> Path:
    out = out.resolve()
    if out.suffix != ".zip":
        raise pytest.UsageError(f"{out.name}: name the bundle a .zip file.")
    with tempfile.TemporaryDirectory() as tmp:
        kata = Path(tmp) / "kata"
        handout.build(kata, exercises)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                archive.writestr(info, text)
            for path in sorted(kata.rglob("*")):
                if path.is_file():
                    archive.write(path, f"kata/{path.relative_to(kata).as_posix()}")
    return out
