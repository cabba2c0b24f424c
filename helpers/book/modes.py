"""Where a chapter's answers come from: ``EXOTEL_HANDBOOK_MODE``, and where recordings live.

- ``playback`` (default): answers replayed from ``cassettes/<chapter>.json``; a request with no
  recording is answered by the in-process sandbox, and the cell says so. Nothing is written.
- ``sandbox``: every answer from the in-process sandbox. Nothing is written.
- ``record``: the sandbox answers, and every answer is recorded (what ``make cassettes`` runs).
- ``live``: the real Exotel API answers with your EXOTEL_* credentials, and is recorded.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from pathlib import Path

from .errors import UnknownModeError
from .paths import CASSETTES

MODE_VAR = "EXOTEL_HANDBOOK_MODE"
CASSETTES_VAR = "EXOTEL_HANDBOOK_CASSETTES"


class Mode(enum.Enum):
    PLAYBACK = "playback"
    SANDBOX = "sandbox"
    RECORD = "record"
    LIVE = "live"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Mode:
        env = os.environ if env is None else env
        value = env.get(MODE_VAR, "").strip().lower() or cls.PLAYBACK.value
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise UnknownModeError(
                f"{MODE_VAR}={value!r} is not a mode; use one of {choices} (playback is the "
                f"default: `unset {MODE_VAR}`)."
            ) from None

    @property
    def records(self) -> bool:
        """True for the two modes that write recordings: ``record`` and ``live``."""
        return self in (Mode.RECORD, Mode.LIVE)


def cassette_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env[CASSETTES_VAR]) if env.get(CASSETTES_VAR) else CASSETTES


def cassette_path(chapter: str, env: Mapping[str, str] | None = None) -> Path:
    """``cassettes/<chapter>.json``: every recording of one chapter, in one file."""
    return cassette_root(env) / f"{chapter}.json"


def record_command(chapter: str | None = None, mode: Mode | None = None) -> str:
    """The command that records ``chapter`` again (every chapter if None); live if ``mode`` is."""
    prefix = f"{MODE_VAR}=live " if mode is Mode.LIVE else ""
    if chapter is None:
        return f"{prefix}make cassettes"
    return f"{prefix}.venv/bin/python -m helpers.book.rerecord record book/{chapter}.ipynb"
