"""A small fixed-window rate limiter on the cache, shared by views and consumers.

With Redis as the cache every server process counts in the same place.
"""

from __future__ import annotations

import time

from django.utils.translation import gettext as _

from community.cache import shared_cache


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(_("Too many requests: wait %(seconds)d seconds.")
                         % {"seconds": max(1, round(retry_after))})
        self.retry_after = retry_after


def ratelimit_hit(key: str, *, limit: int, per_seconds: int) -> None:
    """Count one use of `key`; raise RateLimited past `limit` uses in the current window."""
    window = int(time.time() // per_seconds)
    cache_key = f"rl:{key}:{window}"
    try:
        count = shared_cache().incr(cache_key)  # one round trip while the window is open
    except ValueError:  # the window's first use (or it expired just now)
        if shared_cache().add(cache_key, 1, timeout=per_seconds + 1):
            return
        count = shared_cache().incr(cache_key)
    if count > limit:
        raise RateLimited(per_seconds - time.time() % per_seconds)
