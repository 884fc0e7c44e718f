"""One command line for what is not a test run: python -m tests.kata <verb> [--help].

    handout OUT          the students' copy of the kata, with no answer in it
    grade SUBS --out OUT grade a class: one folder per student in SUBS
    bundle OUT.zip       a Gradescope autograder built from a handout
    generate             write exercises/, the pristine stubs and README.md (the student's page)
    check                the generated files are current and nothing stray lies beside them
    new exNN_name        the skeletons of a new network's three files
    timing               measure the student's loop: the speed table of the pages
    measure WHAT         a figure the pages quote: gradients (the reference's gradient errors)

The student's verbs stay pytest options (--hint, --watch, --reset, --upgrade): students run
pytest. Each verb's module does the work; this one only reads the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.kata.paths import ROOT


def _handout(args: argparse.Namespace) -> int:
    from tests.kata.instructor import handout

    chosen = handout.choose(args.exercises)
    files = handout.build(Path(args.out), chosen)
    print(
        f"handout: {len(files)} files in {args.out} ({', '.join(e.marker for e in chosen)}),"
        " no answers. Hand out that folder, not this repository."
    )
    return 0


def _grade(args: argparse.Namespace) -> int:
    from tests.kata.instructor import grade

    run = grade.Options(
        submissions=Path(args.submissions),
        out=Path(args.out),
        exercises=args.exercises,
        workers=args.workers,
        user=args.user,
        **{
            name: value
            for name in ("limit", "memory", "call_limit", "test_limit")
            if (value := getattr(args, name)) is not None
        },
    )
    return grade.grade(run)


def _bundle(args: argparse.Namespace) -> int:
    from tests.kata.instructor import bundle, handout

    out = bundle.build(Path(args.out), handout.choose(args.exercises))
    print(f"autograder: {out}; upload it to Gradescope as a programming assignment's autograder.")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from tests.kata.maintainer import generate

    if args.fingerprints:
        return generate.write_fingerprints()
    if args.golden:
        from tests.kata.checks import golden

        for path in golden.write():
            print(f"wrote {path.relative_to(ROOT).as_posix()}")
        return 0
    if args.transcripts:
        from tests.kata.instructor import handout
        from tests.kata.runtime import transcript

        chosen = [e.module for e in handout.choose(args.exercises)] if args.exercises else None
        transcript.write_transcripts(chosen)
        return 0
    return generate.write_all()


def _check(args: argparse.Namespace) -> int:
    from tests.kata.maintainer import generate

    return generate.report_check()


def _new(args: argparse.Namespace) -> int:
    from tests.kata.maintainer import new

    for path in new.write(args.name):
        print(f"wrote {path.relative_to(ROOT).as_posix()}")
    print(new.next_steps(args.name))
    return 0


def _timing(args: argparse.Namespace) -> int:
    from tests.kata.maintainer import timing

    timing.main(args.runs, Path(args.out) if args.out else None)
    return 0


def _measure(args: argparse.Namespace) -> int:
    from tests.kata.maintainer import measure

    measure.main(args.what, Path(args.out) if args.out else None)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m tests.kata",
        description="The kata's commands that are not a test run (students run pytest).",
    )
    verbs = top.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(
        name: str, run: Callable[[argparse.Namespace], int], summary: str
    ) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=summary, description=summary)
        sub.set_defaults(run=run)
        return sub

    def exercises(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--exercises", metavar="LIST", help="only these exercises: ex01,ex03")

    sub = verb("handout", _handout, "write the students' copy of the kata (no answers) into OUT")
    sub.add_argument("out", metavar="OUT", help="a new or empty folder outside the kata")
    exercises(sub)

    sub = verb("grade", _grade, "grade a folder of submissions, one folder per student")
    sub.add_argument("submissions", metavar="SUBMISSIONS", help="one folder per student")
    sub.add_argument("--out", required=True, metavar="OUT", help="where the grades go")
    exercises(sub)
    sub.add_argument("--workers", type=int, metavar="N", help="children at a time")
    sub.add_argument(
        "--limit", type=float, metavar="SECONDS", help="one student's exercise (default 300)"
    )
    sub.add_argument(
        "--memory", type=float, metavar="GIB", help="memory one child may use (default 2)"
    )
    sub.add_argument(
        "--user",
        metavar="NAME[,NAME...]",
        help="as root: run the students' code as these users, one per worker (default: uids"
        " from 61184, which no account owns)",
    )
    sub.add_argument(
        "--call-limit", type=float, metavar="SECONDS", help="one call of a function (default 10)"
    )
    sub.add_argument("--test-limit", type=float, metavar="SECONDS", help="one test (default 60)")

    sub = verb("bundle", _bundle, "write a Gradescope autograder (setup.sh, run_autograder)")
    sub.add_argument("out", metavar="OUT.zip", help="the zip to write")
    exercises(sub)

    sub = verb(
        "generate",
        _generate,
        "write exercises/ and tests/kata/pristine/ from solutions/, and README.md (the"
        " student's page) from tests/kata/student/page.md and the registry",
    )
    sub.add_argument(
        "--fingerprints",
        action="store_true",
        help="instead: rewrite tests/kata/runtime/fingerprints.json from the catalogue's wrong"
        " answers (about a minute)",
    )
    sub.add_argument(
        "--transcripts",
        action="store_true",
        help="instead: rewrite tests/kata/runtime/transcripts/ from solutions/' main() (a"
        " transcript that agrees within the test's tolerance is kept)",
    )
    sub.add_argument("--exercises", metavar="LIST", help="with --transcripts: only these")
    sub.add_argument(
        "--golden",
        action="store_true",
        help="instead: rewrite tests/kata/checks/golden/, what a student sees in each of the"
        " self-checks' scenarios (review the diff)",
    )

    verb("check", _check, "the generated files are current and no stray file lies beside them")

    sub = verb("new", _new, "write the skeletons of a new network's three files")
    sub.add_argument("name", metavar="exNN_name", help="e.g. ex06_leaky_relu")

    sub = verb("timing", _timing, "measure how long the student's loop takes (the speed table)")
    sub.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    sub.add_argument("--out", metavar="FILE", help="also write the table into FILE")

    sub = verb("measure", _measure, "measure a figure the pages quote, and write its table")
    sub.add_argument(
        "what",
        choices=("gradients",),
        help="gradients: the reference backward's relative errors in the gradient test",
    )
    sub.add_argument("--out", metavar="FILE", help="also write the table into FILE")
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    try:
        return int(args.run(args))
    except pytest.UsageError as error:  # the verbs' modules speak pytest's error too
        top.exit(2, f"{top.prog} {args.verb}: error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
