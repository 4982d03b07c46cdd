PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# `make run PORT=8001 HOST=0.0.0.0` passes them on to `playbooks serve`.
run: $(STAMP)
	$(BIN)/playbooks serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# The lint and the import contracts (pyproject.toml) run first: a second, and they name the line.
test: lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) var

.PHONY: bench  # `make bench ARGS=--quick`, `make bench ARGS="--only step"`: issue 6's benchmarks
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)
