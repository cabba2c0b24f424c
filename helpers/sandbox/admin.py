"""``/_sandbox/admin/``: the dashboard's key management on the loopback server, for curl.

This is **not an Exotel API**. At Exotel these are dashboard clicks :exotel:`faq.regenerate-steps`;
the path lives outside ``/v1/`` and ``/v2/`` so it can never be mistaken for an endpoint. It
serves the demo account. Fields are form fields; lists are comma-separated or repeated::

    curl -d label=reporting -d permissions=calls:read http://127.0.0.1:4010/_sandbox/admin/keys
    curl -X POST -d rule=48h http://127.0.0.1:4010/_sandbox/admin/keys/<key>/regenerate
    curl -X POST -d seconds=172800 http://127.0.0.1:4010/_sandbox/admin/clock/advance
    curl -X POST http://127.0.0.1:4010/_sandbox/admin/callbacks/deliver

A new token is in the answer to ``POST keys`` and ``POST .../regenerate`` and nowhere else,
as on a dashboard that shows a token once. :data:`ADMIN_ROUTES` describes every route once; the
Starlette routes and the index are built from it. Who may reach these paths is
:mod:`~helpers.sandbox.guard`'s to decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from ..clock import IST, FrozenClock
from ..credentials import Credentials
from ..regions import is_loopback_host
from . import inputs
from .api_allowlist import describe as describe_allowlist
from .bodies import Refused, read_form
from .callbacks import Delivery
from .errors import UnknownKeyError
from .keys import PERMISSIONS, ApiKey, RegenerateRule, describe_permissions
from .wire import SANDBOX_HEADER, SANDBOX_NOTICE

if TYPE_CHECKING:
    from .core import Sandbox

ADMIN_PREFIX = "/_sandbox/admin"
NOTICE = "sandbox admin: stands in for Exotel's dashboard; not an Exotel API"
#: The longest clock advance accepted: ten years is more than any exercise needs.
MAX_ADVANCE = 10 * 365 * 24 * 3600
#: The frozen clock goes no further: every date the sandbox derives from it (a call's end, a
#: callback's retry, a 48-hour grace period) must still be a date Python can hold.
LATEST = datetime(9000, 1, 1, tzinfo=IST)
#: API keys the demo account may have at most; allowlist entries per list at most.
MAX_KEYS = 100
MAX_ALLOW = 100
MAX_LABEL = 80


@dataclass(frozen=True)
class AdminRoute:
    """One admin route: ``action`` names the :class:`Admin` method that answers it."""

    method: str
    path: str  # under ADMIN_PREFIX
    summary: str
    action: str


ADMIN_ROUTES = (
    AdminRoute("GET", "/keys", "list the demo account's keys (no tokens)", "list_keys"),
    AdminRoute(
        "POST",
        "/keys",
        "create a key: label, permissions?, allow? (token shown once)",
        "create_key",
    ),
    AdminRoute(
        "PUT", "/keys/{key}/permissions", "permissions (comma-separated)", "set_permissions"
    ),
    AdminRoute(
        "PUT", "/keys/{key}/allowlist", "allow (comma-separated; empty lifts it)", "set_allowlist"
    ),
    AdminRoute(
        "POST", "/keys/{key}/regenerate", "rule? = immediate | 48h (token shown once)", "regenerate"
    ),
    AdminRoute(
        "DELETE", "/keys/{key}/old-token", "end the 48-hour grace period now", "delete_old_token"
    ),
    AdminRoute("DELETE", "/keys/{key}", "delete the key", "delete_key"),
    AdminRoute(
        "PUT",
        "/allowlist",
        "the account-level IP allowlist: allow (comma-separated)",
        "account_allowlist",
    ),
    AdminRoute("GET", "/account", "the demo account's status and balance", "account"),
    AdminRoute(
        "PUT",
        "/account",
        "status? = active | suspended, balance? (0 makes calls 402)",
        "change_account",
    ),
    AdminRoute("GET", "/clock", "the sandbox's time", "clock"),
    AdminRoute("POST", "/clock/advance", "seconds (only with --frozen-clock)", "advance"),
    AdminRoute(
        "POST",
        "/callbacks/deliver",
        "post the status callbacks due now (loopback URLs only)",
        "deliver_callbacks",
    ),
)
ROUTES = {f"{r.method} {ADMIN_PREFIX}{r.path}": r.summary for r in ADMIN_ROUTES}


class Admin:
    """The admin actions on one sandbox; each takes the path's values and the form, and returns
    the answer's body, or (body, status). A ValueError is a 400, an unknown key a 404."""

    def __init__(self, sandbox: Sandbox, own_ports: frozenset[int] = frozenset()):
        self.sandbox = sandbox
        self.dashboard = sandbox.dashboard
        self.own_ports = own_ports  # where the sandbox itself listens: never a callback's target
        self._sender: httpx.Client | None = None

    def list_keys(self, values: dict, form: FormData) -> dict:
        return {
            "keys": [_key_json(k) for k in self.dashboard.keys()],
            "account_allowlist": describe_allowlist(self.dashboard.account.allowlist),
        }

    def create_key(self, values: dict, form: FormData) -> tuple[dict, int]:
        if len(self.dashboard.keys()) >= MAX_KEYS:
            raise ValueError(
                f"The account has {MAX_KEYS} keys, the most the sandbox keeps. Delete one first "
                f"(DELETE {ADMIN_PREFIX}/keys/<key>)."
            )
        label = _one(form, "label") or ""
        if len(label) > MAX_LABEL:
            raise ValueError(f"label is {len(label)} characters; keep it to {MAX_LABEL}.")
        credentials = self.dashboard.create_key(
            label, permissions=_list(form, "permissions"), allow=_list(form, "allow")
        )
        return _secret_json(credentials, self.dashboard.key(credentials)), 201

    def set_permissions(self, values: dict, form: FormData) -> dict:
        self.dashboard.set_permissions(values["key"], _list(form, "permissions") or [])
        return _key_json(self.dashboard.key(values["key"]))

    def set_allowlist(self, values: dict, form: FormData) -> dict:
        self.dashboard.restrict_ips(values["key"], _list(form, "allow") or [])
        return _key_json(self.dashboard.key(values["key"]))

    def regenerate(self, values: dict, form: FormData) -> dict:
        credentials = self.dashboard.regenerate_token(values["key"], _rule(_one(form, "rule")))
        key = self.dashboard.key(credentials)
        body = _secret_json(credentials, key)
        expires = key.old_token_expires(self.dashboard.clock.now())
        body["old_token_expires"] = expires.isoformat() if expires else None
        return body

    def delete_old_token(self, values: dict, form: FormData) -> dict:
        self.dashboard.delete_old_token(values["key"])
        return {"deleted": "old token"}

    def delete_key(self, values: dict, form: FormData) -> dict:
        key = self.dashboard.key(values["key"])
        self.dashboard.delete_key(key)
        return {"deleted": key.masked}

    def account_allowlist(self, values: dict, form: FormData) -> dict:
        self.dashboard.allow_only(_list(form, "allow") or [])
        return {"account_allowlist": describe_allowlist(self.dashboard.account.allowlist)}

    def account(self, values: dict, form: FormData) -> dict:
        return _account_json(self.dashboard.account)

    def change_account(self, values: dict, form: FormData) -> dict:
        status, balance = _one(form, "status"), _one(form, "balance")
        if status is None and balance is None:
            raise ValueError("Send status=active|suspended, balance=<amount>, or both.")
        if status not in (None, "active", "suspended"):
            raise ValueError(f"status must be active or suspended, not {status[:40]!r}.")
        if balance is not None:
            self.dashboard.set_balance(balance)
        if status == "suspended":
            self.dashboard.suspend_account()
        elif status == "active":
            self.dashboard.reactivate_account()
        return _account_json(self.dashboard.account)

    def clock(self, values: dict, form: FormData) -> dict:
        return {"now": self.sandbox.clock.now().isoformat()}

    def advance(self, values: dict, form: FormData) -> dict | tuple[dict, int]:
        clock = self.sandbox.clock
        if not isinstance(clock, FrozenClock):
            error = "The server runs on the real clock; start it with --frozen-clock."
            return {"error": error}, 409
        seconds = inputs.seconds(_one(form, "seconds"), most=MAX_ADVANCE)
        if clock.now() + timedelta(seconds=seconds) > LATEST:
            raise ValueError(
                f"The sandbox's clock stops at {LATEST:%Y-%m-%d}; it is {clock.now():%Y-%m-%d} "
                "now. Restart the sandbox to start again from its first day."
            )
        clock.advance(seconds)
        return {"now": clock.now().isoformat()}

    def deliver_callbacks(self, values: dict, form: FormData) -> dict:
        if self._sender is None:  # made once: a client loads its certificate store as it starts
            self._sender = httpx.Client(transport=LoopbackOnly(self.own_ports))
        made = self.sandbox.callbacks.deliver_due(self.sandbox.clock.now(), self._sender)
        return {"deliveries": [_delivery_json(d) for d in made]}


