"""Command line: ``python -m autograder grade|check|release``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a class's submissions of one assignment")
    grade.add_argument("assignment", help="assignment id, e.g. ps01")
    grade.add_argument("submissions", help="flat folder of <student_id>.ipynb, or nbgrader's submitted/")
    grade.add_argument("--out", required=True, help="folder for grades.csv and feedback/")
    check = commands.add_parser("check", help="run a homework notebook's visible checks (self-study)")
    check.add_argument("notebook")
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)

    from .grading.course import CourseError

    try:
        return COMMANDS[args.command](args)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _grade(args):
    from .grading.grade import grade

    results = grade(args.assignment, args.submissions, args.out)
    for r in results:
        note = f"  ({r.problem})" if r.problem else ""
        print(f"{r.student_id}: {r.score:g} / {r.max_score:g}{note}")
    print(f"graded {len(results)} submissions; grades in {args.out}/grades.csv")
    return 0


def _check(args):
    from .grading.selfcheck import check_notebook, report

    verdicts = check_notebook(args.notebook)
    print(report(verdicts))
    return 0 if all(v.passed for v in verdicts) else 1


def _release(args):
    from .grading.release import release, release_all

    targets = [release(name) for name in args.assignments] if args.assignments else release_all()
    for target in targets:
        print(f"wrote {target}")
    return 0


COMMANDS = {"grade": _grade, "check": _check, "release": _release}

if __name__ == "__main__":
    sys.exit(main())
