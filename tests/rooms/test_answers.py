"""Socket requests skip Django's health check before each call (rooms.answers): a
connection the database dropped between two requests still fails none of them."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from chat.models import Message
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from tests.server.test_postgresql import drop_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.asyncio]

db = database_sync_to_async


async def test_sends_after_the_database_dropped_the_connection_are_all_kept():
    ana, room = await db(lambda: (lambda user: (user, make_room(user)))(UserFactory()))()
    socket = await open_socket(ana, sync={})
    await receive_until(socket, "sync.done")
    for number in range(3):
        # The socket's requests run in that thread, on the connection dropped here
        # (not through database_sync_to_async, whose own checks would replace it).
        await sync_to_async(drop_connection, thread_sensitive=True)()
        ack, _ = await request(socket, {"type": "chat.send", "room_id": room.pk,
                                        "text": f"after drop {number}",
                                        "client_id": f"d-{number}"})
        assert ack["type"] == "ack", ack
        assert ack["result"]["duplicate"] is False
    texts = await db(lambda: list(Message.objects.filter(room=room).order_by("seq")
                                  .values_list("text", flat=True)))()
    assert texts == ["after drop 0", "after drop 1", "after drop 2"]
    await socket.disconnect()
