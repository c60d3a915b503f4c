"""Request bodies too large to take are refused before they are read.

Django's ASGI handler reads a request's whole body (to a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any view runs. Here, in front of it:

- a document upload (`POST /rooms/<id>/documents/upload`, `POST /documents/<id>/versions/
  upload`, and the API's `POST /api/v1/rooms/<id>/documents` and `POST
  /api/v1/documents/<id>/versions`) must say its length, and one longer than the largest
  file Cohort takes (plus the form around it) is answered 413 at once;
- any other request's body may be at most OTHER_MAX_BYTES (a form with a profile photo):
  a longer declared length is answered 413 at once, and a body sent without one (chunked)
  is cut off and answered 413 when it passes the bound.

Nothing past the bound is read; nothing is written to disk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from community.photos import MAX_UPLOAD_BYTES as PHOTO_MAX_BYTES

FORM_OVERHEAD = 64 * 1024  # the multipart boundaries, headers and the note field
UPLOAD_PATH = re.compile(r"^/(?:(?:rooms/\d+/documents|documents/\d+/versions)/upload/?"
                         r"|api/v1/(?:rooms/\d+/documents|documents/\d+/versions))$")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}  # the methods that carry a body


def other_max_bytes() -> int:
    return max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, PHOTO_MAX_BYTES) + 1024 * 1024


async def _answer(send: Any, status: int, detail: str, path: str = "") -> None:
    """The refusal, in the API's error envelope under /api/v1/ (docs/api.md)."""
    code = "too_large" if status == 413 else "length_required"
    answer: dict[str, Any] = {"error": code, "detail": detail}
    if path.startswith("/api/v1/"):
        answer = {"errors": [{"field": None, "code": code, "message": detail}]}
    body = json.dumps(answer).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large_detail(limit: int) -> str:
    from documents.files import human_size

    return f"The request is larger than {human_size(limit)}."


async def guarded(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Run `app` for an HTTP request unless its body is too large (then answer 413)."""
    if scope.get("method") not in BODY_METHODS:
        await app(scope, receive, send)
        return
    length = _declared_length(scope)
    path = scope.get("path", "")
    if UPLOAD_PATH.match(path):
        if length is None:
            await _answer(send, 411, "An upload must say its length (Content-Length).", path)
            return
        if length > settings.DOCUMENTS_MAX_BYTES + FORM_OVERHEAD:
            from documents.files import too_large_message

            await _answer(send, 413, str(too_large_message()), path)
            return
        await app(scope, receive, send)
        return
    limit = other_max_bytes()
    if length is not None:
        if length > limit:
            await _answer(send, 413, _too_large_detail(limit), path)
            return
        await app(scope, receive, send)
        return
    # No declared length: count what arrives and stop reading past the bound.
    received = 0
    cut = False
    started = False

    async def counted() -> dict[str, Any]:
        nonlocal received, cut
        if cut:
            return {"type": "http.disconnect"}
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            cut = True
            return {"type": "http.disconnect"}
        return dict(message)

    async def watched(message: dict[str, Any]) -> None:
        nonlocal started
        started = True
        await send(message)

    await app(scope, counted, watched)
    if cut and not started:
        await _answer(send, 413, _too_large_detail(limit), path)
