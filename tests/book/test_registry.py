"""The source registry: every citation resolves, every excerpt has a date, the disagreements are
generated from it, uncited claims about Exotel fail the lint, and `verify` finds a page's lost
excerpt (offline, against saved copies on a loopback server)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import importlib
import inspect
import re
import threading
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers.book import claims
from helpers.book.errors import SourcesError
from helpers.book.sources import REGISTRY, citations, http_fetcher, load, main, parse, verify
from tests.support.book_paths import BOOK, api_reference_text

ROOT = BOOK.parent
#: Pages whose every claim about Exotel must cite the registry.
ENFORCED = sorted(page.name for page in BOOK.glob("*.md"))
#: The disagreements between Exotel's pages that issue 20 listed; each must be a generated row.
KNOWN_DISAGREEMENTS = {
    "regenerate",
    "wrong-region-status",
    "wrong-account-sid-status",
    "plain-http",
    "sms-over-limit",
    "default-rate-limit",
    "ip-allowlist",
    "token-visible-again",
    "contact-address",
    "v2-host",
    "low-balance-status",
    "webhook-window",
    "sms-callback-setting",
    "whatsapp-limit",
    "concurrent-calls",
    "v2-status",
    "api-key-secret",
    "basic-auth-username",
    "error-body-code",
    "answered-callback-when",
}


@pytest.fixture(scope="module")
def registry():
    return load()


def raw():
    return yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))


def test_every_excerpt_has_the_date_it_was_read_and_a_document_read_that_day(registry):
    for excerpt in registry.excerpts.values():
        assert isinstance(excerpt.read, dt.date), excerpt.id
        assert excerpt.read in {v.read for v in excerpt.document.versions}, excerpt.id


def test_an_excerpt_without_a_date_is_refused():
    data = raw()
    del data["excerpts"]["faq.regenerate-immediate"]["read"]
    with pytest.raises(SourcesError, match="faq.regenerate-immediate: missing read"):
        parse(data)


def test_an_excerpt_of_an_unknown_document_is_refused():
    data = raw()
    data["excerpts"]["faq.regenerate-immediate"]["document"] = "no-such-page"
    with pytest.raises(SourcesError, match="no document 'no-such-page'"):
        parse(data)


def test_a_date_that_is_not_a_date_is_refused():
    data = raw()
    data["excerpts"]["faq.regenerate-immediate"]["read"] = "yesterday"
    with pytest.raises(SourcesError, match="'yesterday' is not a date"):
        parse(data)


def test_a_topic_value_without_its_topic_is_refused():
    data = raw()
    data["excerpts"]["faq.regenerate-immediate"]["topic"] = "no-such-topic"
    with pytest.raises(SourcesError, match="no topic 'no-such-topic'"):
        parse(data)


def test_an_unknown_citation_names_the_registry_and_the_fix(registry):
    with pytest.raises(SourcesError, match="no excerpt or topic 'faq.nope' in sources.yaml"):
        registry.cite("faq.nope")


def test_every_disagreement_the_issue_listed_is_a_generated_row(registry):
    assert KNOWN_DISAGREEMENTS - {topic.id for topic in registry.disagreements()} == set()


def test_a_topic_with_one_value_is_not_a_disagreement(registry):
    assert not registry.topics["v2-call-statuses"].disputed


def test_each_disagreement_has_two_values_each_with_a_dated_excerpt(registry):
    for topic in registry.disagreements():
        assert len(topic.values) >= 2, topic.id
        for excerpts in topic.values.values():
            assert all(e.read and e.text for e in excerpts), topic.id


def cited_sources() -> dict[str, list[str]]:
    """Every citation in the book: Markdown pages, notebooks' Markdown, docstrings in helpers."""
    found = {}
    for page in BOOK.glob("*.md"):
        found[page.name] = citations(page.read_text(encoding="utf-8"))
    for notebook in BOOK.glob("*.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        found[notebook.name] = citations(
            "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        )
    for module in (ROOT / "helpers").rglob("*.py"):
        if "book" in module.relative_to(ROOT / "helpers").parts[:1]:
            continue  # the machinery's docstrings show the syntax itself
        found[str(module.relative_to(ROOT))] = citations(module.read_text(encoding="utf-8"))
    return found


def test_every_citation_in_the_book_resolves(registry):
    unknown = {
        where: [key for key in keys if key not in registry.excerpts and key not in registry.topics]
        for where, keys in cited_sources().items()
    }
    assert {where: keys for where, keys in unknown.items() if keys} == {}


def test_the_sources_page_cites_and_generates_from_the_registry():
    text = (BOOK / "sources.md").read_text(encoding="utf-8")
    assert ":::{exotel-disagreements}" in text and ":::{exotel-registry}" in text
    assert citations(text)


@pytest.mark.parametrize("page", ENFORCED)
def test_every_claim_about_exotel_on_the_page_cites_the_registry(page):
    assert claims.uncited((BOOK / page).read_text(encoding="utf-8")) == [], HOW_TO_CITE


def documented_docstrings():
    """Every docstring the API reference renders, with where it is."""
    for name in re.findall(r"automodule:: (\S+)", api_reference_text()):
        module = importlib.import_module(name)
        yield name, inspect.getdoc(module) or ""
        for attr, obj in vars(module).items():
            if getattr(obj, "__module__", None) != name:
                continue
            yield f"{name}.{attr}", inspect.getdoc(obj) or ""
            for member_name, member in vars(obj).items() if inspect.isclass(obj) else ():
                target = member.fget if isinstance(member, property) else member
                if callable(target):
                    yield f"{name}.{attr}.{member_name}", inspect.getdoc(target) or ""


HOW_TO_CITE = (
    "each sentence below states something about Exotel without a citation: add "
    ":exotel:`<excerpt>` after it (an excerpt of helpers/book/sources.yaml, or a new one with "
    "the page's words and the date you read them), or say it without naming Exotel"
)


def test_every_claim_about_exotel_in_the_api_reference_cites_the_registry():
    found = {where: claims.uncited(doc) for where, doc in documented_docstrings()}
    assert {where: uncited for where, uncited in found.items() if uncited} == {}, HOW_TO_CITE


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_claim_about_exotel_in_a_chapters_prose_cites_the_registry(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    found = [
        sentence
        for cell in cells
        if cell.cell_type == "markdown"
        for sentence in claims.uncited(cell.source)
    ]
    assert found == [], HOW_TO_CITE


def test_a_planted_uncited_claim_fails_the_lint():
    page = (BOOK / "sources.md").read_text(encoding="utf-8")
    planted = page + "\nExotel retries a webhook 5 times within 30 seconds.\n"
    assert claims.uncited(planted) == ["Exotel retries a webhook 5 times within 30 seconds."]


def test_a_cited_claim_or_a_link_to_its_disagreement_passes_the_lint():
    assert claims.uncited("Exotel answers 429 {exotel}`guide.rate-limit-table`.") == []
    assert claims.uncited("Exotel answers 401 or 404 {exotel}`wrong-region-status`.") == []
    assert claims.uncited("Exotel answers 401 or 404 ([why](#exotel-disagreements)).") == []


def test_a_link_to_an_exotel_page_is_not_a_claim_about_a_host():
    assert claims.uncited("See [the guide](https://api.exotel.com/docs).") == []


def test_the_allow_list_is_short_and_every_entry_has_a_reason():
    assert len(claims.ALLOWED) <= 8
    assert all(reason.strip() for reason in claims.ALLOWED.values())


# --- verify, offline ---------------------------------------------------------------------------


def saved_copies(folder: Path, registry, drop: str, missing_document: str) -> None:
    """A page per document holding its excerpts as HTML (entities, tags, other quotes)."""
    for document in registry.documents.values():
        if document.id == missing_document:
            continue
        parts = [
            f"<p>Before.</p><td>{html.escape(e.text).replace(' ', ' <b></b>', 1)}</td>"
            for e in registry.excerpts.values()
            if e.document is document and e.id != drop
        ]
        body = "<html><script>var hidden = 1;</script><body>" + "".join(parts) + "</body></html>"
        target = folder / re.sub(r"^https?://", "", document.url)
        if document.url.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")


@pytest.fixture
def mirror(tmp_path, registry):
    saved_copies(tmp_path, registry, drop="faq.regenerate-immediate", missing_document="blog")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_verify_reports_an_excerpt_no_longer_on_its_page(mirror, registry):
    with http_fetcher(via=mirror, timeout=5) as fetch:
        findings = verify(registry, fetch)
    lost = {e.id for f in findings if f.problem.startswith("excerpts") for e in f.excerpts}
    assert lost == {"faq.regenerate-immediate"}


def test_verify_reports_a_page_it_could_not_fetch_and_carries_on(mirror, registry):
    with http_fetcher(via=mirror, timeout=5) as fetch:
        findings = verify(registry, fetch)
    unfetched = {f.document.id for f in findings if f.problem.startswith("not fetched")}
    assert unfetched == {"blog"}


def test_verify_on_the_command_line_exits_1_and_names_what_to_review(mirror, capsys):
    assert main(["verify", "--via", mirror, "--timeout", "5"]) == 1
    out = capsys.readouterr().out
    assert "faq.regenerate-immediate" in out and "Access Control For Exotel APIs" in out


def test_check_on_the_command_line_counts_the_registry(capsys):
    assert main(["check"]) == 0
    assert "disagreements" in capsys.readouterr().out


def test_every_endpoint_cites_a_page_in_the_registry(registry):
    from helpers.endpoints import ENDPOINTS

    urls = {document.url for document in registry.documents.values()}
    assert {e.name: e.source for e in ENDPOINTS.values() if e.source not in urls} == {}
