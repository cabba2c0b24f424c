# The whole set-up on a fresh machine is `make book` or `make test`; both create .venv first.
# Once set up, nothing here needs the network: the stamps below say what is already installed.
PYTHON   ?= python3
PORT     ?= 4010
LAB_PORT ?= 8888
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed-dev
LAB_STAMP := $(VENV)/.installed-lab
JB        := $(BIN)/jupyter-book
# setuptools explains how editable installs work on every install ("Editable installation. Please
# be careful with folders..."); nothing in it to act on, so it is filtered out.
PIP       := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet
# pytest-xdist workers for `make test`: one per core, at most four (each collects every test and
# runs its own browser); the run shares one book build between them (tests/support/shared_builds.py).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
# JupyterLab refuses to start as root (containers, devcontainers) unless told it may.
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# Python keeps its bytecode caches (__pycache__/, gitignored) here even where the environment says
# not to, as many container images do: otherwise every kernel, server and test process compiles
# the handbook's modules again, and every test worker rewrites every test module's asserts again.
unexport PYTHONDONTWRITEBYTECODE
# apt-get waits for another install (a second make, unattended upgrades) instead of failing at once.
APT := apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3

.PHONY: setup setup-lab lint browser postgresql node node-tools snippets book lite-lock test test-quick chaos \
	check workshop cassettes chapter lab benchmark screenshots linkcheck verify-sources clean

$(STAMP): pyproject.toml constraints.txt
	@echo "Setting up $(VENV) (a few minutes the first time; afterwards no network is needed):"
	@echo "  [1/2] creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "  [2/2] installing the project and its tools, as constraints.txt locks them"
	@$(PIP) --upgrade pip
	@$(PIP) -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

## JupyterLab (the `lab` extra), once: `make workshop` and `make lab` then start without pip.
$(LAB_STAMP): $(STAMP)
	@echo "Installing JupyterLab into $(VENV) (once; needs the package index)"
	@$(PIP) -c constraints.txt -e '.[dev,lab]'
	@touch $(LAB_STAMP)

setup-lab: $(LAB_STAMP)

## Build the site into _build/html, executing every notebook from the cassettes, then the
## in-browser lab into _build/html/lite (helpers/book/lite/): Pyodide and the wheels lite/lock.json
## names are fetched from npm and PyPI once, into ~/.cache/exotel-handbook/lite; after that, and
## while nothing it is made of changes, the lab is copied from that cache.
book: $(STAMP)
	EXOTEL_HANDBOOK_MODE=playback $(JB) build . --all --warningiserror --nitpick --keep-going
	$(BIN)/python -m helpers.book.lite build --out _build/html/lite

## Resolve the in-browser lab's wheels again (PyPI and npm) and rewrite lite/lock.json.
lite-lock: $(STAMP)
	$(BIN)/python -m helpers.book.lite lock

## ruff (lint and format, notebooks included: book/ruff.toml keeps them to 80 columns) and
## codespell on prose and code. The same checks run in .pre-commit-config.yaml.
LINTED := helpers tests benchmarks book _ext
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/codespell README.md _config.yml _toc.yml .github $(LINTED)

## Debian's headless chromium for the browser tests (tests/site/test_site_browser.py, driven by
## playwright, which never downloads a browser of its own): chromium-headless-shell, the headless
## build Playwright itself runs. Installed with apt-get when missing and this user may; where it
## cannot be, the tests use an installed chromium, or else skip and say why.
browser:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    $(APT) update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium-headless-shell; \
	  elif command -v chromium >/dev/null 2>&1; then \
	    echo "chromium-headless-shell is missing and cannot be installed here (needs root and" \
	      "apt-get): the browser tests will use chromium"; \
	  else \
	    echo "chromium-headless-shell is missing and cannot be installed here (needs root and" \
	      "apt-get): the browser tests will skip"; \
	  fi; }

## Debian's PostgreSQL server binaries (initdb, pg_ctl) for the receiver's PostgreSQL store:
## tests/support/postgres_server.py starts a throwaway server from them in a temporary folder. Installed
## with apt-get when missing and this user may; otherwise those tests skip and say why.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq postgresql; \
	  else \
	    echo "PostgreSQL is missing and cannot be installed here (needs root and apt-get):" \
	      "the receiver's PostgreSQL tests will skip"; \
	  fi; }

## Node.js and npm for the snippets' Node.js tabs (tests/book/test_snippets.py): Debian's nodejs and npm
## with apt-get when missing and this user may, then Express and friends from
## package-lock.json (npm ci, again whenever the lock file changes), into ./node_modules, outside
## book/ (Node finds it from the snippets' folders). Without them the Node.js snippets skip and
## say why. The book's build never needs Node.js.
NODE_MODULES := node_modules/.package-lock.json
node: node-tools $(NODE_MODULES)
	@true

node-tools:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq nodejs npm; \
	  else \
	    echo "node or npm is missing and cannot be installed here (needs root and apt-get):" \
	      "the Node.js snippets will skip"; \
	  fi; }

