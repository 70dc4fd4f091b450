# nbgrader's view of this course: sources in solutions/, student copies in exercises/.
# `python -m autograder release` and `python -m autograder grade` use the same settings
# (autograder/grading/course.py); this file is for running nbgrader's own commands by hand:
# generate_assignment, release_assignment, collect, autograde, generate_feedback, export.
#
# The exchange is the folder through which release_assignment, fetch_assignment, submit and
# collect pass notebooks. Out of the box it is `exchange/` in this repository (ignored by git),
# so a single instructor can try the whole round trip on a laptop. On a JupyterHub shared by
# students, point NBGRADER_EXCHANGE at a folder every user can reach (nbgrader's usual
# /srv/nbgrader/exchange, mode 777) and give students the same course id and exchange.
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "rnn-course")
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.ExecutePreprocessor.timeout = 120

_exchange = Path(os.environ.get("NBGRADER_EXCHANGE", Path(__file__).resolve().parent / "exchange"))
# nbgrader refuses a missing exchange ("Unwritable directory")
_exchange.mkdir(parents=True, exist_ok=True)
c.Exchange.root = str(_exchange)
