"""``python -m helpers.webhooks``: run the receiver on uvicorn.

    python -m helpers.webhooks --host 127.0.0.1 --port 8080 --store events.sqlite3 \\
        --allow 127.0.0.1/32 [--allow CIDR ...] [--trust-proxy ADDRESS ...] \\
        [--handler module:function] [--lease SECONDS] [--max-attempts N] \\
        [--store-timeout SECONDS] [--max-body BYTES] [--public]

Safe by default:

- it binds only to a loopback address unless ``--public`` is given. The receiver speaks plain
  HTTP, and the first rule of Exotel's Authentication & Security guide is HTTPS for every callback URL; the intended set-up is a
  TLS-terminating proxy (or tunnel) on the same machine forwarding to the loopback port, named
  with ``--trust-proxy 127.0.0.1`` so the allowlist judges the client it forwards. With
  ``--public`` it still refuses to start on plain HTTP unless ``--ssl-certfile`` and
  ``--ssl-keyfile`` are given or a trusted proxy is named;
- ``--allow`` is required (at least one range): Exotel does not publish its addresses, so there
  is no default that would be right, and "everyone" is refused;
- slow clients cannot shut others out: a header deadline, a body deadline and a connection cap
  that sheds the slowest connection first (:mod:`~helpers.webhooks.serving`);
- uvicorn's own ``X-Forwarded-For`` handling is switched off (it trusts 127.0.0.1 by default);
  only ``--trust-proxy`` decides whose header is believed.

The handler (``--handler module:function``, called with each stored :class:`Event`) runs in a
worker thread; the default prints one line per event. Several receivers may share one store
(processes on one SQLite file, or machines on one PostgreSQL database with
``--store postgresql://...``): each claims an event before handling it, so each event is handled
once; a killed receiver's claims lapse after ``--lease`` seconds and the others take them over.
An event whose handler fails ``--max-attempts`` times (or whose process dies with it in hand
that often) is left failing with its error, for a person: ``python -m helpers.webhooks failing
--store ...`` lists them, ``retry ID ...|--all-failing`` puts them back once the cause is fixed,
``discard`` sets them aside (:mod:`~helpers.webhooks.recovery`). ``GET /webhooks/health``
reports the worker, the backlog, the age of its oldest event and the failed events, and answers
503 with a reason when processing is stuck, failing (until those commands leave no event
failing) or cut off from the store; no store call waits longer than ``--store-timeout`` (a
callback is answered 503 then, and Exotel retries).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import math
import socket
import sys
from collections.abc import Callable

from ..command_line import port_number
from ..errors import ConfigurationError
from ..regions import is_loopback_host
from .app import (
    CALL_PATH,
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_STORE_TIMEOUT,
    HEALTH_PATH,
    SMS_PATH,
    create_app,
)
from .dispatcher import Dispatcher
from .payloads import DEFAULT_MAX_BODY, Event
from .recovery import COMMANDS
from .recovery import main as recovery_main
from .serving import DEFAULT_HEADER_TIMEOUT, serve
from .source_allowlist import SourceAllowlist
from .store import open_store


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.webhooks",
        description="Receive Exotel status callbacks: allowlisted, validated, stored exactly once.",
        epilog="When health says 503 'events failing': python -m helpers.webhooks failing|retry|"
        "discard --store ... lists the failing events, puts them back, or sets them aside "
        "(each has its own --help).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8080, help="port (default 8080)")
    parser.add_argument(
        "--store",
        required=True,
        help="SQLite file for the events (created if absent), or a postgresql:// URL",
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="CIDR",
        help="address or range allowed to post callbacks (repeatable; at least one)",
    )
    parser.add_argument(
        "--trust-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a reverse proxy whose X-Forwarded-For is believed (repeatable; default: none)",
    )
    parser.add_argument("--handler", help="module:function called once per stored event")
    parser.add_argument(
        "--lease",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long a claim on an event lasts; longer than your slowest handler (default 60)",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=5,
        metavar="N",
        help="times an event is handed to the handler (or its process dies with it in hand) "
        "before it is left failing for a person (default 5)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT,
        metavar="SECONDS",
        help="close a connection whose request headers take longer "
        f"(default {DEFAULT_HEADER_TIMEOUT:g}; 1 s for addresses not allowed)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help=f"answer 408 to a body that takes longer (default {DEFAULT_BODY_TIMEOUT:g})",
    )
    parser.add_argument(
        "--store-timeout",
        type=float,
        default=DEFAULT_STORE_TIMEOUT,
        metavar="SECONDS",
        help="answer 503 to a callback whose event is not stored within this long, and let no "
        f"query wait longer (default {DEFAULT_STORE_TIMEOUT:g}; Exotel waits 15)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="open connections at most; past it the slowest to send its headers is closed "
        "(default: the open-file limit less 64)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        help=f"largest body accepted (default {DEFAULT_MAX_BODY})",
    )
    parser.add_argument(
        "--public", action="store_true", help="allow a non-loopback --host (see --help)"
    )
    parser.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--ssl-keyfile", help="and this private key (PEM)")
    return parser.parse_args(argv)


def check_binding(args: argparse.Namespace) -> None:
    """Refuse a public plain-HTTP receiver, and say what to do instead."""
    if is_loopback_host(args.host):
        return
    if not args.public:
        raise ConfigurationError(
            f"--host {args.host} is not a loopback address. Callbacks must reach you over HTTPS: "
            "keep the receiver on 127.0.0.1 behind a TLS-terminating proxy, or pass --public "
            "(with --ssl-certfile/--ssl-keyfile, or --trust-proxy for the proxy in front)."
        )
    if not (args.ssl_certfile and args.ssl_keyfile) and not args.trust_proxy:
        raise ConfigurationError(
            f"--public on {args.host} would serve callbacks over plain HTTP. Give --ssl-certfile "
            "and --ssl-keyfile, or name the TLS-terminating proxy in front with --trust-proxy."
        )


def check_port(host: str, port: int) -> None:
    """Refuse a port this receiver cannot listen on before the banner says it is up."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"Port {port} on {host} is in use by another program. Stop it, or try "
                    f"another: --port {port + 1}."
                ) from None
            raise ConfigurationError(
                f"Cannot listen on {host} port {port} ({exc.strerror}). Give --host a local "
                "address and --port a free port (1024 or above unless you run as root)."
            ) from None


