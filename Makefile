# The whole set-up on a fresh machine is `make book` or `make test`; both create .venv first.
PYTHON ?= python3
PORT   ?= 4010
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
JB     := $(BIN)/jupyter-book

.PHONY: setup lint browser postgresql node node-tools snippets book test check workshop cassettes lab benchmark clean

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

## Debian's PostgreSQL server binaries (initdb, pg_ctl) for the receiver's PostgreSQL store:
## tests/postgres_server.py starts a throwaway server from them in a temporary folder. Installed
## with apt-get when missing and this user may; otherwise those tests skip and say why.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else \
	    echo "PostgreSQL is missing and cannot be installed here (needs root and apt-get):" \
	      "the receiver's PostgreSQL tests will skip"; \
	  fi; }

## Node.js and npm for the snippets' Node.js tabs (tests/test_snippets.py): Debian's nodejs and npm
## with apt-get when missing and this user may, then Express and friends from
## book/snippets/package-lock.json (npm ci, again whenever the lock file changes). Without them
## the Node.js snippets skip and say why. The book's build never needs Node.js.
NODE_MODULES := book/snippets/node_modules/.package-lock.json
node: node-tools $(NODE_MODULES)
	@true

node-tools:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else \
	    echo "node or npm is missing and cannot be installed here (needs root and apt-get):" \
	      "the Node.js snippets will skip"; \
	  fi; }

$(NODE_MODULES): book/snippets/package-lock.json book/snippets/package.json | node-tools
	@if command -v npm >/dev/null 2>&1; then \
	  echo "npm ci in book/snippets (package-lock.json changed)"; \
	  cd book/snippets && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; \
	fi

## Run every snippet in book/snippets/ against a fresh loopback sandbox and rewrite the outputs
## committed beside them (check with: .venv/bin/python -m helpers.book.snippets check).
snippets: $(STAMP) node
	$(BIN)/python -m helpers.book.snippets record

## Lint, then every test: helpers, sandbox conformance, notebook regression, hygiene, the build,
## the built site in chromium, the snippets in curl, Node.js and Python, and the webhook receiver
## on SQLite and on PostgreSQL.
test: lint browser postgresql node
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

benchmark: $(STAMP)
	$(BIN)/python benchmarks/build_time.py

clean:
	rm -rf _build
