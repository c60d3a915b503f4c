"""What the API changes, live sockets hear as if the page had done it: the same numbered
events, of the same shape, through chat's services."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.api.conftest import ApiClient
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


def shape(value):
    """The keys of an event, all the way down (values differ from message to message)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


async def test_a_message_sent_by_the_api_reaches_her_socket_as_a_socket_send_does():
    ana, bea, room = await db(lambda: (lambda a, b: (a, b, make_room(a, b)))(
        UserFactory(name="Ana"), UserFactory(name="Bea")))()
    ana_socket = await open_socket(ana, sync={})
    bea_socket = await open_socket(bea, sync={})
    for socket in (ana_socket, bea_socket):
        await receive_until(socket, "sync.done")

    ack, _ = await request(ana_socket, {"type": "chat.send", "room_id": room.pk,
                                        "text": "From the page", "client_id": "page-1"})
    assert ack["type"] == "ack"
    by_socket, _ = await receive_until(bea_socket, "chat.message.created")

    client = await db(ApiClient)(ana)
    answer = await db(client.post)(f"rooms/{room.pk}/messages",
                                   {"text": "From the API", "client_id": "api-1"})
    assert answer.status_code == 201
    by_api, _ = await receive_until(bea_socket, "chat.message.created")

    assert by_api["rev"] == by_socket["rev"] + 1 and by_api["message"]["seq"] == 2
    assert shape(by_api) == shape(by_socket)
    assert by_api["message"] == answer.json()  # what the API answered is what she hears
    # Her own tabs move her read position, as for a send from the page.
    mine, _ = await receive_until(ana_socket, "chat.message.created")
    assert mine["message"]["client_id"] == "page-1"
    read, _ = await receive_until(ana_socket, "rooms.read")
    assert read["last_read_seq"] >= 1

    # A retry with the same client_id is no new event: the sentinel ping comes first.
    again = await db(client.post)(f"rooms/{room.pk}/messages",
                                  {"text": "From the API", "client_id": "api-1"})
    assert again.status_code == 200
    await bea_socket.send_json_to({"type": "ping"})
    pong, before = await receive_until(bea_socket, "pong")
    assert [frame["type"] for frame in before] == []
    for socket in (ana_socket, bea_socket):
        await socket.disconnect()
