"""Cassettes: the one place vcrpy is configured.

Three modes, chosen by ``EXOTEL_HANDBOOK_MODE``:

- ``playback`` (default): answers come only from ``cassettes/``; a request with no recording
  fails with a message naming it and the command that records it; nothing touches the network.
- ``sandbox``: record against the in-process sandbox (what ``make cassettes`` does).
- ``live``: record against the real API with the reader's EXOTEL_* credentials.

Before anything is written, each interaction is scrubbed: no Authorization header, no
``user:token@`` in a URI, no key, token or Basic value anywhere, a live Account SID replaced by
:data:`~helpers.book.redaction.SID_PLACEHOLDER`. vcrpy applies the same scrub to a request before
matching it, so playback works whatever credentials the reader has set.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from ..errors import NetworkError
from ..sandbox.wire import SANDBOX_HEADER
from .errors import RecordingError, UnknownModeError
from .paths import CASSETTES  # resolved from this package, not the working directory
from .redaction import Redactor, strip_userinfo

MODE_VAR = "EXOTEL_HANDBOOK_MODE"
CASSETTES_VAR = "EXOTEL_HANDBOOK_CASSETTES"

#: Set by ``helpers.book.rerecord`` for the kernels it starts, so messages can say which step runs.
STEP_VAR = "EXOTEL_HANDBOOK_STEP"

RECORD_COMMAND = "make cassettes"
LIVE_RECORD_COMMAND = "EXOTEL_HANDBOOK_MODE=live make cassettes"
MATCH_ON = ("exact",)
DROPPED_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}


def exact(r1, r2) -> bool:
    """Same method, same full URI, same body bytes.

    One comparison instead of vcrpy's seven matchers: their body matcher decodes each body by
    content type, and playback compares every request with many recorded ones, so this keeps a
    chapter's playback fast. Both sides are already scrubbed, so credentials never take part.
    """
    return r1.method == r2.method and r1.uri == r2.uri and r1.body == r2.body


def _network_failure(exc: BaseException | None) -> bool:
    """True if ``exc``, or an exception it was raised from, is a request that got no answer."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, httpx.TransportError | NetworkError | KeyboardInterrupt):
            return True
        # RetriesExhaustedError keeps the last failure as ``last_error``.
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "last_error", None)
    return False


class Mode(enum.Enum):
    PLAYBACK = "playback"
    SANDBOX = "sandbox"
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
                f"{MODE_VAR}={value!r} is not a mode; use one of {choices} (playback is the default)."
            ) from None

    @property
    def records(self) -> bool:
        return self is not Mode.PLAYBACK


def cassette_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env[CASSETTES_VAR]) if env.get(CASSETTES_VAR) else CASSETTES


def record_command(chapter: str | None = None, mode: Mode | None = None) -> str:
    """The command that records ``chapter`` again (every chapter if None); live if ``mode`` is."""
    prefix = f"{MODE_VAR}=live " if mode is Mode.LIVE else ""
    if chapter is None:
        return f"{prefix}make cassettes"
    return f"{prefix}.venv/bin/python -m helpers.book.rerecord record book/{chapter}.ipynb"


def running(mode: Mode, env: Mapping[str, str] | None = None) -> str:
    """The mode that is running, in words: playback inside ``rerecord record`` is its replay step."""
    env = os.environ if env is None else env
    if mode is Mode.PLAYBACK and env.get(STEP_VAR) == "record":
        return "playback, the replay that `rerecord record` runs after recording"
    return mode.value


