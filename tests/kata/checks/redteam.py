"""The red-team catalogue: submissions that try to raise their grade or harm the class.

Beside the catalogue of wrong answers (catalogue.py), each entry here is one student's
submission: a solution of ex01 (right or wrong) with an attack added, or files handed in
beside it. `deserves` is the grade it must get, in the words of the controls graded with it:

- "right": what the right answer alone gets (every point);
- "wrong": what the wrong answer alone gets (the attack changes nothing);
- "zero": nothing (it does not import, or was not handed in);
- "at most right": an attack that hurts only itself (a crash, a hang) may cost it points.

test_redteam.py grades them all as one class and checks each grade, and that nothing else
changed: no other student's grade, no submission, no file of the kata, nothing after the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.kata.paths import ROOT

EX = "ex01_logistic_regression"
RIGHT = (ROOT / "solutions" / f"{EX}.py").read_text(encoding="utf-8")
BUG = ("    dZ = (P - Y) / P.size", "    dZ = P - Y")  # the mean's 1/N forgotten
assert RIGHT.count(BUG[0]) == 1, "solutions/ex01 changed: update redteam.BUG"
WRONG = RIGHT.replace(*BUG)
FORWARD = "def forward("  # attacks that run on a call go first in forward's body
CANARY = "kata-canary-7f3a"  # the secret a leak would show


@dataclass(frozen=True)
class Attack:
    name: str
    code: str  # added at the end of the file (at import), or in forward with in_forward
    deserves: str  # right, wrong, zero, at most right
    wrong: bool = False  # the attack is added to the wrong answer
    in_forward: bool = False
    files: dict[str, str] = field(default_factory=dict)  # handed in beside it
    links: dict[str, str] = field(default_factory=dict)  # name -> target ({canary} allowed)
    exercise_file: bool = True  # False: the exercise itself is not handed in as a file
    bom: bool = False  # saved with a UTF-8 byte order mark, as some editors do

    def source(self, canary: str = "") -> str:
        base = ("\ufeff" if self.bom else "") + (WRONG if self.wrong else RIGHT)
        code = self.code.replace("{canary}", canary)
        if not self.in_forward:
            return f"{base}\n\n{code}\n"
        start = base.index(FORWARD)  # after forward's docstring
        opened = base.index('"""', start)
        closed = base.index("\n", base.index('"""', opened + 3) + 3) + 1
        indented = "\n".join("    " + line for line in code.splitlines())
        return f"{base[:closed]}{indented}\n{base[closed:]}"


# Code shared by the attacks that look for the grader: every ancestor's pid, cwd and command.
ANCESTORS = """
import os as _os


def _ancestors():
    pid, seen = _os.getppid(), []
    while pid > 1 and pid not in seen:
        seen.append(pid)
        try:
            status = open(f"/proc/{pid}/status").read()
            pid = int(status.split("PPid:")[1].split()[0])
        except (OSError, ValueError, IndexError):
            break
    return seen


def _grader_paths():
    found = []
    for pid in _ancestors():
        try:
            found.append(_os.readlink(f"/proc/{pid}/cwd"))
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
            words = [a.decode().rpartition("=")[2] for a in args[1:]]
            found += [w for w in words if w.startswith("/")]
        except (OSError, IndexError, UnicodeDecodeError):
            pass
    return found
"""

STEAL = """
import glob as _glob
for _path in _grader_paths():
    for _found in _glob.glob(_path + "/**/solutions/ex01_logistic_regression.py", recursive=True):
        exec(open(_found).read())
        break
"""

