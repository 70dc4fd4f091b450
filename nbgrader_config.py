# nbgrader's view of this course: sources in solutions/, student copies in exercises/.
# `python -m autograder release` and `python -m autograder grade` use the same settings
# (autograder/grading/course.py); this file is for running nbgrader's own commands by hand.
c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.ExecutePreprocessor.timeout = 120
