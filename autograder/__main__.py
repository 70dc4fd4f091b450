"""Command line: ``python -m autograder grade|merge|report|check|release``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a class's submissions of one assignment")
    grade.add_argument("assignment", help="assignment id, e.g. ps01")
    grade.add_argument(
        "submissions",
        help="flat folder of <student_id>.ipynb, nbgrader's submitted/, or a zip of either",
    )
    grade.add_argument(
        "--out", required=True, help="folder for grades.csv, feedback/ and grading.log"
    )
    grade.add_argument(
        "--workers", type=int, help="submissions graded at once (default: one per core)"
    )
    grade.add_argument(
        "--shard", help="grade only slice i of N, e.g. 2/8 (combine slices with `merge`)"
    )
    grade.add_argument(
        "--force", action="store_true", help="regrade submissions that have not changed"
    )
    grade.add_argument("--cell-timeout", type=float, help="seconds per cell (default 120)")
    grade.add_argument("--notebook-timeout", type=float, help="seconds per notebook (default 600)")
    grade.add_argument(
        "--memory-mb",
        type=int,
        help="memory (address space) per process of a submission, in MB (default 4096)",
    )
    grade.add_argument(
        "--lms",
        choices=["canvas", "moodle"],
        help="read that LMS's submission download and write its gradebook import file in OUT",
    )
    grade.add_argument(
        "--lms-column",
        help=(
            "Canvas: the assignment column's title as Canvas exports it, "
            "e.g. 'ps01 (123456)' (default: the assignment id)"
        ),
    )
    grade.add_argument(
        "--deadline",
        help="the deadline, ISO 8601, e.g. 2026-03-01T23:59+01:00 (UTC without a zone)",
    )
    grade.add_argument(
        "--late-penalty",
        help=(
            "points or a percentage of the maximum, once or per day late: "
            "2, 10%%, 1/day, 10%%/day (needs --deadline)"
        ),
    )
    report = commands.add_parser(
        "report", help="rebuild OUT/report.html, the class report, from a graded OUT"
    )
    report.add_argument("out", help="the --out folder of a grading run")
    merge = commands.add_parser("merge", help="combine the outputs of shards graded with --shard")
    merge.add_argument("shards", nargs="+", help="each shard's --out folder (or its grades.csv)")
    merge.add_argument(
        "--out", required=True, help="folder for the combined grades.csv, feedback/ and log"
    )
    check = commands.add_parser(
        "check", help="run a homework notebook's visible checks (self-study)"
    )
    check.add_argument("notebook")
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    public = commands.add_parser(
        "public", help="build the class edition into _build/public (site, exercises, dist)"
    )
    public.add_argument("--out", help="output folder (default: _build/public)")
    public.add_argument(
        "--no-site", action="store_true", help="only the student notebooks and the wheel"
    )
    commands.add_parser(
        "secret", help="create the course secret if there is none, and say where it is"
    )
    args = parser.parse_args(argv)

    from .grading.course import CourseError

    try:
        return COMMANDS[args.command](args)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted; finished submissions are kept and a re-run continues from there",
            file=sys.stderr,
        )
        return 130


def _grade(args):
    from .grading.grade import Progress, grade, parse_shard
    from .grading.lms import parse_late_penalty
    from .grading.sandbox import Limits

    limits = Limits(
        **{
            name: value
            for name, value in [
                ("cell_timeout", args.cell_timeout),
                ("notebook_timeout", args.notebook_timeout),
                ("memory_mb", args.memory_mb),
            ]
            if value is not None
        }
    )
    shard = parse_shard(args.shard) if args.shard else None
    penalty, note = parse_late_penalty(args.late_penalty, args.deadline)
    if note:
        print(f"warning: {note}", file=sys.stderr)
    report = grade(
        args.assignment,
        args.submissions,
        args.out,
        workers=args.workers,
        shard=shard,
        limits=limits,
        force=args.force,
        progress=Progress,
        lms=args.lms,
        late_penalty=penalty,
        lms_column=args.lms_column,
        notes=[note] if note else [],
    )
    for r in report.results:
        note = f"  ({r.problem})" if r.problem else ""
        charge = (report.late or {}).get(r.student_id)
        late = (
            f"  (late {charge.days} d: {r.score:g} - {charge.points:g})"
            if charge and charge.days
            else ""
        )
        print(
            f"{r.student_id}: {charge.score if charge else r.score:g} / {r.max_score:g}{late}{note}"
        )
    print(
        f"graded {len(report.graded)} submissions, {len(report.failed)} not graded, "
        f"{len(report.unchanged)} unchanged since the last run; {report.seconds:.0f} s; "
        f"grades in {args.out}/grades.csv"
    )
    rates = ", ".join(f"{cell} {passed}/{total}" for cell, passed, total in report.pass_rates())
    print(f"full marks per task: {rates}")
    if report.page:
        from .grading.report import summary_lines

        mistakes = summary_lines(args.out)
        if mistakes:
            print("most common mistakes (students):", *mistakes, sep="\n")
    if report.rejected:
        print(
            f"rejected {len(report.rejected)} files that are not submissions (reasons in"
            f" {args.out}/grading.log)"
        )
    if report.gradebook:
        print(f"gradebook import file: {report.gradebook}")
    if report.page:
        print(f"class report: {report.page}")
    if report.log_lines:
        print(f"{report.log_lines} problems and notes in {args.out}/grading.log")
    return 0


def _report(args):
    from .grading.feedback import install_page_assets
    from .grading.report import build_report

    page = build_report(args.out)
    install_page_assets(f"{args.out}/feedback")  # e.g. after `merge`, which copies only the pages
    print(f"class report: {page}")
    return 0


def _merge(args):
    from .grading.merge import merge

    rows = merge(args.shards, args.out)
    print(f"merged {len(args.shards)} shards: {rows} students in {args.out}/grades.csv")
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


def _public(args):
    from .grading.public import build_public, scan

    out = build_public(out=args.out, site=not args.no_site)
    report = scan(out)
    print(
        f"scanned {report.files} files"
        f" ({', '.join(f'{n} {k}' for k, n in sorted(report.kinds.items()))}), {report.lines}"
        f" distinct lines, for {report.needles} lines of the answer key, the hidden-case generator"
        f" and the secret: {len(report.hits)} found"
    )
    for name, what, line in report.hits[:20]:
        print(f"  {name}: {what}: {line}")
    return 1 if report.hits else 0


def _secret(args):
    from .grading.course import COURSE_ROOT
    from .grading.secret import ensure_secret, find_secret

    ensure_secret(COURSE_ROOT)
    print(f"the course secret is in {find_secret(COURSE_ROOT)[1]}")
    return 0


COMMANDS = {
    "grade": _grade,
    "merge": _merge,
    "report": _report,
    "check": _check,
    "release": _release,
    "public": _public,
    "secret": _secret,
}

if __name__ == "__main__":
    sys.exit(main())
