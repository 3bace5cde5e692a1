# benech-publish: two commands on a fresh machine.
#   make build   create .venv, install, build content/ into out/
#   make test    the whole test suite (installs the validators it needs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .tools
ACE    := $(TOOLS)/ace/node_modules/.bin/ace-puppeteer

.PHONY: build test venv tools bench clean golden

build: $(STAMP)
	$(BIN)/benech-publish build --content content --out out

test: $(STAMP) tools
	$(BIN)/python -m pytest

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# External validators the tests use: poppler (pdftoppm), Debian's Chromium and
# DAISY Ace (npm). Installing is best effort here; tests that need a missing
# tool skip with a reason locally and fail when CI=true.
tools: $(ACE)
	@command -v pdftoppm >/dev/null && command -v chromium >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils chromium >/dev/null) \
	      || echo "warning: could not install poppler-utils/chromium"; \
	    else echo "warning: poppler-utils or chromium missing (needs root to install)"; fi; }

$(ACE):
	@if command -v npm >/dev/null; then \
	  mkdir -p $(TOOLS)/ace && \
	  (cd $(TOOLS)/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --ignore-scripts @daisy/ace@1 >/dev/null) \
	  || echo "warning: could not install DAISY Ace"; \
	else echo "warning: npm missing: DAISY Ace not installed"; fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

golden: $(STAMP)
	$(BIN)/python -m pytest tests --update-golden -q

clean:
	rm -rf out .pytest_cache
