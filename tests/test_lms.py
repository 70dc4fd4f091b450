"""LMS round trips: Canvas's and Moodle's submission downloads in, their gradebook files out, and
late penalties from Canvas's LATE marker or nbgrader's timestamps. Bad input is reported and the
rest graded.
"""

import csv
import shutil
import zipfile
from datetime import datetime, timezone

import pytest

from autograder.grading.course import CourseError
from autograder.grading.lms import charge, late_charges, parse_late_penalty
from autograder.grading.results import Result
from autograder.grading.submissions import find_submissions, opened_submissions
from instructor_class import DEADLINE, SOLUTION, canvas_class, run_grade


def read(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


# --- Canvas


@pytest.mark.e2e
def test_canvas_download_is_graded_by_user_id_with_the_late_penalty():
    _, out, run = canvas_class()
    grades = {row[0]: row for row in read(out / "grades.csv")}
    assert grades["student_id"][:7] == [
        "student_id",
        "assignment",
        "score",
        "raw_score",
        "late_days",
        "late_penalty",
        "max_score",
    ]
    # 102 was marked LATE: 10% of 10 points per day, one day (Canvas's names carry no time).
    assert grades["102"][2:7] == ["2", "3", "1", "1", "10"]
    assert grades["101"][2:7] == ["10", "10", "0", "0", "10"] and grades["103"][2:5] == [
        "3",
        "3",
        "0",
    ]
    assert "102: 2 / 10  (late 1 d: 3 - 1)" in run.stdout


@pytest.mark.e2e
def test_canvas_gradebook_import_file():
    _, out, _ = canvas_class()
    assert read(out / "canvas-grades.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps01 (4242)"],
        ["Points Possible", "", "", "", "", "10"],
        ["lovelaceada", "101", "", "", "", "10"],
        ["smithbob", "102", "", "", "", "2"],
        ["kingcarol", "103", "", "", "", "3"],
    ]


@pytest.mark.e2e
def test_files_canvas_did_not_name_are_rejected_with_the_reason():
    _, out, run = canvas_class()
    log = (out / "grading.log").read_text()
    assert (
        "rejected ps01-rnn.ipynb: not a Canvas download name (<name>_<user id>_<submission"
        " id>_<file>, or <name>_LATE_<user id>_<submission id>_<file>)"
        in log
    )
    assert "rejected kingcarol_103_9003_notes.pdf: not a notebook (.pdf)" in log
    assert "rejected 2 files that are not submissions" in run.stdout


def test_two_notebooks_of_one_canvas_user_are_both_rejected(tmp_path):
    for name in (
        "doejane_7_1_ps01-rnn.ipynb",
        "doejane_7_2_ps01-rnn-1.ipynb",
        "roedick_late_8_3_ps01.ipynb",
    ):
        shutil.copy(SOLUTION, tmp_path / name)
    found = find_submissions(tmp_path, "ps01-rnn", lms="canvas")
    assert [(s.student_id, s.name, s.late) for s in found.submissions] == [("8", "roedick", True)]
    assert {r.path for r in found.rejected} == {
        "doejane_7_1_ps01-rnn.ipynb",
        "doejane_7_2_ps01-rnn-1.ipynb",
    }
    assert all("Canvas user 7 has 2 notebooks" in r.reason for r in found.rejected)


# --- Moodle


def moodle_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_moodle_zip_of_one_student_is_read_as_moodle(tmp_path):
    archive = moodle_zip(
        tmp_path / "ps01.zip",
        {"Ada Lovelace_501_assignsubmission_file_/ps01-rnn.ipynb": SOLUTION.read_bytes()},
    )
    with opened_submissions(archive, "ps01-rnn", lms="moodle") as found:
        assert [(s.student_id, s.name, s.notebook.name) for s in found.submissions] == [
            ("501", "Ada Lovelace", "ps01-rnn.ipynb")
        ]


@pytest.fixture(scope="module")
def moodle_graded(tmp_path_factory):
    """A Moodle download: Ada's notebook, Bob's two notebooks and his online text; graded with a
    late penalty but no deadline.
    """
    folder = tmp_path_factory.mktemp("moodle")
    notebook = SOLUTION.read_bytes()
    archive = moodle_zip(
        folder / "ps01-rnn-download.zip",
        {
            "Ada Lovelace_501_assignsubmission_file_/ps01-rnn.ipynb": notebook,
            "Bob Stone_502_assignsubmission_file_/ps01-rnn.ipynb": notebook,
            "Bob Stone_502_assignsubmission_file_/ps01-rnn (1).ipynb": notebook,
            "Bob Stone_502_assignsubmission_onlinetext_/onlinetext.html": b"<p>see my notebook</p>",
        },
    )
    out = folder / "out"
    run = run_grade(archive, "--out", out, "--lms", "moodle", "--late-penalty", "10%/day")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return out, run


