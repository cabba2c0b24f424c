"""The steady stream the access-control chapter watches rotations under (helpers/book/traffic.py)."""

from __future__ import annotations

from datetime import timedelta

from helpers import ExotelClient
from helpers.book.traffic import SteadyStream
from helpers.rotation import Deployment, RegenerateRule, regenerate_and_deploy


def stream_over(sandbox, deployment: Deployment) -> SteadyStream:
    return SteadyStream(
        deployment, lambda c: ExotelClient(c, transport=sandbox.transport()), sandbox.clock
    )


def test_the_stream_moves_the_clock_on_by_its_interval(sandbox):
    stream = stream_over(sandbox, Deployment({"api": sandbox.demo}))
    start = sandbox.clock.now()
    stream.run("idle", beats=3)
    assert sandbox.clock.now() - start == timedelta(seconds=3 * stream.interval)
    assert [b.step for b in stream.beats] == ["idle", "", ""]


def test_the_stream_summary_counts_refusals_by_status(sandbox):
    billing = sandbox.dashboard.create_key("billing")
    deployment = Deployment({"api": billing, "worker": billing, "reports": sandbox.demo})
    stream = stream_over(sandbox, deployment)
    regenerate_and_deploy(sandbox.dashboard, deployment, stream, billing, RegenerateRule.IMMEDIATE)
    assert stream.summary() == "4 beats, 12 requests, 3 refused (3 x 401)"