def offline_transport(chapter: str | None = None) -> httpx.MockTransport:
    """Playback's transport: anything a cassette does not answer fails here, never on the network."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise RecordingError(
            f"{request.method} {strip_userinfo(str(request.url))} was sent outside a cassette "
            f"(mode: {running(Mode.PLAYBACK)}), so there is no recording to answer it. Wrap it "
            f"in `with chapter.cassette(name):`, then record the chapter: "
            f"`{record_command(chapter)}`."
        )

    return httpx.MockTransport(refuse)


class _PlaybackVCR(vcr.VCR):
    """vcrpy for playback, without the deep copy it makes of every request before each filter.

    vcrpy copies a request before scrubbing it so that recording never alters the request that
    goes out. Playback sends nothing out and records nothing: the requests it scrubs are the
    cassette's own (already scrubbed) and the copies vcrpy makes of each outgoing request to
    match it, so the scrub can work on them in place. A chapter that plays back hundreds of
    requests (rate_limits) spent about a fifth of its code's time in those copies.
    """

    def _build_before_record_request(self, options):
        scrub = options.get("before_record_request", self.before_record_request)
        return lambda request: scrub(request) if request is not None else None


class Recorder:
    """Cassettes for one chapter: ``cassettes/<chapter>/<name>.yaml``."""

    def __init__(self, chapter: str, mode: Mode, redactor: Redactor, root: Path | None = None):
        self.chapter = chapter
        self.mode = mode
        self.redactor = redactor
        self.directory = (root or cassette_root()) / chapter
        self._used: set[str] = set()

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.yaml"

    @contextmanager
    def cassette(self, name: str) -> Iterator[None]:
        """Play back (or record) every HTTP exchange inside the ``with`` block."""
        if name in self._used:
            raise RecordingError(
                f"Cassette {name!r} is used twice in chapter {self.chapter!r}; give each "
                "`with chapter.cassette(...)` block its own name."
            )
        self._used.add(name)
        path = self.path(name)
        if self.mode is Mode.PLAYBACK and not path.exists():
            raise RecordingError(
                f"No recording at {self._shown(path)} (mode: {running(self.mode)}). Record this "
                f"chapter with `{record_command(self.chapter)}` (or against your own account: "
                f"`{record_command(self.chapter, Mode.LIVE)}`)."
            )
        # Recording goes into a file beside the cassette, which replaces it only once the block
        # has run without a network failure: a failed live run keeps the committed recording.
        target = self._partial(path) if self.mode.records else path
        if self.mode.records:
            target.unlink(missing_ok=True)
        recorder = (vcr.VCR if self.mode.records else _PlaybackVCR)(
            record_mode="all" if self.mode.records else "none",
            drop_unused_requests=True,
            match_on=MATCH_ON,
            before_record_request=self._scrub_request,
            before_record_response=self._scrub_response,
            # The recordings are stored decoded; playback has nothing left to decode.
            decode_compressed_response=self.mode.records,
        )
        recorder.register_matcher("exact", exact)
        try:
            with recorder.use_cassette(str(target)):
                yield
        except CannotOverwriteExistingCassetteException as exc:
            request = self._scrub_request(exc.failed_request)
            raise RecordingError(
                f"No recording of {request.method} {request.uri} in {self._shown(path)} (mode: "
                f"{running(self.mode)}; the notebook now sends a request it did not send when the "
                f"cassette was recorded). Record this chapter again: "
                f"`{record_command(self.chapter)}`."
            ) from None
        except BaseException as exc:
            if self.mode.records:
                self._finish(target, path, kept=not _network_failure(exc))
            raise
        else:
            if self.mode.records:
                self._finish(target, path, kept=True)

    @staticmethod
    def _partial(path: Path) -> Path:
        """Where a recording is written until it is complete (a dotfile git never shows for long)."""
        return path.with_name(f".{path.stem}.recording{path.suffix}")

    @staticmethod
    def _finish(partial: Path, path: Path, *, kept: bool) -> None:
        """Install a finished recording atomically, or drop an unfinished one.

        A block that ended with an exception that is not a network failure (a 401 the chapter
        shows on purpose) recorded every answer it asked for, so its recording is kept. A block
        that sent no request at all leaves no cassette.
        """
        if not kept:
            partial.unlink(missing_ok=True)
        elif partial.exists():
            os.replace(partial, path)
        else:
            path.unlink(missing_ok=True)

    def sources(self) -> set[str]:
        """Where this chapter's cassettes were recorded: ``sandbox``, ``live Exotel API``, or both.

        Counts text rather than parsing the YAML, which is far slower: each interaction opens with
        ``- request:`` and each sandbox answer carries the marker header once.
        """
        found = set()
        marker = f"{SANDBOX_HEADER.lower()}:"
        for path in sorted(self.directory.glob("*.yaml")):
            text = path.read_text()
            interactions, marked = text.count("- request:"), text.count(marker)
            if marked:
                found.add("sandbox")
            if interactions > marked:
                found.add("live Exotel API")
        return found

    # -- scrubbing ----------------------------------------------------------------------------

    def _scrub_request(self, request):
        request.headers = {
            k: self.redactor.text(v)
            for k, v in request.headers.items()
            if k.lower() not in DROPPED_HEADERS
        }
        request.uri = self.redactor.text(request.uri)
        if request.body:
            request.body = self.redactor.data(request.body)
        return request

    def _scrub_response(self, response: dict) -> dict:
        response["headers"] = {
            k: [self.redactor.text(v) for v in values]
            for k, values in response["headers"].items()
            if k.lower() not in DROPPED_HEADERS
        }
        body = response["body"].get("string")
        if body:
            body = response["body"]["string"] = self.redactor.data(body)
            # A replaced SID or secret changes the body's length; keep the header true to it.
            size = len(body.encode() if isinstance(body, str) else body)
            for name in response["headers"]:
                if name.lower() == "content-length":
                    response["headers"][name] = [str(size)]
        return response

    @staticmethod
    def _shown(path: Path) -> str:
        try:
            return str(path.relative_to(CASSETTES.parent))
        except ValueError:
            return str(path)


def response_source(response: httpx.Response) -> str:
    """Where a response came from: the handbook's sandbox, or (no marker) the live API."""
    return "sandbox" if SANDBOX_HEADER in response.headers else "live Exotel API"