ATTACKS = [
    # --- forged passes: a wrong answer that tries to make the judge say "passed" ---------------
    Attack(
        "patch-pytest-runtest",
        "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None",
        "wrong",
        wrong=True,
    ),
    Attack(
        "patch-pytest-fail",
        "import pytest\npytest.fail = lambda *a, **k: None",
        "wrong",
        wrong=True,
    ),
    Attack(
        "patch-json-dumps",
        'import json\njson.dumps = lambda *a, **k: \'{"status": "passed"}\'',
        "wrong",
        wrong=True,
    ),
    Attack(
        "patch-numpy-compare",
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, *x, **k: np.ones_like(a, bool)\n"
        "np.array_equal = lambda *a, **k: True",
        "wrong",
        wrong=True,
    ),
    Attack(
        "swap-code-at-first-call",
        "_real = backward\n\ndef backward(params, cache, Y):\n    return _real(params, cache, Y)",
        "wrong",
        wrong=True,
    ),
    Attack(
        "swap-code-objects",
        "def _right(params, cache, Y):\n    return {}\n\nbackward.__code__, _right.__code__ ="
        " _right.__code__, backward.__code__\nbackward.__code__, _right.__code__ ="
        " _right.__code__, backward.__code__",
        "wrong",
        wrong=True,
    ),
    Attack(
        "right-only-under-pytest",
        "import sys\nif 'pytest' in sys.modules:\n    _wrong = backward\n\n"
        "    def backward(params, cache, Y):\n"
        "        return {k: v / Y.size for k, v in _wrong(params, cache, Y).items()}",
        "wrong",
        wrong=True,
    ),
    Attack(
        "rewrite-streams-at-exit",
        "import atexit, glob\n\ndef _forge():\n"
        "    for p in glob.glob('/tmp/kata-grade-*/work/*/*/grade-stream.jsonl'):\n"
        '        open(p, \'a\').write(\'{"test": "x", "status": "passed"}\\n\')\n'
        "atexit.register(_forge)\n_forge()",
        "wrong",
        wrong=True,
    ),
    Attack(
        "gc-grade-stream",
        "import gc\nfor _o in gc.get_objects():\n"
        "    if type(_o).__name__ == 'GradeStream':\n        _o.path = '/dev/null'",
        "wrong",
        wrong=True,
    ),
    Attack(
        "forge-protocol-reply",
        "import os\ntry:\n    os.write(3, b'garbage that is not the kata format')\n"
        "except OSError:\n    pass",
        "wrong",
        wrong=True,
    ),
    # --- copying: a wrong answer that looks for the right one ---------------------------------
    Attack("steal-through-grader-cwd", ANCESTORS + STEAL, "wrong", wrong=True),
    Attack(
        "steal-through-parent-folders",
        "import glob\nfor _f in glob.glob('../*/solutions/ex01_logistic_regression.py')"
        " + glob.glob('../../*/solutions/ex01_logistic_regression.py'):\n"
        "    exec(open(_f).read())\n    break",
        "wrong",
        wrong=True,
    ),
    Attack("import-the-tests", "from tests.kata.runtime.suites import output_layer", "zero"),
    Attack("import-the-solutions", "from solutions.ex01_logistic_regression import *", "zero"),
    Attack(
        "import-the-test-file",
        "from tests.test_ex05_online_sgd import reference_gradient",
        "zero",
    ),
    Attack(
        "exercise-is-a-link-to-the-solutions",
        "",
        "zero",
        exercise_file=False,
        links={f"{EX}.py": "{solutions}"},
    ),
    # --- harming others: a right answer that attacks the class ---------------------------------
    Attack(
        "zero-the-handout",
        "import glob\nfor _p in glob.glob('/tmp/kata-grade-*/handout/exercises/*.py'):\n"
        "    try:\n        open(_p, 'w').write('')\n    except OSError:\n        pass",
        "right",
    ),
    Attack(
        "edit-other-submissions",
        ANCESTORS + "import glob\nfor _root in _grader_paths():\n"
        "    for _p in glob.glob(_root + '/**/ex0*.py', recursive=True):\n"
        "        try:\n            open(_p, 'a').write('\\nraise SystemExit\\n')\n"
        "        except OSError:\n            pass",
        "right",
    ),
    Attack(
        "delete-other-submissions",
        ANCESTORS + "import shutil\nfor _root in _grader_paths():\n"
        "    if 'redteam-class' in _root:\n        shutil.rmtree(_root, ignore_errors=True)",
        "right",
    ),
    Attack(
        "change-the-weights",
        ANCESTORS + "for _root in _grader_paths():\n    try:\n"
        "        open(_root + '/pyproject.toml', 'a').write('\\n[tool.kata.grading]\\nweights ="
        " { ex01 = 1000 }\\n')\n    except OSError:\n        pass",
        "right",
    ),
    Attack(
        "daemon-edits-the-gradebook-later",
        ANCESTORS + "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        time.sleep(3)\n        for _root in _grader_paths():\n"
        "            for _name in ('gradebook.csv', 'results.json'):\n"
        "                try:\n                    open(_root + '/' + _name, 'w').write('forged')\n"
        "                except OSError:\n                    pass\n    os._exit(0)",
        # A fork is a copy of the subject process, answering on its pipe: it may cost the
        # student their own results, never anyone else's.
        "at most right",
    ),
    Attack(
        "kill-the-grader",
        ANCESTORS + "import signal\nfor _pid in _ancestors():\n    try:\n"
        "        _os.kill(_pid, signal.SIGKILL)\n    except OSError:\n        pass",
        "at most right",
    ),
    Attack(
        "write-other-students-streams",
        "import glob\nfor _p in glob.glob('/tmp/kata-grade-*/work/*/*/grade-stream.jsonl'):\n"
        "    try:\n        open(_p, 'a').write('{\"tampered\": [\"x\"]}\\n')\n    except OSError:\n"
        "        pass",
        "right",
    ),
    # --- leaks: the grader must show nothing the student could not read ------------------------
    Attack("raise-a-secret", "raise RuntimeError(open('{canary}').read())", "zero"),
    Attack(
        "hand-in-a-link-to-a-secret",
        "",
        "right",
        links={"notes.txt": "{canary}", "passwd": "/etc/passwd"},
    ),
    # --- limits ----------------------------------------------------------------------------------
    Attack(
        "bounded-fork-bomb",
        "import os, time\n_kids = 0\nfor _ in range(300):\n    try:\n        if os.fork() == 0:\n"
        "            time.sleep(30)\n            os._exit(0)\n        _kids += 1\n"
        "    except OSError:\n        break",
        "right",
    ),
    Attack("allocate-8-gb", "_big = np.ones(10**9)", "at most right", in_forward=True),
    Attack("print-100-mb", "print('x' * 100_000_000)", "right"),
    Attack("os-exit-at-import", "import os\nos._exit(0)", "zero"),
    Attack(
        "ignore-sigterm-and-hang",
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    try:\n"
        "        pass\n    except BaseException:\n        pass",
        "at most right",
        in_forward=True,
    ),
    Attack("chdir-at-import", "import os\nos.chdir('/')", "right"),
    Attack(
        "hang-in-compiled-code",
        "import ctypes\nctypes.CDLL(None).sleep(1000)",
        "at most right",
        in_forward=True,
    ),
    Attack(
        "forked-sleeper-holds-the-output",
        "import os, time\nif os.fork() == 0:\n    time.sleep(300)",
        "at most right",
    ),
    Attack("saved-with-a-byte-order-mark", "", "right", bom=True),
    Attack(
        "segfault-in-forward",
        "import ctypes\nctypes.string_at(0)",
        "at most right",
        in_forward=True,
    ),
    Attack(
        "conftest-beside",
        "",
        "right",
        files={"conftest.py": "import os\nos._exit(3)\n"},
    ),
    Attack(
        "sitecustomize-beside",
        "",
        "right",
        files={"sitecustomize.py": "import os\nos._exit(3)\n"},
    ),
    Attack(
        "fake-numpy-beside",
        "",
        "right",
        files={"numpy.py": "raise SystemExit('fake numpy')\n", "exercises/numpy.py": "x = 1\n"},
    ),
    Attack(
        "pytest-ini-beside",
        "",
        "right",
        files={"pytest.ini": "[pytest]\naddopts = -p no:kata --co\n"},
    ),
]
