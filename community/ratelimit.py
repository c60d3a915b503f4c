"""Limits on what one member, or one address, may do in a while; and who "one address" is.

A fixed-window count on the cache, shared by views, services and consumers: with Redis as
the cache every server process counts in the same place. Each action's numbers are in
`settings.COHORT_RATE_LIMITS` (docs/deployment.md has the table); a refusal is
`RateLimited`, carrying the seconds until the window ends: HTTP answers 429 with
`Retry-After` (community.middleware), the socket an `error` with `retry_after`.

`client_ip` is the one answer to "which address is this" for a request and for a socket:
behind a reverse proxy every connection comes from the proxy, and a header anyone can
write must not be believed unless the proxy wrote it (`COHORT_TRUSTED_PROXIES`).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from community.cache import shared_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPV6_PREFIX = 64  # one IPv6 subscriber holds a /64: counted as one address


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(_("Too many requests: wait %(seconds)d seconds.")
                         % {"seconds": max(1, round(retry_after))})
        self.retry_after = retry_after


def _window_key(key: str, per_seconds: int) -> tuple[str, float]:
    """The cache key of `key`'s current window, and the seconds left in it."""
    now = time.time()
    return f"rl:{key}:{int(now // per_seconds)}", per_seconds - now % per_seconds


def ratelimit_count(key: str, *, per_seconds: int) -> int:
    """Count one use of `key` in the current window; how many there are now."""
    cache_key, _left = _window_key(key, per_seconds)
    try:
        return int(shared_cache().incr(cache_key))  # one round trip while the window is open
    except ValueError:  # the window's first use (or it expired just now)
        if shared_cache().add(cache_key, 1, timeout=per_seconds + 1):
            return 1
        return int(shared_cache().incr(cache_key))


def ratelimit_used(key: str, *, per_seconds: int) -> int:
    """How many uses of `key` the current window holds, without counting one."""
    cache_key, _left = _window_key(key, per_seconds)
    return int(shared_cache().get(cache_key) or 0)


def ratelimit_hit(key: str, *, limit: int, per_seconds: int) -> None:
    """Count one use of `key`; raise RateLimited past `limit` uses in the current window."""
    if ratelimit_count(key, per_seconds=per_seconds) > limit:
        raise RateLimited(_window_key(key, per_seconds)[1])


def ratelimit_check(key: str, *, limit: int, per_seconds: int) -> None:
    """Raise RateLimited if `key` already used its `limit` in this window (counts nothing)."""
    if ratelimit_used(key, per_seconds=per_seconds) >= limit:
        raise RateLimited(_window_key(key, per_seconds)[1])


def rate(action: str) -> tuple[int, int]:
    """(uses, seconds) of `action` in COHORT_RATE_LIMITS."""
    uses, seconds = settings.COHORT_RATE_LIMITS[action]
    return int(uses), int(seconds)


def limit_member(action: str, member: Any) -> None:
    """Count one `action` by this member; RateLimited past her limit (COHORT_RATE_LIMITS)."""
    uses, seconds = rate(action)
    ratelimit_hit(f"{action}:m{member.pk}", limit=uses, per_seconds=seconds)


# --- Sign-in ----------------------------------------------------------------------------
# Failed sign-ins are counted per (account, address): a stranger's failures, from her own
# address, never stop the member signing in from hers. allauth counts them per address
# too (ACCOUNT_RATE_LIMITS["login_failed"]), and it asks `client_ip` for the address.

def _login_key(account: str, ip: str) -> str:
    account_hash = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
    return f"login.failed:{ip_key(ip)}:{account_hash}"


def login_allowed(*, account: str, ip: str) -> bool:
    """False once this address failed `login.failed` times on this account in the window."""
    uses, seconds = rate("login.failed")
    return ratelimit_used(_login_key(account, ip), per_seconds=seconds) < uses


def login_failed(*, account: str, ip: str) -> None:
    _uses, seconds = rate("login.failed")
    ratelimit_count(_login_key(account, ip), per_seconds=seconds)


# --- The client's address -----------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted
                 if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    """COHORT_TRUSTED_PROXIES as networks (server/settings.py checks them at start-up)."""
    return _networks(tuple(settings.COHORT_TRUSTED_PROXIES))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def real_ip(peer: str, forwarded_for: str) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    right-most address of X-Forwarded-For that is not a trusted proxy (each proxy adds
    the address it was reached from on the right, so what stands left of an untrusted
    one may be anyone's invention)."""
    networks = trusted_networks()
    current = _address(peer)
    if current is None:
        return peer
    if not networks or not _trusted(current, networks):
        return str(current)
    for hop in reversed([hop for hop in forwarded_for.split(",") if hop.strip()]):
        address = _address(hop)
        if address is None:  # not an address: whoever wrote it is the one before
            break
        current = address
        if not _trusted(current, networks):
            break
    return str(current)


def client_ip(source: HttpRequest | Mapping[str, Any]) -> str:
    """The client's address, for an HTTP request or a socket's ASGI scope."""
    if isinstance(source, HttpRequest):
        peer = str(source.META.get("REMOTE_ADDR") or "")
        forwarded = str(source.META.get("HTTP_X_FORWARDED_FOR") or "")
    else:
        client = source.get("client")
        peer = str(client[0]) if client else ""
        forwarded = ",".join(value.decode("latin1") for name, value in source.get("headers", ())
                             if name.lower() == b"x-forwarded-for")
    return real_ip(peer, forwarded)


def ip_key(ip: str) -> str:
    """What is counted as one address: itself, or its /64 for IPv6."""
    address = _address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return ip
