"""Who is on the other end of a WebSocket: her session and account, read once at connect.

Channels' `AuthMiddlewareStack` also wraps every message the socket sends, to save a
session a socket never changes: a few per cent of each room event's delivery in profiles.
This reads the same session cookie and account, and leaves `send` alone.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings
from django.http.cookie import parse_cookie


class SessionUserMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies.update(parse_cookie(value.decode("latin1")))
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope = dict(scope, cookies=cookies,
                     session=store(cookies.get(settings.SESSION_COOKIE_NAME)))
        scope["user"] = await get_user(scope)
        return await self.inner(scope, receive, send)
