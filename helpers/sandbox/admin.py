"""``/_sandbox/admin/``: the dashboard's key management on the loopback server, for curl.

This is **not an Exotel API**. At Exotel these are dashboard clicks (Settings > API Settings);
the path lives outside ``/v1/`` and ``/v2/`` so it can never be mistaken for an endpoint. It
serves the demo account. Fields are form fields; lists are comma-separated or repeated::

    curl -d label=reporting -d permissions=calls:read http://127.0.0.1:4010/_sandbox/admin/keys
    curl -X POST -d rule=48h http://127.0.0.1:4010/_sandbox/admin/keys/<key>/regenerate
    curl -X POST -d seconds=172800 http://127.0.0.1:4010/_sandbox/admin/clock/advance
    curl -X POST http://127.0.0.1:4010/_sandbox/admin/callbacks/deliver

A new token is in the answer to ``POST keys`` and ``POST .../regenerate`` and nowhere else,
as on a dashboard that shows a token once.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ..clock import FrozenClock
from ..credentials import Credentials
from ..regions import is_loopback_host
from .api_allowlist import describe as describe_allowlist
from .callbacks import Delivery
from .errors import UnknownKeyError
from .keys import PERMISSIONS, ApiKey, RegenerateRule, describe_permissions
from .wire import SANDBOX_HEADER, SANDBOX_NOTICE

if TYPE_CHECKING:
    from .core import Sandbox

ADMIN_PREFIX = "/_sandbox/admin"
NOTICE = "sandbox admin: stands in for Exotel's dashboard; not an Exotel API"
ROUTES = {
    "GET /_sandbox/admin/keys": "list the demo account's keys (no tokens)",
    "POST /_sandbox/admin/keys": "create a key: label, permissions?, allow? (token shown once)",
    "PUT /_sandbox/admin/keys/{key}/permissions": "permissions (comma-separated)",
    "PUT /_sandbox/admin/keys/{key}/allowlist": "allow (comma-separated; empty lifts it)",
    "POST /_sandbox/admin/keys/{key}/regenerate": "rule? = immediate | 48h (token shown once)",
    "DELETE /_sandbox/admin/keys/{key}/old-token": "end the 48-hour grace period now",
    "DELETE /_sandbox/admin/keys/{key}": "delete the key",
    "PUT /_sandbox/admin/allowlist": "the account-level IP allowlist: allow (comma-separated)",
    "GET /_sandbox/admin/account": "the demo account's status and balance",
    "PUT /_sandbox/admin/account": "status? = active | suspended, balance? (0 makes calls 402)",
    "GET /_sandbox/admin/clock": "the sandbox's time",
    "POST /_sandbox/admin/clock/advance": "seconds (only with --frozen-clock)",
    "POST /_sandbox/admin/callbacks/deliver": "post the status callbacks due now (loopback URLs only)",
}

Handler = Callable[[Request], Awaitable[Response]]
#: The longest clock advance accepted: ten years is more than any exercise needs.
MAX_ADVANCE = 10 * 365 * 24 * 3600


def cross_site_refusal(host: str | None, origin: str | None) -> str | None:
    """Why an admin request may have come from a web page, or None if it did not.

    A page the reader's browser loads can send requests to 127.0.0.1; it cannot choose a
    loopback ``Host`` without being on loopback itself (DNS rebinding sends the attacker's name),
    and its cross-site requests carry its own ``Origin``. curl sends no Origin.

    >>> cross_site_refusal("127.0.0.1:4010", None) is None
    True
    >>> print(cross_site_refusal("127.0.0.1:4010", "https://evil.example"))
    The admin paths answer only this machine: Origin https://evil.example is another site.
    """
    name = _host_name(host or "")
    if name is None or not is_loopback_host(name):
        return (
            f"The admin paths answer only this machine: Host {host or '(none)'} is not a "
            "loopback address. Use http://127.0.0.1:<port>/_sandbox/admin/."
        )
    if origin is not None and origin.lower() != f"http://{host}".lower():
        return f"The admin paths answer only this machine: Origin {origin[:80]} is another site."
    return None


def _host_name(host: str) -> str | None:
    """``127.0.0.1`` from ``127.0.0.1:4010``, ``::1`` from ``[::1]:4010``; None if malformed."""
    try:
        return httpx.URL(f"http://{host}/").host or None
    except (httpx.InvalidURL, ValueError):
        return None


def admin_routes(sandbox: Sandbox) -> list[BaseRoute]:
    """The admin routes: an index at :data:`ADMIN_PREFIX`, the actions under it."""
    dashboard = sandbox.dashboard

    def answer(body: dict, status: int = 200) -> JSONResponse:
        return JSONResponse(
            {"notice": NOTICE, **body}, status, headers={SANDBOX_HEADER: SANDBOX_NOTICE}
        )

    def guarded(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except UnknownKeyError as exc:
                return answer({"error": str(exc)}, 404)
            except ValueError as exc:
                return answer({"error": str(exc)}, 400)
            except HTTPException as exc:  # a form Starlette cannot read
                return answer({"error": f"The form could not be read: {exc.detail}"}, 400)

        return endpoint

    async def index(request: Request) -> Response:
        return answer({"routes": ROUTES, "permissions": PERMISSIONS})

    async def list_keys(request: Request) -> Response:
        return answer(
            {
                "keys": [_key_json(k) for k in dashboard.keys()],
                "account_allowlist": describe_allowlist(dashboard.account.allowlist),
            }
        )

    async def create_key(request: Request) -> Response:
        form = await request.form()
        credentials = dashboard.create_key(
            _one(form, "label") or "",
            permissions=_list(form, "permissions"),
            allow=_list(form, "allow"),
        )
        return answer(_secret_json(credentials, dashboard.key(credentials)), 201)

    async def set_permissions(request: Request) -> Response:
        form = await request.form()
        key = request.path_params["key"]
        dashboard.set_permissions(key, _list(form, "permissions") or [])
        return answer(_key_json(dashboard.key(key)))

    async def set_allowlist(request: Request) -> Response:
        form = await request.form()
        key = request.path_params["key"]
        dashboard.restrict_ips(key, _list(form, "allow") or [])
        return answer(_key_json(dashboard.key(key)))

    async def regenerate(request: Request) -> Response:
        rule = _rule(_one(await request.form(), "rule"))
        credentials = dashboard.regenerate_token(request.path_params["key"], rule)
        key = dashboard.key(credentials)
        body = _secret_json(credentials, key)
        expires = key.old_token_expires(dashboard.clock.now())
        body["old_token_expires"] = expires.isoformat() if expires else None
        return answer(body)

    async def delete_old_token(request: Request) -> Response:
        dashboard.delete_old_token(request.path_params["key"])
        return answer({"deleted": "old token"})

    async def delete_key(request: Request) -> Response:
        key = dashboard.key(request.path_params["key"])
        dashboard.delete_key(key)
        return answer({"deleted": key.masked})

    async def account_allowlist(request: Request) -> Response:
        dashboard.allow_only(_list(await request.form(), "allow") or [])
        return answer({"account_allowlist": describe_allowlist(dashboard.account.allowlist)})

    async def account(request: Request) -> Response:
        return answer(_account_json(dashboard.account))

    async def change_account(request: Request) -> Response:
        form = await request.form()
        status, balance = _one(form, "status"), _one(form, "balance")
        if status is None and balance is None:
            raise ValueError("Send status=active|suspended, balance=<amount>, or both.")
        if status not in (None, "active", "suspended"):
            raise ValueError(f"status must be active or suspended, not {status!r}.")
        if balance is not None:
            dashboard.set_balance(balance)
        if status == "suspended":
            dashboard.suspend_account()
        elif status == "active":
            dashboard.reactivate_account()
        return answer(_account_json(dashboard.account))

    async def clock(request: Request) -> Response:
        return answer({"now": sandbox.clock.now().isoformat()})

    async def advance(request: Request) -> Response:
        if not isinstance(sandbox.clock, FrozenClock):
            error = "The server runs on the real clock; start it with --frozen-clock."
            return answer({"error": error}, 409)
        try:
            seconds = float(_one(await request.form(), "seconds") or "")
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds):
            raise ValueError("seconds must be a number, e.g. seconds=172800 for 48 hours.")
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(
                f"seconds must be between 0 and {MAX_ADVANCE:,} (ten years), e.g. seconds=172800 "
                "for 48 hours."
            )
        sandbox.clock.advance(seconds)
        return answer({"now": sandbox.clock.now().isoformat()})

    async def deliver_callbacks(request: Request) -> Response:
        def deliver() -> list[dict]:
            with httpx.Client(transport=_LoopbackOnly()) as client:
                made = sandbox.callbacks.deliver_due(sandbox.clock.now(), client)
            return [_delivery_json(d) for d in made]

        return answer({"deliveries": await run_in_threadpool(deliver)})

    async def not_found(request: Request) -> Response:
        return answer(
            {"error": f"No admin route {request.method} {request.url.path}.", "routes": ROUTES}, 404
        )

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/keys", guarded(list_keys), methods=["GET"]),
        Route("/keys", guarded(create_key), methods=["POST"]),
        Route("/keys/{key}/permissions", guarded(set_permissions), methods=["PUT"]),
        Route("/keys/{key}/allowlist", guarded(set_allowlist), methods=["PUT"]),
        Route("/keys/{key}/regenerate", guarded(regenerate), methods=["POST"]),
        Route("/keys/{key}/old-token", guarded(delete_old_token), methods=["DELETE"]),
        Route("/keys/{key}", guarded(delete_key), methods=["DELETE"]),
        Route("/allowlist", guarded(account_allowlist), methods=["PUT"]),
        Route("/account", guarded(account), methods=["GET"]),
        Route("/account", guarded(change_account), methods=["PUT"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", guarded(advance), methods=["POST"]),
        Route("/callbacks/deliver", deliver_callbacks, methods=["POST"]),
        Route("/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return [Route(ADMIN_PREFIX, index, methods=["GET"]), Mount(ADMIN_PREFIX, routes=routes)]


class _LoopbackOnly(httpx.HTTPTransport):
    """The loopback server posts callbacks to this machine only, never out to the internet."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not is_loopback_host(request.url.host):
            raise httpx.ConnectError(
                f"not sent: {request.url.host} is not a loopback address", request=request
            )
        return super().handle_request(request)


def _delivery_json(delivery: Delivery) -> dict:
    return {
        "summary": delivery.summary(),
        "callback": delivery.callback,
        "attempt": delivery.attempt,
        "sid": delivery.sid,
        "status": delivery.status,
        "url": delivery.url,
        "http_status": delivery.http_status,
        "error": delivery.error,
        "next_attempt": delivery.next_attempt.isoformat() if delivery.next_attempt else None,
    }


def _one(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _list(form: FormData, name: str) -> list[str] | None:
    """A list field: ``a,b`` and repeated fields both give ``[a, b]``; None if absent."""
    if name not in form:
        return None
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _rule(value: str | None) -> RegenerateRule | None:
    if value is None:
        return None
    try:
        return RegenerateRule(value)
    except ValueError:
        choices = ", ".join(r.value for r in RegenerateRule)
        raise ValueError(f"rule must be one of {choices}, not {value!r}.") from None


def _key_json(key: ApiKey) -> dict:
    return {
        "key": key.key,
        "label": key.label,
        "permissions": describe_permissions(key.permissions),
        "allowlist": describe_allowlist(key.allowlist),
    }


def _account_json(account) -> dict:
    return {
        "account": account.sid,
        "status": "suspended" if account.suspended else "active",
        "balance": f"{account.balance:.2f}",
    }


def _secret_json(credentials: Credentials, key: ApiKey) -> dict:
    return {**_key_json(key), "token": credentials.api_token}
