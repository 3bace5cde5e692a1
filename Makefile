# benech-publish: two commands on a fresh machine.
#   make build   create .venv, install, build content/ into out/
#   make test    the whole test suite (installs the validators it needs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .tools
ACE    := $(TOOLS)/ace/node_modules/.bin/ace-puppeteer
AXE    := $(TOOLS)/axe/node_modules/axe-core/axe.min.js

.PHONY: build test venv tools sysdeps pango louis bench clean golden images lint

build: $(STAMP) louis
	$(BIN)/benech-publish build --content content --out out --include-drafts

test: $(STAMP) tools lint
	$(BIN)/python -m pytest

# Lint and types as habits: ruff (lint + format) and mypy, configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml | pango
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# External tools the tests use: Java (EPUBCheck), Node + Debian's Chromium
# (DAISY Ace; the serve tests drive it with Playwright and run axe-core in it),
# poppler. Installing is best effort here; tests that need a
# missing tool skip with a reason locally and fail when CI=true.
APT_PKGS := poppler-utils chromium default-jre-headless

tools: sysdeps louis $(ACE) $(AXE)

# WeasyPrint needs Pango (with HarfBuzz) from the system.
pango:
	@ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing Pango for WeasyPrint"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null) \
	      || echo "warning: could not install Pango"; \
	    else echo "warning: Pango missing: install libpango-1.0-0 and libpangoft2-1.0-0"; fi; }

# The braille edition (BRF, PEF) uses liblouis, its tables and Debian's Python
# binding (docs/braille.md); without them the default build leaves braille out.
LOUIS_PKGS := liblouis-bin liblouis-data python3-louis

louis:
	@if command -v lou_translate >/dev/null && [ -f /usr/lib/python3/dist-packages/louis/__init__.py ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing liblouis for the braille edition"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(LOUIS_PKGS) >/dev/null) \
	  || echo "warning: could not install liblouis"; \
	else echo "warning: liblouis missing: install $(LOUIS_PKGS) (the braille edition is left out)"; fi

sysdeps:
	@missing=""; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing"; \
	  else echo "warning: missing$$missing (installing needs root and apt-get)"; fi; \
	fi

$(ACE): | sysdeps
	@if command -v npm >/dev/null; then \
	  mkdir -p $(TOOLS)/ace && \
	  (cd $(TOOLS)/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --ignore-scripts @daisy/ace@1.4.6 >/dev/null) \
	  || echo "warning: could not install DAISY Ace"; \
	else echo "warning: npm missing: DAISY Ace not installed"; fi

# axe-core, injected into pages opened in Chromium (tests/validators.py: axe()).
$(AXE): | sysdeps
	@if command -v npm >/dev/null; then \
	  mkdir -p $(TOOLS)/axe && \
	  (cd $(TOOLS)/axe && npm install --silent --no-audit --no-fund --ignore-scripts axe-core@4.14.1 >/dev/null) \
	  || echo "warning: could not install axe-core"; \
	else echo "warning: npm missing: axe-core not installed"; fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

# PNG snapshots of page 1 of each edition for the docs (look at them before committing).
SNAPSHOT_OUT := out/snapshots
images: $(STAMP)
	rm -rf $(SNAPSHOT_OUT)
	SOURCE_DATE_EPOCH=1767225600 $(BIN)/benech-publish build --content content --out $(SNAPSHOT_OUT) --include-drafts --format pdf
	pdftoppm -r 60 -png -f 1 -l 1 -singlefile $(SNAPSHOT_OUT)/pdf/en/facial-nerve-hemispasm.pdf docs/images/leaflet-en-p1
	pdftoppm -r 60 -png -f 1 -l 1 -singlefile $(SNAPSHOT_OUT)/pdf/en/facial-nerve-hemispasm.large.pdf docs/images/leaflet-en-large-p1
	pdftoppm -r 60 -png -f 1 -l 1 -singlefile $(SNAPSHOT_OUT)/pdf/it/emispasmo-facciale.pdf docs/images/leaflet-it-p1
	pdftoppm -r 60 -png -f 1 -l 1 -singlefile $(SNAPSHOT_OUT)/pdf/it/booklet.pdf docs/images/booklet-it-cover
	pdftoppm -r 60 -png -f 1 -l 1 -singlefile $(SNAPSHOT_OUT)/pdf/it/booklet.large.pdf docs/images/booklet-it-large-cover

golden: $(STAMP)
	$(BIN)/python -m pytest tests --update-golden -q

clean:
	rm -rf out .pytest_cache
