"""``python -m helpers.sandbox``: serve the sandbox on loopback for curl exercises.

It plays both data centres: ``--port`` answers as the demo account's region, and
``--other-region-port`` (the next port unless given) as the other one, where the same key is
refused with a 401, as Exotel refuses a key sent to the wrong region. It prints the ``export``
line the curl exercises (book/curl_exercises.md) start with.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import sys
from collections.abc import Mapping

import uvicorn

from ..clock import FrozenClock, SystemClock
from ..command_line import port_number
from ..errors import ConfigurationError
from ..regions import REGIONS, Region, get_region, is_loopback_host, loopback
from .accounts import DEMO_API_TOKEN, demo_credentials
from .core import Sandbox
from .ratelimit import SlidingWindowLimit, category_limits


def requests_per_window(text: str) -> int:
    """``--rate-limit``: a whole number of requests, 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of requests, 1 or more")
    return int(text)


def window_seconds(text: str) -> float:
    """``--window``: a number of seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
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
        help="use the fixed clock the recordings use instead of real time",
    )
    return parser.parse_args(argv)


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


def banner(sandbox: Sandbox, origin: str, other_origin: str | None = None) -> str:
    creds = sandbox.demo
    token = creds.api_token if creds.api_token == DEMO_API_TOKEN else "<your EXOTEL_API_TOKEN>"
    key = creds.api_key
    calls = f"/v1/Accounts/{creds.account_sid}/Calls.json"
    lines = [
        f"Exotel handbook sandbox (NOT the live Exotel API) on {origin}, playing {creds.region.name}",
        f"  Account SID : {creds.account_sid}",
        f"  API key     : {key}",
        f"  API token   : {token}",
    ]
    if other_origin:
        other = other_region(creds.region)
        lines.append(
            f"  {other_origin} plays {other.name} ({other.subdomain}), the wrong region for "
            "this account"
        )
    lines += ["Try:", f"  curl -u '{key}:{token}' {origin}{calls}"]
    if other_origin:
        lines.append(f"  curl -u '{key}:{token}' {other_origin}{calls}   # the wrong region: 401")
    lines += [
        "Dashboard actions (the sandbox's own, not an Exotel API):",
        f"  curl {origin}/_sandbox/admin/",
    ]
    if other_origin and token == DEMO_API_TOKEN:
        lines += [
            "For the curl exercises (book/curl_exercises.md), in your shell:",
            f"  {exports(origin, other_origin, creds)}",
        ]
    return "\n".join(lines)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; ConfigurationError naming the port if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
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
    return sandbox


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sockets: list[socket.socket] = []
    try:
        if not is_loopback_host(args.host):
            raise ConfigurationError(
                f"--host {args.host} is not a loopback address; the sandbox serves only this machine "
                "(use 127.0.0.1, ::1 or localhost)."
            )
        sandbox = make_sandbox(args)
        demo = sandbox.demo
        other_port = args.other_region_port or args.port + 1
        if other_port == args.port:
            raise ConfigurationError("--other-region-port must differ from --port.")
        if other_port > 65535:
            raise ConfigurationError(
                f"--port {args.port} leaves no port for the other region (--port + 1): give a "
                "lower --port, or --other-region-port."
            )
        host = f"[{args.host}]" if ":" in args.host else args.host
        origin = loopback(f"http://{host}:{args.port}", demo.region).origin
        other_origin = f"http://{host}:{other_port}"
        bind = "127.0.0.1" if args.host == "localhost" else args.host
        sockets = [listen(bind, args.port), listen(bind, other_port)]
    except (ConfigurationError, ValueError) as exc:
        for sock in sockets:
            sock.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .server import create_app

    app = create_app(
        sandbox, demo.region, {args.port: demo.region, other_port: other_region(demo.region)}
    )
    print(banner(sandbox, origin, other_origin), flush=True)
    # The client's address is the TCP peer. uvicorn would otherwise believe X-Forwarded-For from
    # 127.0.0.1, and one header would pass a key's IP allowlist.
    config = uvicorn.Config(app, log_level="warning", proxy_headers=False)
    uvicorn.Server(config).run(sockets=sockets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
