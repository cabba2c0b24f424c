"""Values a request brings, read strictly: bounded, ASCII digits only, nesting limited.

Python's own readers are generous: ``int("١٢")`` is 12, ``Decimal("1e20000000000")`` is a
finite number whose formatting never ends, ``json.loads`` recurses once per level of nesting.
The sandbox reads what a request sends through these instead, and refuses the rest with a
sentence that names the problem and the fix.

>>> amount("500.00"), seconds("172800", most=315_360_000)
(Decimal('500.00'), 172800.0)
>>> json_body(b"[" * 40 + b"]" * 40)[1]
'The JSON body nests deeper than 32 levels, the most the sandbox reads (a v2 call body nests 2). Send the documented fields only.'
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

MAX_FORM_FIELDS = 40  # Exotel's connect API has about twenty parameters
MAX_FIELD_CHARS = 4096  # a StatusCallback URL or a CustomField; Body has its own limit
#: Deepest nesting of arrays and objects read from a JSON body.
MAX_JSON_DEPTH = 32
#: Largest balance, either way: a figure no exercise needs, and one that formats at once.
MAX_AMOUNT = Decimal("1000000000")
_AMOUNT = re.compile(r"[-+]?[0-9]{1,10}(\.[0-9]{1,2})?")
_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def amount(value: Decimal | str | int | float) -> Decimal:
    """A balance: at most ten digits before the point and two after, ASCII digits only.

    >>> amount("1e3")
    Traceback (most recent call last):
    ...
    ValueError: balance must be an amount such as 0, 500 or 500.00 (digits, at most two after the point, between -1,000,000,000 and 1,000,000,000), not '1e3'.
    """
    if isinstance(value, bool):
        text = repr(value)
    elif isinstance(value, Decimal | int | float) and _finite_and_small(value):
        text = format(Decimal(str(value)), "f")
    else:
        text = str(value).strip()
    if _AMOUNT.fullmatch(text) and abs(Decimal(text)) <= MAX_AMOUNT:
        return Decimal(text)
    shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "..."
    raise ValueError(
        "balance must be an amount such as 0, 500 or 500.00 (digits, at most two after the "
        f"point, between -{MAX_AMOUNT:,} and {MAX_AMOUNT:,}), not {shown!r}."
    )


def _finite_and_small(value: Decimal | int | float) -> bool:
    """True if formatting ``value`` in full cannot be large (no huge exponent)."""
    if isinstance(value, int):
        return abs(value) < 10**12
    if isinstance(value, float):
        return value == value and abs(value) < 1e12
    return value.is_finite() and -30 < value.as_tuple().exponent < 30 and value.adjusted() < 12


def seconds(text: str | None, *, most: float) -> float:
    """A number of seconds from 0 to ``most``, written in ASCII digits (``90``, ``1.5``)."""
    example = "e.g. seconds=172800 for 48 hours"
    if text is None or not _SECONDS.fullmatch(text.strip()):
        shown = "nothing" if text is None else repr(text[:40])
        raise ValueError(f"seconds must be a number written in digits, {example}; not {shown}.")
    value = float(text)
    if value > most:
        raise ValueError(f"seconds must be between 0 and {most:,.0f}, {example}.")
    return value


def json_depth(content: bytes, most: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in ``content`` (strings skipped, nothing parsed), or
    ``most + 1`` as soon as it is seen to nest deeper than ``most``."""
    opening = content.count(b"[") + content.count(b"{")
    if opening <= most:
        return opening  # cannot nest deeper than it opens
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b'""', content)):
        if bracket in b"[{":
            depth += 1
            if depth > most:
                return most + 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def json_body(content: bytes) -> tuple[Any, str | None]:
    """(the parsed body or None if it is not JSON, why it is refused or None).

    A body nested past :data:`MAX_JSON_DEPTH` is refused before it is parsed."""
    if json_depth(content) > MAX_JSON_DEPTH:
        return None, (
            f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels, the most the sandbox "
            "reads (a v2 call body nests 2). Send the documented fields only."
        )
    try:
        return json.loads(content), None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None
