"""Find the submissions of a class in the layouts instructors have: flat, nbgrader's, or a zip of
either.

A file that cannot be a submission is rejected with a reason and the rest of the class is graded;
only a folder with nothing gradable in it stops the command.
"""

import hashlib
import re
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import CourseError

# Matched whole (fullmatch: "$" alone would accept "honest\n"); short enough for a file name.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}")
ID_RULE = "letters, digits, and . _ @ - only, at most 100 characters"
# Files that archivers and desktops add; never a submission, never worth a line in the log.
JUNK = re.compile(r"^(\..*|__MACOSX|Thumbs\.db|desktop\.ini|timestamp\.txt)$")
MAX_ZIP_MEMBER_BYTES = 100 << 20
MAX_ZIP_TOTAL_BYTES = 4 << 30


@dataclass(frozen=True)
class Submission:
    student_id: str
    notebook: Path


@dataclass(frozen=True)
class Rejected:
    path: str  # as the instructor sees it, relative to the submissions given
    reason: str


@dataclass
class Found:
    submissions: list = field(default_factory=list)
    rejected: list = field(default_factory=list)


def find_submissions(path, assignment_name, lms=None):
    """List the submissions under the folder ``path`` and the files rejected there.

    Two layouts are accepted: a flat folder of ``<student_id>.ipynb`` files (an LMS download), or
    nbgrader's ``submitted/<student_id>/<assignment>/<notebook>.ipynb``. With ``lms`` ("canvas" or
    "moodle"), that LMS's download instead (``lms.py``).
    """
    path = Path(path)
    if not path.is_dir():
        raise CourseError(f"submissions folder {path} does not exist")
    if lms:
        from .lms import find_lms_submissions

        return find_lms_submissions(lms, path, assignment_name)
    path = _unwrapped(path, assignment_name)
    entries = [p for p in sorted(path.iterdir()) if not JUNK.match(p.name)]
    nested = [p for p in entries if p.is_dir() and any(p.glob(f"{assignment_name}/*.ipynb"))]
    flat = [p for p in entries if not p.is_dir()]
    if nested and any(p.suffix == ".ipynb" for p in flat):
        raise CourseError(
            f"{path} mixes a flat folder of notebooks with nbgrader's submitted/ layout"
        )
    found = _nbgrader_layout(entries, assignment_name) if nested else _flat_layout(entries)
    if not found.submissions:
        reasons = "".join(f"\n  {r.path}: {r.reason}" for r in found.rejected)
        raise CourseError(
            f"no notebooks in {path}: expected <student_id>.ipynb files or "
            f"<student_id>/{assignment_name}/*.ipynb{reasons}"
        )
    return found


@contextmanager
def opened_submissions(path, assignment_name, lms=None):
    """``find_submissions`` for a folder or a zip export (extracted for the duration)."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="submissions-") as folder:
            rejected = _extract(path, Path(folder))
            found = find_submissions(folder, assignment_name, lms)
            found.rejected[:0] = rejected
            yield found
    else:
        yield find_submissions(path, assignment_name, lms)


def _unwrapped(path, assignment_name):
    """Step into a folder that only wraps another (a zip's top folder, nbgrader's
    ``submitted/``).
    """
    while True:
        entries = [p for p in path.iterdir() if not JUNK.match(p.name)]
        if (
            len(entries) != 1
            or not entries[0].is_dir()
            or any(entries[0].glob(f"{assignment_name}/*.ipynb"))
        ):
            return path
        path = entries[0]


def _flat_layout(entries):
    found = Found()
    for entry in entries:
        if entry.is_dir():
            found.rejected.append(
                Rejected(_shown(entry.name) + "/", "a folder in a flat folder of notebooks")
            )
        elif entry.suffix != ".ipynb":
            found.rejected.append(
                Rejected(
                    _shown(entry.name), f"not a notebook ({_shown(entry.suffix or 'no extension')})"
                )
            )
        elif not STUDENT_ID.fullmatch(entry.stem):
            found.rejected.append(
                Rejected(
                    _shown(entry.name),
                    f"'{_shown(entry.stem)}' is not a usable student id ({ID_RULE})",
                )
            )
        else:
            found.submissions.append(Submission(entry.stem, entry))
    return found


def _nbgrader_layout(entries, assignment_name):
    found = Found()
    for entry in entries:
        notebooks = sorted(entry.glob(f"{assignment_name}/*.ipynb")) if entry.is_dir() else []
        if not entry.is_dir():
            found.rejected.append(
                Rejected(_shown(entry.name), "a file beside the students' folders")
            )
        elif not STUDENT_ID.fullmatch(entry.name):
            found.rejected.append(
                Rejected(
                    _shown(entry.name) + "/",
                    f"'{_shown(entry.name)}' is not a usable student id ({ID_RULE})",
                )
            )
        elif len(notebooks) != 1:
            found.rejected.append(
                Rejected(
                    entry.name + "/",
                    f"student {entry.name} submitted {len(notebooks)} "
                    f"notebooks for {assignment_name}; expected one",
                )
            )
        else:
            found.submissions.append(Submission(entry.name, notebooks[0]))
    return found


def _extract(archive_path, target):
    """Extract a zip safely: no paths outside ``target``, no huge members. Returns rejected
    members.
    """
    rejected, total, seen = [], 0, set()
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise CourseError(f"{archive_path} is not a readable zip file ({error})") from None
    with archive:
        for member in archive.infolist():
            parts = PurePosixPath(member.filename).parts
            if member.filename.startswith("/") or ".." in parts or "\\" in member.filename:
                rejected.append(
                    Rejected(_shown(member.filename), "a path outside the archive's folder")
                )
                continue
            if member.is_dir() or any(JUNK.match(part) for part in parts):
                continue
            if member.file_size > MAX_ZIP_MEMBER_BYTES:
                rejected.append(
                    Rejected(
                        _shown(member.filename), f"larger than {MAX_ZIP_MEMBER_BYTES >> 20} MB"
                    )
                )
                continue
            if parts in seen:
                rejected.append(
                    Rejected(
                        _shown(member.filename),
                        "appears twice in the archive; the first copy is kept",
                    )
                )
                continue
            seen.add(parts)
            total += member.file_size
            if total > MAX_ZIP_TOTAL_BYTES:
                raise CourseError(f"{archive_path} holds more than {MAX_ZIP_TOTAL_BYTES >> 30} GB")
            destination = target.joinpath(*parts)
            if (
                any(p.is_file() for p in destination.parents if target in p.parents)
                or destination.is_dir()
            ):
                rejected.append(
                    Rejected(
                        _shown(member.filename),
                        "a file and a folder of the same name in the archive",
                    )
                )
                continue
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(destination, "wb") as sink:
                    _copy_at_most(source, sink, MAX_ZIP_MEMBER_BYTES)
            except (
                zipfile.BadZipFile,
                ValueError,
                OSError,
                NotImplementedError,
                RuntimeError,
            ) as error:
                if destination.is_file():
                    destination.unlink()
                rejected.append(
                    Rejected(_shown(member.filename), f"could not be extracted ({_shown(error)})")
                )
    return rejected


def _shown(text):
    """A name from the submissions as the log may show it: short, control characters escaped."""
    from .results import printable

    return printable(text, 120)


def _copy_at_most(source, sink, limit):
    """Copy, refusing more than ``limit`` bytes whatever the archive's directory claims."""
    copied = 0
    while chunk := source.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            raise ValueError(f"larger than {limit >> 20} MB")
        sink.write(chunk)


def student_file_digest(path):
    """SHA-256 of a submitted file, to prove it unchanged and to skip it when nothing changed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
