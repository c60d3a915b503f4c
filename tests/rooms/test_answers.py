"""Socket requests skip Django's health check before each call (rooms.answers): a
connection the database dropped between two requests still fails none of them."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import OperationalError

from chat.models import Message
from rooms import answers, protocol
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from tests.server.test_postgresql import drop_connection

pytestmark = [pytest.mark.django_db(transaction=True)]

db = database_sync_to_async


@pytest.mark.postgres
@pytest.mark.asyncio
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


class _FailsOnce:
    """A handler whose first run meets a broken connection."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, *args: object) -> dict[str, int]:
        self.runs += 1
        if self.runs == 1:
            raise OperationalError("the connection broke")
        return {"runs": self.runs}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", sorted(answers.REPEATABLE))
async def test_a_repeatable_request_runs_again_on_a_fresh_connection(kind):
    handler = _FailsOnce()
    assert await answers.run(kind, handler) == {"runs": 2}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["call.join", "call.signal", "call.leave"])
async def test_any_other_request_runs_once(kind):
    """A call's request may have acted before it failed (a seat taken, a signal sent): it
    is not run a second time; the client hears `server_error`."""
    handler = _FailsOnce()
    with pytest.raises(OperationalError):
        await answers.run(kind, handler)
    assert handler.runs == 1


def test_every_repeatable_type_is_a_declared_request():
    assert set(protocol.REQUESTS) >= answers.REPEATABLE
