# One command runs the system, one runs the tests. Each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen

.PHONY: help install infra run test check lint typecheck format generate bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## install uv and the locked dependencies into .venv
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

infra: ## make sure RabbitMQ and PostgreSQL answer (start them with Docker Compose if possible)
	@scripts/ensure-infra.sh

run: install infra ## run the whole system locally (Ctrl-C stops it)
	@$(RUN) python -m tools.run

test: install infra ## run the whole test suite against the real broker and database
	@scripts/ensure-test-tools.sh
	@$(RUN) pytest $(PYTEST_ARGS)

check: lint typecheck ## ruff, mypy and the import contracts

lint: install
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) lint-imports --no-cache

typecheck: install
	@$(RUN) mypy

format: install ## fix what ruff can fix
	@$(RUN) ruff check --fix .
	@$(RUN) ruff format .

generate: install ## regenerate JSON Schemas, AsyncAPI and RabbitMQ definitions
	@$(RUN) python -m tools.generate

bench: install infra ## measure throughput against the raw broker; prints one JSON object
	@$(RUN) python -m bench

clean: ## remove the virtualenv and caches
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
