"""The source registry: every Exotel page the book relies on, and the dated excerpts it cites.

The data is ``helpers/book/sources.yaml``; this module reads it, checks it (every excerpt names a
known document and a date it was read; every topic an excerpt gives exists), and derives what the
pages show from it: the disagreements (a topic given two values by two excerpts) and the
sandbox's choice per topic. ``python -m helpers.book.sources verify`` fetches each document and
reports the excerpts no longer found (``--via`` serves them from a mirror, such as saved copies
on a loopback server).

>>> registry = load()
>>> registry.excerpts["faq.regenerate-immediate"].document.short
'Security & Compliance FAQ'
>>> "regenerate" in {topic.id for topic in registry.disagreements()}
True
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .errors import SourcesError

REGISTRY = Path(__file__).with_name("sources.yaml")
#: The page the registry is rendered on, where every citation points.
SOURCES_PAGE = "book/sources"


@dataclass(frozen=True)
class Version:
    read: dt.date
    note: str = ""


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    short: str
    url: str
    versions: tuple[Version, ...]
    published: dt.date | None = None

    @property
    def last_read(self) -> dt.date:
        return max(version.read for version in self.versions)


@dataclass(frozen=True)
class Excerpt:
    id: str
    document: Document
    text: str
    read: dt.date
    section: str = ""
    topic: str = ""
    value: str = ""

    @property
    def anchor(self) -> str:
        return "exotel-" + re.sub(r"[^a-z0-9]+", "-", self.id.lower()).strip("-")


@dataclass(frozen=True)
class Topic:
    id: str
    question: str
    sandbox: str
    choice: bool
    book: str = ""
    excerpts: tuple[Excerpt, ...] = field(default=())

    @property
    def anchor(self) -> str:
        return "exotel-topic-" + self.id

    @property
    def values(self) -> dict[str, list[Excerpt]]:
        """Each distinct value the pages give, with the excerpts that give it."""
        found: dict[str, list[Excerpt]] = {}
        for excerpt in self.excerpts:
            found.setdefault(excerpt.value, []).append(excerpt)
        return found

    @property
    def disputed(self) -> bool:
        """Two values from two excerpts (of two pages, or of two places in one)."""
        return len(self.values) > 1


@dataclass(frozen=True)
class Registry:
    documents: dict[str, Document]
    excerpts: dict[str, Excerpt]
    topics: dict[str, Topic]

    def disagreements(self) -> list[Topic]:
        """Every topic given two values, in the registry's order."""
        return [topic for topic in self.topics.values() if topic.disputed]

    def cite(self, key: str) -> Excerpt | Topic:
        """The excerpt (or the topic, for a disputed question) a citation names."""
        if key in self.excerpts:
            return self.excerpts[key]
        if key in self.topics:
            return self.topics[key]
        raise SourcesError(
            f"no excerpt or topic {key!r} in {REGISTRY.name}: add it there (with the page's "
            "words and the date you read them), or cite one of its keys"
        )


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SourcesError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _require(entry: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if not entry.get(key)]
    if missing:
        raise SourcesError(f"{where}: missing {', '.join(missing)}")


def parse(data: dict) -> Registry:
    """A checked registry from the YAML's data; :class:`SourcesError` names the first problem."""
    documents = {}
    for doc_id, entry in (data.get("documents") or {}).items():
        where = f"document {doc_id}"
        _require(entry, ("title", "short", "url", "versions"), where)
        if urlsplit(entry["url"]).scheme not in {"http", "https"}:
            raise SourcesError(f"{where}: {entry['url']!r} is not a web address")
        versions = tuple(
            Version(_date(v.get("read"), f"{where}, a version"), v.get("note", ""))
            for v in entry["versions"]
        )
        published = entry.get("published")
        documents[doc_id] = Document(
            doc_id,
            entry["title"],
            entry["short"],
            entry["url"],
            versions,
            _date(published, where) if published else None,
        )
    topic_entries = data.get("topics") or {}
    excerpts = {}
    for key, entry in (data.get("excerpts") or {}).items():
        where = f"excerpt {key}"
        _require(entry, ("document", "text", "read"), where)
        if entry["document"] not in documents:
            raise SourcesError(f"{where}: no document {entry['document']!r}")
        topic = entry.get("topic", "")
        if topic and topic not in topic_entries:
            raise SourcesError(f"{where}: no topic {topic!r}")
        if topic and not entry.get("value"):
            raise SourcesError(f"{where}: gives topic {topic!r} but no value")
        document = documents[entry["document"]]
        read = _date(entry["read"], where)
        if read not in {version.read for version in document.versions}:
            raise SourcesError(
                f"{where}: read {read}, but {document.id} lists no version read that day"
            )
        excerpts[key] = Excerpt(
            key,
            document,
            " ".join(str(entry["text"]).split()),
            read,
            str(entry.get("section", "")),
            topic,
            str(entry.get("value", "")),
        )
    topics = {}
    for topic_id, entry in topic_entries.items():
        where = f"topic {topic_id}"
        _require(entry, ("question", "sandbox"), where)
        given = tuple(e for e in excerpts.values() if e.topic == topic_id)
        if not given:
            raise SourcesError(f"{where}: no excerpt gives it a value")
        topics[topic_id] = Topic(
            topic_id,
            str(entry["question"]),
            str(entry["sandbox"]),
            bool(entry.get("choice", False)),
            str(entry.get("book", "")),
            given,
        )
    return Registry(documents, excerpts, topics)


