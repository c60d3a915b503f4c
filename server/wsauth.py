"""Who is on the other end of a WebSocket: her session and account, or her access token,
read once at connect.

Channels' `AuthMiddlewareStack` also wraps every message the socket sends, to save a
session a socket never changes: a few per cent of each room event's delivery in profiles.
This reads the same session cookie and account, and leaves `send` alone.

A handshake with `Authorization: Bearer cohort_pat_…` signs in with that token alone
(cookies are not read): `scope["token"]` is the token, `scope["user"]` its member; a bad
token (or an address past `token.failed`) leaves her anonymous, and the consumer closes
with 4401. A handshake with no Origin, no cookie and no Authorization (a script that
cannot set headers; server/wsorigin.py lets it through) is marked
`scope["token_frame"]`: the consumer waits a few seconds for `{"type": "auth", ...}`
(at most COHORT_SOCKETS_AWAITING_AUTH_PER_IP such sockets per address: rooms.awaiting).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from community import tokens


class SessionUserMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = list(scope.get("headers", ()))
        raw = tokens.bearer(headers)
        if raw is not None:
            token = await database_sync_to_async(tokens.socket_sign_in)(raw, scope)
            scope = dict(scope, cookies={}, session=None, token=token,
                         user=token.user if token is not None else AnonymousUser())
            return await self.inner(scope, receive, send)
        cookies: dict[str, str] = {}
        for name, value in headers:
            if name == b"cookie":
                cookies.update(parse_cookie(value.decode("latin1")))
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope = dict(scope, cookies=cookies,
                     session=store(cookies.get(settings.SESSION_COOKIE_NAME)))
        scope["user"] = await get_user(scope)
        if not any(name in (b"origin", b"cookie") for name, _value in headers):
            scope["token_frame"] = True
        return await self.inner(scope, receive, send)
