"""Calls in a group room across a block: neither member's offers, answers or candidates
reach the other, and the relay forwards neither one's streams to the other. The sentinel:
a third participant's signalling still arrives."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community.models import User
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room
from video import permissions
from video import services as video_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}


@pytest.fixture
async def group():
    """Ana, Bea and Cleo share a group room; Ana blocked Bea."""
    def build():
        ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
        room = make_room(ana, bea, cleo)
        BlockFactory(blocker=ana, blocked=bea)
        return ana, bea, cleo, room
    return await db(build)()


async def synced(user: User):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


async def join(socket, room) -> str:
    reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk})
    assert reply["type"] == "ack", reply
    return reply["result"]["peer_id"]


@pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
@pytest.mark.parametrize("what", ["description", "candidate"])
async def test_no_signal_crosses_a_block_in_a_group_call(group, direction, what):
    ana, bea, cleo, room = group
    sender, receiver = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
    s, r, c = await synced(sender), await synced(receiver), await synced(cleo)
    receiver_peer = await join(r, room)
    sender_peer = await join(s, room)
    cleo_peer = await join(c, room)
    body = {"description": OFFER} if what == "description" else {"candidate": None}
    reply, _ = await request(s, {"type": "call.signal", "room_id": room.pk,
                                 "to": receiver_peer, **body})
    assert (reply["type"], reply["code"]) == ("error", "forbidden")
    reply, _ = await request(c, {"type": "call.signal", "room_id": room.pk,
                                 "to": receiver_peer, **body})  # the sentinel
    assert reply["type"] == "ack"
    signal, _ = await receive_until(r, "call.signal")
    assert signal["from"] == cleo_peer
    reply, _ = await request(s, {"type": "call.signal", "room_id": room.pk,
                                 "to": cleo_peer, **body})  # a bystander is reached
    assert reply["type"] == "ack"
    assert sender_peer
    for socket in (s, r, c):
        await socket.disconnect()


async def test_the_relay_forwards_no_stream_across_a_block(group, settings, monkeypatch):
    ana, bea, cleo, room = group
    settings.COHORT_CALL_P2P_MAX = 1
    sent: list[dict] = []
    monkeypatch.setattr(video_services, "_relay_send", lambda call, message: sent.append(message))
    monkeypatch.setattr(video_services, "_relay_alive", lambda call: True)
    a, b, c = await synced(ana), await synced(bea), await synced(cleo)
    await join(a, room)
    bea_peer, cleo_peer = await join(b, room), await join(c, room)
    reply, _ = await request(a, {
        "type": "call.signal", "room_id": room.pk, "to": "relay", "description": OFFER,
        "streams": {"0": "self", "1": bea_peer, "2": bea_peer, "3": cleo_peer}})
    assert reply["type"] == "ack"
    [offer] = [m for m in sent if m["type"] == "relay.signal"]
    assert offer["streams"] == {"0": "self", "3": cleo_peer}  # Bea's transceivers idle
    for socket in (a, b, c):
        await socket.disconnect()


@pytest.mark.parametrize("who,allowed", [
    ("member", True), ("blocker", False), ("blocked member", False), ("admin", True)])
async def test_can_signal(group, who, allowed):
    ana, bea, cleo, _room = group

    def check():
        user = {"member": cleo, "blocker": ana, "blocked member": bea,
                "admin": AdminFactory()}[who]
        other = bea if who == "blocker" else ana
        assert permissions.can_signal(user, other.pk) is allowed
        assert (permissions.streams_withheld(user, [("p", other.pk)]) == set()) is allowed
    await db(check)()
