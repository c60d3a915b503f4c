"""A Redis blip of a few seconds, as a server process sees it: every connection dropped,
new ones turned away, then Redis answers again (tests/redisproxy.py stands between that
process and the shared Redis). No socket is closed, and what was published meanwhile
reaches its members when the process's subscription is back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from rooms import hub as room_hub
from rooms import protocol
from tests.community.factories import UserFactory
from tests.liveclient import Member, session_cookie
from tests.redisproxy import RedisProxy
from tests.rooms.factories import make_room
from tests.servers import ServerProcess, start_all

pytestmark = [pytest.mark.redis]

BLIP_SECONDS = 3.0


def test_a_redis_blip_closes_no_socket_and_loses_nothing(transactional_db, tmp_path: Path):
    """Bea's process loses Redis for a few seconds while Ana, on a process that keeps it,
    writes. Bea's socket stays open, and the message reaches her once her process's
    subscription is back, with nothing else in the room to reveal the gap and no ping."""
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea)
    proxy = RedisProxy(settings.REDIS_URL)
    behind, direct = start_all(ServerProcess(tmp_path, REDIS_URL=proxy.url),
                               ServerProcess(tmp_path))
    cookies = session_cookie(ana), session_cookie(bea)

    async def scenario() -> None:
        a, b = Member(direct, cookies[0]), Member(behind, cookies[1])
        await a.connect(**{str(room.pk): 0})
        await b.connect(**{str(room.pk): 0})
        proxy.down()
        await a.say(room.pk, "while you were away")
        # A tab opened during the blip is accepted too (no HTTP 500): hello, sync.done.
        tab = Member(behind, cookies[1])
        await tab.connect(**{str(room.pk): 0})
        await asyncio.sleep(BLIP_SECONDS)  # the blip lasts; nothing is read meanwhile
        proxy.up()
        missed, _ = await b.until("chat.message.created", timeout=15)
        assert missed["message"]["text"] == "while you were away"
        assert missed["rev"] == 1
        await a.say(room.pk, "and now")
        after, _ = await b.until("chat.message.created")
        assert (after["rev"], after["message"]["text"]) == (2, "and now")
        # Its `sync` (read from the database during the blip) brought rev 1; then live:
        got, _ = await tab.until("chat.message.created", timeout=15)
        assert (got["rev"], got["message"]["text"]) == (2, "and now")
        for member in (a, b, tab):
            await member.close()

    try:
        asyncio.run(scenario())
    finally:
        for server in (behind, direct):
            server.stop()
        proxy.close()


class Listener:
    """A socket as the hub sees it: what it was handed, in order."""

    def __init__(self) -> None:
        self.got: asyncio.Queue[tuple[str, int, Any]] = asyncio.Queue()

    async def hub_events(self, room_id: int, events: list[tuple[int | None, str]],
                         batch: str) -> None:
        for rev, _ in events:
            self.got.put_nowait(("event", room_id, rev))

    async def hub_user_event(self, kind: str, text: str) -> None:
        self.got.put_nowait(("personal", 0, kind))

    async def hub_lost(self, room_id: int) -> None:
        self.got.put_nowait(("lost", room_id, None))


async def test_a_room_followed_while_redis_is_away_is_joined_when_it_is_back():
    """Her socket opens while its process cannot reach Redis: following her room does
    not fail (the handshake would answer 500). When Redis is back, the hub joins the
    room and tells the socket to read what it missed; the room's events then arrive."""
    proxy = RedisProxy(settings.REDIS_URL)
    prefix = f"{settings.COHORT_REDIS_PREFIX}.blip."
    behind = RedisPubSubChannelLayer(hosts=[{"address": proxy.url}], prefix=prefix)
    direct = RedisPubSubChannelLayer(hosts=[{"address": settings.REDIS_URL}], prefix=prefix)
    hub = room_hub.Hub(behind, await behind.new_channel())
    hub.start()
    socket = Listener()
    try:
        proxy.down()
        await asyncio.sleep(2 * room_hub.PROBE_SECONDS)  # the hub's connection is gone
        await asyncio.wait_for(hub.follow(socket, [7]), room_hub.JOIN_WAIT + 1)
        proxy.up()
        assert await asyncio.wait_for(socket.got.get(), 10) == ("lost", 7, None)
        got = None
        for _ in range(20):  # bounded: 20 tries, half a second each
            # Publish/subscribe drops what is published before Redis has taken the
            # hub's SUBSCRIBE (a numbered event is read back then; a typing one is
            # not): send again until one arrives.
            await direct.group_send(protocol.room_group(7), protocol.room_message(
                7, {"type": "chat.typing", "room_id": 7, "user_id": 1, "name": "Ana"}))
            try:
                while (got := await asyncio.wait_for(socket.got.get(), 0.5)) == (
                        "lost", 7, None):
                    pass  # told again: harmless, the socket reads what it misses once more
                break
            except TimeoutError:
                continue
        assert got == ("event", 7, None)
    finally:
        for task in hub.tasks:
            task.cancel()
        for layer in (behind, direct):
            await layer.flush()
        proxy.close()
