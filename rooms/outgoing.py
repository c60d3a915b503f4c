"""What one socket has yet to write, bounded: a member who stops reading is let go.

Every frame for a socket (answers and events alike, so their order holds) goes into its
`Outgoing` queue; one task per socket writes them with the ASGI `send`, started eagerly
so that a socket that keeps up is written to at once, with no task left behind. The fan-out never
waits on a socket: a server that applies backpressure (uvicorn waits while the client's
TCP window is full) holds only this socket's writer. Past MAX_FRAMES frames or MAX_CHARS
characters of text not yet written, the queue is dropped and the socket closed with CLOSE_TOO_SLOW;
the client comes back and catches up through `sync`.

Daphne's `send` never waits: what the client does not read, Twisted buffers without a
bound this code can see. Serve with uvicorn for the bound to hold end to end
(docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

MAX_FRAMES = 2000
MAX_CHARS = 4 * 1024 * 1024  # characters of JSON text (counted as queued, not encoded)

_closing: set[asyncio.Task[None]] = set()  # sockets being let go

Send = Callable[[str], Awaitable[None]]
Close = Callable[[], Coroutine[Any, Any, None]]


class Outgoing:
    __slots__ = ("send", "close", "frames", "pending_chars", "max_frames", "max_chars",
                 "writer", "closed")

    def __init__(self, send: Send, close: Close, *, max_frames: int = MAX_FRAMES,
                 max_chars: int = MAX_CHARS) -> None:
        self.send = send
        self.close = close  # closes the socket with CLOSE_TOO_SLOW
        self.frames: deque[str] = deque()
        self.pending_chars = 0
        self.max_frames = max_frames
        self.max_chars = max_chars
        self.writer: asyncio.Task[None] | None = None
        self.closed = False

    def put(self, text: str) -> bool:
        """Queue one frame; False if the socket is let go (or was already)."""
        if self.closed:
            return False
        self.frames.append(text)
        self.pending_chars += len(text)
        if len(self.frames) > self.max_frames or self.pending_chars > self.max_chars:
            self._let_go()
            return False
        if self.writer is None:
            # Started eagerly: the frame is written now, in the caller's step, unless
            # the server makes the writer wait; only then does the task stay (and the
            # next frames queue behind it). A task per frame costs more than the write.
            writer = asyncio.eager_task_factory(asyncio.get_running_loop(), self._write(),
                                                context=contextvars.Context())
            if not writer.done():
                self.writer = writer
        return True

    def stop(self) -> None:
        """The socket closed: drop what is left."""
        self.closed = True
        self.frames.clear()
        self.pending_chars = 0
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None

    def _let_go(self) -> None:
        log.warning("socket closed: %d frames (%d characters) not read in time",
                    len(self.frames), self.pending_chars)
        self.stop()
        closing = asyncio.get_running_loop().create_task(self.close(),
                                                         context=contextvars.Context())
        _closing.add(closing)  # the loop keeps only a weak reference to a task
        closing.add_done_callback(_closing.discard)

    async def _write(self) -> None:
        try:
            while self.frames:
                text = self.frames[0]
                await self.send(text)
                if self.closed:
                    return
                self.frames.popleft()
                self.pending_chars -= len(text)
        except asyncio.CancelledError:
            raise
        except Exception:  # the connection is gone; its disconnect follows
            log.debug("socket write failed", exc_info=True)
            self.frames.clear()
            self.pending_chars = 0
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None
