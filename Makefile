# ML Bounty: every target sets up what it needs (.venv from requirements.txt,
# node_modules from package.json) and is fast when both are present.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
# ape-foundry finds `anvil` and ape-vyper finds `vyper` with `which`.
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONWARNINGS := ignore::UserWarning:pydantic._internal._fields

STAMP_PY := $(VENV)/.installed
STAMP_JS := node_modules/.installed

.PHONY: setup demo test gas bench-eval bench-storage bench-search bench clean

setup: $(STAMP_PY) $(STAMP_JS)

$(STAMP_PY): requirements.txt pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	$(VENV)/bin/pip check
	@touch $@

$(STAMP_JS): package.json
	npm install --no-audit --no-fund --loglevel=error
	@anvil --version
	@touch $@

demo: setup
	ape run lifecycle

test: setup
	ape test tests/

gas: setup
	$(VENV)/bin/python bench/gas.py

bench-eval: setup
	$(VENV)/bin/python bench/evaluation.py
	$(VENV)/bin/python bench/evaluation_ray.py

bench-storage: setup
	$(VENV)/bin/python bench/storage.py

bench-search: setup
	$(VENV)/bin/python bench/search.py

bench: gas bench-eval bench-storage

clean:
	rm -rf $(VENV) node_modules .build .cache
