"""Every log record of a request or a socket carries its request id (and the member's id,
once she is known); `LOG_FORMAT=json` writes one JSON object per line for a log collector.

The id comes from the reverse proxy's `X-Request-ID` when it is a safe token (at most 64
letters, digits, `.`, `_`, `-`), else it is made here; it goes back in the `X-Request-ID`
response header (HTTP, and the socket's handshake answer), so a member's report, the
proxy's log and Cohort's log name the same request.

It travels in a context variable holding one `RequestContext` per request or socket:
asgiref copies context variables into the worker threads, and the object is shared, so
what a later step learns (the member, the status) reaches every record, in any thread.
The hub and other process-wide tasks run in a context of their own: their records carry
no request id, as they belong to no request.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Probes and scrapes come every few seconds: their lines are DEBUG, not INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

access_log = logging.getLogger("cohort.request")

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[Any]]


@dataclass(slots=True)
class RequestContext:
    request_id: str
    path: str = ""
    user_id: int | None = None


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "cohort_request", default=None)


def request_id_from(value: str | None) -> str:
    """The proxy's id if it is a safe token, else a new one (32 hex digits)."""
    if value and SAFE_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


# Paths whose part is a secret (whoever has it joins, confirms an address, sets a
# password or reads a member's calendar): logged with that part as `…`.
_SECRET_PATHS = (
    re.compile(r"\A(/invite/)[^/]+"),
    re.compile(r"\A(/calendar/feed/)[^/]+?(?=\.ics\Z)"),
    re.compile(r"\A(/accounts/confirm-email/)[^/]+"),
    re.compile(r"\A(/accounts/password/reset/key/)(?!done/)[^/]+"),
)


def loggable_path(path: str) -> str:
    """`path` with any secret it holds replaced by `…` (`/invite/…/`)."""
    for pattern in _SECRET_PATHS:
        path = pattern.sub(r"\1…", path, count=1)
    return path


def begin(header: str | None, path: str) -> RequestContext:
    """Start a request's (or a socket's) context in the current one."""
    context = RequestContext(request_id_from(header), loggable_path(path))
    current.set(context)
    return context


# --- Records --------------------------------------------------------------------------------
class RequestContextFilter(logging.Filter):
    """Puts `request_id`, `user_id` and `path` on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current.get()
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id if context else None
        if not hasattr(record, "user_id"):
            record.user_id = context.user_id if context else None
        if not hasattr(record, "path"):
            record.path = context.path if context else None
        return True


class QuietProbes(logging.Filter):
    """On `django.request`: a `/readyz` 503 is not logged again as an error every few
    seconds (server.health logs what is down, at WARNING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (getattr(record, "status_code", None) == 503
                    and getattr(request, "path", None) == "/readyz")


# Line breaks and other control characters in a message (a path is percent-decoded:
# `/x%0A2026-… INFO …` would write a second, forged line) are written escaped.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(32), 127, 0x85)} | {
    ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
    0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """`text` with its control characters escaped: one line of a log."""
    return text.translate(_CONTROLS)


class TextFormatter(logging.Formatter):
    """`2026-12-04 12:00:00,123 INFO cohort.request [3f2a…] GET /rooms/ 200 (12 ms)`. The
    message is one line (`one_line`); an exception's traceback follows it."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  # logging's name
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and when
    known request_id, user_id, path, method, status, duration_ms, exception."""

    FIELDS = ("request_id", "user_id", "path", "method", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        status_code = getattr(record, "status_code", None)  # Django's `django.request`
        if "status" not in entry and isinstance(status_code, int):
            entry["status"] = status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- HTTP -----------------------------------------------------------------------------------
class RequestIdMiddleware:
    """The outermost middleware: the request's id and context, the `X-Request-ID`
    header, one access line per request (`cohort.request`: method, path, status, duration;
    probes at DEBUG) and the count of answers by status class (server.metrics)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        context, started = self._begin(request)
        response = self.get_response(request)
        self._end(request, response, context, started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        context, started = self._begin(request)
        response = await self.get_response(request)
        self._end(request, response, context, started)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        """The member, on every record of the rest of the request (the session is read
        here, as the members-only check right after reads it anyway)."""
        context = current.get()
        user = getattr(request, "user", None)
        if context is not None and user is not None and user.is_authenticated:
            context.user_id = user.pk

    def _begin(self, request: HttpRequest) -> tuple[RequestContext, float]:
        # Set for the rest of the request's task, not reset on the way out: Django logs
        # an error answer (`django.request`) after the middleware returned. Each request
        # has a task (a context) of its own under ASGI.
        context = begin(request.headers.get(HEADER), request.path)
        request.request_id = context.request_id  # type: ignore[attr-defined]
        return context, time.perf_counter()

    def _end(self, request: HttpRequest, response: HttpResponseBase,
             context: RequestContext, started: float) -> None:
        from server import metrics

        response[HEADER] = context.request_id
        status = response.status_code
        metrics.http_answered(status)
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        if access_log.isEnabledFor(level):
            duration = round((time.perf_counter() - started) * 1000, 1)
            access_log.log(level, "%s %s %s (%s ms)", request.method, context.path, status,
                           duration, extra={"method": request.method, "status": status,
                                            "duration_ms": duration})


# --- Sockets --------------------------------------------------------------------------------
class SocketRequestId:
    """ASGI middleware for sockets, outside the origin and session checks: the
    handshake's id (the proxy's or a new one) is the context of every record of the
    socket's life, and `scope["request_id"]` for the consumer, which sends it back in
    the `X-Request-ID` header of its handshake answer (`send` is not wrapped: that would
    cost a call per frame)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        header = next((value.decode("latin1") for name, value in scope.get("headers", ())
                       if name.lower() == b"x-request-id"), None)
        context = begin(header, scope.get("path", ""))
        await self.app(dict(scope, request_id=context.request_id), receive, send)


class SocketUser:
    """ASGI middleware inside the session check: the socket's member on its records."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        context = current.get()
        user = scope.get("user")
        if context is not None and user is not None and user.is_authenticated:
            context.user_id = int(user.pk)
        await self.app(scope, receive, send)
