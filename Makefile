# smsync: the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench app clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smsync demo

# As root on Debian, first the system packages, drivers and servers the whole suite needs (the same script
# .ci/run uses); elsewhere that step is skipped with a line saying so, and those tests skip with a reason.
test: $(STAMP)
	bash scripts/system-setup.sh </dev/null
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check smsync_core widgets tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

app: $(STAMP)
	$(BIN)/smsync app

clean:
	rm -rf $(VENV) build *.egg-info demo
