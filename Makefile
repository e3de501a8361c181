# The two commands of the README, and the steps they share.
#   make lab    set everything up, then start JupyterLab on the lesson notebook
#   make test   set everything up, then run every check and test: tsc, eslint and vitest;
#               ruff, ruff format --check and mypy; pytest with the browser tests
# Every step is idempotent: a second run only rebuilds what changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := lab

VENV := .venv
BIN := $(VENV)/bin
LESSON := 01_pytorch_can_differentiate.ipynb
# torch is pinned here, not in pyproject.toml: this release lies on this machine's disk,
# and asking pip for any other torch may download a multi-GB CUDA build.
TORCH := torch==2.13.0
# Classrooms are often offline: no news feed, no update check (and no news prompt, see below).
OFFLINE_FLAGS := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

export PATH := $(CURDIR)/$(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: lab test bench build setup code-server

lab: setup
	@echo "Starting JupyterLab on examples/$(LESSON): open the http://127.0.0.1 URL it prints."
	$(BIN)/jupyter lab --no-browser $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 \
		--ServerApp.root_dir=examples --LabApp.default_url=/lab/tree/$(LESSON) \
		$(OFFLINE_FLAGS)

test: setup /usr/bin/chromium code-server
	npm test
	$(BIN)/ruff check py_src && $(BIN)/ruff format --check py_src && $(BIN)/mypy py_src/torchinspect
	$(BIN)/python -m pytest

# Not one of the two Quick start commands: benchmarks against the anchors, printed as tables.
# `make bench FAMILIES=tensors` runs one family.
bench: setup /usr/bin/chromium /usr/bin/dot
	cd bench && ../$(BIN)/python run.py $(FAMILIES)

setup: $(VENV)/.installed build

build: node_modules/.package-lock.json $(VENV)/.installed
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(VENV)/.installed: pyproject.toml package.json Makefile
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet --editable ".[dev,bench]"
	$(BIN)/jupyter-builder develop --overwrite .
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyterlab/apputils-extension:announcements
	touch $@

# VS Code (code-server 4.100.3, Node 20) for tests/e2e/test_vscode_real.py: cached in .cache/.
code-server:
	tools/setup_code_server.sh

/usr/bin/chromium:
	$(if $(ROOT_FLAG),,sudo) apt-get update -qq
	$(if $(ROOT_FLAG),,sudo) apt-get install -y -qq chromium

# Graphviz's dot renders torchviz's graphs in the browser family of the benchmarks.
/usr/bin/dot:
	$(if $(ROOT_FLAG),,sudo) apt-get update -qq
	$(if $(ROOT_FLAG),,sudo) apt-get install -y -qq graphviz
