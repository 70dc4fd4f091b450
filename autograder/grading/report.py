"""The class report, ``OUT/report.html``: what a grading run says about the class as a whole.

It shows the score distribution and each task's pass rate (inline SVG), the mistakes the checks
named most often per task (with a count and an example message), the submissions that were not
graded and the files that were rejected (with the reason), any integrity-flag columns of
``grades.csv``, and pairs of students whose solution cells are nearly identical. Those pairs are for
a person to look at: nothing in the report changes a grade.

Everything is read back from ``OUT`` (``grading.json``, ``grades.csv``, ``.grading/``), so
``python -m autograder report OUT`` rebuilds the page without grading again. The page loads
nothing: no script, no stylesheet, no font from anywhere, so it opens offline from a file.
"""

import html
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_ROOT, CourseError, find_assignment
from .results import CSV_NAME, MANIFEST_NAME, STATE_DIR, read_csv, write_atomically

REPORT_NAME = "report.html"
# under OUT/.grading: each student's solution cells, for similarity
SOLUTIONS_NAME = "solutions.json"
REJECTED_NAME = "rejected.json"  # under OUT/.grading: files that were not submissions, and why
MAX_CELL_CHARS = 20_000  # of one solution cell kept for the similarity check
# Near-identical solution cells: copydetect's winnowed fingerprints of the normalised tokens
# (names, strings and numbers replaced by placeholders; comments and whitespace dropped).
NOISE_CHARS = 25  # k-gram length in characters of normalised code (copydetect's noise threshold)
SIMILAR = 0.8  # each cell's share of fingerprints found in the other
# cells shorter than this after removing the starter code and common code are not compared
MIN_FINGERPRINTS = 8
# a fingerprint in more than this share of the class (and more than 3 students) is common code
COMMON_SHARE = 0.2
KNOWN_COLUMNS = {
    "student_id",
    "assignment",
    "score",
    "raw_score",
    "late_days",
    "late_penalty",
    "max_score",
    "problem",
    "flags",
}


# --- Reading mistakes out of check messages

HINT = re.compile(r"^\s*hint:\s*(?P<hint>.+)$", re.M)
LOOKS_LIKE = re.compile(r"this looks like '(?P<name>[^']+)'")
TOGETHER = re.compile(r"this looks like two mistakes together, (?P<names>.+?):")
ANY_OF = re.compile(r"any of:\s*(?P<names>.+)$")
QUOTED = re.compile(r"'([^']+)'")


def mistake_of(message):
    """The mistake a failed check's message names, as a short label for counting.

    Today's checks end a failure with a line ``hint: this looks like 'NAME': advice`` (one known
    mistake matched), ``hint: this looks like two mistakes together, 'A' and 'B': advice`` (two
    made at once), ``hint: … could be any of: 'A' (advice); 'B' (advice)`` (several matched
    equally), or a plain ``hint: advice``. The label is NAME, "A and B", "A or B", or the advice;
    a failure without a hint is labelled by its verdict ("h_next is wrong"); an unattempted task
    by "not attempted". This one function is what to adapt when the checks' wording changes.
    """
    text = (message or "").strip()
    if not text:
        return "no message"
    # the starter code, or call_student's word for it
    if "NotImplementedError" in text.splitlines()[0]:
        return "not attempted"
    hint = HINT.search(text)
    if hint:
        advice = hint["hint"].strip()
        together = TOGETHER.search(advice)
        if together and QUOTED.findall(together["names"]):
            return " and ".join(QUOTED.findall(together["names"]))
        named = LOOKS_LIKE.search(advice)
        if named:
            return named["name"]
        several = ANY_OF.search(advice)
        if several:
            options = [
                QUOTED.findall(option) for option in re.split(r"\)\s*;\s*", several["names"])
            ]
            names = [" and ".join(found) for found in options if found]
            if names:
                return " or ".join(names)
        return _short(advice)
    first = text.splitlines()[0]
    first = re.sub(r"^\w+(Error|Failure|Exception):\s*", "", first)  # the exception type
    first = re.sub(r"^\w+:\s+", "", first)  # the function's name
    return _short(re.sub(r"\s*\(case .*?\)$", "", first))