def load(path: Path = REGISTRY) -> Registry:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path.name} is not valid YAML: {exc}") from None
    return parse(data or {})


# --- citations in the book's pages -----------------------------------------------------------

#: A citation in MyST (Markdown cells, .md pages) or reStructuredText (docstrings).
CITATION = re.compile(r"\{exotel\}`([^`]+)`|:exotel:`([^`]+)`")


def citations(text: str) -> list[str]:
    """The registry keys a page's source cites, in order."""
    return [(a or b).strip() for a, b in CITATION.findall(text)]


# --- verify: is each excerpt still on its page? ----------------------------------------------


class _Text(HTMLParser):
    HIDDEN = {"script", "style", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in self.HIDDEN
        self.parts.append(" ")

    def handle_endtag(self, tag):
        self._hidden -= tag in self.HIDDEN and self._hidden > 0
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def normalise(text: str) -> str:
    """Text compared loosely: one space, straight quotes, no table bars, lower case."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "|": " "}))
    return " ".join(text.lower().split())


def page_text(body: str) -> str:
    parser = _Text()
    parser.feed(body)
    return normalise("".join(parser.parts))


@dataclass(frozen=True)
class Finding:
    document: Document
    problem: str
    excerpts: tuple[Excerpt, ...] = ()


def verify(registry: Registry, fetch: Callable[[str], str]) -> list[Finding]:
    """Each document fetched once; what could not be fetched, and each excerpt not found."""
    findings = []
    for document in registry.documents.values():
        cited = tuple(e for e in registry.excerpts.values() if e.document is document)
        try:
            text = page_text(fetch(document.url))
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
            findings.append(Finding(document, f"not fetched: {exc}", cited))
            continue
        missing = tuple(e for e in cited if normalise(e.text) not in text)
        if missing:
            findings.append(Finding(document, "excerpts no longer found", missing))
    return findings


def mirrored(url: str, via: str | None) -> str:
    """``url`` as a mirror serves it: ``{via}/{host}{path}`` (saved copies, say)."""
    if not via:
        return url
    parts = urlsplit(url)
    return f"{via.rstrip('/')}/{parts.netloc}{parts.path}"


@contextlib.contextmanager
def http_fetcher(via: str | None = None, timeout: float = 30.0) -> Iterator[Callable[[str], str]]:
    """A fetch of pages (from the mirror ``via`` if given) over one HTTP client: one TLS set-up
    and one connection per host for the whole run, not one per page."""
    import httpx

    with httpx.Client(timeout=timeout, follow_redirects=True) as client:

        def fetch(url: str) -> str:
            response = client.get(mirrored(url, via))
            response.raise_for_status()
            return response.text

        yield fetch


def report(findings: list[Finding], registry: Registry) -> str:
    lines = [
        f"{len(registry.documents)} documents, {len(registry.excerpts)} excerpts checked; "
        f"{sum(len(f.excerpts) for f in findings)} excerpts to review."
    ]
    for finding in findings:
        lines.append(f"- {finding.document.title} <{finding.document.url}>: {finding.problem}")
        lines.extend(f"    {e.id}: {e.text!r} (read {e.read})" for e in finding.excerpts)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.sources")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="read and check the registry (no network)")
    verify_cmd = commands.add_parser("verify", help="fetch every page; report missing excerpts")
    verify_cmd.add_argument("--via", help="fetch from this mirror instead: {via}/{host}{path}")
    verify_cmd.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        registry = load()
    except SourcesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        print(
            f"{len(registry.documents)} documents, {len(registry.excerpts)} excerpts, "
            f"{len(registry.topics)} topics, {len(registry.disagreements())} disagreements"
        )
        return 0
    with http_fetcher(args.via, args.timeout) as fetch:
        findings = verify(registry, fetch)
    print(report(findings, registry))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
