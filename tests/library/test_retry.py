"""Retry policy: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import ast
import inspect
import logging
import random
import textwrap
from datetime import UTC, datetime

import httpx
import nbformat
import pytest

from helpers import (
    AuthenticationError,
    Credentials,
    ExotelClient,
    NetworkError,
    RateLimitError,
    ServerError,
)
from helpers.clock import FrozenClock
from helpers.errors import RetriesExhaustedError
from helpers.retry import RetryPolicy, parse_retry_after
from helpers.sandbox import Sandbox, SlidingWindowLimit, demo_credentials
from tests.support.book_paths import BOOK

NOW = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
CREDS = Credentials("key-1234", "token-5678", "acme")  # pragma: allowlist secret


class Script:
    """A transport that answers from a list (a status, or an httpx exception to raise)."""

    def __init__(self, *answers, headers=None, body=None):
        self.answers = list(answers)
        self.headers = headers or {}
        self.body = body
        self.methods: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.methods.append(request.method)
        answer = self.answers.pop(0)
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("simulated", request=request)
        if answer < 400:
            return httpx.Response(answer, json={"Calls": []})
        if self.body is None:
            body = {"RestException": {"Status": answer, "Message": "scripted"}}
            return httpx.Response(answer, json=body, headers=self.headers)
        return httpx.Response(answer, content=self.body, headers=self.headers)


def policy(**overrides) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    settings = dict(sleep=slept.append, rng=random.Random(7), now=lambda: NOW)
    settings.update(overrides)
    return RetryPolicy(**settings), slept


def client(script: Script, retry: RetryPolicy) -> ExotelClient:
    return ExotelClient(CREDS, transport=httpx.MockTransport(script), retry=retry)


# -- what is retried ---------------------------------------------------------------------------


def test_post_is_not_retried_after_a_timeout():
    script = Script(httpx.ReadTimeout, 200)
    retry, slept = policy()
    with pytest.raises(NetworkError):
        client(script, retry).connect_call("0981", "0982", "0801")
    assert script.methods == ["POST"] and slept == []


def test_post_is_retried_after_a_429():
    script = Script(429, 200, body=None)
    retry, slept = policy()
    client(script, retry).request("POST", "Calls/connect.json", data={"From": "1"})
    assert script.methods == ["POST", "POST"] and len(slept) == 1


def test_post_is_retried_when_the_connection_never_opened():
    script = Script(httpx.ConnectError, 200)
    retry, _ = policy()
    client(script, retry).request("POST", "Calls/connect.json", data={"From": "1"})
    assert script.methods == ["POST", "POST"]


def test_get_is_retried_after_a_timeout_and_a_5xx():
    script = Script(httpx.ReadTimeout, 503, 200)
    retry, slept = policy()
    client(script, retry).list_calls()
    assert script.methods == ["GET"] * 3 and len(slept) == 2


def test_post_is_not_retried_after_a_5xx():
    script = Script(502, 200)
    retry, _ = policy()
    with pytest.raises(ServerError):
        client(script, retry).request("POST", "Sms/send.json", data={"Body": "x"})
    assert script.methods == ["POST"]


def test_a_401_is_never_retried():
    script = Script(401, 200)
    retry, slept = policy()
    with pytest.raises(AuthenticationError):
        client(script, retry).list_calls()
    assert len(script.methods) == 1 and slept == []


# -- how long it waits ---------------------------------------------------------------------------


def test_backoff_is_full_jitter_under_a_doubling_ceiling():
    retry, _ = policy(base=1.0, cap=8.0, rng=random.Random(1))
    for n in range(6):
        ceiling = min(8.0, 2.0**n)
        draws = [retry.backoff(n) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > 0.8 * ceiling  # spread over the whole range, not a fixed delay


def test_retry_after_in_seconds_wins_over_backoff():
    script = Script(429, 200, headers={"Retry-After": "7"})
    retry, slept = policy()
    client(script, retry).list_calls()
    assert slept == [7.0]


def test_retry_after_as_an_http_date_is_honoured():
    script = Script(429, 200, headers={"Retry-After": "Thu, 15 Jan 2026 04:30:12 GMT"})
    retry, slept = policy()
    client(script, retry).list_calls()
    assert slept == [12.0]


def test_retry_after_date_in_the_past_means_no_wait():
    assert parse_retry_after("Thu, 15 Jan 2026 04:00:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("garbage", ["-5", "soon", "1.5", "", "12 seconds"])
def test_garbage_retry_after_is_an_error_naming_it(garbage):
    with pytest.raises(ValueError, match="neither whole seconds nor an HTTP-date"):
        parse_retry_after(garbage, NOW)


def test_garbage_retry_after_falls_back_to_backoff_with_a_warning(caplog):
    script = Script(429, 200, headers={"Retry-After": "-5"})
    retry, slept = policy(base=1.0)
    with caplog.at_level(logging.WARNING, logger="helpers.retry"):
        client(script, retry).list_calls()
    assert 0 <= slept[0] <= 1.0
    assert "ignoring the server's Retry-After '-5'" in caplog.text


def test_a_huge_retry_after_gives_up_instead_of_retrying_early():
    script = Script(429, 200, headers={"Retry-After": "3600"})
    retry, slept = policy(cap=30.0)
    with pytest.raises(
        RetriesExhaustedError, match="asks to wait 3600 s, more than this policy's cap of 30 s"
    ):
        client(script, retry).list_calls()
    assert slept == []


def test_a_429_with_no_body_is_still_retried():
    script = Script(429, 200, body=b"")
    retry, slept = policy()
    client(script, retry).list_calls()
    assert len(slept) == 1


def test_a_429_with_a_non_json_body_is_still_retried():
    script = Script(429, 200, body=b"<html>slow down</html>")
    retry, _ = policy()
    client(script, retry).list_calls()
    assert len(script.methods) == 2


# -- when it gives up ----------------------------------------------------------------------------


def test_exhausted_attempts_say_how_many_tries_and_how_long():
    script = Script(429, 429, 429, headers={"Retry-After": "2"})
    retry, slept = policy(max_attempts=3)
    with pytest.raises(RetriesExhaustedError) as caught:
        client(script, retry).list_calls()
    error = caught.value
    assert (error.attempts, error.waited, slept) == (3, 4.0, [2.0, 2.0])
    assert "after 3 attempt(s) and 4.0 s of waiting: the policy allows 3 attempts" in str(error)
    assert isinstance(error.last_error, RateLimitError)


def test_the_wait_budget_stops_retries_before_it_is_passed():
    script = Script(429, 429, 429, 429, headers={"Retry-After": "25"})
    retry, slept = policy(budget=60.0)
    with pytest.raises(RetriesExhaustedError, match="would pass the 60 s budget"):
        client(script, retry).list_calls()
    assert slept == [25.0, 25.0]


def test_every_retry_is_logged_and_reported(caplog):
    events = []
    script = Script(503, 429, 200, headers={"Retry-After": "3"})
    retry, _ = policy(on_retry=events.append)
    with caplog.at_level(logging.WARNING, logger="helpers.retry"):
        client(script, retry).list_calls()
    assert [(e.attempt, e.source) for e in events] == [(1, "backoff"), (2, "Retry-After")]
    assert caplog.text.count("retry ") == 2 and "after 503 scripted" in caplog.text


def test_invalid_policy_settings_are_refused():
    with pytest.raises(ValueError, match="max_attempts >= 1"):
        RetryPolicy(max_attempts=0)


# -- against the sandbox ---------------------------------------------------------------------------


def test_retry_waits_out_the_sandbox_limit_on_its_clock():
    clock = FrozenClock()
    sandbox = Sandbox(clock=clock, rate_limit=SlidingWindowLimit(2, 60), demo=demo_credentials({}))
    events = []
    retry = RetryPolicy(
        sleep=clock.sleep, rng=random.Random(0), now=clock.now, on_retry=events.append
    )
    exotel = ExotelClient(sandbox.demo, transport=sandbox.transport(), retry=retry)
    for _ in range(3):
        exotel.list_calls()
    assert [(e.delay, e.source) for e in events] == [(60.0, "Retry-After")]
    assert clock.now().strftime("%H:%M:%S") == "10:01:00"


# -- the loop a reader pastes ----------------------------------------------------------------------


def loop_body(function: ast.FunctionDef) -> str:
    """A function's statements after its docstring, with ``self`` read as ``policy``."""
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == "self":
            node.id = "policy"
    return "\n".join(ast.unparse(statement) for statement in function.body[1:])


def test_the_rate_limits_chapter_shows_the_helpers_loop_line_for_line():
    cells = nbformat.read(BOOK / "rate_limits.ipynb", as_version=4).cells
    page = next(c.source for c in cells if c.source.startswith("def call_with_retries("))
    helper = ast.parse(textwrap.dedent(inspect.getsource(RetryPolicy.call))).body[0]
    assert loop_body(ast.parse(page).body[0]) == loop_body(helper)
