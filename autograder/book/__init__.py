"""Helpers for the book's pages, so that a page's cell shows a few lines of the course's own code.

`sources` reads the MyST chapters (code cells, their tags); `show` formats numbers the way a reader
reads them; `cells` holds the longer steps that chapters call.
"""
