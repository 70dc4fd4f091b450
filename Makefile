# The course's two commands: `make book` builds the site, `make test` runs every test.
# Both create .venv on first use and install the pinned toolchain plus the autograder package.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Keep TensorFlow's C++ log lines out of the executed pages.
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0

.PHONY: book book-fresh test test-fast lint clean exercises public

$(STAMP): requirements.txt constraints.txt pyproject.toml tools/install-system-deps
	tools/install-system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Cached execution: a no-change rebuild executes nothing. -W makes warnings errors.
book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# A clean build re-reads every page, so it is the one that proves there are no warnings.
book-fresh: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

# Lint first: style problems fail in seconds, before the long test run. Two processes share the
# tests a file at a time (so a file's fixtures are built once; the book build is shared through
# a lock, tests/conftest.py): while one grades, the other waits on a browser, Slurm or pip.
PYTEST_PARALLEL := -n 2 --dist loadfile
test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The developer loop: everything but the slow kinds (markers in pyproject.toml), about a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not (book or e2e or install or browser or slurm)"

lint: $(STAMP)
	$(BIN)/ruff check .

# Regenerate the student copies in exercises/ from the nbgrader sources in solutions/.
exercises: $(STAMP)
	$(BIN)/python -m autograder release

clean:
	rm -rf _build

# The class edition for a graded class: _build/public/{site,exercises,dist}, scanned for the answer key.
# Needs the course secret (.course-secret or RNN_COURSE_SECRET; `python -m autograder secret` creates one).
public: $(STAMP)
	$(BIN)/python -m autograder public
