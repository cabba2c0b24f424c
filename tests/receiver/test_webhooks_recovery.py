"""The operator's way back from 503 "events failing": list, retry, discard (on both stores)."""

from __future__ import annotations

from helpers.clock import FrozenClock
from helpers.webhooks import Dispatcher
from helpers.webhooks.__main__ import main
from helpers.webhooks.recovery import DISCARDED, discard, retry
from helpers.webhooks.store import DIED, open_store
from tests.receiver.test_webhooks_faults import event, health_of


def failing_twice(store_spec: str):
    """A store holding one event whose handler failed twice (``--max-attempts 2``)."""
    store = open_store(store_spec)
    store.record(event())

    def down(e) -> None:
        raise ConnectionError("the CRM is down")

    dispatcher = Dispatcher(store, down, max_attempts=2)
    dispatcher.run_pending()
    dispatcher.run_pending()
    return store


def test_retry_puts_a_failing_event_back_and_health_is_200_again(store_spec, capsys):
    store = failing_twice(store_spec)
    dispatcher = Dispatcher(store, lambda e: None, max_attempts=2)
    failing = health_of(store, dispatcher)
    status = main(["retry", "--store", store_spec, "--all-failing", "--max-attempts", "2"])
    healthy = health_of(store, dispatcher)
    handled = dispatcher.run_pending()
    assert (failing.status_code, failing.json()["status"]) == (503, "events failing")
    assert "python -m helpers.webhooks failing" in failing.json()["reason"]
    assert status == 0
    assert capsys.readouterr().out == (
        "1 event put back to be handled again:\n"
        "  #1 call 3f6e0c2a completed (its last error: ConnectionError: the CRM is down)\n"
    )
    assert (healthy.status_code, healthy.json()["failed"], healthy.json()["backlog"]) == (200, 0, 1)
    assert [o.ok for o in handled] == [True]
    assert store.counts() == {"stored": 1, "processed": 1, "unprocessed": 0, "failing": 0}


def test_discard_sets_a_poison_event_aside_unhandled_and_health_is_200_again(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    for attempt in range(2):  # each receiver claims it, starts the handler, and dies
        store.claim(f"receiver-{attempt}", lease=60, max_attempts=2)
        clock.advance(61)
    handled = []
    dispatcher = Dispatcher(store, handled.append, max_attempts=2)
    dispatcher.run_pending()  # notices the last death: failing
    failing = health_of(store, dispatcher)
    report = discard(store, [1], max_attempts=2)
    healthy = health_of(store, dispatcher)
    dispatcher.run_pending()
    assert (failing.status_code, failing.json()["status"]) == (503, "events failing")
    assert [str(f.event) for f in report.done] == ["call 3f6e0c2a completed"]
    assert healthy.status_code == 200, healthy.json()
    assert handled == []  # discarded: never handed to the handler
    assert store.counts() == {"stored": 1, "processed": 1, "unprocessed": 0, "failing": 0}
    assert store.execute("SELECT last_error FROM events") == [(DISCARDED + DIED,)]


def test_an_event_in_hand_is_left_alone_and_named(store_spec, capsys):
    store = open_store(store_spec)
    store.record(event())
    store.claim("receiver-a", lease=60, max_attempts=5)  # its handler is running now
    status = main(["retry", "--store", store_spec, "1"])
    assert status == 1
    assert capsys.readouterr().out == (
        "0 events put back to be handled again:\n1 left as they were:\n"
        "  #1 call 3f6e0c2a completed: in hand (claimed by receiver-a); its handler is running "
        "now. Try again once it has finished, or after its lease.\n"
    )
    assert store.unprocessed(max_attempts=5)[0].id == 1
    assert store.claim("receiver-b", lease=60, max_attempts=5) == []  # still receiver-a's


def test_unknown_and_processed_events_are_named_and_left(store_spec):
    store = open_store(store_spec)
    store.record(event())
    Dispatcher(store, lambda e: None).run_pending()
    report = retry(store, [1, 7], max_attempts=5)
    assert report.done == []
    assert report.left == [
        "#1 call 3f6e0c2a completed: already processed.",
        "#7: no such event in this store.",
    ]


def test_failing_lists_each_failing_event_with_its_error(store_spec, capsys):
    failing_twice(store_spec)
    assert main(["failing", "--store", store_spec, "--max-attempts", "2"]) == 0
    assert capsys.readouterr().out == (
        "#1 call 3f6e0c2a completed, tried 2 time(s): ConnectionError: the CRM is down\n"
    )


def test_nothing_failing_is_said_plainly(store_spec, capsys):
    open_store(store_spec).record(event())
    assert main(["discard", "--store", store_spec, "--all-failing"]) == 0
    assert capsys.readouterr().out == "No event is failing: nothing to discard.\n"


def test_a_store_file_that_does_not_exist_is_refused_not_created(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite3"
    assert main(["retry", "--store", str(missing), "--all-failing"]) == 2
    assert capsys.readouterr().err == (
        f"error: There is no event store at {missing}: give --store the file the receiver was "
        "started with.\n"
    )
    assert not missing.exists()


def test_ids_and_all_failing_together_or_neither_are_refused(tmp_path, capsys):
    spec = str(tmp_path / "events.sqlite3")
    open_store(spec).close()
    assert main(["retry", "--store", spec]) == 2
    assert main(["retry", "--store", spec, "3", "--all-failing"]) == 2
    assert capsys.readouterr().err.count("name the events (their ids, as `failing` lists") == 2
