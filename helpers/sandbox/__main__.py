"""``python -m helpers.sandbox``: serve the sandbox on loopback for curl exercises."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from ..clock import FrozenClock, SystemClock
from ..errors import ConfigurationError
from ..regions import REGIONS, get_region, is_loopback_host, loopback
from .accounts import DEMO_API_TOKEN, demo_credentials
from .core import Sandbox
from .ratelimit import SlidingWindowLimit


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.sandbox",
        description="Serve the handbook's Exotel sandbox on a loopback address (not the live API).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=4010, help="port (default 4010)")
    parser.add_argument(
        "--region",
        default=None,
        help=f"which data centre the server plays: {', '.join(REGIONS)} (default: EXOTEL_REGION, else singapore)",
    )
    parser.add_argument(
        "--rate-limit", type=int, default=200, help="requests allowed per window (default 200)"
    )
    parser.add_argument(
        "--window", type=float, default=60.0, help="rate-limit window in seconds (default 60)"
    )
    parser.add_argument(
        "--frozen-clock",
        action="store_true",
        help="use the fixed clock the recordings use instead of real time",
    )
    return parser.parse_args(argv)


def banner(sandbox: Sandbox, origin: str) -> str:
    creds = sandbox.demo
    token = creds.api_token if creds.api_token == DEMO_API_TOKEN else "<your EXOTEL_API_TOKEN>"
    key = creds.api_key
    return "\n".join(
        [
            f"Exotel handbook sandbox (NOT the live Exotel API) on {origin}, playing {creds.region.name}",
            f"  Account SID : {creds.account_sid}",
            f"  API key     : {key}",
            f"  API token   : {token}",
            "Try:",
            f"  curl -u '{key}:{token}' {origin}/v1/Accounts/{creds.account_sid}/Calls.json",
            "Dashboard actions (the sandbox's own, not an Exotel API):",
            f"  curl {origin}/_sandbox/admin/",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if not is_loopback_host(args.host):
            raise ConfigurationError(
                f"--host {args.host} is not a loopback address; the sandbox serves only this machine "
                "(use 127.0.0.1, ::1 or localhost)."
            )
        demo = demo_credentials()
        if args.region:
            demo = demo.with_changes(region=get_region(args.region))
        sandbox = Sandbox(
            clock=FrozenClock() if args.frozen_clock else SystemClock(),
            rate_limit=SlidingWindowLimit(args.rate_limit, args.window),
            demo=demo,
        )
        host = f"[{args.host}]" if ":" in args.host else args.host
        origin = loopback(f"http://{host}:{args.port}", demo.region).origin
    except (ConfigurationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .server import create_app

    print(banner(sandbox, origin), flush=True)
    uvicorn.run(
        create_app(sandbox, demo.region),
        host=args.host,
        port=args.port,
        log_level="warning",
        # The client's address is the TCP peer. uvicorn would otherwise believe X-Forwarded-For
        # from 127.0.0.1, and one header would pass a key's IP allowlist.
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
