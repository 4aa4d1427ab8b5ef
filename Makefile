# Civic Platform — the commands a developer and CI use. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export CKAN_VENV ?= $(CURDIR)/.venv-ckan

.PHONY: help install run stop status browser resilience test test-unit test-integration ckan-peer bench pages wrk lint format lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## create .venv and .venv-ckan from the lock files (fast when cached)
	@$(PYTHON) scripts/stack.py install

run: ## install what is missing, start CKAN, the gateway and the worker, print the URLs
	@$(PYTHON) scripts/stack.py up

stop: ## stop what `make run` started
	@$(PYTHON) scripts/stack.py down

status: ## show the processes and /readyz
	@$(PYTHON) scripts/stack.py status

lint: install ## ruff, mypy (strict), import-linter (layers)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-unit: install ## unit tests only (no I/O)
	$(BIN)/pytest tests/unit

test-integration: install ## integration tests: starts its own stack on free ports
	$(BIN)/pytest tests/integration -m integration

ckan-peer: install ## CKAN 2.12's own test suite against ckanext-civic's PostgreSQL search
	bash scripts/ckan-peer-tests

browser: ## Debian's Chromium for the browser tests (a test tool's own download cannot work here)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: lint browser wrk ## the whole suite: lint, unit, integration, browser, CKAN's peer suite
	$(BIN)/pytest tests
	bash scripts/ckan-peer-tests

PROFILE ?= full
resilience: install browser wrk ## fuzzing, bad input, isolation, OAuth rules, faults, load, webhooks (PROFILE=quick: CI's size)
	CIVIC_RESILIENCE_PROFILE=$(PROFILE) $(BIN)/pytest tests/resilience -m resilience

BENCH ?= full
wrk: ## Debian's wrk, the load generator of the benchmarks
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# make bench BENCH=quick ONLY=search,show SECONDS=5 REPETITIONS=2 OUT=var/bench/mine.json
# make bench pages: the site's pages at the demo's size alone (same as ONLY=pages)
ifneq ($(filter pages,$(MAKECMDGOALS)),)
ONLY ?= pages
endif
BENCH_ARGS = --size $(BENCH) $(if $(ONLY),--only $(ONLY)) $(if $(SECONDS),--seconds $(SECONDS)) \
	$(if $(REPETITIONS),--repetitions $(REPETITIONS)) $(if $(OUT),--out $(OUT))
bench: install wrk ## benchmarks against their peers (BENCH=quick: under 5 min; ONLY, SECONDS, REPETITIONS, OUT); writes var/bench/results.json
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

pages: ; @: # a word of `make bench pages`, nothing on its own

lock: ## refresh the lock files after changing dependencies
	python3 -m uv pip compile pyproject.toml --extra dev -o requirements.lock -q --python-version 3.11
	python3 -m uv pip compile config/ckan-requirements.in -o config/ckan-requirements.lock -q --python-version 3.11

clean: stop ## stop, and remove the venvs and var/ (databases are kept)
	rm -rf $(VENV) .venv-ckan var