def _short(text, limit=90):
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- What grading leaves for the report


def save_solutions(out, assignment, submissions, read_limit=50 << 20):
    """Keep each student's solution cells (by grade id) in ``OUT/.grading/solutions.json``."""
    solution_ids = {cell_id for cell_id, _ in solution_cells(assignment)}
    stored = {}
    for submission in submissions:
        try:
            path = Path(submission.notebook)
            if path.stat().st_size > read_limit:
                continue
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        mine = {}
        for cell in cells if isinstance(cells, list) else []:
            info = (
                cell.get("metadata", {}).get("nbgrader")
                if isinstance(cell, dict) and isinstance(cell.get("metadata"), dict)
                else None
            )
            grade_id = info.get("grade_id") if isinstance(info, dict) else None
            if (
                isinstance(grade_id, str)
                and grade_id in solution_ids
                and cell.get("cell_type") == "code"
            ):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                mine[grade_id] = source[:MAX_CELL_CHARS]
        stored[submission.student_id] = mine
    write_atomically(Path(out) / STATE_DIR / SOLUTIONS_NAME, json.dumps(stored))


def save_rejected(out, rejected):
    write_atomically(
        Path(out) / STATE_DIR / REJECTED_NAME,
        json.dumps([{"path": r.path, "reason": r.reason} for r in rejected], indent=1),
    )


def solution_cells(assignment):
    """(solution cell id, its starter code in the student copy), in notebook order."""
    released = (
        assignment.source_dir.parents[1]
        / "exercises"
        / assignment.name
        / assignment.notebooks[0].name
    )
    notebook = json.loads((released if released.exists() else assignment.notebooks[0]).read_text())
    cells = []
    for cell in notebook["cells"]:
        info = cell.get("metadata", {}).get("nbgrader", {})
        if info.get("solution") and cell["cell_type"] == "code":
            cells.append(
                (
                    info["grade_id"],
                    "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
                )
            )
    return cells


# --- Similar solution cells


@dataclass
class Pair:
    cell: str
    first: str
    second: str
    similarity: float  # the smaller of the two shares
    sources: tuple


def similar_pairs(solutions, starters):
    """Pairs of students whose solution cells are nearly identical, most similar first.

    ``solutions``: student -> {cell id: source}; ``starters``: cell id -> the student copy's code.
    Fingerprints of the starter code and fingerprints that a large share of the class has (the
    obvious solution everybody writes) are removed first, so what remains is what a student added
    in their own way.
    """
    import numpy as np
    from copydetect import CodeFingerprint, compare_files

    def fingerprint(code, boilerplate):
        return CodeFingerprint(
            "cell.py",
            NOISE_CHARS,
            1,
            boilerplate=boilerplate,
            fp=io.StringIO(code),
            language="python",
        )

    pairs = []
    for cell, starter in starters.items():
        codes = {
            student: cells[cell]
            for student, cells in sorted(solutions.items())
            if cells.get(cell, "").strip() and cells[cell].strip() != starter.strip()
        }
        if len(codes) < 2:
            continue
        starter_hashes = sorted(fingerprint(starter, None).hashes)  # a set of ints
        first = {
            student: fingerprint(code, np.array(starter_hashes, dtype=np.int64))
            for student, code in codes.items()
        }
        counts = Counter(h for fp in first.values() for h in fp.hashes)
        limit = max(3, COMMON_SHARE * len(codes))
        boilerplate = np.array(
            sorted(set(starter_hashes) | {h for h, n in counts.items() if n > limit}),
            dtype=np.int64,
        )
        prints = {student: fingerprint(code, boilerplate) for student, code in codes.items()}
        prints = {s: fp for s, fp in prints.items() if len(fp.hashes) >= MIN_FINGERPRINTS}
        students = sorted(prints)
        for i, a in enumerate(students):
            for b in students[i + 1 :]:
                _, (share_a, share_b), _ = compare_files(prints[a], prints[b])
                score = float(min(share_a, share_b))
                if score >= SIMILAR:
                    pairs.append(Pair(cell, a, b, score, (codes[a], codes[b])))
    return sorted(pairs, key=lambda p: (-p.similarity, p.cell, p.first, p.second))


