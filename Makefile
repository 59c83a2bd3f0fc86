# The course's entry points. Nothing here needs an activated virtualenv: every tool runs as
# `.venv/bin/python -m <tool>`.
#
#   make lab     set up .venv (first time only) and open the course in JupyterLab
#   make test    tests + doctests, notebook/script pairs, notebooks under nbval
#   make browser-test   every lesson run and its widgets clicked in headless Chromium (CI runs it too)
#   make help    all targets

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Written after a successful install; make reinstalls only when requirements.txt or pyproject.toml is newer.
STAMP := $(VENV)/.installed
# The interpreter that creates .venv: python3.11 (what CI and requirements.txt use) if present, else python3.
# npi_lib itself runs on 3.10 (pyproject.toml), but the pinned set needs 3.11: numpy 2.4, IPython 9, ...
BASE_PYTHON ?= $(shell command -v python3.11 || command -v python3)

COURSE_INDEX := notebooks/00_course_index.ipynb
# Extra `jupyter lab` options, e.g. make lab LAB_FLAGS="--port 8890 --no-browser". Jupyter refuses to run as
# root unless told to, which is how some containers run.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_FLAGS ?=
SANITIZE := tests/nbval_sanitize.cfg
# Recursively expanded: the notebooks that exist when a recipe runs. jupytext.toml pairs each
# notebooks/X.ipynb with notebooks/py/X.py.
NOTEBOOKS = $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null | sort)
SCRIPTS = $(shell find notebooks/py -name '*.py' 2>/dev/null | sort)

# make browser-test: Playwright (pinned in tools/browser-requirements.txt) in a virtualenv of its own,
# driving the system's Chromium, never a browser Playwright downloads. CHROMIUM=/path/to/chrome for another one.
BROWSER_VENV ?= build/pwvenv
BROWSER_REQUIREMENTS := tools/browser-requirements.txt
BROWSER_OUT ?= build/browser
CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
# the lessons, NN_slug.ipynb (not scratch notebooks); LESSONS="notebooks/05_recursion.ipynb" for one
LESSONS ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: help venv lab test sync execute student assignment bench freeze clean distclean
.PHONY: browser-test browser-chromium

help:
	@echo "make lab        set up .venv if needed, then open $(COURSE_INDEX) in JupyterLab"
	@echo "make test       library tests and doctests, notebook/script pairing, every notebook under nbval"
	@echo "make browser-test  run every lesson in JupyterLab in headless Chromium and click through its widgets;"
	@echo "                screenshots in $(BROWSER_OUT)/ (needs chromium: apt-get install chromium, or CHROMIUM=...)"
	@echo "make sync       bring each notebook and its notebooks/py/ script in step (jupytext --sync)"
	@echo "make execute    re-run notebooks in place and save their outputs (all, or NB=notebooks/01_x.ipynb)"
	@echo "make student    student versions of the lessons in student/: solutions taken out, outputs cleared"
	@echo "make assignment the lessons as nbgrader assignments in course/ (course/release/ is what students get)"
	@echo "make bench      time each notebook and measure its peak memory"
	@echo "make freeze     rewrite requirements.txt from the packages installed in .venv"
	@echo "make venv       only create .venv and install the pinned requirements and npi_lib"
	@echo "make clean      remove caches and build leftovers; make distclean also removes .venv"

venv: $(STAMP)

