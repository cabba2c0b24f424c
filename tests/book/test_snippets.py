"""The copy-and-paste snippets (book/snippets/): each runs against a fresh loopback sandbox and
prints what is committed beside it, and each is on a page. One loopback server serves the whole
module, with a new sandbox behind it for each snippet.

Regenerate the committed outputs with ``make snippets``. Node.js snippets skip, saying why, when
``node`` is missing (``make test`` installs it as root), or Express when ``make node`` has not run.
"""

from __future__ import annotations

import re

import httpx
import nbformat
import pytest

from helpers.book.snippets import (
    LANGUAGES,
    SNIPPETS,
    SharedSandbox,
    Snippet,
    all_snippets,
    difference,
    load_setups,
    run,
)
from helpers.sandbox import DEMO_API_KEY, DEMO_API_TOKEN
from helpers.sandbox.accounts import DEMO_ACCOUNT_SID
from tests.book.test_hygiene import leaks
from tests.support.book_paths import NOTEBOOKS

SNIPPET_FILES = all_snippets()
INCLUDE = re.compile(r"```\{literalinclude\}\s+(snippets/\S+)")


def included_paths() -> set[str]:
    """Every file a chapter's markdown cells include with ``literalinclude``."""
    found = set()
    for notebook in NOTEBOOKS:
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "markdown":
                found |= set(INCLUDE.findall(cell.source))
    return found


@pytest.fixture(scope="module")
def setups():
    return load_setups()


@pytest.fixture(scope="module")
def sandbox_process():
    with SharedSandbox() as shared:
        yield shared


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda s: s.id)
def test_snippet_prints_its_committed_output_against_the_sandbox(snippet, setups, sandbox_process):
    if reason := snippet.missing_tool():
        pytest.skip(reason)
    done = run(snippet, setups, sandbox_process)
    assert done.returncode == 0, f"{snippet.id} exited {done.returncode}:\n{done.stderr}"
    diff = difference(snippet, done.stdout)
    assert not diff, f"{snippet.id} printed something else (make snippets to accept):\n{diff}"


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda s: s.id)
def test_snippet_has_a_committed_output(snippet):
    assert snippet.expected_path.read_text().strip()


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda s: s.id)
def test_snippet_and_its_output_are_shown_on_a_page(snippet):
    shown = included_paths()
    relative = snippet.path.relative_to(SNIPPETS.parent).as_posix()
    assert relative in shown
    assert relative + ".out" in shown


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda s: s.id)
def test_snippet_output_shows_no_credentials(snippet):
    assert leaks(snippet.expected_path.read_text()) == []


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda s: s.id)
def test_snippet_reads_credentials_from_the_environment(snippet):
    source = snippet.path.read_text()
    assert DEMO_API_KEY not in source and DEMO_API_TOKEN not in source
    assert "EXOTEL_API_TOKEN" in source


def test_each_reset_puts_a_fresh_sandbox_behind_the_same_ports(sandbox_process):
    sandbox_process.reset()
    created = httpx.post(
        f"{sandbox_process.origin}/_sandbox/admin/keys", data={"label": "left over"}
    )
    assert created.status_code == 201
    sandbox_process.reset()
    keys = httpx.get(f"{sandbox_process.origin}/_sandbox/admin/keys").json()["keys"]
    assert [k["label"] for k in keys] == ["default"]


def test_the_other_port_plays_the_other_region_and_refuses_the_demo_key(sandbox_process):
    sandbox_process.reset()
    calls = f"/v1/Accounts/{DEMO_ACCOUNT_SID}/Calls.json"
    auth = (DEMO_API_KEY, DEMO_API_TOKEN)
    assert httpx.get(sandbox_process.origin + calls, auth=auth).status_code == 200
    other = f"http://127.0.0.1:{sandbox_process.other_port}"
    assert httpx.get(other + calls, auth=auth).status_code == 401


def test_there_are_a_dozen_tab_sets_on_six_pages():
    pages = {}
    for notebook in NOTEBOOKS:
        cells = nbformat.read(notebook, as_version=4).cells
        count = sum(c.source.count("::::{tab-set}") for c in cells if c.cell_type == "markdown")
        if count:
            pages[notebook.stem] = count
    assert len(pages) >= 6 and sum(pages.values()) >= 12, pages


def test_every_request_snippet_comes_in_curl_node_and_python():
    names = {}
    for snippet in SNIPPET_FILES:
        names.setdefault(snippet.key, set()).add(snippet.path.suffix)
    receivers = {k for k in names if k.startswith("webhooks/") and "express" in k}
    incomplete = {
        k: v for k, v in names.items() if k not in receivers and not {".sh", ".mjs", ".py"} <= v
    }
    assert incomplete == {}


def test_every_setup_in_snippets_toml_names_a_snippet(setups):
    assert set(setups) <= {s.key for s in SNIPPET_FILES}


def test_an_unknown_setting_in_snippets_toml_is_an_error_naming_the_valid_ones(tmp_path):
    config = tmp_path / "snippets.toml"
    config.write_text('["intro/x"]\nflags = ["--frozen-clock"]\n')
    with pytest.raises(
        ValueError, match="unknown setting \\['flags'\\]; use sandbox, setup or key"
    ):
        load_setups(config)


def test_a_changed_output_fails_with_a_unified_diff(tmp_path):
    snippet = Snippet(tmp_path / "intro" / "hello.sh")
    snippet.path.parent.mkdir()
    snippet.expected_path.write_text("HTTP 200\n")
    diff = difference(snippet, "HTTP 401\n")
    assert "-HTTP 200" in diff and "+HTTP 401" in diff
    assert "intro/hello.sh.out (committed)" in diff


def test_a_json_body_with_or_without_a_final_newline_compares_equal(tmp_path):
    snippet = Snippet(tmp_path / "intro" / "hello.sh")
    snippet.path.parent.mkdir()
    snippet.expected_path.write_text('{"Calls":[]}\n{"Calls":[]}\n')
    assert difference(snippet, '{"Calls":[]}\n\n{"Calls":[]}\n\n') == ""


def test_each_language_has_a_tab_label_and_a_runner():
    for extension, language in LANGUAGES.items():
        assert extension.startswith(".") and language.label and language.command


def test_a_node_snippet_says_why_it_skips_without_node(monkeypatch):
    monkeypatch.setattr("helpers.book.snippets.shutil.which", lambda tool: None)
    snippet = Snippet(SNIPPETS / "authentication" / "header-auth.mjs")
    assert snippet.missing_tool() == (
        "node is not installed (make test installs it with apt-get as root)"
    )


def test_the_express_snippets_say_to_run_make_node_without_node_modules(monkeypatch, tmp_path):
    monkeypatch.setattr("helpers.book.snippets.shutil.which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr("helpers.book.snippets.NODE_MODULES", tmp_path / "node_modules")
    snippet = Snippet(SNIPPETS / "webhooks" / "guide-express.cjs")
    assert "run `make node` (npm ci in the repository root)" in snippet.missing_tool()
