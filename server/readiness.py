"""Wait for the database and Redis to answer: `python -m server.readiness SECONDS`.

`cohort.py serve` runs it before migrating (a machine's services may come up after
Cohort), and `cohort.py setup` with 0 seconds to check what it is about to write. It tries
a real connection to the database and a Redis PING every 2 s; it says once what it is
waiting for, and after SECONDS exits 1 with one line per service still down, naming it by
host, port and database (never its password). A setting that is wrong is one line too
(exit 2). Exit 0: both answered.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

INTERVAL = 2.0


def first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def database_where(database: dict[str, Any]) -> str:
    if database["ENGINE"].endswith("sqlite3"):
        return str(database["NAME"])
    return (f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
            f"/{database['NAME']}")


def redis_where(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


def checks() -> dict[str, tuple[str, Callable[[], None]]]:
    """What to wait for: name -> (where, a function that raises while it is down)."""
    from django.conf import settings
    from django.db import connection

    def database() -> None:
        try:
            connection.ensure_connection()
        finally:
            connection.close()

    found = {"the database": (database_where(settings.DATABASES["default"]), database)}
    if settings.REDIS_URL:
        import redis

        def ping() -> None:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3,
                                          socket_timeout=3)
            try:
                client.ping()
            finally:
                client.close()

        found["Redis"] = (redis_where(settings.REDIS_URL), ping)
    return found


def wait(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    told: set[str] = set()
    waiting = checks()
    while True:
        down: dict[str, str] = {}
        for name, (_where, check) in waiting.items():
            try:
                check()
            except Exception as error:  # any failure to answer is "down", said in one line
                down[name] = first_line(error)
        if not down:
            return 0
        if time.monotonic() >= deadline:
            for name, why in down.items():
                took = f" in {seconds:g} s" if seconds else ""
                print(f"cohort: {name} at {waiting[name][0]} did not answer{took}: {why}",
                      file=sys.stderr, flush=True)
            return 1
        for name, why in down.items():
            if name not in told:
                told.add(name)
                print(f"cohort: waiting for {name} at {waiting[name][0]} (up to "
                      f"{seconds:g} s): {why}", flush=True)
        time.sleep(INTERVAL)


def main(argv: list[str]) -> int:
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    seconds = float(argv[0]) if argv else 0.0
    try:
        import django

        django.setup()
    except ImproperlyConfigured as error:
        print(f"cohort: {error}", file=sys.stderr, flush=True)
        return 2
    return wait(seconds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
