# The two README commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
PORT ?= 8888
SANDBOX_PORT ?= 5000
CHROMIUM := /usr/bin/chromium
DEMO_DIR := $(CURDIR)/.demo

.PHONY: help install build chromium lint pytest jest ui-test wheel-check test test-dates demo demo-team collector-package bench prices mutate api i18n clean

help:
	@echo "make demo   - install, build, start the AWS sandbox and JupyterLab (PORT=$(PORT))"
	@echo "make test   - install, build, run every test (lint, pytest, jest, browser)"
	@echo "make demo-team - the sandbox, the shared collector every 10 s, two JupyterLab readers"
	@echo "make collector-package - the collector's Lambda package (build/collector/*.zip)"
	@echo "make bench  - run the benchmarks in bench/ (results in bench/results/)"
	@echo "make prices - rebuild the bundled price snapshot from data/pricing/"
	@echo "make test-dates - pytest with the clock at month, year and leap-day ends"
	@echo "make api    - regenerate the API schema and its TypeScript types from the models"
	@echo "make i18n   - merge new UI/%costs messages into the catalogues, then compile them"
	@echo "make mutate - mutation testing of the money and stop logic (bench/results/mutation.json)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Python package (editable, with dev extras) and the node packages. Re-run when their
# manifests change; the stamp keeps repeated `make test` runs fast.
$(VENV)/.installed: $(BIN)/python pyproject.toml package.json yarn.lock
	$(BIN)/python -m pip install -e ".[dev]"
	$(BIN)/jlpm install
	$(BIN)/jupyter labextension develop --overwrite .
	touch $@

ui-tests/node_modules/.installed: ui-tests/package.json ui-tests/yarn.lock $(VENV)/.installed
	cd ui-tests && $(BIN)/jlpm install
	touch $@

install: $(VENV)/.installed

# The front-end: TypeScript -> lib/ -> prebuilt labextension in jupyter_costwidget/labextension.
build: install
	$(BIN)/jlpm build

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

lint: install
	$(BIN)/python scripts/check_repo_paths.py
	bash scripts/check_api.sh
	$(BIN)/python scripts/i18n.py check
	$(BIN)/cfn-lint examples/collector/template.yaml
	$(BIN)/ruff check jupyter_costwidget tests bench scripts ui-tests/jupyter_server_test_config.py
	$(BIN)/ruff format --check jupyter_costwidget tests bench scripts ui-tests/jupyter_server_test_config.py
	$(BIN)/jlpm lint:check

pytest: build
	$(BIN)/python -m pytest -q -p no:cacheprovider

jest: install
	$(BIN)/jlpm test

ui-test: build chromium ui-tests/node_modules/.installed
	cd ui-tests && CI=$${CI:-true} $(BIN)/jlpm playwright test

# The wheel alone (no Node.js) gives an enabled, working extension.
wheel-check: install
	bash scripts/check_wheel.sh

# Every check; stops at the first failing step and exits non-zero.
test: build chromium ui-tests/node_modules/.installed
	$(MAKE) lint
	$(MAKE) pytest
	$(MAKE) jest
	$(MAKE) ui-test
	$(MAKE) wheel-check

# The API contract: schema.json from the pydantic models, then the TypeScript types from it.
api: install
	$(BIN)/python -m jupyter_costwidget.api.schema
	$(BIN)/jlpm api:types

# Mutation testing (mutmut) of the modules that decide money and stops, against their fast
# in-process tests; [tool.mutmut] in pyproject.toml lists both. Not part of `make test`.
# Fails when a module kills fewer than 90 % of its mutants (docs/testing.md).
# After `update`, translate the new entries in each .po, then run `make i18n` again.
i18n: install
	$(BIN)/python scripts/i18n.py update
	$(BIN)/python scripts/i18n.py compile

mutate: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation_report.py

demo: build
	@mkdir -p $(DEMO_DIR)
	@AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=ap-northeast-1 \
	COSTWIDGET_ENDPOINT_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	COSTWIDGET_METADATA_FILE=$(DEMO_DIR)/resource-metadata.json \
	COSTWIDGET_REGION=ap-northeast-1 \
	PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) DEMO_DIR=$(DEMO_DIR) \
	bash scripts/demo.sh

# The shared collector (examples/collector) and two users' JupyterLab servers reading it.
demo-team: build
	@mkdir -p $(DEMO_DIR)
	@AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=ap-northeast-1 \
	COSTWIDGET_ENDPOINT_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	COSTWIDGET_REGION=ap-northeast-1 \
	PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) DEMO_DIR=$(DEMO_DIR) \
	bash scripts/demo_team.sh

# The Lambda function's package: the wheel and what the collector imports, for Python 3.12
# on x86_64 (Lambda's runtime brings boto3). Upload it as the template's CodeKey.
collector-package: install
	bash scripts/collector_package.sh

bench: build
	@mkdir -p bench/results
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The pytest suite with the clock at the calendar's edges (not part of `make test`: it runs
# the suite three times).
test-dates: build
	scripts/pytest_at.sh "2026-11-30 23:30:00"
	scripts/pytest_at.sh "2026-12-31 23:50:00"
	scripts/pytest_at.sh "2028-02-29 23:30:00"

# The bundled price snapshot, rebuilt from the repo's price table (data/pricing/).
prices: install
	$(BIN)/python -m jupyter_costwidget.pricing.build

clean:
	rm -rf lib jupyter_costwidget/labextension tsconfig.tsbuildinfo .demo
