"""Socket requests in the database thread: a request whose connection broke runs again.

A connection the database dropped between two requests (a restart, a failover, an idle
session ended) used to fail the next request with `server_error`, Django's health check
notwithstanding (`tests/rooms/test_answers.py` fails without the retry below). Now a
request of a REPEATABLE type that fails because its connection broke (`InterfaceError`,
`OperationalError`: also a deadlock or a lock timeout) runs once more through
`database_sync_to_async`, whose checks replace the broken connection. Those requests may
run twice, even when the first failed at its commit: a send is kept once per (room,
author, client_id), an edit, a reaction or a read mark set what they set, a history page
only reads. Any other request (a call's, which may have acted outside the transaction)
runs once, through `database_sync_to_async` as before.

For a repeatable request the first try skips Channels' `close_old_connections` around
the call, and with it Django's `SELECT 1` before the call's first query: one PostgreSQL
round trip fewer of the five a chat send makes. Its effect on latency was within the
noise of this machine (docs/performance.md, 2026-12-04). The connection is still looked
after: every other call on that thread (heartbeats, catch-up, the rights recheck, the
other requests) goes through `database_sync_to_async`, which closes a connection that is
too old or broke.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import InterfaceError, OperationalError

log = logging.getLogger(__name__)


# The request types whose handler gives the same result run twice (see above).
REPEATABLE = frozenset({"chat.send", "chat.edit", "chat.react", "chat.read", "chat.history"})


async def run(kind: str, handler: Callable[..., Any], *args: Any) -> Any:
    """`handler(*args)` in the database thread; for a REPEATABLE `kind`, once more on a
    fresh connection if the one it used broke."""
    if kind not in REPEATABLE:
        return await database_sync_to_async(handler)(*args)
    try:
        return await sync_to_async(handler, thread_sensitive=True)(*args)
    except (InterfaceError, OperationalError):
        log.warning("socket request %s: the database connection failed; retrying once",
                    getattr(handler, "__name__", handler), exc_info=True)
        return await database_sync_to_async(handler)(*args)