# --- The page


@dataclass
class ClassData:
    assignment: str
    cells: list  # (grade cell id, points)
    rows: list  # dicts from grades.csv
    messages: dict  # student -> {grade cell id: message}
    rejected: list
    solutions: dict
    header: list = field(default_factory=list)


def load(out):
    out = Path(out)
    manifest_path = out / MANIFEST_NAME
    if not manifest_path.exists() or not (out / CSV_NAME).exists():
        raise CourseError(
            f"{out} holds no graded class (no {MANIFEST_NAME} and {CSV_NAME}): run "
            "`python -m autograder grade … --out` first"
        )
    manifest = json.loads(manifest_path.read_text())
    header, rows = read_csv(out / CSV_NAME)
    rows = [dict(zip(header, row)) for row in rows]
    messages = {}
    for student in manifest["students"]:
        try:
            stored = json.loads((out / STATE_DIR / "results" / f"{student}.json").read_text())
            messages[student] = stored["result"].get("messages", {})
        except (OSError, ValueError, KeyError):
            messages[student] = {}
    rejected = _json(out / STATE_DIR / REJECTED_NAME, [])
    solutions = _json(out / STATE_DIR / SOLUTIONS_NAME, {})
    return ClassData(
        manifest["assignment"],
        [tuple(c) for c in manifest["cells"]],
        rows,
        messages,
        rejected,
        solutions,
        header,
    )


