# The two commands a newcomer needs: `make run` and `make test`.
# `make bench` measures performance (docs/performance.md); CI runs `make bench-smoke`.
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck pytest fuzz clean bench bench-smoke screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src tests bench

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest fuzz

# Schemathesis against a live server's /openapi.json, on SQLite and PostgreSQL
# (about half a minute; each run is capped). Part of `make test`.
fuzz: $(STAMP)
	$(BIN)/pytest -m fuzz tests/integration/reliability/test_schemathesis.py

# PostgreSQL on 127.0.0.1:5432 and wrk (installed from Debian's packages when missing).
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.streams

# The README's pictures of the web client, taken by its browser test (needs Chromium).
screenshots: $(STAMP)
	CHAT_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/integration/browser -k screenshots

bench-smoke: $(STAMP)
	$(BIN)/python -m bench --smoke
	$(BIN)/python -m bench.streams --smoke

# Settings come from the environment or .env (see README.md): SQLite under
# ./var/ by default, PostgreSQL when DATABASE_URL=postgresql://... is set.
run: $(STAMP)
	$(BIN)/chat-server migrate
	exec $(BIN)/chat-server serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
