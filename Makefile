# The whole set-up on a fresh machine is `make book` or `make test`; both create .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
JB     := $(BIN)/jupyter-book

.PHONY: setup book test cassettes lab benchmark clean

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
	EXOTEL_HANDBOOK_MODE=playback $(JB) build . --warningiserror --nitpick --keep-going

## Run every test: helpers, sandbox conformance, notebook regression, hygiene, the book build.
test: $(STAMP)
	EXOTEL_HANDBOOK_MODE=playback $(BIN)/python -m pytest

## Re-record every cassette from the in-process sandbox (EXOTEL_HANDBOOK_MODE=live: from your
## account), then refresh the notebooks' committed outputs by playing the new cassettes back.
cassettes: $(STAMP)
	$(BIN)/python -m helpers.notebooks record

## JupyterLab on the book, in playback mode unless EXOTEL_HANDBOOK_MODE says otherwise.
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,lab]'
	$(BIN)/jupyter lab book/

benchmark: $(STAMP)
	$(BIN)/python benchmarks/build_time.py

clean:
	rm -rf _build
