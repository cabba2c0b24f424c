"""Everything a notebook needs, wired for the current mode: credentials, clients, sandbox.

>>> from helpers.book import Chapter
>>> chapter = Chapter("authentication")     # doctest: +SKIP
>>> chapter.client().list_calls()           # doctest: +SKIP

A chapter's requests need no wrapping: the runtime (:mod:`helpers.book.runtime`) finds each
one's recording by the cell that sends it.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable, Mapping
from decimal import Decimal

import httpx

from ..client import ExotelClient
from ..credentials import Credentials
from ..errors import ConfigurationError, MissingCredentialsError
from ..regions import Region
from ..sandbox import Sandbox, demo_credentials
from . import state
from .browser import explain_threads, refuse_outside_a_computer
from .modes import MODE_VAR, Mode, cassette_path
from .paths import ROOT
from .redaction import Redactor
from .runtime import ChapterTransport, runtime_for

_WHERE = {
    Mode.PLAYBACK: "replayed from {file}, recorded from the {source}",
    Mode.SANDBOX: "answered by the handbook's in-process sandbox; nothing is recorded",
    Mode.RECORD: "answered by the handbook's in-process sandbox and recorded into {file}",
    Mode.LIVE: "answered by the live Exotel API with your credentials and recorded into {file}",
}


class Chapter:
    """One chapter's session: its mode, sandbox, credentials and clients."""

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
        if self.mode is Mode.LIVE:
            refuse_outside_a_computer("Live mode", "your credentials and a network connection")
        explain_threads()
        if self.mode is Mode.LIVE and not live:
            raise ConfigurationError(
                f"Chapter {name!r} is recorded from the sandbox only: it uses made-up phone numbers "
                f"or the sandbox's own controls. Unset {MODE_VAR} (playback) or set it to 'sandbox'."
            )
        # Recordings are made with the demo account, so playback and recording ignore EXOTEL_*;
        # the sandbox mode uses them, for experiments with your own values.
        demo_env = env if self.mode in (Mode.SANDBOX, Mode.LIVE) else {}
        # The sandbox exists in every mode: it answers what the recordings do not hold.
        self.sandbox = sandbox or Sandbox(demo=demo_credentials(demo_env))
        if self.mode is Mode.LIVE:
            try:
                self.credentials = Credentials.from_env(env)
            except MissingCredentialsError as exc:
                # A leftover EXOTEL_HANDBOOK_MODE=live reads as missing credentials: say why.
                raise MissingCredentialsError(
                    exc.missing,
                    [
                        *exc.problems,
                        f"{MODE_VAR}={env.get(MODE_VAR, '').strip()} is set, so this chapter "
                        "calls the live Exotel API with your own account. For the book's "
                        f"recordings instead, unset {MODE_VAR} and restart the kernel.",
                    ],
                ) from None
        else:
            self.credentials = self.sandbox.demo
        self.redactor = Redactor.for_credentials([self.credentials])
        self.runtime = runtime_for(name, self.mode, cassette_path(name, env), env)

    def transport(self, from_ip: str = "127.0.0.1") -> httpx.BaseTransport:
        """This mode's transport. ``from_ip`` is the source address the sandbox sees."""
        return ChapterTransport(self.runtime, self.sandbox, self.redactor, from_ip)

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

    def staged(
        self,
        *,
        allowlist: Iterable[str] | None = None,
        limit: int | None = None,
        window: float = 60,
        balance: Decimal | str | int | None = None,
        suspended: bool | None = None,
    ):
        """``with chapter.staged(allowlist=["203.0.113.0/24"]):`` sets the sandbox account's
        allowlist, request limit (``limit`` in ``window`` seconds), balance or suspension for
        the block, and puts them back after it, whatever happens inside."""
        return state.staged(
            self.sandbox,
            allowlist=allowlist,
            limit=limit,
            window=window,
            balance=balance,
            suspended=suspended,
        )

    def describe(self) -> str:
        """Where this run's answers come from, in plain words."""
        file = _shown(self.runtime.path)
        where = _WHERE[self.mode].format(file=file, source=self.runtime.cassette.source)
        lines = [f"Mode: {self.mode.value} ({MODE_VAR}).", f"Answers are {where}."]
        if self.mode is Mode.PLAYBACK:
            if not self.runtime.cassette.cells:
                lines.append(f"There are no recordings in {file} yet.")
            lines.append(
                "A request they do not hold (an edited cell, an exercise) is answered by the "
                "sandbox, and the cell says so."
            )
        if self.mode is not Mode.LIVE:
            lines.append("The sandbox imitates Exotel's documented behaviour; it is not Exotel.")
        # Printed in a cell: each sentence wrapped to the 80 columns of the page's output box.
        return "\n".join(
            textwrap.fill(line, 80, break_long_words=False, break_on_hyphens=False)
            for line in lines
        )


def _shown(path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
