"""Figures for the book: SVG diagrams (``diagrams``) and interactive figures (``interactive``).

The interactive figures are computed here, at build time, with the reference package over every
point of their controls' grid; a chapter cell returns one as an HTML object whose data is embedded
as JSON, and ``book/_static/interactive-figures.js`` draws it in the reader's browser (no kernel,
no network).
"""
