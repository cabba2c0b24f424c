"""The receiver's chaos scenarios as a table: what ``make chaos`` measured, per scenario.

The scenarios (tests/receiver/test_webhooks_chaos.py) append one line each to
``_build/chaos/receiver.jsonl``; this prints them: callbacks acknowledged, events stored,
handled, handled twice, lost (acknowledged but not stored: must be 0), and how long health took
to turn (from the fault to its first answer that was not 200) and to recover (from the fault's
end to its next 200). The machine's load average when each ran is shown, because figures taken
on a busy machine are slower than the receiver.

Run: ``.venv/bin/python benchmarks/chaos.py [REPORT]`` (``make chaos`` runs it after the tests).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "_build" / "chaos" / "receiver.jsonl"
COLUMNS = (
    "scenario",
    "store",
    "acked",
    "stored",
    "handled",
    "twice",
    "lost",
    "turned",
    "recovered",
)


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def rows(report: Path) -> list[dict]:
    return [json.loads(line) for line in report.read_text().splitlines() if line.strip()]


def table(found: list[dict]) -> str:
    lines = [
        [
            r["scenario"], r["store"], str(r["acknowledged"]), str(r["stored"]), str(r["handled"]),
            str(r["duplicates"]), str(r["lost"]), seconds(r["turned"]), seconds(r["recovered"]),
        ]
        for r in found
    ]  # fmt: skip
    widths = [max(len(c), *(len(line[i]) for line in lines)) for i, c in enumerate(COLUMNS)]
    out = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    notes = [f"{r['scenario']}: {r['note']}" for r in found if r.get("note")]
    loads = sorted({r.get("load") for r in found if r.get("load") is not None})
    if loads:
        notes.append(
            f"load average while they ran: {loads[0]:g} to {loads[-1]:g} on this machine's "
            "CPUs (times above include waiting for a CPU)"
        )
    return "\n".join(out + [""] + notes)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    report = Path(args[0]) if args else REPORT
    if not report.exists():
        print(f"no chaos figures in {report}: run `make chaos` first")
        return 1
    found = rows(report)
    print(table(found))
    return 0 if all(r["lost"] == 0 for r in found) else 1


if __name__ == "__main__":
    sys.exit(main())
