"""``python -m helpers.sandbox``: serve the sandbox on loopback for curl exercises.

It plays both data centres: ``--port`` answers as the demo account's region, and
``--other-region-port`` (the next port unless given) as the other one, where the same key is
refused with a 401, as Exotel refuses a key sent to the wrong region. It prints the ``export``
line the curl exercises (book/curl_exercises.md) start with. Ctrl-C stops it with one line.
"""

from __future__ import annotations

import argparse
import socket
import sys

from ..errors import ConfigurationError
from ..regions import is_loopback_host, loopback
from .accounts import DEMO_API_TOKEN
from .core import Sandbox
from .serving import exports, listen, make_sandbox, options_parser, other_region, server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return options_parser().parse_args(argv)


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


def main(argv: list[str] | None = None) -> int:
    try:
        return serve(parse_args(argv))
    except KeyboardInterrupt:  # Ctrl-C before uvicorn took over its signals, or after
        print("\nThe sandbox stopped (Ctrl-C).", file=sys.stderr)
        return 130


def serve(args: argparse.Namespace) -> int:
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
    server(app).run(sockets=sockets)
    print("The sandbox stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
