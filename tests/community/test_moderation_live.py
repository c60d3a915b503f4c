"""Moderation reaching open sockets: a hidden message is a numbered event every member of
the room receives, a suspension closes her sockets at once, a muted member's typing is
refused, a hidden document leaves the room's list and its page says why."""

from __future__ import annotations

import io

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from chat import selectors as chat_selectors
from chat import services as chat_services
from community import moderation
from community.moderation import Decision
from documents import services as document_services
from rooms import protocol
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


@pytest.fixture
async def cast():
    def build():
        mona, rita, bea = (UserFactory(name="Mona"), UserFactory(name="Rita"),
                           UserFactory(name="Bea"))
        ada = AdminFactory(name="Ada")
        room = make_room(mona, rita, bea, name="Group")
        other = make_room(mona, rita, bea, name="Sentinel room")
        message, _ = chat_services.message_send(author=bea, room_id=room.pk,
                                                text="a hurtful message", client_id="c1")
        report, _ = moderation.report_create(reporter=rita, kind="message",
                                             item_id=message.pk, reason="harassment")
        return {"mona": mona, "rita": rita, "bea": bea, "ada": ada, "room": room,
                "other": other, "message": message, "report": report}
    return await db(build)()


async def synced(user):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


async def next_of(socket, prefix: str) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"].startswith(prefix):
            return frame


async def close_code(socket) -> int:
    while True:
        frame = await socket.receive_output(timeout=3)
        if frame["type"] == "websocket.close":
            return int(frame["code"])


async def test_hide_reaches_every_member_as_a_numbered_event(cast):
    sockets = [await synced(cast[name]) for name in ("rita", "bea", "mona")]
    before = cast["room"].last_rev
    await db(moderation.report_decide)(moderator=cast["mona"], report_id=cast["report"].pk,
                                       decision=Decision(hide=True))
    for socket in sockets:
        event = await next_of(socket, "chat.message")
        assert event["type"] == "chat.message.hidden"
        assert event["rev"] > before
        assert event["message"]["id"] == cast["message"].pk
        assert (event["message"]["deleted_by"], event["message"]["text"],
                event["message"]["html"]) == ("hidden", "", "")
        await socket.disconnect()
    # The event says what a fresh read says.
    page = await db(chat_selectors.messages_page)(cast["rita"], cast["room"])
    assert page[-1] == event["message"]


async def test_a_suspension_closes_her_sockets_at_once(cast):
    bea = await synced(cast["bea"])
    rita = await synced(cast["rita"])
    await db(moderation.report_decide)(moderator=cast["ada"], report_id=cast["report"].pk,
                                       decision=Decision(suspend=True))
    assert await close_code(bea) == protocol.CLOSE_SIGNED_OUT
    # The reporter's socket stays open: a later message in her room reaches her.
    await db(chat_services.message_send)(author=cast["mona"], room_id=cast["other"].pk,
                                         text="sentinel", client_id="s1")
    assert (await next_of(rita, "chat.message"))["message"]["text"] == "sentinel"
    await rita.disconnect()


async def test_a_muted_member_cannot_type_or_send_until_then(cast):
    await db(moderation.report_decide)(moderator=cast["mona"], report_id=cast["report"].pk,
                                       decision=Decision(mute_hours=1))
    bea = await synced(cast["bea"])
    reply, _ = await request(bea, {"type": "chat.typing", "room_id": cast["room"].pk})
    assert reply["code"] == "forbidden"
    reply, _ = await request(bea, {"type": "chat.send", "room_id": cast["room"].pk,
                                   "client_id": "x1", "text": "hello?"})
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    # Elsewhere she still writes.
    reply, _ = await request(bea, {"type": "chat.send", "room_id": cast["other"].pk,
                                   "client_id": "x2", "text": "here I can"})
    assert reply["type"] == "ack"
    await bea.disconnect()


async def test_a_hidden_document_leaves_the_list_and_its_page_says_why(cast):
    def share():
        return document_services.document_upload(
            user=cast["bea"], room_id=cast["room"].pk, stream=io.BytesIO(b"rude words\n"),
            name="notes.txt")
    document = await db(share)()
    report, _ = await db(moderation.report_create)(
        reporter=cast["rita"], kind="document", item_id=document.pk, reason="inappropriate")
    rita = await synced(cast["rita"])
    await db(moderation.report_decide)(moderator=cast["mona"], report_id=report.pk,
                                       decision=Decision(hide=True))
    event = await next_of(rita, "documents.changed")
    assert event["document"]["id"] == document.pk and event["document"]["deleted"]
    await rita.disconnect()

    def page():
        client = Client()
        client.force_login(cast["rita"])
        return client.get(f"/documents/{document.pk}/")
    response = await db(page)()
    assert response.status_code == 410
    assert "hidden by a moderator" in response.content.decode()
