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


async def test_the_hub_replays_only_a_run_of_revs_it_received_whole():
    hub = room_hub.Hub(protocol.room_layer(), "test")
    hub._remember(7, [(1, "one"), (None, "typing"), (2, "two"), (3, "three")])
    assert hub.replay(7, 1, 3) == [(2, "two"), (3, "three")]
    assert hub.replay(7, 0, 2) == [(1, "one"), (2, "two")]
    assert hub.replay(7, 3, 3) == []
    assert hub.replay(7, 2, 4) is None  # rev 4 never reached this hub
    assert hub.replay(8, 0, 1) is None  # nor any event of room 8
    hub._remember(7, [(5, "five")])  # rev 4 was lost: the run starts again at 5
    assert hub.replay(7, 2, 5) is None
    assert hub.replay(7, 4, 5) == [(5, "five")]
    hub._remember(7, [(5, "five"), (4, "four, late")])  # a duplicate and a late one
    assert hub.replay(7, 4, 5) == [(5, "five")]


async def test_a_member_back_after_a_drop_catches_up_from_the_hub(pair, monkeypatch):
    """Her room's events reached the process while she was away (Bea stayed): when she
    comes back, the catch-up sends them as they were published and reads no message."""
    from chat import selectors as chat_selectors

    ana, bea, room = pair
    a, b = await synced(ana), await synced(bea)
    for i in range(3):
        await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": f"r{i}",
                          "text": f"before {i}"})
    held = 0
    for _ in range(3):
        event, _ = await receive_until(b, "chat.message.created")
        held = event["rev"]
    await b.disconnect()
    for i in range(4):
        await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": f"m{i}",
                          "text": f"missed {i}"})
    await asyncio.sleep(0.2)  # the hub has them all

    def must_not_read(*args, **kwargs):
        raise AssertionError("the catch-up read the database")

    monkeypatch.setattr(chat_selectors, "catch_up_events", must_not_read)
    back = await open_socket(bea, sync={str(room.pk): held})
    _, before = await receive_until(back, "sync.done")  # the catch-up comes first
    missed = [e for e in before if e["type"] == "chat.message.created"]
    assert [e["message"]["text"] for e in missed] == [f"missed {i}" for i in range(4)]
    assert [e["rev"] for e in missed] == list(range(held + 1, held + 5))
    for socket in (a, back):
        await socket.disconnect()


async def test_what_the_hub_did_not_receive_is_read_from_the_database(pair):
    ana, bea, room = pair
    a = await synced(ana)
    for i in range(2):
        await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": f"x{i}",
                          "text": f"seen {i}"})
    await asyncio.sleep(0.2)
    hub = await room_hub.local()
    hub.recent.pop(room.pk, None)  # as if the hub had been away
    back = await open_socket(bea, sync={str(room.pk): 0})
    _, before = await receive_until(back, "sync.done")
    assert [e["message"]["text"] for e in before if e["type"] == "chat.message.created"] \
        == ["seen 0", "seen 1"]
    for socket in (a, back):
        await socket.disconnect()


async def _say(author, room, text: str) -> None:
    """Ana writes from outside any socket (a page, another process)."""
    from chat import services as chat_services

    await database_sync_to_async(chat_services.message_send)(
        author=author, room_id=room.pk, text=text, client_id=text.replace(" ", "-"))


async def _messages(socket, count: int) -> list[tuple[int, str]]:
    got = []
    while len(got) < count:
        event, _ = await receive_until(socket, "chat.message.created", timeout=5)
        got.append((event["rev"], event["message"]["text"]))
    return got


async def test_a_full_inbox_drops_its_oldest_and_their_rooms_read_them_again(pair):
    """The hub's inbox holds at most `max_inbox` layer messages: the oldest go first. Bea's
    room lost its last five events that way, and nothing later in the room would show
    the gap: her socket is told, reads them from the database, and has each rev once, in
    order."""
    ana, bea, room = pair
    b = await synced(bea)
    hub = await room_hub.local()
    held: list[dict] = []
    hub.take = held.append  # the layer's messages wait here instead of in the inbox
    for i in range(5):
        await _say(ana, room, f"held {i}")
    async with asyncio.timeout(5):
        while len([m for m in held if m.get("rev")]) < 5:
            await asyncio.sleep(0.01)
    del hub.take
    hub.max_inbox = 10
    others = [protocol.room_message(room.pk + 1, {
        "type": "chat.typing", "room_id": room.pk + 1, "user_id": ana.pk, "name": "Ana"})
        for _ in range(12)]
    for message in held + others:  # all at once: the hub delivers none meanwhile
        hub.take(message)
    assert len(hub.inbox) == 10 and hub.dropped == len(held) + 2
    assert await _messages(b, 5) == [(rev, f"held {rev - 1}") for rev in range(1, 6)]
    await _say(ana, room, "after")
    assert await _messages(b, 1) == [(6, "after")]
    await b.disconnect()


async def test_what_is_published_while_the_subscription_is_away_is_read_again(
        pair, monkeypatch):
    """The layer loses Ana's message and the hub's probe with it (publish/subscribe while
    the process reconnects to Redis). The next probe to arrive shows the loss: Bea's
    socket reads the message from the database, with no later event and no ping."""
    ana, bea, room = pair
    b = await synced(bea)
    hub = await room_hub.local()

    lost: list[dict] = []

    async def lose(group, message):
        lost.append(message)

    async def refused(*args, **kwargs):
        raise ConnectionError("Redis is away")

    with monkeypatch.context() as away:
        away.setattr(hub.layer, "group_send", lose)
        away.setattr(hub.layer, "send", refused)
        await _say(ana, room, "while you were away")
        async with asyncio.timeout(5):
            while not any(message.get("rev") for message in lost):
                await asyncio.sleep(0.01)
        await hub.probe()
    await hub.probe()
    assert await _messages(b, 1) == [(1, "while you were away")]
    await _say(ana, room, "and now")
    assert await _messages(b, 1) == [(2, "and now")]
    await b.disconnect()


async def test_her_socket_opens_while_the_layer_is_away_and_follows_once_it_is_back(
        pair, monkeypatch):
    """Joining her room's group fails (Redis is away): her socket still opens and syncs.
    Once the layer answers, the hub joins the group and her socket reads what it missed;
    then the room's events arrive live."""
    ana, bea, room = pair
    hub = await room_hub.local()

    async def refused(*args, **kwargs):
        raise ConnectionError("Redis is away")

    with monkeypatch.context() as away:
        away.setattr(hub.layer, "group_add", refused)
        b = await synced(bea)
        assert hub.unjoined == {protocol.room_group(room.pk), protocol.user_group(bea.pk)}
    await _say(ana, room, "while you were away")
    await hub.probe()
    assert await _messages(b, 1) == [(1, "while you were away")]
    await _say(ana, room, "and now")
    assert await _messages(b, 1) == [(2, "and now")]
    await b.disconnect()