@pytest.mark.e2e
def test_moodle_download_is_graded_and_its_worksheet_written(moodle_graded):
    out, run = moodle_graded
    assert read(out / "moodle-grades.csv") == [
        ["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"],
        ["Participant 501", "Ada Lovelace", "10", "10", ""],
    ]
    assert [row[:3] for row in read(out / "grades.csv")] == [
        ["student_id", "assignment", "score"],
        ["501", "ps01-rnn", "10"],
    ]


@pytest.mark.e2e
def test_moodle_bad_input_is_explained_and_the_rest_graded(moodle_graded):
    out, run = moodle_graded
    log = (out / "grading.log").read_text()
    assert (
        "rejected Bob Stone (participant 502): 2 notebooks in the download (Bob"
        " Stone_502_assignsubmission_file_/ps01-rnn (1).ipynb, Bob"
        " Stone_502_assignsubmission_file_/ps01-rnn.ipynb); expected one, none was graded"
        in log
    )
    assert (
        "rejected Bob Stone_502_assignsubmission_onlinetext_: Moodle onlinetext submission, not a"
        " file"
        in log
    )
    # A late penalty without a deadline: said on the terminal and in the log, and no penalty
    # applied.
    message = "--late-penalty 10%/day needs --deadline"
    assert f"warning: {message}" in run.stderr and message in log
    assert "raw_score" not in read(out / "grades.csv")[0]


# --- Late penalties


def test_late_penalty_options():
    penalty, note = parse_late_penalty("10%/day", DEADLINE)
    assert (penalty.amount, penalty.percent, penalty.per_day, note) == (10.0, True, True, None)
    assert penalty.deadline == datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)
    assert parse_late_penalty("2", "2026-03-01T23:59")[0].deadline.tzinfo == timezone.utc
    assert parse_late_penalty("2", None) == (
        None,
        (
            "--late-penalty 2 needs --deadline (e.g. --deadline "
            "2026-03-01T23:59+01:00); graded without a late penalty"
        ),
    )
    with pytest.raises(CourseError, match="--late-penalty takes points or a percentage"):
        parse_late_penalty("ten percent", DEADLINE)
    with pytest.raises(CourseError, match="--deadline takes an ISO 8601 date"):
        parse_late_penalty("2", "next friday")


@pytest.mark.parametrize(
    "spec, days, score, expected",
    [
        ("10%/day", 3, 7, (3, 3.0, 4.0)),  # 1 point of 10 per day
        ("1/day", 2, 7, (2, 2.0, 5.0)),
        ("20%", 5, 7, (5, 2.0, 5.0)),  # fixed: once, however late
        ("3", 1, 2, (1, 2.0, 0.0)),  # never below zero
        ("10%/day", 0, 7, (0, 0.0, 7)),
    ],
)
def test_late_charge(spec, days, score, expected):
    penalty, _ = parse_late_penalty(spec, DEADLINE)
    result = charge(penalty, days, score, 10)
    assert (result.days, result.points, result.score) == expected


def test_nbgrader_timestamps_count_whole_days_late(tmp_path):
    """nbgrader's collect writes timestamp.txt beside each notebook; part of a day counts as a
    day.
    """
    stamps = {
        "ontime": "2026-03-01 22:00:00.000000 UTC",
        "hour": "2026-03-02 00:30:00.000000 UTC",
        "days": "2026-03-03 12:00:00.000000 UTC",
        "nostamp": None,
    }
    for student, stamp in stamps.items():
        folder = tmp_path / student / "ps01-rnn"
        folder.mkdir(parents=True)
        shutil.copy(SOLUTION, folder / "ps01-rnn.ipynb")
        if stamp:
            (folder / "timestamp.txt").write_text(stamp)
    found = find_submissions(tmp_path, "ps01-rnn")
    results = [Result(s, score=8.0, max_score=10.0) for s in stamps]
    penalty, _ = parse_late_penalty("1/day", DEADLINE)
    charges, notes = late_charges(penalty, found.submissions, results, 10.0)
    assert {s: (c.days, c.score) for s, c in charges.items()} == {
        "ontime": (0, 8.0),
        "hour": (1, 7.0),
        "days": (2, 6.0),
        "nostamp": (0, 8.0),
    }
    assert notes == [
        "no submission time for 1 submissions (nostamp): no late penalty for them (only nbgrader's "
        "collect and Canvas's LATE marker say when a notebook came in)"
    ]


def test_a_canvas_download_graded_without_lms_gets_a_note(tmp_path):
    from autograder.grading.grade import _lms_hint

    shutil.copy(SOLUTION, tmp_path / "doejane_7_1_ps01-rnn.ipynb")
    found = find_submissions(tmp_path, "ps01-rnn")
    assert found.submissions[0].student_id == "doejane_7_1_ps01-rnn"
    assert "--lms canvas" in _lms_hint(found, None)[0] and _lms_hint(found, "canvas") == []
