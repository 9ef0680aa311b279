# The whole set-up: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@echo "==> installing dependencies into $(VENV)"
	$(BIN)/pip install --progress-bar on -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/livechat serve

lint: install
	$(BIN)/ruff check api engine workers tests bench
	@mkdir -p build/typecheck/livechat
	@for d in api engine workers; do ln -sfn ../../../$$d build/typecheck/livechat/$$d; done
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p livechat.api -p livechat.engine -p livechat.workers

test: install lint browser-deps
	$(BIN)/python -m pytest -q tests

# the browser tests drive the system Chromium; never a downloaded browser
browser-deps:
	@command -v chromium >/dev/null || (echo "==> installing chromium (Debian package)" && apt-get update && apt-get install -y chromium)

clean:
	rm -rf $(VENV) build *.egg-info
