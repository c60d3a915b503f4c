"""Uploads too large to take are refused from their headers, before the body is read.

Django's ASGI handler reads a request's whole body (to a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any view runs. An upload path's request must say its
length, and one longer than the largest file Cohort takes (plus the form's own bytes) is
answered 413 at once: nothing is read, nothing is written to disk.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

FORM_OVERHEAD = 64 * 1024  # the multipart boundaries, headers and the note field


def _upload_path(path: str) -> bool:
    return path.startswith(("/rooms/", "/documents/")) and path.endswith("/upload")


async def _answer(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"error": "too_large" if status == 413 else "length_required",
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def refused(scope: dict[str, Any], send: Any) -> bool:
    """True if the request was answered here (413 or 411) and must not go further."""
    if scope.get("method") != "POST" or not _upload_path(scope.get("path", "")):
        return False
    length = None
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
            break
    if length is None:
        await _answer(send, 411, "An upload must say its length (Content-Length).")
        return True
    if length > settings.DOCUMENTS_MAX_BYTES + FORM_OVERHEAD:
        from documents.files import too_large_message

        await _answer(send, 413, str(too_large_message()))
        return True
    return False
