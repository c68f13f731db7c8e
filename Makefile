# govnet: two commands do everything.
#   make demo   set up .venv, run the whole job on the example district, say where output is
#   make test   set up .venv, then lint, type-check and run the tests (but the slow suites:
#               make test-slow runs those; CI runs both)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-slow lint check-format format typecheck pytest clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,postgres,lab]'
	touch $@

demo: $(STAMP)
	$(BIN)/govnet demo --dir demo

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests scripts benchmarks
	$(BIN)/ruff check --fix src tests scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -m "not slow"

# The slow suites (lab pushes killed and resumed, sharded collectors, whole districts end to
# end): CI runs them after `make test`.
test-slow: $(STAMP)
	$(BIN)/pytest -m slow

test: lint typecheck pytest

clean:
	rm -rf $(VENV) demo .govnet reports .pytest_cache .mypy_cache .ruff_cache
