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

.PHONY: setup browser demo demo-node demo-node-stop shell help test test-fast gas contracts bench-eval \
	bench-train bench-search bench-pruning bench-storage bench-budget bench-explorer bench clean

setup: $(STAMP_PY) $(STAMP_JS)
	@echo "tools: ape and python in .venv/bin, anvil in node_modules/.bin; put them on PATH with: source ./env.sh"

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
	@echo "next: 'source ./env.sh' puts ape and anvil on this shell's PATH (or 'make shell'); then the README's role commands"

# A shell whose PATH has the project's tools (ape, python, anvil); `exit` returns.  Same as `source ./env.sh`.
shell: setup
	@echo "PATH has .venv/bin and node_modules/.bin (ape, python, anvil); 'exit' leaves this shell"
	@$${SHELL:-bash} -i

help:
	@echo "make setup      .venv (requirements.txt) and node_modules (Anvil); then: source ./env.sh"
	@echo "make demo       the whole lifecycle on a local Anvil (ape run lifecycle)"
	@echo "make shell      a shell with ape, python and anvil on PATH (or: source ./env.sh)"
	@echo "make test       the whole suite on every core; make test-fast: the pure wings in seconds"
	@echo "make gas | bench-eval | bench-train | bench-search | bench-pruning | bench-storage | bench-budget"

# The demo on a node that stays: an Anvil on DEMO_PORT (started in the background unless one already
# answers there), the lifecycle run against it by URL, homes and store under DEMO_DIR; afterwards the
# role commands (and the explorer) read the demo's bounty from that node.  `make demo-node-stop` ends it.
DEMO_PORT ?= 8545
DEMO_DIR ?= $(CURDIR)/.demo
DEMO_URL := http://127.0.0.1:$(DEMO_PORT)
demo-node: setup
	@mkdir -p $(DEMO_DIR)
	@if (exec 3<>/dev/tcp/127.0.0.1/$(DEMO_PORT)) 2>/dev/null; then \
		echo "using the node already listening on $(DEMO_URL)"; \
	else \
		nohup anvil --port $(DEMO_PORT) > $(DEMO_DIR)/anvil.log 2>&1 & echo $$! > $(DEMO_DIR)/anvil.pid; \
		for i in $$(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$(DEMO_PORT)) 2>/dev/null && break; sleep 0.2; done; \
		echo "started anvil on $(DEMO_URL) (pid $$(cat $(DEMO_DIR)/anvil.pid), log $(DEMO_DIR)/anvil.log)"; \
	fi
	ape run lifecycle --network $(DEMO_URL) --home $(DEMO_DIR)/homes
	@echo "the node stays up on $(DEMO_URL): run the commands above; \`make demo-node-stop\` ends it"

demo-node-stop:
	@if test -f $(DEMO_DIR)/anvil.pid && kill $$(cat $(DEMO_DIR)/anvil.pid) 2>/dev/null; then \
		echo "stopped anvil (pid $$(cat $(DEMO_DIR)/anvil.pid)); the homes in $(DEMO_DIR)/homes stay"; \
	else echo "no demo node started by make demo-node is running"; fi
	@rm -f $(DEMO_DIR)/anvil.pid

# The browser tests (tests/browser) drive Debian's chromium with Playwright; Playwright's own browser
# download (`playwright install`) is never used.  As root, a missing chromium is installed here;
# otherwise one line says what to install (the tests skip without it, and fail under CI=true).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "browser tests: install Debian's chromium (sudo apt-get install -y chromium)"; \
	  fi; }

# The suite on every core (pytest-xdist, one test file per worker at a time; tests/conftest.py
# starts the longest files first; xdist would otherwise reorder files by test count).  Contracts
# are compiled once before the workers start, so they never write .build/ at the same time.
# `make test TEST_WORKERS=0` runs it in this one process (no worker processes).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
test: setup browser
	ape compile
	ape test tests/ -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The pure wings in well under a minute: protocol, data, storage, the command-line inputs, the error
# classes and the layer check (tests/test_layers.py).  Plain pytest without Ape's plugin, so no Anvil
# starts; tests that train (marked slow) or need the chain (marked chain by tests/conftest.py) are left out.
FAST_TESTS := tests/test_layers.py tests/unit/protocol tests/unit/data tests/unit/storage tests/unit/cli/test_inputs.py \
	tests/unit/cli/test_status_view.py tests/unit/cli/test_messages.py tests/unit/ml/search/test_study_journal.py \
	tests/unit/test_errors.py
test-fast: setup
	$(VENV)/bin/python -m pytest -p no:ape_test -m "not slow and not chain" -q $(FAST_TESTS)

# Regenerate the contract types shipped in src/bounty_client/contracts/ (after any contract change).
contracts: setup
	$(VENV)/bin/python -m bounty_client.contracts .

# Prints the gas table and the deltas against the committed snapshot; fails on a regression
# (more than 200 gas and 1% above the snapshot) or a missed target. After an intended change:
# `python bench/gas.py --update bench/gas_snapshot.json` and commit the snapshot.
gas: setup
	$(VENV)/bin/python bench/gas.py --compare bench/gas_snapshot.json

bench-eval: setup
	$(VENV)/bin/python bench/evaluation.py
	$(VENV)/bin/python bench/evaluation_ray.py

bench-train: setup
	$(VENV)/bin/python bench/training.py

bench-storage: setup
	$(VENV)/bin/python bench/storage.py

bench-search: setup
	$(VENV)/bin/python bench/search.py

bench-pruning: setup
	$(VENV)/bin/python bench/pruning.py

# The explorer's render times: a bounty with 100 scored submissions (cold and cached) and the list of 20 bounties.
bench-explorer: setup
	$(VENV)/bin/python bench/explorer.py

# The evaluation budget's estimate against a measured submission at every corner of the bounds.
bench-budget: setup
	$(VENV)/bin/python bench/budget.py

bench: gas bench-eval bench-storage

clean:
	rm -rf $(VENV) node_modules .build .cache
