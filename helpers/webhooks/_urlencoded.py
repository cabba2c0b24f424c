"""A strict reader for application/x-www-form-urlencoded bodies, as ``parse_qsl`` reads them.

>>> form_pairs("SmsSid=4f2a&DateSent=2026-01-15+10%3A00%3A05")
[('SmsSid', '4f2a'), ('DateSent', '2026-01-15 10:00:05')]
"""

from __future__ import annotations

from urllib.parse import unquote


def form_pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True, strict_parsing=True)`` (the same pairs, the same
    ValueError), unquoting only the names and values that hold an escape."""
    if not text:
        return []
    pairs = []
    for piece in text.split("&"):
        name, equals, value = piece.partition("=")
        if not equals:
            raise ValueError(f"bad query field: {piece!r}")
        pairs.append((_unescape(name), _unescape(value)))
    return pairs


def _unescape(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text) if "%" in text else text  # as parse_qsl: UTF-8, errors replaced
