"""Status callbacks the sandbox delivered, recorded, so that playback delivers them again.

A cassette replays the API's answers, but a status callback travels the other way: the sandbox
sends it, and the receiver in the notebook answers. In playback the sandbox never saw the API
requests (the cassette answered them), so it owes no callbacks; the tape stands in for it.

- ``sandbox`` mode: :meth:`CallbackTape.deliver_due` asks the sandbox to deliver what is due on
  its clock (``sandbox.callbacks.deliver_due``), through the client you pass, and writes each
  attempt (the request the sandbox sent, and the answer it got) to
  ``cassettes/<chapter>/deliveries/<name>.yaml``.
- ``playback``: the same call reads the next batch from that file and sends each recorded
  request to the receiver through the client you pass, so the receiver really receives it.
  The retries in the file were decided by the answers the receiver gave when it was recorded;
  if it now answers differently, the tape stops with a :class:`RecordingError` rather than
  replay a history that no longer fits.
- ``live``: refused. Exotel delivers to a public URL, not into a notebook.

The file uses vcrpy's layout (``interactions`` of ``request`` and ``response``), so the hygiene
tests scan it like any cassette; it sits in a sub-folder, so it is never mistaken for the API's.
Callbacks carry no credentials (Exotel documents no signature), and the sandbox sends none.

Deliver outside ``with chapter.cassette(...)``: the in-process client the book uses
(:func:`helpers.book.local.local_client`) is never recorded by vcrpy anyway.
"""

from __future__ import annotations

import weakref
from datetime import datetime
from http import HTTPStatus

import httpx
import yaml

from ..errors import ConfigurationError
from ..sandbox.callbacks import Delivery, answer_timeout, send
from ..sandbox.wire import SANDBOX_HEADER, SANDBOX_NOTICE
from ..webhooks.payloads import read_fields
from .chapter import Chapter
from .errors import RecordingError
from .recording import CASSETTES, Mode, record_command

HEADER = (
    "# Status callbacks the sandbox delivered, written by helpers.book.callback_tape (not vcrpy).\n"
    "# Playback sends each request again, to the receiver in the notebook.\n"
)
_names: weakref.WeakKeyDictionary[Chapter, set[str]] = weakref.WeakKeyDictionary()


class CallbackTape:
    """``tape.deliver_due(client)``: deliver (sandbox) or re-deliver (playback) one batch."""

    def __init__(self, chapter: Chapter, name: str):
        used = _names.setdefault(chapter, set())
        if name in used:
            raise RecordingError(
                f"Callback tape {name!r} is used twice in chapter {chapter.name!r}; give each "
                "tape its own name."
            )
        if chapter.mode is Mode.LIVE:
            raise ConfigurationError(
                "Status callbacks cannot be recorded live: Exotel delivers them to a public URL, "
                "not into this notebook. Record this chapter from the sandbox."
            )
        used.add(name)
        self.chapter = chapter
        self.name = name
        self.path = chapter.recorder.directory / "deliveries" / f"{name}.yaml"
        self._batch = 0
        self._batches = 0  # how many batches the file holds
        self._recorded: list[dict] = []
        if chapter.mode is Mode.PLAYBACK:
            self._load()
        else:
            self._save()

    def deliver_due(self, client: httpx.Client) -> list[Delivery]:
        """The sandbox's deliveries due now (sandbox), or the next recorded batch (playback)."""
        self._batch += 1
        if self.chapter.mode is Mode.PLAYBACK:
            return self._replay(client)
        sandbox = self.chapter.sandbox
        made = sandbox.callbacks.deliver_due(sandbox.clock.now(), client)
        self._recorded += [interaction(d, self._batch) for d in made]
        self._batches = self._batch
        self._save()
        return made

    # -- playback ----------------------------------------------------------------------------

    def _load(self) -> None:
        if not self.path.exists():
            raise RecordingError(
                f"No recording of callback deliveries at {self._shown()}. Record the chapter "
                f"with `{record_command(self.chapter.name)}`."
            )
        recorded = yaml.safe_load(self.path.read_text())
        self._batches, self._recorded = recorded["batches"], recorded["interactions"]

    def _replay(self, client: httpx.Client) -> list[Delivery]:
        batch = [i for i in self._recorded if i["batch"] == self._batch]
        if self._batch > self._batches:
            raise RecordingError(
                f"{self._shown()} holds fewer deliveries than the notebook now asks for "
                f"(batch {self._batch}). Record the chapter again: "
                f"`{record_command(self.chapter.name)}`."
            )
        replayed = []
        for recorded in batch:
            request = recorded["request"]
            content_type = request["headers"]["Content-Type"][0]
            body = request["body"].encode()
            timeout = answer_timeout(recorded["kind"])
            http_status, error = send(client, request["uri"], content_type, body, timeout)
            expected = (recorded["response"] or {}).get("status", {}).get("code")
            if (http_status, error is None) != (expected, recorded["error"] is None):
                raise RecordingError(
                    f"Replaying {self._shown()}: the receiver answered "
                    f"{http_status or error} to attempt {recorded['attempt']} of callback "
                    f"{recorded['callback']}, where it answered {expected or recorded['error']} "
                    "when recorded, and the sandbox's retries followed that answer. Record the "
                    f"chapter again: `{record_command(self.chapter.name)}`."
                )
            replayed.append(delivery(recorded, body, http_status, error))
        return replayed

    # -- recording ---------------------------------------------------------------------------

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(
            {"version": 1, "batches": self._batches, "interactions": self._recorded},
            sort_keys=False,
            allow_unicode=True,
        )
        self.path.write_text(HEADER + text)

    def _shown(self) -> str:
        try:
            return str(self.path.relative_to(CASSETTES.parent))
        except ValueError:
            return str(self.path)


def interaction(d: Delivery, batch: int) -> dict:
    """One attempt in vcrpy's layout, plus what the sandbox needs to replay it."""
    response = None
    if d.http_status is not None:
        response = {"status": {"code": d.http_status, "message": _reason(d.http_status)}}
    return {
        "batch": batch,
        "callback": d.callback,
        "attempt": d.attempt,
        "at": d.at.isoformat(),
        "kind": d.kind,  # the Sid is in the body (a bare 32-hex field upsets secret scanners)
        "status": d.status,
        "request": {
            "method": "POST",
            "uri": d.url,
            "headers": {"Content-Type": [d.content_type], SANDBOX_HEADER: [SANDBOX_NOTICE]},
            "body": d.body.decode(),
        },
        "response": response,
        "error": d.error,
        "next_attempt": d.next_attempt.isoformat() if d.next_attempt else None,
    }


def delivery(recorded: dict, body: bytes, http_status: int | None, error: str | None) -> Delivery:
    next_attempt = recorded["next_attempt"]
    content_type = recorded["request"]["headers"]["Content-Type"][0]
    fields = read_fields(content_type, body)
    return Delivery(
        callback=recorded["callback"],
        attempt=recorded["attempt"],
        at=datetime.fromisoformat(recorded["at"]),
        kind=recorded["kind"],
        sid=fields.get("CallSid") or fields["SmsSid"],
        status=recorded["status"],
        url=recorded["request"]["uri"],
        content_type=content_type,
        body=body,
        http_status=http_status,
        error=error,
        next_attempt=datetime.fromisoformat(next_attempt) if next_attempt else None,
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
