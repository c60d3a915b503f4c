"""How long the hub waits between passes (rooms.hub.Hub._deliver), on a clock the test
moves: nothing after a quick pass; eight times a slow pass, at most MAX_LINGER; and never
more than MAX_LINGER in all for an event that arrived during the pass. No real time is
measured: each pass moves the test's clock, and the waits the hub asks for are recorded."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from rooms import hub as room_hub

pytestmark = pytest.mark.pure

_real_sleep = asyncio.sleep


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def event(room_id: int, rev: int) -> dict:
    return {"type": "room.event", "room_id": room_id, "rev": rev, "text": "{}"}


async def waits_after(passes: list[tuple[float, float | None]], monkeypatch) -> list[float]:
    """The waits the hub asks for when its passes take these seconds; a pass's second
    value, when given, is how far into it another event arrives."""
    clock, waits = Clock(), []
    monkeypatch.setattr(room_hub, "time", clock)

    async def recorded(seconds: float) -> None:
        waits.append(round(seconds, 6))
        await _real_sleep(0)

    monkeypatch.setattr(room_hub.asyncio, "sleep", recorded)
    hub = room_hub.Hub(InMemoryChannelLayer(), "linger")
    plan = iter(passes)

    async def deliver(batch: list[dict]) -> None:
        took, arrives = next(plan)
        if arrives is not None:
            clock.now += arrives
            hub.take(event(1, 100 + len(waits)))
            clock.now += took - arrives
        else:
            clock.now += took

    hub.deliver = deliver  # type: ignore[method-assign]
    task = asyncio.get_running_loop().create_task(hub._deliver())
    hub.take(event(1, 1))
    for _ in range(20):
        await _real_sleep(0)
        if len(waits) == len(passes):
            break
    task.cancel()
    return waits


async def test_a_quick_pass_is_followed_at_once(monkeypatch):
    assert await waits_after([(0.0005, None)], monkeypatch) == [0]


async def test_a_slow_pass_waits_eight_times_as_long_at_most_max_linger(monkeypatch):
    assert await waits_after([(0.002, None)], monkeypatch) == [0.016]
    assert await waits_after([(0.005, None)], monkeypatch) == [room_hub.MAX_LINGER]


async def test_an_event_that_came_during_the_pass_waits_max_linger_in_all(monkeypatch):
    """It came 0.5 ms into a 5 ms pass: it has waited 4.5 ms, so 15.5 ms are left; its
    own pass is then quick and nothing waits after it."""
    waits = await waits_after([(0.005, 0.0005), (0.0005, None)], monkeypatch)
    assert waits == [round(room_hub.MAX_LINGER - 0.0045, 6), 0]
