PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean browser

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

# Debian's chromium drives the web page test (Playwright with executable_path; no browser download).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -q chromium >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) || \
	  echo "chromium is not installed (apt-get install chromium): the web page test will be skipped (it fails with CI=true)"; }

# The lint and the import contracts (pyproject.toml) run first: a second, and they name the line.
test: lint browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) var

.PHONY: bench  # `make bench ARGS=--quick`, `make bench ARGS="--only step"`: issue 6's benchmarks
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)
