"""What browsers and proxies may keep: nothing of a signed-in member's pages or of any JSON.

A shared computer's back button or disk cache, or a proxy between the member and the
server, must not hand her pages to the next person. So every answer to a signed-in request
and every JSON answer says `Cache-Control: private, no-store`. A file a view already marked
`private` (a profile photo, a document preview: `private, max-age=…`) keeps its own rule:
only her browser keeps it, for a few minutes, and it stays behind the permission check.
Pages for signed-out visitors (sign-in, password reset) say `no-cache`: kept, but asked
again each time. Static files never reach this middleware (WhiteNoise answers them first).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

PRIVATE = "private, no-store"
PUBLIC = "no-cache"


def _is_document(response: HttpResponseBase) -> bool:
    kind = response.get("Content-Type", "").split(";")[0].strip().lower()
    return kind in {"text/html", "application/json", ""} or kind.endswith("+json")


def cache_rule(*, signed_in: bool, response: HttpResponseBase) -> str | None:
    """The Cache-Control this answer gets, or None to keep the view's own."""
    current = response.get("Cache-Control", "").lower()
    is_json = "json" in response.get("Content-Type", "").lower()
    if signed_in or is_json:
        if "no-store" in current and "private" in current:
            return None
        if "private" in current and not _is_document(response):
            return None  # a file she alone may keep a short while
        return PRIVATE
    return None if current else PUBLIC


class PrivateCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        rule = cache_rule(signed_in=bool(user is not None and user.is_authenticated),
                          response=response)
        if rule is not None:
            response["Cache-Control"] = rule
        return response
