"""The process-local fan-out: one layer subscription per process and room, batches."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async

from rooms import hub as room_hub
from rooms import protocol
from rooms.consumers import RoomConsumer
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
async def pair():
    def build():
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        return ana, bea, make_room(ana, bea)
    return await database_sync_to_async(build)()


async def group_members(group: str) -> set[str]:
    """The channels of this process subscribed to a room group (the room events' layer
    keeps the members of its groups in each process, in memory or over Redis pub/sub)."""
    layer = protocol.room_layer()
    key = getattr(layer, "_get_group_channel_name", lambda name: name)(group)
    return set(layer.groups.get(key, ()))


async def synced(user):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


async def test_one_layer_subscription_per_process_however_many_sockets(pair):
    ana, bea, room = pair
    sockets = [await synced(ana), await synced(bea), await synced(bea)]
    hub = await room_hub.local()
    assert await group_members(protocol.room_group(room.pk)) == {hub.channel_name}
    reply, _ = await request(sockets[0], {"type": "chat.send", "room_id": room.pk,
                                          "client_id": "h1", "text": "to all three"})
    assert reply["type"] == "ack"
    for socket in sockets:
        event, _ = await receive_until(socket, "chat.message.created")
        assert event["message"]["text"] == "to all three"
    for socket in sockets:
        await socket.disconnect()


async def test_events_waiting_together_go_as_one_array_frame(pair):
    ana, bea, room = pair
    b = await synced(bea)
    hub = await room_hub.local()
    typing = [{"type": "chat.typing", "room_id": room.pk, "user_id": ana.pk, "name": n}
              for n in ("Ana", "Ana again")]
    await hub.deliver([protocol.room_message(room.pk, event) for event in typing])
    frame = json.loads(await b.receive_from())
    assert frame == typing
    await b.disconnect()


async def test_a_batch_that_does_not_follow_on_is_checked_event_by_event(pair):
    """A duplicate inside a batch is dropped; the rest arrives once, in order."""
    ana, bea, room = pair
    a, b = await synced(ana), await synced(bea)
    await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": "x1",
                      "text": "one"})
    first, _ = await receive_until(b, "chat.message.created")
    await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": "x2",
                      "text": "two"})
    second, _ = await receive_until(b, "chat.message.created")
    hub = await room_hub.local()
    await hub.deliver([protocol.room_message(room.pk, first),
                       protocol.room_message(room.pk, second)])
    assert await b.receive_nothing(timeout=0.3)
    for socket in (a, b):
        await socket.disconnect()


async def test_a_room_no_local_socket_follows_is_left_after_a_sweep(pair):
    ana, bea, room = pair
    a = await synced(ana)
    hub = await room_hub.local()
    group = protocol.room_group(room.pk)
    await a.disconnect()
    await hub.sweep(time.monotonic())  # empty for less than a sweep: kept
    assert hub.channel_name in await group_members(group)
    await hub.sweep(time.monotonic() + 2 * room_hub.SWEEP_SECONDS)
    assert hub.channel_name not in await group_members(group)
    b = await synced(bea)  # followed again: joined again, and events flow
    assert hub.channel_name in await group_members(group)
    await hub.deliver([protocol.room_message(room.pk, {
        "type": "chat.typing", "room_id": room.pk, "user_id": ana.pk, "name": "Ana"})])
    typing, _ = await receive_until(b, "chat.typing")
    assert typing["name"] == "Ana"
    await b.disconnect()


async def test_her_personal_events_reach_every_tab_through_one_subscription(pair):
    """Her read state after she writes reaches both her tabs; the process follows her
    once, and leaves her once no tab of hers is open here."""
    ana, bea, room = pair
    tabs = [await synced(ana), await synced(ana)]
    hub = await room_hub.local()
    group = protocol.user_group(ana.pk)
    assert await group_members(group) == {hub.channel_name}
    await request(tabs[0], {"type": "chat.send", "room_id": room.pk, "client_id": "p1",
                            "text": "read by me"})
    for tab in tabs:
        read, _ = await receive_until(tab, "rooms.read")
        assert read["room_id"] == room.pk and read["unread"] == 0
    for tab in tabs:
        await tab.disconnect()
    await hub.sweep(time.monotonic() + 2 * room_hub.SWEEP_SECONDS)
    assert hub.channel_name not in await group_members(group)


async def test_a_personal_event_while_she_connects_comes_after_hello(pair, monkeypatch):
    """One delivered while her socket reads its rooms (she is followed already, `hello`
    is not sent yet) waits for `hello`, then arrives."""
    ana, bea, room = pair
    hub = await room_hub.local()
    loop = asyncio.get_running_loop()
    opening = RoomConsumer._open_connection

    def open_connection(consumer):
        asyncio.run_coroutine_threadsafe(hub.deliver([protocol.user_message(ana.pk, {
            "type": "rooms.read", "room_id": room.pk, "last_read_seq": 0, "unread": 0,
            "mentions": 0})]), loop).result(timeout=2)
        return opening(consumer)

    monkeypatch.setattr(RoomConsumer, "_open_connection", open_connection)
    socket = await open_socket(ana)  # asserts that `hello` comes first
    read, before = await receive_until(socket, "rooms.read")
    assert read["room_id"] == room.pk and before == []
    await socket.disconnect()


async def test_a_personal_event_during_her_sync_comes_after_sync_done(pair, monkeypatch):
    """`sync.done` carries her read state as `sync` read it: a newer `rooms.read` that
    arrives meanwhile must come after it, or the page would show the older state."""
    ana, bea, room = pair
    hub = await room_hub.local()
    loop = asyncio.get_running_loop()
    initialise = RoomConsumer.__init__

    def init(consumer, *args, room_states, **kwargs):
        def states(user, room_ids):
            asyncio.run_coroutine_threadsafe(hub.deliver([protocol.user_message(ana.pk, {
                "type": "rooms.read", "room_id": room.pk, "last_read_seq": 9, "unread": 0,
                "mentions": 0})]), loop).result(timeout=2)
            return room_states(user, room_ids)
        initialise(consumer, *args, room_states=states, **kwargs)

    monkeypatch.setattr(RoomConsumer, "__init__", init)
    socket = await open_socket(ana, sync={})
    read, before = await receive_until(socket, "rooms.read")
    assert read["last_read_seq"] == 9
    assert [frame["type"] for frame in before][-1] == "sync.done"
    await socket.disconnect()
