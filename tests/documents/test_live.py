"""A document shared, replaced or deleted reaches every member's open socket, in the
room's order, and never a socket of someone who left."""

from __future__ import annotations

import io

import pytest
from channels.db import database_sync_to_async

from chat import services as chat_services
from documents import services
from rooms import services as room_services
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def test_every_member_sees_a_new_document_and_a_removed_one_does_not():
    def build():
        ana, bea, cy = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cy")
        return ana, bea, cy, make_room(ana, bea, cy, name="Cohort")
    ana, bea, cy, room = await db(build)()
    b = await open_socket(bea, sync={})
    await receive_until(b, "sync.done")
    c = await open_socket(cy, sync={})
    await receive_until(c, "sync.done")

    document = await db(services.document_upload)(
        user=ana, room_id=room.pk, stream=io.BytesIO(b"Agenda\n"), name="agenda.md")
    event, _ = await receive_until(b, "documents.changed")
    assert (event["room_id"], event["rev"], event["document"]["name"],
            event["document"]["kind"], event["document"]["version"]) == (
        room.pk, document.rev, "agenda.md", "text/markdown", 1)

    await db(room_services.member_remove)(actor=ana, room=room, user=cy)
    await receive_until(c, "rooms.removed")
    await db(services.version_add)(user=ana, document_id=document.pk,
                                   stream=io.BytesIO(b"Agenda v2\n"), name="agenda.md")
    await db(services.document_delete)(user=ana, document_id=document.pk)
    seen = []  # each preview made is a change too, in the room's order
    while not seen or not seen[-1]["document"]["deleted"]:
        seen.append((await receive_until(b, "documents.changed"))[0])
    revs = [event["rev"] for event in seen]
    assert revs == sorted(set(revs)) and revs[0] > event["rev"]
    assert [e["document"]["version"] for e in seen if not e["document"]["deleted"]][-1] == 2
    # Cy, removed, hears none of it: the next thing she hears is the sentinel, in her
    # other room.
    other = await db(make_room)(ana, cy, name="Sentinel")
    await c.send_json_to({"type": "sync", "rooms": {}})
    await receive_until(c, "sync.done")
    await db(chat_services.message_send)(author=ana, room_id=other.pk, text="sentinel",
                                         client_id="s1")
    while True:
        frame = await c.receive_json_from(timeout=5)
        assert frame["type"] != "documents.changed"
        if frame["type"] == "chat.message.created":
            assert frame["message"]["text"] == "sentinel"
            break
    await b.disconnect()
    await c.disconnect()
