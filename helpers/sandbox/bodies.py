"""Reading a request's body on the loopback server: bounded in size, in fields and in time.

A body larger than :data:`MAX_BODY_BYTES` is refused (413) as soon as it is, declared or not;
one that has not fully arrived :data:`BODY_TIMEOUT` seconds after its headers is refused (408);
a client that leaves mid-body gets nothing and leaves no traceback. The API and the admin paths
read every body through here, and the caller shapes the refusal as its own answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from .inputs import MAX_FORM_FIELDS

#: Largest body read: Exotel's requests are a few hundred bytes, an SMS Body 2,000 characters.
MAX_BODY_BYTES = 64 * 1024
#: Seconds a body may take to arrive once its headers have.
BODY_TIMEOUT = 10.0
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Refused:
    """Why a body was not read: the status to answer and a sentence naming the fix."""

    status: int
    message: str
    gone: bool = False  # the client left: nobody is there to read the answer


async def read_body(request: Request, timeout: float = BODY_TIMEOUT) -> bytes | Refused:
    """The request's body, at most :data:`MAX_BODY_BYTES`, within ``timeout`` seconds."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return Refused(
            413,
            f"The body is {int(declared):,} bytes; the sandbox reads at most {MAX_BODY_BYTES:,}.",
        )
    body = bytearray()
    try:
        with anyio.move_on_after(timeout) as deadline:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return Refused(413, f"The body is over {MAX_BODY_BYTES:,} bytes.")
    except ClientDisconnect:
        return Refused(400, "The client closed the connection before its body arrived.", True)
    if deadline.cancelled_caught:
        return Refused(
            408,
            f"The body did not arrive within {timeout:g} s of the headers. Send the whole "
            "request at once (curl -d does).",
        )
    return bytes(body)


async def read_form(request: Request, timeout: float = BODY_TIMEOUT) -> FormData | Refused:
    """The request's form fields (URL-encoded or multipart, no files), bounded as above and in
    number; an empty form when the body is not a form."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        body = await read_body(request, timeout)  # read (and bound) it all the same
        return body if isinstance(body, Refused) else FormData()
    body = await read_body(request, timeout)
    if isinstance(body, Refused):
        return body
    request._body = body  # Starlette's form parser reads the cached body
    try:
        return await request.form(
            max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_BODY_BYTES
        )
    except HTTPException as exc:  # python-multipart's complaint, e.g. no boundary
        return Refused(400, f"The form could not be read: {exc.detail}")
