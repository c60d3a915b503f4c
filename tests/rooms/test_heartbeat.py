"""Heartbeats answered together (rooms.heartbeat): one failed database trip does not fail
every ping that shared it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from rooms import heartbeat
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.mark.heartbeat_window
async def test_a_broken_connection_fails_no_ping_of_the_batch(monkeypatch):
    ana, bea = await database_sync_to_async(lambda: (UserFactory(), UserFactory()))()
    room = await database_sync_to_async(make_room)(ana, bea)
    tabs = []
    for user in (ana, ana, bea):
        tab = await open_socket(user, sync={})
        await receive_until(tab, "sync.done")
        tabs.append(tab)
    answer_all, failed = heartbeat._answer_all, []

    def first_trip_breaks(beats):
        if not failed:
            failed.append(len(beats))
            raise OperationalError("server closed the connection unexpectedly")
        return answer_all(beats)
    monkeypatch.setattr(heartbeat, "_answer_all", first_trip_breaks)
    for number, tab in enumerate(tabs):
        await tab.send_json_to({"type": "ping", "request_id": f"p{number}"})
    for number, tab in enumerate(tabs):
        pong, _ = await receive_until(tab, "pong")
        assert pong["request_id"] == f"p{number}" and pong["rooms"] == {str(room.pk): 0}
    assert failed == [3]
    for tab in tabs:
        await tab.disconnect()
