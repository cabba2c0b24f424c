"""Serving the sandbox on loopback sockets: its options, its sockets, its guarded server.

``python -m helpers.sandbox`` (its ``__main__``) is the command line over this; the book's
machinery (snippets, workshop) uses the same pieces to start the same server. Slow clients are
held off as the receiver's are (:mod:`helpers.serving`): a header deadline, a connection cap
that sheds the slowest, and logs that do not flood; bodies have their own deadline
(:mod:`~helpers.sandbox.bodies`).
"""

from __future__ import annotations

import argparse
import shlex
import socket
from collections.abc import Mapping

import uvicorn

from ..clock import FrozenClock, SystemClock
from ..command_line import port_number
from ..errors import ConfigurationError
from ..regions import REGIONS, Region, get_region
from ..serving import guarded_options, quiet_logs
from .accounts import demo_credentials
from .core import Sandbox
from .ratelimit import SlidingWindowLimit, category_limits

#: Most requests one ``--rate-limit`` budget allows, and the longest ``--window``: far past any
#: exercise, and a limiter never holds more than its limit of timestamps per budget.
MAX_RATE_LIMIT = 1_000_000
MAX_WINDOW = 86_400.0
#: What a 429 adds on a ``--frozen-clock`` server, where waiting never frees a slot.
FROZEN_CLOCK_NOTE = (
    " The sandbox's clock is frozen (--frozen-clock): it moves only when told, so waiting frees "
    "nothing. Advance it (curl -d seconds=60 <sandbox>/_sandbox/admin/clock/advance), or start "
    "the sandbox without --frozen-clock."
)


def requests_per_window(text: str) -> int:
    """``--rate-limit``: a whole number of requests from 1 to :data:`MAX_RATE_LIMIT`."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_RATE_LIMIT):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r}: give a whole number of requests from 1 to {MAX_RATE_LIMIT:,}"
        )
    return int(text)


def window_seconds(text: str) -> float:
    """``--window``: a number of seconds above 0, at most a day."""
    text = text.strip()
    try:
        seconds = float(text) if text.isascii() else 0.0
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= MAX_WINDOW:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r}: give a number of seconds above 0 and at most {MAX_WINDOW:,.0f}"
        )
    return seconds


def options_parser() -> argparse.ArgumentParser:
    """The options ``python -m helpers.sandbox`` takes; the snippets start it with them too."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.sandbox",
        description="Serve the handbook's Exotel sandbox on a loopback address (not the live API).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=port_number, default=4010, help="port (default 4010)")
    parser.add_argument(
        "--other-region-port",
        type=port_number,
        default=None,
        help="port that plays the other region (default: --port + 1)",
    )
    parser.add_argument(
        "--region",
        default=None,
        help=f"which data centre the server plays: {', '.join(REGIONS)} (default: EXOTEL_REGION, else singapore)",
    )
    parser.add_argument(
        "--rate-limit",
        type=requests_per_window,
        default=None,
        help="one budget of this many requests per window for every API (default: a budget per "
        "endpoint category, as Exotel's rate-limiting page lists them: 200 for Voice and SMS...)",
    )
    parser.add_argument(
        "--window",
        type=window_seconds,
        default=60.0,
        help="rate-limit window in seconds (default 60)",
    )
    parser.add_argument(
        "--frozen-clock",
        action="store_true",
        help="use the fixed clock the recordings use instead of real time; it moves only "
        "with POST /_sandbox/admin/clock/advance, so a 429's Retry-After never comes true "
        "by waiting",
    )
    return parser


def make_sandbox(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Sandbox:
    """The sandbox the command serves: a budget per endpoint category, or one for every API
    with ``--rate-limit``; the frozen or the real clock; the region asked for. The demo account
    takes EXOTEL_* values from ``env`` (default: the environment)."""
    demo = demo_credentials(env)
    if args.region:
        demo = demo.with_changes(region=get_region(args.region))
    sandbox = Sandbox(
        clock=FrozenClock() if args.frozen_clock else SystemClock(),
        rate_limit=(
            SlidingWindowLimit(args.rate_limit, args.window)
            if args.rate_limit is not None
            else None
        ),
        demo=demo,
    )
    if args.rate_limit is None:
        sandbox.rate_limits = category_limits(args.window)
    if args.frozen_clock:
        sandbox.clock_note = FROZEN_CLOCK_NOTE
    return sandbox


def other_region(region: Region) -> Region:
    """The data centre the account is not in."""
    return next(r for r in REGIONS.values() if r != region)


def exports(origin: str, other_origin: str, creds) -> str:
    """The shell line the curl exercises start with."""
    values = {
        "SANDBOX": origin,
        "SANDBOX_OTHER_REGION": other_origin,
        "SANDBOX_SID": creds.account_sid,
        "SANDBOX_KEY": creds.api_key,
        "SANDBOX_TOKEN": creds.api_token,
    }
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in values.items())


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; ConfigurationError naming the port if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say TCP,
    # and without it every answer on a kept-alive connection waits for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"Port {port} is in use by another program ({exc.strerror}). Try another: --port "
            f"{port + 2} (the sandbox uses two ports, one per region)."
        ) from None
    # Listening now: a curl pasted from the banner waits in the backlog until uvicorn accepts it.
    sock.listen(128)
    return sock


def server(app, **options) -> uvicorn.Server:
    """A uvicorn server for ``app`` with the guards against slow clients; run it with
    ``.run(sockets=...)``. The client's address is the TCP peer: uvicorn would otherwise
    believe X-Forwarded-For from 127.0.0.1, and one header would pass a key's IP allowlist."""
    config = uvicorn.Config(app, **{**guarded_options(name="SandboxH11Protocol"), **options})
    quiet_logs()
    return uvicorn.Server(config)