def _json(path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def build_report(out, root=COURSE_ROOT):
    """Write ``OUT/report.html`` from what grading left in ``OUT``; returns its path."""
    data = load(out)
    try:
        starters = dict(solution_cells(find_assignment(data.assignment, root)))
    except CourseError:
        starters = {}
    try:
        pairs = similar_pairs(data.solutions, starters) if starters else []
    except ImportError:  # copydetect comes with the package's instructor extra
        pairs = None
    page = render(data, pairs)
    path = Path(out) / REPORT_NAME
    write_atomically(path, page)
    return path


def mistakes_by_cell(data):
    """grade cell id -> [(mistake, count, example message, students)], most common first."""
    points = dict(data.cells)
    found = defaultdict(lambda: defaultdict(list))
    for row in data.rows:
        if row.get("problem"):
            continue
        student = row["student_id"]
        for cell, full in points.items():
            try:
                earned = float(row.get(cell, 0) or 0)
            except ValueError:
                earned = 0.0
            if earned < full:
                message = data.messages.get(student, {}).get(cell, "")
                found[cell][mistake_of(message)].append((student, message))
    table = {}
    for cell, mistakes in found.items():
        table[cell] = sorted(
            (
                (name, len(hits), hits[0][1], [s for s, _ in hits])
                for name, hits in mistakes.items()
            ),
            key=lambda m: (-m[1], m[0]),
        )
    return table


def summary_lines(out, top=2):
    """The mistakes named most often per task, a line per task, for the grading command's
    summary.
    """
    data = load(out)
    table = mistakes_by_cell(data)
    return [
        f"  {cell}: " + "; ".join(f"{name} ({count})" for name, count, _, _ in table[cell][:top])
        for cell, _ in data.cells
        if table.get(cell)
    ]


def render(data, pairs):
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates" / "report"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    graded = [r for r in data.rows if not r.get("problem")]
    max_score = sum(p for _, p in data.cells)
    scores = [_float(r.get("score")) for r in graded]
    rates = [
        (cell, sum(_float(r.get(cell)) >= points for r in graded), len(graded))
        for cell, points in data.cells
    ]
    flags = [h for h in data.header if h not in KNOWN_COLUMNS and h not in dict(data.cells)]
    flagged = [
        (r["student_id"], {h: r.get(h, "") for h in flags})
        for r in data.rows
        if any((r.get(h) or "").strip() for h in flags)
    ]
    not_graded = [(r["student_id"], r["problem"]) for r in data.rows if r.get("problem")]
    template = env.get_template("report.html.j2")
    return template.render(
        assignment=data.assignment,
        rows=data.rows,
        graded=graded,
        max_score=max_score,
        scores=scores,
        mean=(sum(scores) / len(scores)) if scores else None,
        median=_median(scores),
        histogram=_markup(histogram_svg(scores, max_score)),
        pass_rates=_markup(pass_rate_svg(rates)),
        rates=rates,
        mistakes=mistakes_by_cell(data),
        cells=data.cells,
        not_graded=not_graded,
        rejected=data.rejected,
        flags=flags,
        flagged=flagged,
        pairs=pairs,
        thresholds={"similar": SIMILAR, "noise": NOISE_CHARS, "common": COMMON_SHARE},
    )


def _markup(text):
    from markupsafe import Markup

    return Markup(text)


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --- Figures: inline SVG, sized by viewBox so they shrink with the page


def histogram_svg(scores, max_score, width=640, height=260):
    """Students per score (one bar per whole point, 0..max_score)."""
    top = int(max_score) if max_score == int(max_score) and max_score <= 40 else 20
    step = max_score / top if top else 1
    bins = [0] * (top + 1)
    for score in scores:
        bins[min(top, max(0, int(round(score / step))))] += 1
    left, bottom, right, upper = 44, 36, 12, 14
    plot_w, plot_h = width - left - right, height - bottom - upper
    peak = max(bins + [1])
    bar = plot_w / len(bins)
    parts = [
        (
            f'<svg class="figure" role="img" aria-labelledby="hist-title" viewBox="0 0 {width}'
            f' {height}" xmlns="http://www.w3.org/2000/svg"><title id="hist-title">Score'
            f" distribution: students per score, 0 to {max_score:g}</title>"
        ),
        (
            f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}"'
            ' class="axis"/>'
        ),
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = upper + plot_h - plot_h * tick / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>'
        )
    for i, count in enumerate(bins):
        h = plot_h * count / peak
        x = left + i * bar
        label = f"{i * step:g}"
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{upper + plot_h - h:.1f}" width="{bar - 2:.1f}" '
            f'height="{h:.1f}"><title>{count} students scored {label}</title></rect>'
        )
        if top <= 20 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{upper + plot_h + 16}" text-anchor="middle" '
                f'class="tick">{label}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle"'
        ' class="label">score</text>'
    )
    parts.append(
        f'<text x="12" y="{upper + plot_h / 2}" text-anchor="middle" class="label" '
        f'transform="rotate(-90 12 {upper + plot_h / 2})">students</text></svg>'
    )
    return "".join(parts)


def pass_rate_svg(rates, width=640, row=30):
    """Share of graded submissions with full marks, one bar per graded cell."""
    label_w, right = 190, 60
    height = row * len(rates) + 30
    plot_w = width - label_w - right
    parts = [
        f'<svg class="figure" role="img" aria-labelledby="rate-title" viewBox="0 0 {width}'
        f' {height}" xmlns="http://www.w3.org/2000/svg"><title id="rate-title">Pass rate per task:'
        " share of graded submissions with full marks</title>"
    ]
    for i, (cell, passed, total) in enumerate(rates):
        share = passed / total if total else 0.0
        y = 10 + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row / 2 + 2:.1f}" text-anchor="end" class="tick">'
            f"{html.escape(cell)}</text>"
        )
        parts.append(
            f'<rect class="track" x="{label_w}" y="{y + 4}" width="{plot_w}" height="{row - 10}"/>'
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{plot_w * share:.1f}"'
            f' height="{row - 10}"><title>{html.escape(cell)}: {passed} of {total} with full'
            " marks</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + plot_w + 6}" y="{y + row / 2 + 2:.1f}"'
            f' class="tick">{share:.0%}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
