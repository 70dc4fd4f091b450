"""A class's results: one JSON file per student (so nothing is lost), reading the CSV, and the log.

``OUT/.grading/results/<student>.json`` is written the moment a submission is graded. A re-run
reuses it when the submitted file and everything the grade depends on (the assignment, the
grading code and its data files, the course secret, the limits) are unchanged, so an interrupted run
resumes where it stopped and a re-run only regrades what changed.
"""

import csv
import hashlib
import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

STATE_DIR = ".grading"
CSV_NAME = "grades.csv"
LOG_NAME = "grading.log"
MANIFEST_NAME = "grading.json"
MAX_NOTE_CHARS = 2000  # one note in the grading log
MAX_DISTINCT_LINES = 50  # distinct lines a submission may add to the log; repeats are counted


@dataclass
class Result:
    student_id: str
    score: float = 0.0
    max_score: float = 0.0
    cells: dict = field(default_factory=dict)  # grade cell id -> score
    messages: dict = field(default_factory=dict)  # grade cell id -> what the check said
    problem: str = ""  # why the submission could not be graded at all
    notes: list = field(default_factory=list)  # what went wrong while grading it, for the log
    # what its code tried (integrity.py), for the CSV and the log
    flags: list = field(default_factory=list)
    sha256: str = ""  # of the submitted file
    seconds: float = 0.0
    unchanged: bool = False  # reused from an earlier run

    @classmethod
    def from_dict(cls, data):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def secret_digest(secret):
    """A digest that changes with the course secret and does not reveal it (the fingerprint is
    written into grading.json and every result file)."""
    return hashlib.sha256(
        b"rnn-course secret for the results fingerprint\0" + str(secret).encode()
    ).hexdigest()


PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint(assignment, limits, secret, package=PACKAGE):
    """A digest of everything a grade depends on besides the submission itself.

    That is the limits, the assignment's files, the course package's code and its data files
    (feedback and report templates, recorded outputs), and the course secret, which decides every
    student's hidden cases: a new secret regrades everyone. The secret enters as ``secret_digest``.
    Documentation (``*.md``) is left out: no grade reads it.
    """
    digest = hashlib.sha256(json.dumps(limits.as_dict(), sort_keys=True).encode())
    digest.update(b"secret\0" + secret_digest(secret).encode())
    for base in (assignment.source_dir, package):
        for path in sorted(base.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix not in (".pyc", ".pyo", ".md")
            ):
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def printable(value, limit=MAX_NOTE_CHARS, newlines=False):
    """``value`` as text that is safe in a log line: at most ``limit`` characters, control
    characters escaped (a CR or an ANSI escape from a notebook cannot forge a line on a terminal).
    ``newlines``: keep line breaks (for multi-line messages); otherwise they are escaped too.
    """
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # an object whose __str__ fails
        text = f"<{type(value).__name__}>"
    extra = len(text) - limit
    text = text[:limit]
    text = "".join(
        c if c == "\n" and newlines or unicodedata.category(c)[0] != "C" else _escaped(c)
        for c in text
    )
    if len(text) > limit:
        extra, text = max(extra, 0) + len(text) - limit, text[:limit]
    return text + (f"… ({extra} more characters)" if extra > 0 else "")


def _escaped(char):
    code = ord(char)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"
    )


class BoundedLog:
    """Log lines from one submission: each escaped and truncated, repeats counted, at most
    ``MAX_DISTINCT_LINES`` distinct lines kept (the rest are counted)."""

    def __init__(self, limit=MAX_DISTINCT_LINES):
        self.limit = limit
        self.counts = {}
        self.left_out = 0

    def add(self, line):
        line = printable(line, MAX_NOTE_CHARS, newlines=True)
        if line in self.counts:
            self.counts[line] += 1
        elif len(self.counts) < self.limit:
            self.counts[line] = 1
        else:
            self.left_out += 1

    def extend(self, lines):
        for line in lines:
            self.add(line)
        return self

    def lines(self):
        kept = [
            line + (f" (repeated {n} times)" if n > 1 else "") for line, n in self.counts.items()
        ]
        if self.left_out:
            kept.append(f"... and {self.left_out} more lines like these, left out")
        return kept


class ResultStore:
    """Per-student result files under ``OUT/.grading/results``."""

    def __init__(self, out, fingerprint):
        self.out = Path(out)
        self.folder = self.out / STATE_DIR / "results"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint

    def reusable(self, student_id, sha256):
        """The stored result if it was computed from this very file with the same grader."""
        path = self.folder / f"{student_id}.json"
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if (
            stored.get("fingerprint") != self.fingerprint
            or stored.get("result", {}).get("sha256") != sha256
        ):
            return None
        if not (self.out / "feedback" / f"{student_id}.html").exists():
            return None
        result = Result.from_dict(stored["result"])
        result.unchanged = True
        return result

    def save(self, result):
        data = {
            "fingerprint": self.fingerprint,
            "result": {k: v for k, v in asdict(result).items() if k != "unchanged"},
        }
        write_atomically(self.folder / f"{result.student_id}.json", json.dumps(data, indent=1))


def read_csv(path):
    """The header and rows of a grades.csv."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return (rows[0], rows[1:]) if rows else ([], [])


def write_atomically(path, text):
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)
