"""A receiver served over real HTTPS, with a certificate from a throwaway certificate authority.

Exotel delivers status callbacks to HTTPS URLs only, and an SMS callback endpoint needs a valid
certificate: "self-signed not accepted" (https://developer.exotel.com/docs/sms-support/sms-webhooks).
To show that with a real TLS handshake, :class:`HttpsReceiver` makes a certificate authority that
exists only in this process (``trustme``), issues a certificate for the callback host with it,
and serves the receiver with uvicorn. The sandbox's client trusts that authority, as Exotel
trusts the public ones, and verifies the certificate on every delivery.

The server listens on a Unix socket, not on a TCP port: the handshake and the HTTP exchange are
real, but no network address is opened, so the chapter runs where the network is off (playback,
the offline test). A Unix socket carries no source address, so the receiver is told the one the
sandbox's callbacks come from, as the in-process client (:mod:`helpers.book.local`) does.

>>> from starlette.responses import PlainTextResponse
>>> async def ok(scope, receive, send):
...     await PlainTextResponse("ok")(scope, receive, send)
>>> with HttpsReceiver(ok) as receiver, receiver.client() as client:
...     client.get(receiver.base_url + "/").text
'ok'
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
import time
from pathlib import Path

import httpx

from ..client import tls_context
from ..sandbox.callbacks import ANSWER_TIMEOUT, SANDBOX_SENDER
from .browser import refuse_outside_a_computer

STARTUP_SECONDS = 10.0


class HttpsReceiver:
    """``app`` served over HTTPS at ``https://<hostname>``, on a Unix socket, until stopped."""

    def __init__(self, app, hostname: str = "hooks.example.com", source_ip: str = SANDBOX_SENDER):
        refuse_outside_a_computer("The HTTPS receiver", "a socket, a thread and a certificate")
        import trustme  # a dev dependency: only the book needs a throwaway CA

        self.hostname = hostname
        self.base_url = f"https://{hostname}"
        self.ca = trustme.CA()
        self._folder = Path(tempfile.mkdtemp(prefix="https-receiver-"))
        self.socket = self._folder / "receiver.sock"
        cert = self.ca.issue_cert(hostname)
        certfile, keyfile = self._folder / "cert.pem", self._folder / "key.pem"
        cert.cert_chain_pems[0].write_to_path(str(certfile))
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(str(certfile), append=True)
        cert.private_key_pem.write_to_path(str(keyfile))
        self._app = _from_address(app, source_ip)
        self._certfile, self._keyfile = certfile, keyfile
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> HttpsReceiver:
        import uvicorn

        config = uvicorn.Config(
            self._app,
            uds=str(self.socket),
            ssl_certfile=str(self._certfile),
            ssl_keyfile=str(self._keyfile),
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"The HTTPS receiver did not start within {STARTUP_SECONDS:g} s on "
                    f"{self.socket}; see the uvicorn messages above."
                )
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STARTUP_SECONDS)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> HttpsReceiver:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def trusting_context(self) -> ssl.SSLContext:
        """The client's usual context (public CAs, TLS 1.2 or newer), also trusting this CA."""
        context = tls_context()
        self.ca.configure_trust(context)
        return context

    def client(self, trust_local_ca: bool = True, timeout: float = ANSWER_TIMEOUT) -> httpx.Client:
        """A client that reaches the receiver through its socket and verifies its certificate:
        against the public CAs and this one, or (``trust_local_ca=False``) the public CAs only,
        which do not know it, as for a self-signed certificate."""
        context = self.trusting_context() if trust_local_ca else tls_context()
        transport = httpx.HTTPTransport(uds=str(self.socket), verify=context)
        return httpx.Client(transport=transport, timeout=timeout)


def _from_address(app, source_ip: str):
    """``app``, seeing every connection as coming from ``source_ip``."""

    async def with_address(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "client": (source_ip, 50000)}
        await app(scope, receive, send)

    return with_address