def admin_routes(sandbox: Sandbox, own_ports: frozenset[int] = frozenset()) -> list[BaseRoute]:
    """The admin routes: an index at :data:`ADMIN_PREFIX`, the actions of
    :data:`ADMIN_ROUTES` under it, and a 404 naming them for any other path."""
    admin = Admin(sandbox, own_ports)

    def endpoint(route: AdminRoute):
        action = getattr(admin, route.action)

        async def answer_request(request: Request) -> Response:
            form = await read_form(request)
            if isinstance(form, Refused):
                return answer({"error": form.message}, form.status, close=True)
            try:
                result = await run_in_threadpool(action, dict(request.path_params), form)
            except UnknownKeyError as exc:
                return answer({"error": str(exc)}, 404)
            except ValueError as exc:
                return answer({"error": str(exc)}, 400)
            body, status = result if isinstance(result, tuple) else (result, 200)
            return answer(body, status)

        return answer_request

    async def index(request: Request) -> Response:
        return answer({"routes": ROUTES, "permissions": PERMISSIONS})

    async def not_found(request: Request) -> Response:
        path = request.url.path[:200]
        return answer({"error": f"No admin route {request.method} {path}.", "routes": ROUTES}, 404)

    routes: list[BaseRoute] = [Route("/", index, methods=["GET"])]
    routes += [Route(r.path, endpoint(r), methods=[r.method]) for r in ADMIN_ROUTES]
    routes.append(Route("/{rest:path}", AnyMethod(not_found)))
    return [Route(ADMIN_PREFIX, index, methods=["GET"]), Mount(ADMIN_PREFIX, routes=routes)]


