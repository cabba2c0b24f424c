# The whole set-up on a fresh machine is `make book` or `make test`; both create .venv first.
PYTHON ?= python3
PORT   ?= 4010
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
JB     := $(BIN)/jupyter-book

.PHONY: setup lint browser book test check workshop cassettes lab benchmark clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# Build matplotlib's font cache now: building it inside a notebook prints to stderr.
	$(BIN)/python -c "import matplotlib.font_manager"
	touch $(STAMP)

setup: $(STAMP)

## Build the site into _build/html, executing every notebook from the cassettes.
book: $(STAMP)
	EXOTEL_HANDBOOK_MODE=playback $(JB) build . --all --warningiserror --nitpick --keep-going

## ruff (lint and format, notebooks included: book/ruff.toml keeps them to 80 columns) and
## codespell on prose and code. The same checks run in .pre-commit-config.yaml.
LINTED := helpers tests benchmarks book _ext
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/codespell README.md _config.yml _toc.yml .github $(LINTED)

## Debian's chromium for the browser test (tests/test_site_browser.py, driven by playwright, which
## never downloads a browser of its own). Installed with apt-get when missing and this user may;
## otherwise the browser tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get):" \
	      "the browser tests will skip"; \
	  fi; }

## Lint, then every test: helpers, sandbox conformance, notebook regression, hygiene, the build,
## and the built site in chromium.
test: lint browser
	EXOTEL_HANDBOOK_MODE=playback $(BIN)/python -m pytest

## Is this machine ready for the workshop? Says what is missing, in plain words.
check:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python {v[0]}.{v[1]} is too old: the handbook needs 3.11 or newer. Install it, then: make check PYTHON=python3.11")'
	@$(MAKE) --no-print-directory setup
	@$(BIN)/python -m helpers.book.check_setup --port $(PORT)

## The sandbox on 127.0.0.1:$(PORT) and JupyterLab side by side; prints the demo credentials,
## the URLs and curl commands. Ctrl-C stops both.
workshop: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,lab]'
	$(BIN)/python -m helpers.book.workshop --port $(PORT)

## Re-record every cassette from the in-process sandbox (EXOTEL_HANDBOOK_MODE=live: from your
## account), then refresh the notebooks' committed outputs by playing the new cassettes back.
cassettes: $(STAMP)
	$(BIN)/python -m helpers.book.rerecord record

## JupyterLab on the book, in playback mode unless EXOTEL_HANDBOOK_MODE says otherwise.
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,lab]'
	$(BIN)/jupyter lab book/

## The speed targets as ratios: imports, build against its floor (no notebook code), and
## make test against make book (runs every test; NO_TESTS=1 leaves that out).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/ratios.py $(if $(NO_TESTS),--no-tests)

clean:
	rm -rf _build
