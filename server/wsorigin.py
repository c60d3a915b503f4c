"""Which pages may open a member's socket: the WebSocket Origin check.

A browser sends the page's origin (scheme, host, port) with every socket it opens, and the
session cookie goes along whatever page asks, so the origin is what tells Cohort's own pages
from another site's. It must equal, scheme and port included, one of:

- the socket's own origin: the scheme it arrived on (`wss` is `https`; uvicorn takes it from
  the proxy's `X-Forwarded-Proto`) and its `Host`, when that host is in `ALLOWED_HOSTS`;
- `COHORT_BASE_URL`'s origin;
- an origin of `CSRF_TRUSTED_ORIGINS` (the same list the forms trust).

A socket with no Origin and a cookie is refused: browsers always send an Origin, and a
client without one would be using a member's cookie outside a browser. A socket with
neither Origin nor cookie is a script's: it passes, with no session to ride on, and signs
in with an access token (its `Authorization: Bearer` header, or its first frame:
server/wsauth.py, community/tokens.py) or is closed. Each refusal is logged on
`cohort.security` with the origin it gave.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger("cohort.security")

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


def parse(text: str) -> Origin | None:
    """`https://Example.org` → ("https", "example.org", 443); None for anything else."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return Origin(scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme])


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin1")
    return None


def allowed(scope: dict[str, Any]) -> set[Origin]:
    """The origins this socket may come from (read now: settings may change under tests)."""
    found = {parse(settings.BASE_URL), *(parse(o) for o in settings.CSRF_TRUSTED_ORIGINS)}
    host = _header(scope, b"host")
    if host:
        domain, _port = split_domain_port(host.lower())
        if domain and validate_host(domain, settings.ALLOWED_HOSTS):
            scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
            found.add(parse(f"{scheme}://{host}"))
    found.discard(None)
    return found  # type: ignore[return-value]


def check(scope: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether the socket's Origin is allowed, and the Origin it gave (None: none)."""
    given = _header(scope, b"origin")
    if given is None:
        return False, None
    origin = parse(given)
    return origin is not None and origin in allowed(scope), given


class OriginCheckMiddleware:
    """Refuses (HTTP 403 before the handshake) a socket from any other origin."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if _header(scope, b"origin") is None and _header(scope, b"cookie") is None:
            return await self.inner(scope, receive, send)  # a script: token or nothing
        ok, given = check(scope)
        if not ok:
            logger.warning("WebSocket refused: origin %r is not this site's (host %r, path %s)",
                           given, _header(scope, b"host"), scope.get("path", ""))
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)
