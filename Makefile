# riskengine — every target that needs the environment bootstraps it itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DB ?= riskengine.duckdb
PORTFOLIO ?= portfolios/example.toml
SHARED ?= $(abspath ../shared)
# the suite runs on two processes (pytest-xdist; a test module stays on one, so its module
# fixtures are built once) and names its slowest tests; PYTEST_ARGS="-n 0" runs it serially
TEST_JOBS ?= 2
PYTEST_ARGS ?= -n $(TEST_JOBS) --dist loadfile --durations=25
# extra options for the stage targets, e.g. make price ARGS="--years 2000"
ARGS ?=

.PHONY: setup test test-slow price catalog fit screen hazards simulate report bench clean help

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the package + test extras (idempotent)

test: $(STAMP)  ## check the architecture contracts, then run the test suite (slow tests excluded)
	$(VENV)/bin/lint-imports --no-logo --no-cache
	RISKENGINE_SHARED=$${RISKENGINE_SHARED:-$(SHARED)} $(PY) -m pytest $(PYTEST_ARGS)

test-slow: $(STAMP)  ## run only the slow scale tests
	RISKENGINE_SHARED=$${RISKENGINE_SHARED:-$(SHARED)} $(PY) -m pytest -m slow $(PYTEST_ARGS)

price: $(STAMP)  ## the main job: every stage of $(PORTFOLIO), priced into $(DB)
	$(VENV)/bin/riskengine price $(PORTFOLIO) --db $(DB) $(ARGS)

catalog: $(STAMP)  ## fetch or refresh the catalog from CelesTrak into catalogs/cache (network)
	$(VENV)/bin/riskengine catalog fetch $(ARGS)

fit: $(STAMP)  ## fit the Bayesian hardware and radiation models (reused while unchanged)
	$(VENV)/bin/riskengine fit --db $(DB) $(ARGS)

screen: $(STAMP)  ## screen $(PORTFOLIO)'s fleet for conjunctions (needs real element sets)
	$(VENV)/bin/riskengine screen $(PORTFOLIO) --db $(DB) $(ARGS)

hazards: $(STAMP)  ## the hazards stage of $(PORTFOLIO) (flux, screening, storms)
	$(VENV)/bin/riskengine hazards $(PORTFOLIO) --db $(DB) $(ARGS)

simulate: $(STAMP)  ## the Monte Carlo stage of $(PORTFOLIO) on its stored hazards and fit
	$(VENV)/bin/riskengine simulate $(PORTFOLIO) --db $(DB) $(ARGS)

report: $(STAMP)  ## the HTML report of the newest priced run in $(DB) (reports/RUN.html)
	$(VENV)/bin/riskengine report --db $(DB) $(ARGS)

bench: $(STAMP)  ## run the benchmarks (prints ratios against same-run baselines)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; RISKENGINE_SHARED=$${RISKENGINE_SHARED:-$(SHARED)} $(PY) $$f || exit 1; done

clean:  ## remove the environment, caches and the database
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info fits reports
	rm -f $(DB) $(DB).wal
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
