"""The Redis cache backend (community.redis_cache) keeps Django's meaning for `incr`."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings

from community.cache import shared_cache
from community.ratelimit import RateLimited, ratelimit_hit

pytestmark = pytest.mark.redis


def test_settings_use_it():
    assert settings.CACHES["default"]["BACKEND"] == "community.redis_cache.RedisCache"


def test_incr_of_a_missing_key_fails_and_creates_nothing():
    cache = shared_cache()
    with pytest.raises(ValueError):
        cache.incr("no-such-counter")
    assert cache.get("no-such-counter") is None


def test_incr_counts_and_keeps_the_expiry():
    cache = shared_cache()
    cache.add("counter", 1, timeout=30)
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 5) == 7
    assert cache.get("counter") == 7
    client = cache._cache.get_client("counter", write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_key("counter")) <= 30


def test_threads_share_counts_without_losing_one():
    """The rate limiter's count holds when many threads hit it at once."""
    errors: list[BaseException] = []

    def hit() -> None:
        try:
            for _ in range(25):
                ratelimit_hit("shared", limit=10_000, per_seconds=60)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pytest.raises(RateLimited):
        ratelimit_hit("shared", limit=200, per_seconds=60)  # the 201st use in this window
