"""Where the book's files are: the repository root and the folders the machinery reads."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
CASSETTES = ROOT / "cassettes"
