"""The production services themselves: PostgreSQL and the Redis channel layer."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from django.db import IntegrityError, connection

from community.models import User


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_two_members_with_the_same_address_in_any_case():
    assert connection.vendor == "postgresql"
    User.objects.create_user(email="dup@example.org", password="x" * 12, name="A")
    with pytest.raises(IntegrityError):
        User.objects.create(email="DUP@example.org", name="B")


@pytest.mark.redis
async def test_redis_channel_layer_delivers_a_group_message():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    channel = await layer.new_channel()
    await layer.group_add("test.cohort", channel)
    try:
        await layer.group_send("test.cohort", {"type": "ping", "n": 1})
        assert await layer.receive(channel) == {"type": "ping", "n": 1}
    finally:
        await layer.group_discard("test.cohort", channel)


@pytest.mark.redis
async def test_process_channels_are_served_while_sockets_wait_on_the_layer():
    """The relay host shares the process's inbox with the sockets, and the room hub
    reads the room events' layer: a message to either arrives at once, not after the
    sockets' blocking reads time out."""
    import asyncio

    from rooms import hub as room_hub
    from rooms import protocol
    from video.relay import host as relay_host

    layer = get_channel_layer()
    socket_channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(socket_channel))  # a socket, idle
    await asyncio.sleep(0.2)
    hub = await room_hub.local()
    got: list[str] = []

    class Socket:
        async def hub_events(self, room_id: int, events: list[tuple[int | None, str]],
                             batch: str) -> None:
            got.append(batch)

    listener = Socket()
    await hub.follow(listener, [991])
    relay_channel = await relay_host.local_channel()
    await asyncio.sleep(0.3)  # every reader is waiting on the layer now
    try:
        # The relay host answers an offer on the sender's socket.
        await layer.send(relay_channel, {
            "type": "relay.signal", "call_id": 1, "room_id": 991, "peer_id": "p",
            "channel_name": socket_channel, "description": {"type": "offer", "sdp": "x"},
            "streams": {}})
        async with asyncio.timeout(2):
            answer = await waiting
        assert answer["event"]["from"] == "relay"
        await protocol.room_layer().group_send(protocol.room_group(991), protocol.room_message(
            991, {"type": "chat.typing", "room_id": 991, "user_id": 1, "name": "A"}))
        async with asyncio.timeout(2):
            while not got:
                await asyncio.sleep(0.02)
    finally:
        hub.unfollow(listener, [991])
        waiting.cancel()
        for task in hub.tasks:
            task.cancel()
        running = relay_host.local_host()
        if running is not None:
            await running.stop()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_quiet_socket_stays_open_past_the_layers_blocking_read():
    """Nothing personal arrives for longer than channels-redis blocks on its inbox (5 s):
    the socket still answers, instead of closing with 1011 on a Redis read timeout."""
    import asyncio

    from channels.db import database_sync_to_async

    from tests.chat.wsclient import open_socket, receive_until
    from tests.community.factories import UserFactory

    user = await database_sync_to_async(UserFactory)()
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    await asyncio.sleep(6.5)
    await socket.send_json_to({"type": "ping", "request_id": "late"})
    pong, _ = await receive_until(socket, "pong", timeout=5)
    assert pong["request_id"] == "late"
    await socket.disconnect()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_sockets_share_the_processs_redis_connections():
    """Each socket looks up its member's presence in the cache when it opens: forty
    sockets must not open forty Redis connections (a community would run into Redis's
    client limit long before its members ran out)."""
    import redis.asyncio as redis_client
    from channels.db import database_sync_to_async
    from django.conf import settings

    from tests.chat.wsclient import open_socket, receive_until
    from tests.community.factories import UserFactory

    users = await database_sync_to_async(lambda: [UserFactory() for _ in range(40)])()
    first = await open_socket(users[0], sync={})  # the process's own clients are made
    await receive_until(first, "sync.done")
    admin = redis_client.from_url(settings.REDIS_URL)
    before = len(await admin.client_list())
    sockets = [await open_socket(user, sync={}) for user in users[1:]]
    for socket in sockets:
        await receive_until(socket, "sync.done")
    after = len(await admin.client_list())
    await admin.aclose()
    assert after - before < 5
    for socket in [first, *sockets]:
        await socket.disconnect()