class AnyMethod:
    """A route endpoint for every HTTP method (a plain function route would answer 405)."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]):
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


def answer(body: dict, status: int = 200, *, close: bool = False) -> JSONResponse:
    """An admin answer: marked as the sandbox's, and closing the connection if asked."""
    headers = {SANDBOX_HEADER: SANDBOX_NOTICE}
    if close:
        headers["Connection"] = "close"
    return JSONResponse({"notice": NOTICE, **body}, status, headers=headers)


class LoopbackOnly(httpx.HTTPTransport):
    """The loopback server posts callbacks to this machine only, never out to the internet,
    and never to the sandbox itself (``own_ports``): a callback cannot work its admin paths."""

    def __init__(self, own_ports: frozenset[int] = frozenset()):
        super().__init__()
        self.own_ports = own_ports

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if not is_loopback_host(url.host):
            raise httpx.ConnectError(
                f"not sent: {url.host} is not a loopback address", request=request
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        if port in self.own_ports:
            raise httpx.ConnectError(
                f"not sent: port {port} is the sandbox itself, not a receiver", request=request
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
    items = [part.strip() for v in values for part in v.split(",") if part.strip()]
    if len(items) > MAX_ALLOW:
        raise ValueError(f"{name} has {len(items)} entries; the sandbox takes at most {MAX_ALLOW}.")
    return items


def _rule(value: str | None) -> RegenerateRule | None:
    if value is None:
        return None
    try:
        return RegenerateRule(value)
    except ValueError:
        choices = ", ".join(r.value for r in RegenerateRule)
        raise ValueError(f"rule must be one of {choices}, not {value[:40]!r}.") from None


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
