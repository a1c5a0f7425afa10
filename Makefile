# Two commands: `make run` and `make test`. Each sets up .venv first: `make run`
# with the runtime dependencies only, `make test` with the dev tools as well.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of dependencies. The dev install holds the runtime one, so it
# touches both: `make run` after `make test` installs nothing, and `make test`
# after `make run` adds only the dev tools.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= auto

.PHONY: run test lint typecheck unit bench install install-dev clean wrk chromium screenshots \
	schemathesis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(RUNTIME)

install: $(RUNTIME)

install-dev: $(DEV)

# Checkpoints are signed with TIMELINE_SIGNING_KEY; without one, a development
# key is made once under var/ (never committed: var/ holds the local store).
DEV_KEY := var/signing.key
SIGNING_KEY = $${TIMELINE_SIGNING_KEY:-$(DEV_KEY)}

run: $(RUNTIME)
	@if [ -z "$$TIMELINE_SIGNING_KEY" ] && [ ! -f $(DEV_KEY) ]; then mkdir -p $(dir $(DEV_KEY)) && \
		$(BIN)/policy-timeline keys create --out $(DEV_KEY) > $(DEV_KEY).pub && \
		echo "make run: made a development signing key, $(DEV_KEY) (verifier key in" \
			"$(DEV_KEY).pub); set TIMELINE_SIGNING_KEY=FILE to sign with your own"; fi
	TIMELINE_SIGNING_KEY=$(SIGNING_KEY) $(BIN)/policy-timeline load-sample
	TIMELINE_SIGNING_KEY=$(SIGNING_KEY) $(BIN)/policy-timeline serve --host $(HOST) --port $(PORT)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(DEV)
	$(BIN)/mypy

# A worker a core, each test file whole on one worker (its module fixtures once);
# then the tests marked `alone`, which start supervised processes that wait on
# each other with timeouts, with the machine to themselves.
unit: $(DEV) wrk chromium
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not alone"
	$(BIN)/pytest -m alone

test: lint typecheck unit

# wrk drives the bench's HTTP row (and its test); without it that row is
# skipped with a note, so a failed install does not stop anything.
wrk:
	@command -v wrk >/dev/null || $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y -q wrk \
		>/dev/null || echo "make: could not install wrk (apt-get install wrk); the HTTP row is skipped"

# The browser tests drive Debian's Chromium headless (Playwright's Python package,
# no browser download); without /usr/bin/chromium they are skipped with a note.
chromium:
	@test -x /usr/bin/chromium || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { $$sudo apt-get update -q >/dev/null && $$sudo apt-get install -y -q chromium >/dev/null; } \
		|| echo "make: could not install chromium (apt-get install chromium); the browser tests are skipped"; }

# PNGs of the timeline, an actor and an entry at desktop and phone widths, from the sample.
screenshots: $(DEV) chromium
	$(BIN)/python -m scripts.screenshots --out docs/screenshots

# schemathesis from outside, over HTTP, against a served store with the sample
# (docs/schemathesis.md); minutes, so not part of `make test`. STORE=postgresql://…
# runs it on an empty PostgreSQL database instead of a fresh SQLite file.
schemathesis: $(DEV)
	BIN=$(BIN) tests/schemathesis.sh $(STORE)

bench: $(RUNTIME) wrk
	$(BIN)/policy-timeline bench

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
