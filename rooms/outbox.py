"""Channel-layer sends from worker threads, in order, without making the thread wait.

Socket requests run their database work in one worker thread (`database_sync_to_async`).
With `async_to_sync`, each publish after a commit would hold that thread until the event
loop, busy delivering earlier events, got round to the send: the next chat message waited
for the fan-out of the last. Here the thread hands the send to its event loop's outbox
and goes on; the outbox sends them in the order they were handed over, per destination.

The layer only rings the bell (rooms.protocol): what it loses, sockets fetch from the
database. So a lane is bounded (MAX_LANE): past it, the oldest waiting send is dropped.

The loop a worker thread works for is the one `bind_to_running_loop` named for the ASGI
connection (server/asgi.py calls it for every connection; asgiref copies context variables
into the worker thread). Anywhere else (management commands, the task worker, plain
scripts, tests calling services directly) the send happens at once, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[None]]

MAX_LANE = 10_000  # sends waiting for one destination; past it the oldest waiting goes

_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "cohort_outbox_loop", default=None)


def bind_to_running_loop() -> None:
    """Name the running loop as the one this context's worker threads send through (for
    the rest of this context: one ASGI connection)."""
    _loop.set(asyncio.get_running_loop())


class Outbox:
    """One ordered lane per destination (the group or channel, the first argument):
    sends to one destination keep their order; different destinations do not wait for
    each other (a room's event does not queue behind a member's read state)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lanes: dict[Any, deque[tuple[Send, tuple[Any, ...]]]] = {}
        self.tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references
        self.dropped = 0

    def put(self, send: Send, args: tuple[Any, ...]) -> None:
        key = args[0] if args else None
        lane = self.lanes.get(key)
        if lane is not None:
            if len(lane) >= MAX_LANE:  # lane[0] is being sent; lane[1] waits the longest
                del lane[1]
                self.dropped += 1
                if self.dropped % 1000 == 1:
                    log.warning("outbox: %d sends dropped in all (a lane past %d)",
                                self.dropped, MAX_LANE)
            lane.append((send, args))
            return
        lane = self.lanes[key] = deque([(send, args)])
        task = self.loop.create_task(self._drain(key, lane), context=contextvars.Context())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _drain(self, key: Any, lane: deque[tuple[Send, tuple[Any, ...]]]) -> None:
        try:
            while lane:
                send, args = lane[0]
                try:
                    await send(*args)
                except Exception:  # the layer is away: sockets catch up from the database
                    log.exception("channel layer send failed")
                lane.popleft()
        finally:
            del self.lanes[key]


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox] = (
    weakref.WeakKeyDictionary())


def _enqueue(loop: asyncio.AbstractEventLoop, send: Send, args: tuple[Any, ...]) -> None:
    """Runs on the loop's thread."""
    outbox = _outboxes.get(loop)
    if outbox is None:
        outbox = _outboxes[loop] = Outbox(loop)
    outbox.put(send, args)


def _calling_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this worker thread works for, if one was named."""
    try:
        asyncio.get_running_loop()
        return None  # on a loop's own thread: the caller can await
    except RuntimeError:
        pass
    loop = _loop.get()
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def send_soon(send: Send, *args: Any) -> None:
    """`await send(*args)`: now if no event loop waits on this thread, else on that loop."""
    loop = _calling_loop()
    if loop is None:
        async_to_sync(send)(*args)
        return
    loop.call_soon_threadsafe(_enqueue, loop, send, args)
