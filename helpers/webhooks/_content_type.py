"""A callback's Content-Type: one of the three Exotel sends, or a 415 refusal that names them.

>>> media_type("multipart/form-data; boundary=b0undary")
('multipart/form-data', {'boundary': 'b0undary'})
"""

from __future__ import annotations

import functools
import re

from python_multipart.multipart import parse_options_header

from .errors import RefusedError

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"
ACCEPTED_TYPES = (FORM, MULTIPART, JSON)

#: The Content-Type every sender writes (a lower-case type, at most a plain boundary): read with one
#: regular expression; anything else goes through the general header parser, with the same result.
_PLAIN_TYPE = re.compile(
    r"(application/x-www-form-urlencoded|multipart/form-data|application/json)"
    r"(?:; ?boundary=([0-9A-Za-z'()+_,./:=?-]{1,70}))?"
)


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The media type and its parameters, or a 415 refusal for any type but form, multipart and
    JSON. A multipart boundary is new in every callback, so the plain case is not cached."""
    plain = _PLAIN_TYPE.fullmatch(content_type) if content_type else None
    if plain is not None:
        media, boundary = plain.groups()
        return media, {} if boundary is None else {"boundary": boundary}
    return _media_type(content_type)


@functools.lru_cache(maxsize=256)  # the answer's dict is not to be changed
def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    raw, params = parse_options_header(content_type or "")
    media = raw.decode("latin-1").lower()
    if media not in ACCEPTED_TYPES:
        shown = content_type or "(none)"
        raise RefusedError(
            415,
            f"Content-Type {shown} is not accepted.",
            f"Send the status callback as {FORM} (SMS), {MULTIPART} (calls, the default) or "
            f"{JSON} (calls made with StatusCallbackContentType=application/json).",
        )
    return media, {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in params.items()}
