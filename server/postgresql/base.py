"""Django's PostgreSQL backend, health-checking a connection only once it sat unused,
with a cursor for prepared statements.

With `CONN_HEALTH_CHECKS`, Django runs `SELECT 1` before the first query of every
request, and Channels makes every socket request one: a round trip per chat message in
the thread that every socket of the process queues on (a sixth of a send's time at 100
messages/s, 2026-12-02). A connection that answered a query within the last
`PROVEN_FOR` seconds is not checked again. If the database dropped it meanwhile, that one
request fails (its client gets an error, nothing is acknowledged) and Django closes the
connection, so the next request opens a new one.

Django prepares no statement (its cursors bind parameters on the client, so that
connection poolers in transaction mode work); `prepared_cursor` binds on the server and
lets psycopg prepare a statement from its fifth run on, which halves PostgreSQL's CPU per
chat message (2026-12-03: 0.64-0.70 ms to 0.31-0.37 ms). `COHORT_DB_PREPARED=false` turns
it off behind a pooler that does not keep prepared statements per client.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base

PROVEN_FOR = 1.0  # seconds
PREPARE_AFTER = 5  # runs of one statement text (psycopg's default)


class DatabaseWrapper(base.DatabaseWrapper):  # type: ignore[misc]
    proven_at = -PROVEN_FOR  # when a request last ended with the connection good
    health_check_done: bool

    def close_if_unusable_or_obsolete(self) -> None:
        """At the start and end of each request: a request that used the connection
        (its health settled) and raised no database error proves it good."""
        if self.connection is not None and self.health_check_done \
                and not self.errors_occurred:
            self.proven_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        if self.connection is not None and not self.health_check_done \
                and not self.errors_occurred \
                and time.monotonic() - self.proven_at < PROVEN_FOR:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def prepared_cursor(self) -> Any:
        """A cursor whose statements PostgreSQL parses and plans once per connection, from
        their `PREPARE_AFTER`th run on (server-side binding): for the statements written
        once (rooms.rows) that every chat message and socket runs. Django's own cursors
        bind on the client and prepare nothing."""
        if not settings.COHORT_DB_PREPARED:  # behind a pooler that cannot keep them
            return self.cursor()
        self.ensure_connection()
        raw = self.connection
        if raw.prepare_threshold != PREPARE_AFTER:
            raw.prepare_threshold = PREPARE_AFTER
        return self._prepare_cursor(psycopg.Cursor(raw))  # type: ignore[attr-defined]
