"""Channel-layer sends from worker threads, in order, without making the thread wait.

Socket requests run their database work in one worker thread (`database_sync_to_async`).
With `async_to_sync`, each publish after a commit would hold that thread until the event
loop, busy delivering earlier events, got round to the send: the next chat message waited
for the fan-out of the last. Here the thread hands the send to its event loop's outbox
and goes on; one task per loop sends them in the order they were handed over.

The layer only rings the bell (rooms.protocol): what it loses, sockets fetch from the
database. Outside a worker thread of a running loop (management commands, plain
scripts, tests calling services directly) the send happens at once, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[None]]


class Outbox:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[tuple[Send, tuple[Any, ...]]] = asyncio.Queue()
        self.task = loop.create_task(self._run(), context=contextvars.Context())

    async def _run(self) -> None:
        while True:
            send, args = await self.queue.get()
            try:
                await send(*args)
            except Exception:  # the layer is away: sockets catch up from the database
                log.exception("channel layer send failed")


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox] = (
    weakref.WeakKeyDictionary())


def _enqueue(loop: asyncio.AbstractEventLoop, send: Send, args: tuple[Any, ...]) -> None:
    """Runs on the loop's thread."""
    outbox = _outboxes.get(loop)
    if outbox is None:
        outbox = _outboxes[loop] = Outbox(loop)
    outbox.queue.put_nowait((send, args))


def _calling_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop whose worker thread this is, if it is one."""
    try:
        asyncio.get_running_loop()
        return None  # on a loop's own thread: the caller can await
    except RuntimeError:
        pass
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop  # type: ignore[no-any-return]


def send_soon(send: Send, *args: Any) -> None:
    """`await send(*args)`: now if no event loop waits on this thread, else on that loop."""
    loop = _calling_loop()
    if loop is None:
        async_to_sync(send)(*args)
        return
    loop.call_soon_threadsafe(_enqueue, loop, send, args)
