"""Catch-up from every feature on the room's log (rooms.catchup): chat's messages and the
room's call come back merged in rev order, each once, for a viewer who may see the room."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chat import services as chat_services
from chat.models import Message
from rooms import catchup
from rooms.models import Connection
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from video import services as video_services

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def room_with_a_call():
    """rev 1: a message; rev 2: Bea joins a call; rev 3: a message; rev 4: Ana joins."""
    ana, bea, cleo = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory()
    room = make_room(ana, bea)
    for user, tab in ((ana, "ana-tab"), (bea, "bea-tab")):  # their sockets, as seen alive
        Connection.objects.create(channel_name=tab, user=user)
    chat_services.message_send(author=ana, room_id=room.pk, text="one", client_id="1")
    video_services.call_join(user=bea, room_id=room.pk, channel_name="bea-tab",
                             audio=False, video=False)
    chat_services.message_send(author=ana, room_id=room.pk, text="two", client_id="2")
    video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab",
                             audio=False, video=False)
    return ana, bea, cleo, room


def test_each_feature_s_changes_merged_in_rev_order():
    ana, _bea, cleo, room = room_with_a_call()
    events, reset, head = catchup.events_after(ana, room.pk, 0)
    assert not reset and head == 4
    # The call's earlier state (rev 2) is superseded by its latest (rev 4).
    assert [(e["type"], e["rev"]) for e in events] == [
        ("chat.message.created", 1), ("chat.message.created", 3), ("call.changed", 4)]
    assert len(events[-1]["call"]["participants"]) == 2
    with pytest.raises(catchup.NotVisible):
        catchup.events_after(cleo, room.pk, 0)


def test_the_answer_stops_at_the_rev_read_first():
    """A change committed after the caller read the room's rev (here an edit, rev 5) is
    left to arrive live: the answer is complete up to rev 4 and goes no further, so the
    socket is never moved past a change it was not sent."""
    ana, _bea, _cleo, room = room_with_a_call()
    first = Message.objects.get(room=room, seq=1)
    chat_services.message_edit(user=ana, message_id=first.pk, text="one, edited")
    events, _, head = catchup.events_after(ana, room.pk, 0, room_rev=4)
    assert head == 4
    assert [(e["type"], e["rev"]) for e in events] == [
        ("chat.message.created", 3), ("call.changed", 4)]


@pytest.mark.asyncio
async def test_a_reconnecting_socket_gets_the_call_s_state_in_order_with_messages():
    ana, bea, _cleo, room = await db(room_with_a_call)()
    socket = await open_socket(bea, sync={str(room.pk): 1})
    done, before = await receive_until(socket, "sync.done")
    assert [(e["type"], e["rev"]) for e in before if "rev" in e] == [
        ("chat.message.created", 3), ("call.changed", 4)]
    await db(video_services.call_leave)(user=ana, room_id=room.pk, channel_name="ana-tab")
    left = await socket.receive_json_from()
    while left["type"] != "call.changed":
        left = await socket.receive_json_from()
    assert left["rev"] == 5 and len(left["call"]["participants"]) == 1
    await socket.disconnect()
