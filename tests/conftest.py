"""Suite-wide fixtures and the rules for tests that need a service.

Markers: `postgres` (runs only when DATABASE_URL selects PostgreSQL), `redis` (needs
REDIS_URL and a Redis that answers), `browser` (needs Debian's Chromium), `coturn`
(needs Debian's coturn), `nginx` (needs Debian's nginx). Where a
service is missing the test skips with the reason, except when COHORT_REQUIRE_SERVICES
is set (CI), where the skip becomes a failure.

`pure`: the test touches no database, cache or channel layer of the run (pure classes,
parsers, translations, aiortc on loopback, the source tree, subprocesses given their whole
environment), so its result cannot depend on the configuration: it runs in the embedded
one only (no DATABASE_URL, no REDIS_URL), not a second time in the PostgreSQL + Redis run.
A `pure` test that asks for the database fails.

`browser` walks (not the `markup` ones) skip where COHORT_BROWSER_WALKS_ELSEWHERE is set:
CI (`.ci/run`) sets it for its embedded run, so each walk runs once there, on PostgreSQL +
Redis, the production stack. Without it, `cohort.py test` runs them in any configuration.

`heartbeat_window`: the test's pings wait the production heartbeat window (see
`_short_heartbeat_window`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = Path(os.environ.get("COHORT_CHROMIUM", "/usr/bin/chromium"))
TURNSERVER = Path(os.environ.get("COHORT_TURNSERVER", "/usr/bin/turnserver"))
NGINX = Path(os.environ.get("COHORT_NGINX", "/usr/sbin/nginx"))
REQUIRED = bool(os.environ.get("COHORT_REQUIRE_SERVICES"))


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1",
                                       parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def service_missing(reason: str) -> None:
    """Skip, or under CI fail: a service the test needs is absent."""
    if REQUIRED:
        pytest.fail(f"{reason} (COHORT_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback"}


def pytest_runtest_setup(item: pytest.Item) -> None:
    postgres = connection.vendor == "postgresql"
    if item.get_closest_marker("pure"):
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            pytest.fail("A `pure` test uses the database: remove the marker.")
        if postgres or settings.REDIS_URL:
            pytest.skip("Pure (no database, cache or channel layer): runs in the embedded "
                        "configuration only")
    if item.get_closest_marker("markup") and (postgres or settings.REDIS_URL):
        pytest.skip("Markup (what a page says to people and tools): the same on every "
                    "backend, checked in the embedded configuration only")
    if item.get_closest_marker("postgres") and not postgres:
        pytest.skip("PostgreSQL-only: runs in the PostgreSQL configuration (DATABASE_URL)")
    if item.get_closest_marker("redis"):
        if not settings.REDIS_URL:
            pytest.skip("Redis-only: runs in the Redis configuration (REDIS_URL)")
        if not _reachable(settings.REDIS_URL, 6379):
            service_missing(f"Redis at {settings.REDIS_URL} does not answer")
    if item.get_closest_marker("browser") and not item.get_closest_marker("markup") \
            and os.environ.get("COHORT_BROWSER_WALKS_ELSEWHERE"):
        pytest.skip("Browser walk: this run leaves it to the PostgreSQL + Redis run "
                    "(COHORT_BROWSER_WALKS_ELSEWHERE)")
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if item.get_closest_marker("coturn") and not TURNSERVER.exists():
        service_missing(f"coturn is not installed at {TURNSERVER} (apt-get install coturn)")
    if item.get_closest_marker("nginx") and not NGINX.exists():
        service_missing(f"nginx is not installed at {NGINX} (apt-get install nginx)")


@pytest.fixture(autouse=True)
def _media_root(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Each test writes uploads to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and cached values of one test never leak into the next."""
    from django.core.cache import cache

    from chat import catchup

    catchup.forget()
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Each test gets its own channel layer object: channels-redis binds its connections
    and locks to the event loop that first used them, and each async test has its own."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _short_heartbeat_window(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A `ping` waits rooms.heartbeat.WINDOW (a quarter of a second) for other pings to
    share its database trip. Many tests send one as a sentinel, whose `pong` comes after
    the answers to every frame sent before it (a socket handles its frames one at a time),
    one per request type and case in tests/rooms/test_matrix.py: here it waits 10 ms, for
    the same answers in the same order. Tests of pings sharing a trip are marked
    `heartbeat_window`, and keep the production window."""
    if request.node.get_closest_marker("heartbeat_window") is None:
        from rooms import heartbeat

        monkeypatch.setattr(heartbeat, "WINDOW", 0.01)


@pytest.fixture(autouse=True)
def _close_worker_thread_connections() -> Iterator[None]:
    """An async test's database work runs in asgiref's one worker thread, whose connection
    would outlive the test and keep PostgreSQL from dropping the test database."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def sent_events_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every event the server sends during a test matches its declaration in
    rooms.protocol, and takes a door of its direction (a room event through `publish`,
    ...), or the test fails: whatever the published events, the frames the consumer
    sends itself (`hello`, answers, catch-up). Yields the list of mismatches found so far
    (a test that sends a bad event on purpose empties it)."""
    from rooms import protocol, validation

    wrong: list[str] = []

    def check(event: Any, direction: Any) -> None:
        try:
            validation.server_event(event, direction)
        except validation.BadEvent as error:
            wrong.append(str(error))

    # The consumer's own frames (`hello`, answers, catch-up) go through protocol.encode,
    # which calls the check too (direction None).
    monkeypatch.setattr(protocol, "event_check", check)
    yield wrong
    if wrong:
        pytest.fail("Events that do not match their declaration in rooms.protocol:\n"
                    + "\n".join(wrong), pytrace=False)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's language: Django's test client leaves the language
    of its last request (a French one, say) active in the thread, and a later test that
    reads a sentence would read it in French."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