#: The longest any seconds option may be: a day (a lease, a deadline).
MAX_SECONDS = 86_400.0
#: The largest --max-body: far above any callback, far below the memory it would take.
MAX_BODY_LIMIT = 64 * 1024 * 1024


def check_options(args: argparse.Namespace) -> None:
    """Every number in range, or a :class:`ConfigurationError` naming the option and the range
    (``nan`` and ``inf`` included: a lease of ``nan`` would let every claim lapse at once)."""
    for option in ("lease", "header_timeout", "body_timeout", "store_timeout"):
        value = getattr(args, option)
        if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
            flag = "--" + option.replace("_", "-")
            raise ConfigurationError(
                f"{flag} {value:g}: give a number of seconds above 0 and at most "
                f"{MAX_SECONDS:,.0f} (a day)."
            )
    if not 1 <= args.max_body <= MAX_BODY_LIMIT:
        raise ConfigurationError(
            f"--max-body {args.max_body}: give a number of bytes from 1 to {MAX_BODY_LIMIT:,} "
            f"(the default, {DEFAULT_MAX_BODY:,}, fits every Exotel callback)."
        )
    if not 1 <= args.max_attempts <= 1000:
        raise ConfigurationError(
            f"--max-attempts {args.max_attempts}: give a number from 1 to 1,000."
        )
    if args.max_connections is not None and not 1 <= args.max_connections <= 1_000_000:
        raise ConfigurationError(
            f"--max-connections {args.max_connections}: give a number from 1 to 1,000,000."
        )


def load_handler(spec: str | None) -> Callable[[Event], None]:
    """``module:function`` imported, or the default handler that prints each event."""
    if not spec:
        return print_event
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"--handler {spec!r} must look like module:function.")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"--handler {spec}: cannot import it ({exc}).") from None
    if not callable(handler):
        raise ConfigurationError(f"--handler {spec} is not callable.")
    return handler


def print_event(event: Event) -> None:
    print(f"handled #{event.id}: {event}", flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:  # an operator's command on the store, not the server
        return recovery_main(argv)
    args = parse_args(argv)
    try:
        check_binding(args)
        check_port(args.host, args.port)
        try:
            allowlist = SourceAllowlist(args.allow, args.trust_proxy)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"{exc} (Set the allowlist with --allow CIDR and proxies with --trust-proxy.)"
            ) from None
        handler = load_handler(args.handler)
        check_options(args)
        store = open_store(args.store, timeout=args.store_timeout)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    dispatcher = Dispatcher(store, handler, lease=args.lease, max_attempts=args.max_attempts)
    app = create_app(
        store,
        allowlist,
        dispatcher=dispatcher,
        max_body=args.max_body,
        body_timeout=args.body_timeout,
        store_timeout=args.store_timeout,
        background=True,
    )
    scheme = "https" if args.ssl_certfile else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    origin = f"{scheme}://{host}:{args.port}"
    print(
        f"Exotel webhook receiver on {origin} (store: {store}; {allowlist})\n"
        f"  POST {origin}{CALL_PATH}\n  POST {origin}{SMS_PATH}\n"
        f"  GET  {origin}{HEALTH_PATH}  (is processing keeping up? 503 when it is not)",
        flush=True,
    )
    serve(
        app,
        host=args.host,
        port=args.port,
        admits=allowlist.admits_peer,
        header_timeout=args.header_timeout,
        max_connections=args.max_connections,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
