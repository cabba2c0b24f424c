"""Secrets never land in the repo: not in cassettes, not in notebook outputs, not in code."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings, get_settings

from helpers.book.redaction import basic_value
from helpers.sandbox import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN
from tests.support.book_paths import CASSETTES, NOTEBOOKS, ROOT

CASSETTE_FILES = sorted(CASSETTES.glob("*.json"))
# The sandbox's demo credentials are harmless, but a notebook run live prints the reader's real
# ones in the same places, so none of them may appear in any form.
FORBIDDEN = {
    "the demo API key": DEMO_API_KEY,
    "the demo API token": DEMO_API_TOKEN,
    "base64(key:token)": basic_value(DEMO_API_KEY, DEMO_API_TOKEN),
    "base64(sid:token)": basic_value(DEMO_ACCOUNT_SID, DEMO_API_TOKEN),
}
BASIC_HEADER = re.compile(r"Basic [A-Za-z0-9+/=]{8,}")
#: Where the detect-secrets findings of unchanged files are kept (pytest's cache, .pytest_cache/).
SCAN_CACHE = "handbook/detect-secrets"
USERINFO = re.compile(r"://[^/@\s\"'<>{}]+:[^/@\s\"'<>{}]+@")


def leaks(text: str) -> list[str]:
    found = [name for name, value in FORBIDDEN.items() if value in text]
    found += [f"Basic value {m}" for m in BASIC_HEADER.findall(text)]
    found += [f"user:password@ in {m}" for m in USERINFO.findall(text)]
    return found


def test_there_are_recordings_for_every_chapter():
    assert {p.stem for p in NOTEBOOKS} <= {p.stem for p in CASSETTE_FILES}


@pytest.mark.parametrize("cassette", CASSETTE_FILES, ids=lambda p: p.stem)
def test_recordings_hold_no_credentials(cassette):
    text = cassette.read_text()
    assert leaks(text) == []
    assert "authorization" not in text.lower()
    for cell in json.loads(text)["cells"]:
        for exchange in cell["requests"]:
            headers = {name.lower() for name in exchange["response"]["headers"]}
            assert not headers & {"set-cookie", "cookie"}
            assert "@" not in exchange["url"]


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


#: Files of nothing but public digests, each one a "Hex High Entropy String" to detect-secrets:
#: the in-browser lab's lock (the SHA-256 of each package on PyPI and npm), written by
#: ``python -m helpers.book.lite lock``.
DIGESTS = {"lite/lock.json"}


def tracked_files() -> list[str]:
    """Every tracked file but the baseline and the recordings, as .pre-commit-config.yaml has it:
    the recordings are full of the sandbox's hex IDs and digests, and the tests above check
    them for every form a credential takes."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [
        f
        for f in listed.stdout.splitlines()
        if f != ".secrets.baseline"
        and f not in DIGESTS
        and not f.startswith("cassettes/")
        and (ROOT / f).is_file()
    ]


def scanner_fingerprint() -> str:
    """detect-secrets' version and settings: a cached finding is only as good as both."""
    with default_settings():
        settings = json.dumps(get_settings().json(), sort_keys=True)
    return f"{version('detect-secrets')} {settings}"


def detect_secrets_findings(files: list[str], cached: dict) -> tuple[set, dict]:
    """``(file, hashed secret, type)`` for everything detect-secrets finds in ``files``, and the
    cache to keep: the findings of each file, keyed by its path and the SHA-256 of its bytes.

    A file whose bytes and scanner are unchanged gives the same findings, so only new or changed
    files are scanned (detect-secrets is slow; rescanning the whole repository on every run would
    dominate the hygiene tests).
    """
    fingerprint = scanner_fingerprint()
    known = cached.get("files", {}) if cached.get("scanner") == fingerprint else {}
    keys = {f: f"{f}:{hashlib.sha256(Path(f).read_bytes()).hexdigest()}" for f in files}
    to_scan = [f for f in files if keys[f] not in known]
    scanned: dict[str, list] = {keys[f]: [] for f in to_scan}
    if to_scan:
        secrets = SecretsCollection()
        with default_settings():
            secrets.scan_files(*to_scan)
        for filename, secret in secrets:
            scanned[keys[filename]].append([secret.secret_hash, secret.type])
    files_now = {keys[f]: known.get(keys[f], scanned.get(keys[f])) for f in files}
    findings = {(f, h, t) for f in files for h, t in files_now[keys[f]]}
    return findings, {"scanner": fingerprint, "files": files_now}


def test_detect_secrets_finds_nothing_beyond_the_audited_baseline(monkeypatch, cache):
    monkeypatch.chdir(ROOT)
    baseline = json.loads((ROOT / ".secrets.baseline").read_text())["results"]
    audited = {(f, s["hashed_secret"], s["type"]) for f, found in baseline.items() for s in found}
    found, kept = detect_secrets_findings(tracked_files(), cache.get(SCAN_CACHE, {}))
    cache.set(SCAN_CACHE, kept)
    new = sorted(found - audited)
    assert new == [], f"possible secrets (audit them, or add to .secrets.baseline if false): {new}"


def test_a_changed_file_is_scanned_again_not_answered_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = Path("config.py")
    config.write_text('aws_key = "AKIAIOSFODNN7EXAMPLF"\n')  # pragma: allowlist secret
    found, kept = detect_secrets_findings(["config.py"], {})
    assert {t for _, _, t in found} >= {"AWS Access Key"}
    config.write_text("aws_key = None\n")
    assert detect_secrets_findings(["config.py"], kept)[0] == set()


def test_an_unchanged_file_is_answered_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    Path("config.py").write_text("aws_key = None\n")
    _, kept = detect_secrets_findings(["config.py"], {})
    (key,) = kept["files"]
    kept["files"][key] = [["a hash", "planted"]]  # what a cached finding looks like
    assert detect_secrets_findings(["config.py"], kept)[0] == {("config.py", "a hash", "planted")}
