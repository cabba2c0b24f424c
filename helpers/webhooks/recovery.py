"""What an operator does when health answers 503 "events failing": list, retry or discard.

An event whose handler failed ``--max-attempts`` times (or whose process died with it in hand
that often) stays in the store, unprocessed, with its last error, and health answers 503 "events
failing" until no event is. Three commands, run beside the receiver (it keeps running)::

    python -m helpers.webhooks failing --store events.sqlite3
    python -m helpers.webhooks retry   --store events.sqlite3 12 15      # or --all-failing
    python -m helpers.webhooks discard --store events.sqlite3 12         # or --all-failing

- ``failing`` lists each failing event: its id, what it is, how often it was tried, its error;
- ``retry``, once the cause is fixed (the handler, the system it calls): the event's attempts
  start again from zero and its error is cleared, so a running receiver hands it to the handler
  again within about a second (its dispatcher looks for work every second);
- ``discard``, for an event that must never be handled (a poison event that kills the process,
  a test call): it is marked processed without the handler, its error kept, prefixed
  :data:`DISCARDED`, so the row still says what happened.

Either way health is 200 again as soon as no event is failing. An event in hand (claimed by a
dispatcher whose claim has not lapsed) is left alone and named: resetting it would let another
dispatcher handle it while the first still is. The same works with ``--store postgresql://...``.

>>> import tempfile, pathlib
>>> from helpers.webhooks import Event, open_store
>>> folder = tempfile.TemporaryDirectory()
>>> store = open_store(str(pathlib.Path(folder.name) / "events.sqlite3"))
>>> store.record(Event("sms", "4f2a", "sent", {"SmsSid": "4f2a", "Status": "sent"}))
True
>>> store.claim("receiver", lease=60, max_attempts=1)[0].id
1
>>> store.mark_failed(1, "ConnectionError: the CRM is down")
>>> [f.line() for f in failing(store, max_attempts=1)]
['#1 sms 4f2a sent, tried 1 time(s): ConnectionError: the CRM is down']
>>> print(retry(store, [1], max_attempts=1).summary("retry"))
1 event put back to be handled again:
  #1 sms 4f2a sent (its last error: ConnectionError: the CRM is down)
>>> store.close(); folder.cleanup()
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigurationError
from .payloads import Event
from .store import COLUMNS, _events, open_store

#: How a discarded event's ``last_error`` begins.
DISCARDED = "Discarded by an operator; its last error: "
COMMANDS = ("failing", "retry", "discard")
#: Unprocessed and failing: an error recorded, or every attempt used (a process that died with it
#: in hand, before the next dispatcher noticed).
FAILING = "processed_at IS NULL AND (last_error IS NOT NULL OR attempts >= ?)"
#: Not in hand: no claim, or one that has lapsed.
FREE = "(claimed_until IS NULL OR claimed_until <= ?)"
DETAILS = f"{COLUMNS}, attempts, last_error, processed_at, claimed_by, claimed_until"
RETRY = (
    "UPDATE events SET attempts = 0, last_error = NULL, claimed_by = NULL, claimed_until = NULL "
    "WHERE id = ? AND processed_at IS NULL AND " + FREE + " RETURNING id"
)
DISCARD = (
    "UPDATE events SET processed_at = ?, claimed_by = NULL, claimed_until = NULL, "
    "last_error = CAST(? AS TEXT) || COALESCE(last_error, '(none)') "
    "WHERE id = ? AND processed_at IS NULL AND " + FREE + " RETURNING id"
)


@dataclass(frozen=True)
class Failing:
    """One stored event as the operator sees it."""

    event: Event
    attempts: int
    error: str | None

    def line(self) -> str:
        return f"#{self.event.id} {self.event}, tried {self.attempts} time(s): {self.error}"


@dataclass
class Report:
    """What a ``retry`` or ``discard`` changed, and why each event left alone was left."""

    done: list[Failing] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def summary(self, command: str) -> str:
        if not self.done and not self.left:
            return f"No event is failing: nothing to {command}."
        verb = "put back to be handled again" if command == "retry" else "discarded (not handled)"
        lines = [f"{len(self.done)} event{'s' * (len(self.done) != 1)} {verb}:"]
        lines += [f"  #{f.event.id} {f.event} (its last error: {f.error})" for f in self.done]
        if self.left:
            lines.append(f"{len(self.left)} left as they were:")
            lines += [f"  {reason}" for reason in self.left]
        return "\n".join(lines)


def _rows(store, where: str, args: tuple) -> list[tuple]:
    return store.execute(f"SELECT {DETAILS} FROM events WHERE {where} ORDER BY id", args)


def _failing(row: tuple) -> Failing:
    return Failing(_events([row[:6]])[0], row[6], row[7])


def failing(store, *, max_attempts: int) -> list[Failing]:
    """The failing events, oldest first (in hand or not)."""
    return [_failing(row) for row in _rows(store, FAILING, (max_attempts,))]


def retry(store, ids: list[int] | None, *, max_attempts: int) -> Report:
    """Put these events (``None``: every failing one) back to be handled, attempts from zero."""
    return _resolve(store, ids, RETRY, (), max_attempts)


def discard(store, ids: list[int] | None, *, max_attempts: int) -> Report:
    """Mark these events (``None``: every failing one) processed without handling them."""
    now = store.clock.now().isoformat(timespec="seconds")
    return _resolve(store, ids, DISCARD, (now, DISCARDED), max_attempts)


def _resolve(store, ids, statement: str, first: tuple, max_attempts: int) -> Report:
    now = store.clock.now().timestamp()
    if ids is None:
        rows = _rows(store, FAILING, (max_attempts,))
    else:
        marks = ", ".join("?" * len(ids))
        rows = _rows(store, f"id IN ({marks})", tuple(ids)) if ids else []
    found = {row[0]: row for row in rows}
    report = Report()
    for event_id in ids if ids is not None else list(found):
        row = found.get(event_id)
        if row is None:
            report.left.append(f"#{event_id}: no such event in this store.")
        elif row[8] is not None:
            report.left.append(f"#{event_id} {_failing(row).event}: already processed.")
        elif store.execute(statement, (*first, event_id, now)):
            report.done.append(_failing(row))
        else:
            report.left.append(
                f"#{event_id} {_failing(row).event}: in hand (claimed by {row[9]}); its handler "
                "is running now. Try again once it has finished, or after its lease."
            )
    return report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.webhooks",
        description="Events that failed: list them, put them back, or set them aside.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("failing", "list the failing events, with their errors"),
        ("retry", "put events back to be handled again (attempts from zero)"),
        ("discard", "mark events processed without handling them"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--store", required=True, help="the receiver's --store")
        command.add_argument(
            "--max-attempts",
            type=int,
            default=5,
            metavar="N",
            help="the receiver's --max-attempts (default 5): what counts as failing",
        )
        if name != "failing":
            command.add_argument("ids", nargs="*", type=int, metavar="ID", help="event ids")
            command.add_argument("--all-failing", action="store_true", help="every failing event")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """``python -m helpers.webhooks failing|retry|discard ...``: 0 done, 1 some event left as it
    was, 2 a mistake in the command."""
    args = parse_args(argv)
    ids = getattr(args, "ids", None)
    try:
        if args.command != "failing" and bool(ids) == args.all_failing:
            raise ConfigurationError(
                f"{args.command}: name the events (their ids, as `failing` lists them) or give "
                "--all-failing, not both."
            )
        if not 1 <= args.max_attempts <= 1000:
            raise ConfigurationError(f"--max-attempts {args.max_attempts}: give 1 to 1,000.")
        if not args.store.startswith(("postgresql://", "postgres://")):
            if not Path(args.store).is_file():
                raise ConfigurationError(
                    f"There is no event store at {args.store}: give --store the file the "
                    "receiver was started with."
                )
        store = open_store(args.store)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "failing":
            found = failing(store, max_attempts=args.max_attempts)
            print("\n".join(f.line() for f in found) if found else "No event is failing.")
            return 0
        action = retry if args.command == "retry" else discard
        report = action(store, None if args.all_failing else ids, max_attempts=args.max_attempts)
    except Exception as exc:  # the store failed: say so, with its error (redacted), no traceback
        print(f"error: the store is unavailable: {store.describe_error(exc)}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(report.summary(args.command))
    return 1 if report.left else 0
