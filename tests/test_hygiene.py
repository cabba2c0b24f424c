"""Secrets never land in the repo: not in cassettes, not in notebook outputs, not in code."""

from __future__ import annotations

import json
import re
import subprocess

import nbformat
import pytest
import yaml
from book_paths import CASSETTES, NOTEBOOKS, ROOT
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

from helpers.book.redaction import basic_value
from helpers.sandbox import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN

CASSETTE_FILES = sorted(CASSETTES.rglob("*.yaml"))
# The sandbox's demo credentials are harmless, but a notebook run live prints the reader's real
# ones in the same places, so none of them may appear in any form.
FORBIDDEN = {
    "the demo API key": DEMO_API_KEY,
    "the demo API token": DEMO_API_TOKEN,
    "base64(key:token)": basic_value(DEMO_API_KEY, DEMO_API_TOKEN),
    "base64(sid:token)": basic_value(DEMO_ACCOUNT_SID, DEMO_API_TOKEN),
}
BASIC_HEADER = re.compile(r"Basic [A-Za-z0-9+/=]{8,}")
USERINFO = re.compile(r"://[^/@\s\"'<>{}]+:[^/@\s\"'<>{}]+@")


def leaks(text: str) -> list[str]:
    found = [name for name, value in FORBIDDEN.items() if value in text]
    found += [f"Basic value {m}" for m in BASIC_HEADER.findall(text)]
    found += [f"user:password@ in {m}" for m in USERINFO.findall(text)]
    return found


def test_there_are_cassettes_for_every_chapter():
    assert {p.stem for p in NOTEBOOKS} <= {p.parent.name for p in CASSETTE_FILES}


@pytest.mark.parametrize("cassette", CASSETTE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_cassette_holds_no_credentials(cassette):
    text = cassette.read_text()
    assert leaks(text) == []
    for interaction in yaml.safe_load(text)["interactions"]:
        headers = {name.lower() for name in interaction["request"]["headers"]}
        assert not headers & {"authorization", "cookie", "proxy-authorization"}
        assert "@" not in interaction["request"]["uri"]


def output_text(notebook) -> str:
    parts = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            parts.append(json.dumps(output))
    return "\n".join(parts)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_show_no_credentials(notebook):
    assert leaks(output_text(notebook)) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed(notebook):
    cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    assert cells and all(c.execution_count is not None for c in cells)


def test_leak_check_catches_each_form_of_credential():
    for value in FORBIDDEN.values():
        assert leaks(f"printed: {value}")
    assert leaks("Authorization: Basic c2FuZGJveDpzZWNyZXQ=")
    assert leaks("https://someone:pa55@api.exotel.com/v1/")  # pragma: allowlist secret


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [
        f for f in listed.stdout.splitlines() if f != ".secrets.baseline" and (ROOT / f).is_file()
    ]


def test_detect_secrets_finds_nothing_beyond_the_audited_baseline(monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = json.loads((ROOT / ".secrets.baseline").read_text())["results"]
    audited = {(f, s["hashed_secret"], s["type"]) for f, found in baseline.items() for s in found}
    secrets = SecretsCollection()
    with default_settings():
        secrets.scan_files(*tracked_files())
    new = sorted({(f, s.secret_hash, s.type) for f, s in secrets} - audited)
    assert new == [], f"possible secrets (audit them, or add to .secrets.baseline if false): {new}"
