"""One cache object per process, for what sockets and requests count and remember.

Django keeps one cache object per thread and per asynchronous context (`caches` is an
asgiref `Local`), so every socket, and every task, gets its own. With Redis each of them
is a client with its own connection pool: every socket opened a Redis connection of its
own (a TCP connect and a `CLIENT SETINFO`) on its first rate-limit or presence lookup,
and a reconnect storm opened a thousand. The Redis and local-memory backends are safe to
share between threads: this one object serves them all.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed

_shared: BaseCache | None = None


def shared_cache() -> BaseCache:
    """The default cache, one object for the whole process."""
    global _shared
    if _shared is None:
        _shared = caches.create_connection("default")
    return _shared


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _shared
    if setting == "CACHES":
        _shared = None


setting_changed.connect(_forget)
