"""The instructor's grading command, the self-check command and the release of student copies."""
