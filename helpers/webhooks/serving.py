"""Serving the receiver on uvicorn without letting slow clients shut everyone out.

A client that opens a connection and sends half a header, then waits, costs the attacker
nothing and the server one open file. uvicorn has no header timeout of its own, and its
``limit_concurrency`` answers 503 to whoever comes *next* (the caller you wanted) while the slow
connections stay. So the receiver's connections are guarded in the HTTP protocol itself, before
any request exists:

- **a header deadline**: a connection that has not completed a request's headers within
  ``header_timeout`` seconds of opening (or of its previous answer) is closed; one from an
  address the allowlist does not admit gets ``stranger_timeout`` (1 s) instead;
- **a connection cap** below the process's open-file limit: when a new connection would pass
  ``max_connections``, the connection that has waited longest for its headers is shed,
  strangers first. A new caller always gets in; an attacker's connections make room for it;
- **a body deadline** (408) and the size limit (413) in the app, and every refusal closes the
  connection, so a refused body is never read;
- logs that do not flood: uvicorn's, asyncio's and the receiver's own (a store that fails under a
  flood of callbacks writes one line per message every few seconds, with a count);
- the source-address check stays in the app's first middleware (403, before the body), because
  the allowlist may judge the client a trusted proxy names in ``X-Forwarded-For``, which only the
  headers tell.

:func:`serve` runs an app this way; ``python -m helpers.webhooks`` uses it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..serving import (
    DEFAULT_HEADER_TIMEOUT,
    MAX_HEAD,
    NOISY_LOGGERS,
    STRANGER_TIMEOUT,
    GuardedH11Protocol,
    accept_backlog,
    default_max_connections,
    guarded_options,
    guarded_protocol,
    open_file_limit,
    quiet_logs,
)

__all__ = [
    "DEFAULT_HEADER_TIMEOUT",
    "MAX_HEAD",
    "STRANGER_TIMEOUT",
    "GuardedH11Protocol",
    "accept_backlog",
    "default_max_connections",
    "guarded_protocol",
    "open_file_limit",
    "serve",
]


def serve(
    app,
    *,
    host: str,
    port: int,
    admits: Callable[[str | None], bool],
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = None,
    **uvicorn_options,
) -> None:
    """Run ``app`` on uvicorn with the guards above (blocks until the server stops)."""
    import uvicorn

    options = guarded_options(
        admits,
        header_timeout=header_timeout,
        max_connections=max_connections,
        name="ReceiverH11Protocol",
    )
    quiet_logs((*NOISY_LOGGERS, "helpers.webhooks"))  # a flood of 503s is a few lines, counted
    uvicorn.run(app, host=host, port=port, **{**options, **uvicorn_options})
