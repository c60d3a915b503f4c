"""One HTTP attempt of a delivery: signed, pinned to the checked address, bounded.

The request connects to the IP address `addresses.resolve` checked, sends the name in the
Host header and, over https, in TLS's SNI with the certificate checked against the name
(`ssl`'s default context with `server_hostname`). Redirects are not followed. Connecting
waits at most `COHORT_WEBHOOKS_CONNECT_TIMEOUT`, each read `COHORT_WEBHOOKS_READ_TIMEOUT`,
and the whole attempt at most the two together: a receiver that answers one byte at a time
is cut off then, so a worker is never held longer. Only the first `EXCERPT_BYTES` of the
answer are read.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

import certifi
from django.conf import settings

from community.webhooks.addresses import AddressRefused, Target, resolve

EXCERPT_BYTES = 1024
USER_AGENT = "Cohort-Webhooks/1"
RETRY_STATUSES = frozenset({408, 429})
RETRY_AFTER_MAX = 12 * 3600  # a Retry-After (in seconds) is followed up to this


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Cohort-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<timestamp>.<body>" keyed with the hook's secret>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: delivered, or failed and whether trying again may help."""

    delivered: bool
    retry: bool
    status: int | None = None
    duration_ms: int = 0
    excerpt: str = ""
    error: str = ""
    retry_after: int | None = None  # seconds the receiver asked for (429, 503)


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection over a socket already open to the checked address."""

    def __init__(self, target: Target, sock: socket.socket) -> None:
        super().__init__(target.host, target.port)
        self.pinned = sock

    def connect(self) -> None:
        self.sock = self.pinned


def _open(target: Target, watch: dict[str, socket.socket]) -> socket.socket:
    sock = socket.create_connection(
        (target.ip, target.port), timeout=float(settings.COHORT_WEBHOOKS_CONNECT_TIMEOUT))
    watch["sock"] = sock
    sock.settimeout(float(settings.COHORT_WEBHOOKS_READ_TIMEOUT))
    if target.scheme == "https":
        context = ssl.create_default_context(
            cafile=settings.COHORT_WEBHOOKS_CA_FILE or certifi.where())
        sock = context.wrap_socket(sock, server_hostname=target.host)
        watch["sock"] = sock
    return sock


def _cut(watch: dict[str, socket.socket], fired: threading.Event) -> None:
    """The attempt's time is up: wake whatever read is waiting on its socket."""
    fired.set()
    sock = watch.get("sock")
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)


def post(*, url: str, secret: str, event_id: str, event_type: str, body: bytes) -> Outcome:
    """POST `body` to `url`, signed now. Never raises for what the receiver or the network
    did: the Outcome says it."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve(url)
    except AddressRefused as refused:
        return Outcome(delivered=False, retry=False, error=str(refused), duration_ms=elapsed())
    timestamp = int(time.time())
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Cohort-Event-Id": event_id,
        "Cohort-Event-Type": event_type,
        "Cohort-Timestamp": str(timestamp),
        "Cohort-Signature": signature(secret, timestamp, body),
    }
    limit = (float(settings.COHORT_WEBHOOKS_CONNECT_TIMEOUT)
             + float(settings.COHORT_WEBHOOKS_READ_TIMEOUT))
    watch: dict[str, socket.socket] = {}
    fired = threading.Event()
    timer = threading.Timer(limit, _cut, args=(watch, fired))
    timer.daemon = True
    timer.start()
    connection: _Pinned | None = None
    try:
        connection = _Pinned(target, _open(target, watch))
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        wait = (response.getheader("Retry-After") or "").strip()
        excerpt = response.read(EXCERPT_BYTES)
    except (OSError, http.client.HTTPException) as error:
        if fired.is_set():
            message = f"timed out: the attempt took more than {limit:g} s"
        elif isinstance(error, TimeoutError):
            message = f"timed out: {error}"
        elif isinstance(error, ssl.SSLError | ssl.CertificateError):
            message = f"SSLError: {error}"
        else:
            message = f"{type(error).__name__}: {error}"
        return Outcome(delivered=False, retry=True, duration_ms=elapsed(), error=message[:500])
    finally:
        timer.cancel()
        if connection is not None:
            connection.close()
        elif "sock" in watch:
            watch["sock"].close()
    text = excerpt.decode("utf-8", errors="replace")
    if 200 <= status < 300:
        return Outcome(delivered=True, retry=False, status=status, duration_ms=elapsed(),
                       excerpt=text)
    retry = status in RETRY_STATUSES or status >= 500
    retry_after = (min(int(wait), RETRY_AFTER_MAX) if status in (429, 503) and wait.isdigit()
                   else None)
    return Outcome(delivered=False, retry=retry, status=status, duration_ms=elapsed(),
                   excerpt=text, error=f"HTTP {status}", retry_after=retry_after)
