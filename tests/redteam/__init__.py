"""Hostile ps01 submissions for the grading command, each with the score and reason it must get."""
