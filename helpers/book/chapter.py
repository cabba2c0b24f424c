"""Everything a notebook needs, wired for the current mode: credentials, clients, cassettes.

>>> from helpers.book import Chapter
>>> chapter = Chapter("authentication")     # doctest: +SKIP
>>> with chapter.cassette("list-calls"):    # doctest: +SKIP
...     chapter.client().list_calls()
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

import httpx

from ..client import ExotelClient, tls_context
from ..credentials import Credentials
from ..errors import ConfigurationError
from ..regions import Region
from ..sandbox import Sandbox, demo_credentials
from .recording import MODE_VAR, Mode, Recorder, cassette_root, offline_transport
from .redaction import Redactor

T = TypeVar("T")

_WHERE = {
    Mode.PLAYBACK: "replayed from recordings in cassettes/{name}/, made earlier",
    Mode.SANDBOX: "answered by the handbook's in-process sandbox and recorded into cassettes/{name}/",
    Mode.LIVE: "answered by the live Exotel API with your credentials and recorded into cassettes/{name}/",
}


class Chapter:
    """One chapter's session: its mode, sandbox, credentials, clients and cassettes."""

    def __init__(
        self,
        name: str,
        *,
        live: bool = True,
        env: Mapping[str, str] | None = None,
        sandbox: Sandbox | None = None,
    ):
        """``live=False`` for chapters that must never reach the real API (made-up phone
        numbers, the sandbox's clock or its dashboard actions)."""
        env = os.environ if env is None else env
        self.name = name
        self.mode = Mode.from_env(env)
        if self.mode is Mode.LIVE and not live:
            raise ConfigurationError(
                f"Chapter {name!r} is recorded from the sandbox only: it uses made-up phone numbers "
                f"or the sandbox's own controls. Unset {MODE_VAR} (playback) or set it to 'sandbox'."
            )
        # The sandbox exists in playback too, for its clock and dashboard-style actions.
        self.sandbox = sandbox or Sandbox(demo=demo_credentials(env))
        if self.mode is Mode.LIVE:
            self.credentials = Credentials.from_env(env)
        else:
            self.credentials = self.sandbox.demo
        self.recorder = Recorder(
            name, self.mode, Redactor.for_credentials([self.credentials]), cassette_root(env)
        )

    def transport(self, from_ip: str = "127.0.0.1") -> httpx.BaseTransport:
        """This mode's transport. ``from_ip`` is the source address the sandbox sees (sandbox only)."""
        if self.mode is Mode.PLAYBACK:
            return offline_transport(self.name)
        if self.mode is Mode.SANDBOX:
            return self.sandbox.transport(from_ip)
        return httpx.HTTPTransport(verify=tls_context())

    def client(
        self,
        credentials: Credentials | None = None,
        *,
        region: Region | None = None,
        from_ip: str = "127.0.0.1",
        **options,
    ) -> ExotelClient:
        """An :class:`ExotelClient` for these (or other) credentials, on this mode's transport.

        ``options`` go to the client as they are: ``retry=RetryPolicy(...)``, ``pacer=Pacer(...)``.
        """
        return ExotelClient(
            credentials or self.credentials,
            region=region,
            transport=self.transport(from_ip),
            **options,
        )

    def http(self) -> httpx.Client:
        """A bare httpx client on this mode's transport, for showing raw requests."""
        return httpx.Client(transport=self.transport(), timeout=10.0)

    def cassette(self, name: str):
        """``with chapter.cassette("name"):`` plays back or records the requests inside."""
        return self.recorder.cassette(name)

    def batches(self, name: str, items: Sequence[T], size: int = 50) -> Iterator[Sequence[T]]:
        """Yield ``items`` ``size`` at a time, each batch inside its own cassette.

        vcrpy's playback time grows with the square of a cassette's length (500 requests in one
        cassette take seconds to replay), so long runs are split: ``name-01``, ``name-02``, ...
        """
        for start in range(0, len(items), size):
            with self.cassette(f"{name}-{start // size + 1:02d}"):
                yield items[start : start + size]

    def describe(self) -> str:
        """Where this run's responses come from, in plain words."""
        where = _WHERE[self.mode].format(name=self.name)
        lines = [f"Mode: {self.mode.value} ({MODE_VAR}). Responses are {where}."]
        if self.mode is Mode.PLAYBACK:
            sources = sorted(self.recorder.sources()) or ["(no recordings yet)"]
            lines.append(f"Those recordings came from: {', '.join(sources)}.")
        if self.mode is not Mode.LIVE:
            lines.append("The sandbox imitates Exotel's documented behaviour; it is not Exotel.")
        return "\n".join(lines)
