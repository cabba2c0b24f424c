"""A strict multipart/form-data reader for one small, complete body (RFC 7578).

>>> part = b'Content-Disposition: form-data; name="Status"\\r\\n\\r\\ncompleted'
>>> multipart_pairs(b"--b\\r\\n" + part + b"\\r\\n--b--", "b")
[('Status', 'completed')]
"""

from __future__ import annotations

import re

from python_multipart.multipart import parse_options_header

from .errors import MultipartError

#: ``form-data; name="Status"``: a name with nothing to unescape.
_PLAIN_DISPOSITION = re.compile(rb'form-data; name="([^"\\;]*)"')


def multipart_pairs(body: bytes, boundary: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a complete multipart/form-data body, in order, strictly.

    The whole body is in memory and small (the size limit came first), so it is split on its
    delimiter rather than streamed; python-multipart's streaming parser costs several times
    more per callback. Each part's Content-Disposition is read with python-multipart's
    header parser, or, when it is the plain ``form-data; name="..."`` every sender writes, with
    one regular expression (the same answer, in a fraction of the time).
    """
    if not boundary:
        raise MultipartError("The multipart/form-data Content-Type has no boundary parameter.")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    # chunks[0] is the preamble; then one chunk per part, each starting with CRLF; the last
    # starts with "--", the close delimiter.
    if len(chunks) < 2:
        raise MultipartError("The multipart/form-data body does not contain its boundary.")
    closed = [i for i, chunk in enumerate(chunks) if chunk.startswith(b"--")]
    if not closed or closed[0] < 1:
        raise MultipartError("The multipart/form-data body ends before its closing boundary.")
    pairs = []
    for chunk in chunks[1 : closed[0]]:
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep or not head.startswith(b"\r\n"):
            raise MultipartError("A multipart/form-data part has no blank line after its headers.")
        disposition = b""
        for line in head[2:].split(b"\r\n"):
            name, colon, value = line.partition(b":")
            if not colon:
                raise MultipartError(
                    f"A multipart/form-data part has a broken header: {line[:60]!r}."
                )
            if name.strip().lower() == b"content-disposition":
                disposition = value.strip()
        plain = _PLAIN_DISPOSITION.fullmatch(disposition)
        if plain is not None:  # what every sender writes; the general parser agrees on it
            kind, options = b"form-data", {b"name": plain.group(1)}
        else:
            kind, options = parse_options_header(disposition)
        field = options.get(b"name")
        if kind != b"form-data" or field is None:
            raise MultipartError(
                "A multipart/form-data part has no Content-Disposition with a name."
            )
        if b"filename" in options:
            raise MultipartError(f"Part {field.decode('latin-1')} is a file upload, not a field.")
        pairs.append((field.decode("utf-8"), content.decode("utf-8")))
    return pairs
