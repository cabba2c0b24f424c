"""The sandbox delivers status callbacks over real HTTPS, verifying the receiver's certificate
(issued by a throwaway CA, trustme), to a server on a Unix socket: no network address opens.

Exotel's SMS webhooks page: HTTPS only, "valid SSL/TLS certificate (self-signed not accepted)".
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpers import ExotelClient
from helpers.book.https_receiver import HttpsReceiver
from helpers.sandbox import Sandbox
from helpers.sandbox.callbacks import SANDBOX_SENDER

pytest.importorskip("trustme", reason="trustme (a dev dependency) makes the throwaway CA")

CALLER = {"from_": "09810000000", "caller_id": "08010000000"}


class Inbox:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def app(self) -> Starlette:
        async def hook(request: Request):
            form = await request.form()
            self.seen.append((request.client.host, str(form.get("Status"))))
            return JSONResponse({"result": "accepted"})

        return Starlette(routes=[Route("/hooks/call", hook, methods=["POST"])])


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def receiver(inbox):
    with HttpsReceiver(inbox.app()) as running:
        yield running


@pytest.fixture
def called(sandbox, receiver) -> Sandbox:
    """The sandbox, with a finished call whose status callback goes to ``receiver``."""
    with ExotelClient(sandbox.demo, transport=sandbox.transport()) as exotel:
        exotel.connect_call(
            to="09820000000", StatusCallback=receiver.base_url + "/hooks/call", **CALLER
        )
    sandbox.clock.advance(42)
    return sandbox


def test_a_callback_is_delivered_over_https_with_the_certificate_verified(called, receiver, inbox):
    with receiver.client() as client:
        [delivery] = called.callbacks.deliver_due(called.clock.now(), client)
    assert (delivery.http_status, delivery.error) == (200, None)
    assert inbox.seen == [(SANDBOX_SENDER, "completed")]


def test_a_certificate_the_sender_cannot_verify_is_a_failed_attempt_retried_later(
    called, receiver, inbox
):
    with receiver.client(trust_local_ca=False) as client:
        [delivery] = called.callbacks.deliver_due(called.clock.now(), client)
    assert delivery.http_status is None
    assert delivery.error == "certificate refused (unable to get local issuer certificate)"
    assert delivery.next_attempt is not None
    assert inbox.seen == []


def test_a_certificate_for_another_host_is_refused(called, inbox):
    with HttpsReceiver(inbox.app(), hostname="other.example.com") as elsewhere:
        context = elsewhere.trusting_context()
        transport = httpx.HTTPTransport(uds=str(elsewhere.socket), verify=context)
        with httpx.Client(transport=transport) as client:
            [delivery] = called.callbacks.deliver_due(called.clock.now(), client)
    assert delivery.error.startswith("certificate refused (Hostname mismatch")
    assert inbox.seen == []


def test_the_retry_with_a_trusting_client_gets_through(called, receiver, inbox):
    with receiver.client(trust_local_ca=False) as client:
        called.callbacks.deliver_due(called.clock.now(), client)
    called.clock.advance(30)
    with receiver.client() as client:
        [delivery] = called.callbacks.deliver_due(called.clock.now(), client)
    assert (delivery.attempt, delivery.http_status) == (2, 200)


def test_the_receiver_opens_no_network_address(receiver):
    assert receiver.socket.is_socket()


# -- answer budgets: 15 s for a call callback, 10 s for an SMS callback ----------------------------


@pytest.mark.parametrize(("kind", "budget"), [("call", 15.0), ("sms", 10.0)])
def test_the_sender_waits_as_long_as_exotel_documents_for_each_kind(sandbox, kind, budget):
    waited = []

    def slow(request: httpx.Request) -> httpx.Response:
        waited.append(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("no answer", request=request)

    with ExotelClient(sandbox.demo, transport=sandbox.transport()) as exotel:
        if kind == "call":
            exotel.connect_call(to="09820000000", StatusCallback="https://h.example/c", **CALLER)
        else:
            exotel.send_sms("EXOTEL", "09820000000", "hi", StatusCallback="https://h.example/s")
    sandbox.clock.advance(60)
    with httpx.Client(transport=httpx.MockTransport(slow)) as client:
        [delivery] = sandbox.callbacks.deliver_due(sandbox.clock.now(), client)
    assert waited == [budget]
    assert delivery.error == f"no answer within {budget:g} s"