$(PY):
	@test -n "$(BASE_PYTHON)" || { echo "error: no python3 found; install Python 3.11" >&2; exit 1; }
	@$(BASE_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: the pinned requirements need Python 3.11 or newer, but $(BASE_PYTHON) is $$($(BASE_PYTHON) --version 2>&1)." >&2; \
	  echo "       Install Python 3.11, or point make at one: make $(or $(MAKECMDGOALS),lab) BASE_PYTHON=/path/to/python3.11" >&2; \
	  exit 1; }
	@echo "==> creating $(VENV) with $(BASE_PYTHON) ($$($(BASE_PYTHON) --version 2>&1))"
	$(BASE_PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(PY)
	@echo "==> installing the pinned requirements into $(VENV) (the first time: a few minutes, torch is large)"
	$(PY) -m pip install --quiet -r requirements.txt
	@echo "==> installing npi_lib (editable: changes to npi_lib/ take effect without reinstalling)"
	$(PY) -m pip install -qq --no-deps -e .
	$(PY) -m pip check
	@touch $@

lab: $(STAMP)
	$(PY) -m jupyter lab $(ROOT_FLAG) $(LAB_FLAGS) $(COURSE_INDEX)

test: $(STAMP)
	@echo "==> 1/2 tests, doctests of npi_lib, dependency lists, notebook/script pairs"
	$(PY) -m pytest tests npi_lib
	@echo "==> 2/2 notebooks under nbval (strict: every stored output must be reproduced)"
	@if [ -z "$(NOTEBOOKS)" ]; then \
	  echo "no notebooks in notebooks/ yet: nothing to run"; \
	else \
	  set -x; \
	  $(PY) -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with $(SANITIZE) $(NOTEBOOKS); \
	fi

# Chromium first: a clear message before minutes of installing.
browser-test: browser-chromium $(STAMP) $(BROWSER_VENV)/.installed
	$(BROWSER_VENV)/bin/python tools/browser_check.py --chromium "$(CHROMIUM)" --jupyter $(VENV)/bin/jupyter \
	  --out $(BROWSER_OUT) $(LESSONS)

browser-chromium:
	@command -v "$(CHROMIUM)" >/dev/null || { \
	  echo "error: make browser-test needs Chromium, and there is none at $(CHROMIUM)." >&2; \
	  echo "       Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	  echo "       elsewhere, point make at a Chromium or Chrome binary: make browser-test CHROMIUM=/path/to/chrome" >&2; \
	  exit 1; }

$(BROWSER_VENV)/.installed: $(BROWSER_REQUIREMENTS)
	@test -n "$(BASE_PYTHON)" || { echo "error: no python3 found to create $(BROWSER_VENV)" >&2; exit 1; }
	@echo "==> installing Playwright into $(BROWSER_VENV), a virtualenv of its own (it drives $(CHROMIUM))"
	$(BASE_PYTHON) -m venv $(BROWSER_VENV)
	$(BROWSER_VENV)/bin/python -m pip install --quiet -r $(BROWSER_REQUIREMENTS)
	@touch $@

sync: $(STAMP)
	@if [ -z "$(NOTEBOOKS)$(SCRIPTS)" ]; then echo "no notebooks to sync"; else \
	  set -x; $(PY) -m jupytext --sync $(NOTEBOOKS) $(SCRIPTS); fi

# Re-run notebooks top to bottom in a fresh kernel and store their outputs: what nbval then checks.
NB ?= $(NOTEBOOKS)
execute: $(STAMP)
	@for nb in $(NB); do \
	  echo "==> executing $$nb"; \
	  $(PY) -m jupytext --sync --quiet $$nb; \
	  $(PY) -m jupyter nbconvert --to notebook --execute --inplace --log-level WARN $$nb; \
	  $(PY) -m jupytext --sync --quiet $$nb; \
	done

student: $(STAMP)
	$(PY) tools/make_student.py

# nbgrader's generate_assignment on every lesson with exercises, in the course directory course/ (see
# INSTRUCTORS.md for grading). Gives the same cells as `make student` (tests/test_nbgrader.py checks it).
assignment: $(STAMP)
	$(PY) tools/nbgrader_course.py release

bench: $(STAMP)
	$(PY) tools/bench_notebooks.py $(NOTEBOOKS)

freeze: $(STAMP)
	$(PY) tools/freeze_requirements.py

clean:
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 \
	  | xargs -0 rm -rf
	rm -rf .pytest_cache .hypothesis build dist *.egg-info

distclean: clean
	rm -rf $(VENV)
