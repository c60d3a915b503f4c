"""Sends from a connection's worker thread go through its loop's outbox (rooms.outbox):
the thread does not wait for them, they keep their order per destination, and a lane is
bounded."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from rooms import outbox

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)


async def test_a_connections_worker_thread_does_not_wait_for_its_sends():
    outbox.bind_to_running_loop()  # as server/asgi.py does for each connection
    release = asyncio.Event()
    sent: list[int] = []

    async def slow_send(destination: str, number: int) -> None:
        await release.wait()
        sent.append(number)

    def service() -> None:  # a service in the worker thread, publishing after commit
        for number in range(5):
            outbox.send_soon(slow_send, "room.1", number)

    await asyncio.wait_for(sync_to_async(service)(), timeout=2)  # returned, none sent
    assert sent == []
    release.set()
    for _ in range(100):
        if len(sent) == 5:
            break
        await asyncio.sleep(0.01)
    assert sent == [0, 1, 2, 3, 4]


async def test_outside_a_connection_the_send_happens_at_once():
    sent: list[int] = []

    async def send(destination: str, number: int) -> None:
        sent.append(number)

    await sync_to_async(lambda: outbox.send_soon(send, "room.1", 7))()  # nothing bound
    assert sent == [7]


async def test_a_lane_keeps_the_newest_sends_within_its_bound(monkeypatch):
    monkeypatch.setattr(outbox, "MAX_LANE", 3)
    box = outbox.Outbox(asyncio.get_running_loop())
    release = asyncio.Event()
    sent: list[int] = []

    async def send(destination: str, number: int) -> None:
        await release.wait()
        sent.append(number)

    for number in range(10):
        box.put(send, ("room.1", number))
    assert len(box.lanes["room.1"]) == 3
    release.set()
    while box.lanes:
        await asyncio.sleep(0.01)
    assert sent == [0, 8, 9] and box.dropped == 7