$(NODE_MODULES): package-lock.json package.json | node-tools
	@if command -v npm >/dev/null 2>&1; then \
	  echo "npm ci (package-lock.json changed)"; \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_MODULES); \
	fi

## Run every snippet in book/snippets/ against a fresh loopback sandbox and rewrite the outputs
## committed beside them (check with: .venv/bin/python -m helpers.book.snippets check).
snippets: $(STAMP) node
	$(BIN)/python -m helpers.book.snippets record

## Lint, then every test: helpers, sandbox conformance, notebook regression, hygiene, the build,
## the built site in chromium, the snippets in curl, Node.js and Python, the webhook receiver
## on SQLite and on PostgreSQL, and the workshop with JupyterLab.
test: lint browser postgresql node $(LAB_STAMP)
	EXOTEL_HANDBOOK_MODE=playback $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

## The long attack scenarios (tests marked chaos; make test skips them): each server attacked on
## loopback only, in child processes, bounded in count and time: the sandbox under memory and
## open-file limits; the receiver flooded while PostgreSQL restarts, freezes or loses its backends,
## its disk fills, a poison event kills it, or one of three receivers is killed. Then the
## receiver's figures per scenario (benchmarks/chaos.py): acknowledged, stored, handled, twice,
## lost, and how long health took to turn and to recover.
chaos: $(STAMP) postgresql
	@rm -f _build/chaos/receiver.jsonl
	HANDBOOK_CHAOS=1 EXOTEL_HANDBOOK_MODE=playback $(BIN)/python -m pytest -m chaos tests; \
	  status=$$?; $(BIN)/python benchmarks/chaos.py; exit $$status

## The library's, the sandbox's and the receiver's tests and doctests: no book build, no browser,
## no lint. While changing helpers/; `make test` before you push.
QUICK := tests/library tests/sandbox tests/receiver helpers --ignore=helpers/book
test-quick: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(QUICK)

## Fetch every Exotel page the book cites (Sphinx's linkcheck; needs the network), weekly in CI
## (.github/workflows/linkcheck.yml). The report: _build/html/output.txt (jupyter-book writes
## every builder's output to _build/html).
linkcheck: $(STAMP)
	EXOTEL_HANDBOOK_MODE=playback $(JB) build . --all --builder linkcheck

## Full-page screenshots of every page at 1280, 390 and 320 px, each in light and in dark mode
## (errors.png, errors-dark.png, errors-390.png, ...), in test-artifacts/screenshots/, taken
## while the browser tests run against the site `make book` built (build it first).
screenshots: browser
	HANDBOOK_SITE=_build/html HANDBOOK_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser \
	  tests/site/test_site_browser.py

## Fetch every Exotel page the registry cites (helpers/book/sources.yaml; needs the network) and
## list the excerpts no longer found on them; weekly in CI beside linkcheck.
verify-sources: $(STAMP)
	$(BIN)/python -m helpers.book.sources verify

## Is this machine ready for the workshop? Says what is missing, in plain words.
check:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python {v[0]}.{v[1]} is too old: the handbook needs 3.11 or newer. Install it, then: make check PYTHON=python3.11")'
	@$(MAKE) --no-print-directory --silent $(STAMP)
	@$(BIN)/python -m helpers.book.check_setup --port $(PORT) --lab-port $(LAB_PORT)

## The sandbox on 127.0.0.1:$(PORT) and JupyterLab on $(LAB_PORT) side by side; prints the demo
## credentials, the URLs and curl commands once both answer. Ctrl-C stops both.
workshop: $(LAB_STAMP)
	@$(BIN)/python -m helpers.book.workshop --port $(PORT) --lab-port $(LAB_PORT)

## Re-record every cassette from the in-process sandbox (EXOTEL_HANDBOOK_MODE=live: from your
## account), then refresh the notebooks' committed outputs by playing the new cassettes back.
cassettes: $(STAMP)
	$(BIN)/python -m helpers.book.rerecord record

## A new chapter: book/$(NAME).ipynb with the skeleton every chapter shares, added to _toc.yml and
## recorded from the sandbox (README, "Adding a chapter"). TITLE="..." sets its title.
chapter: $(STAMP)
	@$(BIN)/python -m helpers.book.scaffold "$(NAME)" $(if $(TITLE),--title "$(TITLE)")

## JupyterLab on the book, in playback mode unless EXOTEL_HANDBOOK_MODE says otherwise. Saving a
## chapter leaves it as committed (helpers/book/notebook_format.py, as jupyter_server's pre-save hook).
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.port=$(LAB_PORT) \
	  --ContentsManager.pre_save_hook=helpers.book.notebook_format.pre_save_hook book/

## The speed targets as ratios: imports, build against its floor (no notebook code), and
## make test against make book (runs every test; NO_TESTS=1 leaves that out).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/ratios.py $(if $(NO_TESTS),--no-tests)

clean:
	rm -rf _build
