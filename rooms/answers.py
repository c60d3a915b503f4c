"""Socket requests in the database thread, without a database round trip of overhead each.

Channels' `database_sync_to_async` closes old connections around every call, and with
CONN_HEALTH_CHECKS Django then asks PostgreSQL `SELECT 1` before the call's first query:
one round trip in six of a chat send, each paid again in waiting for the GIL while the
event loop fans out. A socket request skips that check. Its connection is still looked
after: every other call on the same thread (heartbeats, catch-up, the rights recheck)
goes through `database_sync_to_async`, which closes a connection that is too old or broke.

A request that fails because the connection broke (`InterfaceError`, `OperationalError`:
the database restarted, a dropped session, a deadlock) runs once more through
`database_sync_to_async`, whose check replaces the broken connection. Socket requests may
run twice: a send is kept once per (room, author, client_id), an edit, a reaction or a read
mark set what they set, a history page only reads. The first failure left nothing behind:
its transaction was rolled back and its events, published on commit, never left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import InterfaceError, OperationalError

log = logging.getLogger(__name__)


async def run(handler: Callable[..., Any], *args: Any) -> Any:
    """`handler(*args)` in the database thread; once more on a fresh connection if the
    one it used broke."""
    try:
        return await sync_to_async(handler, thread_sensitive=True)(*args)
    except (InterfaceError, OperationalError):
        log.warning("socket request %s: the database connection failed; retrying once",
                    getattr(handler, "__name__", handler), exc_info=True)
        return await database_sync_to_async(handler)(*args)
