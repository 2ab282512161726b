# The README's two commands: `make demo` and `make test`. Both set everything up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint actionlint models check-models bench trino chromium clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recover demo

test: $(STAMP)
	$(BIN)/pytest -q --durations=30

lint: $(STAMP)
	$(BIN)/ruff check ingest tests scripts bench

# Lint the CI/CD workflows (actionlint is built once with Go, cached in ~/.cache/recover).
actionlint:
	bash scripts/actionlint.sh --check

# Regenerate the one-line model files and the models' YAML from the registry.
models: $(STAMP)
	$(BIN)/python scripts/scaffold_models.py

check-models: $(STAMP)
	$(BIN)/python scripts/scaffold_models.py --check

# Download (once, cached) the Trino server used by the `trino` test tier.
trino: $(STAMP)
	bash scripts/fetch_trino.sh

# Headless Chromium (Debian's package) for the docs-site test; installs it when missing (root).
chromium:
	bash scripts/chromium.sh

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf demo lake target logs .pytest_cache test-artifacts
