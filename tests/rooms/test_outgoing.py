"""One socket's outgoing frames (rooms.outgoing): written at once while the client keeps
up, queued in order behind a write the server makes wait, never lost in between."""

from __future__ import annotations

import asyncio

import pytest

from rooms.outgoing import Outgoing

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)


class Socket:
    """An ASGI send whose writes the test can hold, as uvicorn holds them while the
    client's TCP window is full."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.open = asyncio.Event()
        self.open.set()
        self.closed = 0

    async def send(self, text: str) -> None:
        await self.open.wait()
        self.written.append(text)

    async def close(self) -> None:
        self.closed += 1


async def test_a_client_that_keeps_up_is_written_to_at_once_every_time():
    socket = Socket()
    out = Outgoing(socket.send, socket.close)
    for n in range(50):
        assert out.put(f"frame {n}")
        assert socket.written[-1] == f"frame {n}"  # in the caller's step, no task behind
    assert out.writer is None


async def test_frames_wait_in_order_behind_a_held_write_then_all_go():
    socket = Socket()
    out = Outgoing(socket.send, socket.close)
    out.put("first")
    socket.open.clear()  # her window is full
    for n in range(10):
        out.put(f"held {n}")
    assert socket.written == ["first"]
    socket.open.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert socket.written == ["first", *[f"held {n}" for n in range(10)]]
    out.put("after")  # the writer that waited has ended: a new frame still goes
    assert socket.written[-1] == "after"


async def test_past_its_cap_a_held_socket_is_let_go_and_keeps_nothing():
    socket = Socket()
    socket.open.clear()
    out = Outgoing(socket.send, socket.close, max_frames=5)
    results = [out.put(f"frame {n}") for n in range(7)]
    assert results == [True] * 5 + [False, False]  # the sixth waiting frame is too many
    for _ in range(5):
        await asyncio.sleep(0)
    assert socket.closed == 1
    assert out.frames == type(out.frames)() and out.pending_chars == 0
    assert out.put("later") is False
