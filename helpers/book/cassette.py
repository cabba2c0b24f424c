"""One chapter's recordings: ``cassettes/<chapter>.json``, read-only unless recording.

The file lists, in the order they ran, the cells that sent requests. A cell is found by a hash
of its source (:func:`cell_key`), so it needs no name; within it, each request by its order in
that run of the cell. Each request is kept with the sandbox state it was sent under
(:mod:`helpers.book.state`) and the answer it got, scrubbed of secrets. Bodies that are JSON are
kept as JSON, so a changed answer reads as a change of one field in ``git diff``.

Playback only ever reads the file. Recording builds it in memory and replaces the file whole
(a temporary file renamed over it), so it is always either the old recording or the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

FORMAT = 1
#: How the sandbox writes JSON; a body that re-serialises to the same bytes is stored as JSON.
_COMPACT = {"separators": (",", ":")}


def cell_key(source: str) -> str:
    """The key of a cell: a hash of its source, ignoring whitespace at line ends and around it."""
    lines = [line.rstrip() for line in source.strip().splitlines()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def first_line(source: str) -> str:
    """The cell's first line of code, to name it in messages and in the file."""
    lines = [s for s in (line.strip() for line in source.splitlines()) if s]
    code = [s for s in lines if not s.startswith("#")]
    return (code or lines or [""])[0][:100]


@dataclass
class Exchange:
    """One request (scrubbed), the sandbox state it was sent under, and its answer (scrubbed)."""

    method: str
    url: str
    body: str | None
    state: dict | None
    status: int
    headers: dict[str, str]
    content: bytes

    def same_request(self, method: str, url: str, body: str | None) -> bool:
        return (self.method, self.url, self.body or None) == (method, url, body or None)

    def response(self, request: httpx.Request) -> httpx.Response:
        """The recorded answer, as an httpx response to ``request``."""
        return httpx.Response(
            self.status, headers=self.headers, content=self.content, request=request
        )

    def to_json(self) -> dict:
        out: dict = {"method": self.method, "url": self.url}
        if self.body:
            out["body"] = self.body
        if self.state:
            out["state"] = self.state
        response: dict = {"status": self.status, "headers": self.headers}
        response.update(_encode_body(self.content))
        out["response"] = response
        return out

    @classmethod
    def from_json(cls, data: dict) -> Exchange:
        response = data["response"]
        return cls(
            method=data["method"],
            url=data["url"],
            body=data.get("body"),
            state=data.get("state", {}),
            status=response["status"],
            headers=response["headers"],
            content=_decode_body(response),
        )


@dataclass
class CellRecording:
    key: str
    code: str  # the cell's first line, for people reading the file
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass
class Cassette:
    """The recordings of one chapter, by cell key."""

    chapter: str
    source: str = "sandbox"  # or "live Exotel API"
    cells: dict[str, CellRecording] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, chapter: str) -> Cassette:
        """The recordings in ``path``; none if there is no such file."""
        if not path.exists():
            return cls(chapter)
        data = json.loads(path.read_text())
        cells = {
            c["cell"]: CellRecording(
                c["cell"], c.get("code", ""), [Exchange.from_json(e) for e in c["requests"]]
            )
            for c in data.get("cells", [])
        }
        return cls(data.get("chapter", chapter), data.get("source", "sandbox"), cells)

    def lookup(self, key: str, index: int) -> tuple[CellRecording | None, Exchange | None]:
        cell = self.cells.get(key)
        if cell is None or index >= len(cell.exchanges):
            return cell, None
        return cell, cell.exchanges[index]

    def start_cell(self, key: str, code: str) -> None:
        """Recording: this run of the cell replaces any earlier recording of the same source."""
        self.cells.pop(key, None)
        self.cells[key] = CellRecording(key, code)

    def add(self, key: str, code: str, exchange: Exchange) -> None:
        if key not in self.cells:
            self.start_cell(key, code)
        self.cells[key].exchanges.append(exchange)

    def to_text(self) -> str:
        cells = [
            {"cell": c.key, "code": c.code, "requests": [e.to_json() for e in c.exchanges]}
            for c in self.cells.values()
            if c.exchanges
        ]
        data = {"format": FORMAT, "chapter": self.chapter, "source": self.source, "cells": cells}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        """Replace ``path`` whole with these recordings (write beside it, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(self.to_text())
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def _encode_body(content: bytes) -> dict:
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(content).decode()}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"text": text}
    if json.dumps(parsed, **_COMPACT) == text:
        return {"json": parsed}
    return {"text": text}


def _decode_body(response: dict) -> bytes:
    if "json" in response:
        return json.dumps(response["json"], **_COMPACT).encode()
    if "base64" in response:
        return base64.b64decode(response["base64"])
    return response.get("text", "").encode()
