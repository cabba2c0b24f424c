"""Who may reach ``/_sandbox/admin/``: this machine's own tools, never a web page or the sandbox.

A page the reader's browser loads can send requests to 127.0.0.1. It cannot choose a loopback
``Host`` without being on loopback itself (DNS rebinding sends the attacker's name), its
cross-site requests carry its own ``Origin`` or, from a modern browser, ``Sec-Fetch-Site:
cross-site``. curl sends none of these. The sandbox's own callbacks carry ``X-Handbook-Source``,
so a ``StatusCallback`` naming an admin path cannot work it. Anything else is a 403.

>>> admin_refusal([("host", "127.0.0.1:4010")]) is None
True
>>> print(admin_refusal([("host", "127.0.0.1:4010"), ("origin", "https://evil.example")]))
The admin paths answer only this machine: Origin https://evil.example is another site.
"""

from __future__ import annotations

import ipaddress
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .admin import ADMIN_PREFIX
from .wire import SANDBOX_HEADER

ONLY_HERE = "The admin paths answer only this machine"
#: ``Sec-Fetch-Site`` values a request typed or sent from this origin carries.
SAME_ORIGIN = ("same-origin", "none")
_HOST = re.compile(r"(localhost|[0-9.]{7,15}|\[::1\])(?::([0-9]{1,5}))?")


def loopback_host(host: str) -> bool:
    """True for ``127.0.0.1``, ``localhost`` or ``[::1]``, with a port from 1 to 65535 or none;
    nothing else (no user, no path, no other spelling).

    >>> [loopback_host(h) for h in ("127.0.0.1:4010", "evil@127.0.0.1:4010", "127.0.0.1/x")]
    [True, False, False]
    """
    found = _HOST.fullmatch(host.lower())
    if not found:
        return False
    name, port = found.groups()
    if port is not None and not 1 <= int(port) <= 65535:
        return False
    if name in ("localhost", "[::1]"):
        return True
    try:
        return ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False


def admin_refusal(headers: list[tuple[str, str]]) -> str | None:
    """Why an admin request may not be answered (a sentence), or None if it may.

    ``headers`` are the request's, names in lower case, each as often as it was sent."""
    by_name: dict[str, list[str]] = {}
    for name, value in headers:
        by_name.setdefault(name, []).append(value)
    hosts, origins = by_name.get("host", []), by_name.get("origin", [])
    if len(hosts) != 1 or len(origins) > 1:
        return (
            f"{ONLY_HERE}: send one Host header and at most one Origin "
            f"({len(hosts)} Host and {len(origins)} Origin came)."
        )
    host = hosts[0]
    if not loopback_host(host):
        return (
            f"{ONLY_HERE}: Host {host[:80] or '(none)'} is not a loopback address. "
            "Use http://127.0.0.1:<port>/_sandbox/admin/."
        )
    if origins and origins[0].lower() != f"http://{host}".lower():
        return f"{ONLY_HERE}: Origin {origins[0][:80]} is another site."
    site = by_name.get("sec-fetch-site", [])
    if any(value.lower() not in SAME_ORIGIN for value in site):
        return f"{ONLY_HERE}: the browser says the request came from another site ({site[0][:40]})."
    if SANDBOX_HEADER.lower() in by_name:
        return (
            f"{ONLY_HERE}: requests the sandbox sends itself (its status callbacks) never "
            "reach the admin paths. Point StatusCallback at a receiver, not at the sandbox."
        )
    return None


class AdminGuard:
    """ASGI middleware: 403 for an admin request :func:`admin_refusal` refuses."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            headers = [
                (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]
            ]
            refusal = admin_refusal(headers)
            if refusal:
                answer = JSONResponse({"error": refusal}, 403, headers={"Connection": "close"})
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
