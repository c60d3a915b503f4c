"""One HTTP attempt of a delivery: signed, pinned to the checked address, bounded.

The request connects to the IP address `addresses.resolve` checked, sends the name in the
Host header and, over https, in TLS's SNI with the certificate checked against the name
(urllib3's `server_hostname` and `assert_hostname`). Redirects are not followed, the
connect and read timeouts are short (`COHORT_WEBHOOKS_CONNECT_TIMEOUT`,
`COHORT_WEBHOOKS_READ_TIMEOUT`), and only the first `EXCERPT_BYTES` of the answer are read.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import certifi
import urllib3
from django.conf import settings

from community.webhooks.addresses import AddressRefused, resolve

EXCERPT_BYTES = 1024
USER_AGENT = "Cohort-Webhooks/1"
RETRY_STATUSES = frozenset({408, 429})


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


def _timeout() -> urllib3.Timeout:
    return urllib3.Timeout(connect=float(settings.COHORT_WEBHOOKS_CONNECT_TIMEOUT),
                           read=float(settings.COHORT_WEBHOOKS_READ_TIMEOUT))


def _pool(scheme: str, ip: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            ip, port, maxsize=1, timeout=_timeout(), retries=False, server_hostname=host,
            assert_hostname=host, cert_reqs="CERT_REQUIRED",
            ca_certs=settings.COHORT_WEBHOOKS_CA_FILE or certifi.where())
    return urllib3.HTTPConnectionPool(ip, port, maxsize=1, timeout=_timeout(), retries=False)


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
    pool = _pool(target.scheme, target.ip, target.port, target.host)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers=headers,
                                redirect=False, retries=False, preload_content=False,
                                decode_content=False, assert_same_host=False)
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=False)
        finally:
            response.close()
    except urllib3.exceptions.HTTPError as error:
        kind = ("timed out" if isinstance(error, urllib3.exceptions.TimeoutError)
                else type(error).__name__)
        return Outcome(delivered=False, retry=True, duration_ms=elapsed(),
                       error=f"{kind}: {error}"[:500])
    finally:
        pool.close()
    status = response.status
    text = excerpt.decode("utf-8", errors="replace")
    if 200 <= status < 300:
        return Outcome(delivered=True, retry=False, status=status, duration_ms=elapsed(),
                       excerpt=text)
    retry = status in RETRY_STATUSES or status >= 500
    return Outcome(delivered=False, retry=retry, status=status, duration_ms=elapsed(),
                   excerpt=text, error=f"HTTP {status}")
