# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
INSTALLED := $(VENV)/.installed
export ETL_DATA_DIR ?= $(CURDIR)/data

.PHONY: help install run test lint format lock clean

help:
	@echo "make run    - install, run the pipeline over examples/ for its days, print a DuckDB summary"
	@echo "make test   - install, lint, type-check and run the whole test suite"
	@echo "make lock   - re-resolve requirements*.lock from pyproject.toml"
	@echo "make airflow, make airflow-stop - a local Airflow on 127.0.0.1:8080 (admin/admin), and stop it"

$(INSTALLED): requirements-dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(INSTALLED)

# The example days, plus today: posts without a usable date count on the day they were first landed.
run: $(INSTALLED)
	$(BIN)/etl run --from 2021-09-20 --to 2021-09-22 --date today
	$(BIN)/etl query --file sql/summary.sql

lint: $(INSTALLED)
	$(BIN)/ruff check etl dags tests
	$(BIN)/ruff format --check etl dags tests
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix etl dags tests
	$(BIN)/ruff format etl dags tests

test: $(INSTALLED) lint
	$(BIN)/pytest

lock:
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --no-header -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header \
		-c requirements.lock -o requirements-dev.lock

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

# --- issue 7: analysts' reports; the browser test renders them in Debian's chromium (never a downloaded browser) ---
CHROMIUM := /usr/bin/chromium
APT := DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get -o DPkg::Lock::Timeout=600

$(CHROMIUM):
	$(APT) install -y chromium || { $(APT) update && $(APT) install -y chromium; }

test: $(CHROMIUM)

.PHONY: report
# The daily HTML reports of the example days, after `make run`: $(ETL_DATA_DIR)/reports/, latest.html the newest.
report: $(INSTALLED)
	$(BIN)/etl report --date 2021-09-20 --date 2021-09-21 --date 2021-09-22

# --- issue 3: accuracy ---
# Extraction measured on ../shared/corpus (skips where it is absent): posts against the hand labels, pages beside
# trafilatura. Not part of `make test`: it reads material that a clean clone does not have.
.PHONY: accuracy
accuracy: $(INSTALLED)
	$(BIN)/python scripts/accuracy.py

# --- issue 5: every fault of the real web at once, against a misbehaving server on 127.0.0.1 ---
.PHONY: faults
# Prints the run's exit code, wall time and peak RSS. FAULTS_ARGS=--fast: the tests' short timeouts, not the defaults.
faults: $(INSTALLED)
	$(BIN)/python -m tests.faultserver --run $(FAULTS_ARGS)

# --- issue 4b: production deployment (Dockerfile, docker-compose.yml) and the Celery integration test ---
# tests/test_deployment.py validates docker-compose.yml with Debian's docker-compose 1.29 (`config` needs no
# Docker engine) and the Compose Specification schema it ships. tests/test_airflow_celery.py needs PostgreSQL and
# Redis on 127.0.0.1 (.ci/run starts them) and skips without them.
DOCKER_COMPOSE := /usr/bin/docker-compose

$(DOCKER_COMPOSE):
	$(APT) install -y docker-compose || { $(APT) update && $(APT) install -y docker-compose; }

test: $(DOCKER_COMPOSE)

.PHONY: compose-config
# The deployment as docker compose resolves it, with .env (cp .env.example .env and fill in the secrets first).
compose-config: $(DOCKER_COMPOSE)
	$(DOCKER_COMPOSE) -f docker-compose.yml --env-file .env config

# --- issue 4: airflow ---
# A local Airflow: `airflow standalone` (SQLite metadata DB, LocalExecutor) on 127.0.0.1:$(AIRFLOW_PORT) with the
# project's DAGs only, login $(AIRFLOW_ADMIN_USER)/$(AIRFLOW_ADMIN_PASSWORD), home $(AIRFLOW_HOME) (git-ignored), the
# same ETL_DATA_DIR as the CLI, pools from config/airflow_pools.json. It runs in its own process group, whose id is
# kept in $(AIRFLOW_HOME)/airflow.pgid; `make airflow-stop` kills that group and checks the port is free.
AIRFLOW_PORT ?= 8080
AIRFLOW_HOME ?= $(CURDIR)/airflow_home
AIRFLOW_ADMIN_USER ?= admin
AIRFLOW_ADMIN_PASSWORD ?= admin
AIRFLOW_LOCAL := AIRFLOW_HOME=$(AIRFLOW_HOME) AIRFLOW_PORT=$(AIRFLOW_PORT) AIRFLOW_ADMIN_USER=$(AIRFLOW_ADMIN_USER) \
	AIRFLOW_ADMIN_PASSWORD=$(AIRFLOW_ADMIN_PASSWORD) $(BIN)/python -m etl.airflow_local

.PHONY: airflow airflow-stop
# The commands are not echoed: they carry the password.
airflow: $(INSTALLED)
	@$(AIRFLOW_LOCAL) start

airflow-stop: $(INSTALLED)
	@$(AIRFLOW_LOCAL) stop
	@if ss -ltn "sport = :$(AIRFLOW_PORT)" | grep -q LISTEN; then echo "port $(AIRFLOW_PORT) still in use"; exit 1; fi

# --- issue 6 (extraction): ours beside the BeautifulSoup+lxml parse floor and trafilatura on ../shared/corpus ---
# bench/run.py (make bench) includes the same section in bench/RESULTS.md; this prints it alone.
.PHONY: bench-extraction
bench-extraction: $(INSTALLED)
	$(BIN)/python -m bench.extraction $(BENCH_ARGS)

# --- issue 6: bench ---
# Every benchmark in one run, written to bench/RESULTS.md (not part of `make test`: it takes tens of minutes and
# reads ../shared/corpus for its extraction section). BENCH_WORKDIR (default /tmp/news-etl-bench) holds the
# synthetic sources and lakes; BENCH_RUNS runs of the 10k day and the warehouse queries (median), BENCH_BIG_RUNS of
# the 100k day.
.PHONY: bench
bench: $(INSTALLED)
	$(BIN)/python -m bench.run
