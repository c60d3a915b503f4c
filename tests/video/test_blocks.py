"""Calls in a group room across a block: neither member's offers, answers or candidates
reach the other, the relay forwards neither one's streams to the other, and neither sees
the other among the call's participants (live, in catch-up, in answers and on the page).
The sentinel: a third participant's signalling, or her seat, still arrives."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community.models import User
from rooms import hub as room_hub
from rooms import protocol
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room
from video import permissions
from video import selectors as video_selectors
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


def seated(call) -> list[int]:
    return [participant["user_id"] for participant in (call or {}).get("participants", [])]


async def seats_until(socket, user_id: int) -> list[list[int]]:
    """Who each `call.changed` on `socket` seats, up to the first that seats `user_id`."""
    seen = []
    while True:
        event, _ = await receive_until(socket, "call.changed")
        seen.append(seated(event["call"]))
        if user_id in seen[-1]:
            return seen


@pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
async def test_nobody_across_a_block_is_seen_in_the_call(group, direction):
    ana, bea, cleo, room = group
    joining, watching = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
    j, w, c = await synced(joining), await synced(watching), await synced(cleo)
    await join(j, room)
    await join(c, room)  # the sentinel
    assert all(joining.pk not in ids for ids in await seats_until(w, cleo.pk))
    assert sorted((await seats_until(c, cleo.pk))[-1]) == sorted([joining.pk, cleo.pk])
    # What she reads of the call: the page's panel, `call.get`, her `call.join` answer.
    panel = await db(video_selectors.call_panel)(watching, room)
    assert seated(panel["call"]) == [cleo.pk]
    reply, _ = await request(w, {"type": "call.get", "room_id": room.pk})
    assert seated(reply["result"]["call"]) == [cleo.pk]
    reply, _ = await request(w, {"type": "call.join", "room_id": room.pk})
    assert sorted(seated(reply["result"]["call"])) == sorted([cleo.pk, watching.pk])
    # Nor does the other side see her come in: Cleo's next change is the sentinel.
    await request(c, {"type": "call.update", "room_id": room.pk, "audio": False})
    while True:
        changed, _ = await receive_until(j, "call.changed")
        assert watching.pk not in seated(changed["call"])
        if any(p["user_id"] == cleo.pk and not p["audio"]
               for p in changed["call"]["participants"]):
            break
    # Catch-up on a socket that held nothing of the room since it began.
    late = await open_socket(watching, sync={str(room.pk): 0})
    _done, before = await receive_until(late, "sync.done")
    calls = [event for event in before if event["type"] == "call.changed"]
    assert calls and all(joining.pk not in seated(event["call"]) for event in calls)
    for socket in (j, w, c, late):
        await socket.disconnect()


async def test_changes_that_wait_together_are_each_seen_as_she_may_see_them(group):
    """The hub sends the events of one pass as one frame, but not to a socket that hides
    someone when a `call.changed` is among them: each goes as she sees it."""
    ana, bea, cleo, room = group
    a, b, c = await synced(ana), await synced(bea), await synced(cleo)
    await join(b, room)
    while True:  # the change that seats Bea, as the room sees it
        changed, _ = await receive_until(c, "call.changed")
        if bea.pk in seated(changed["call"]):
            break
    while (await receive_until(a, "call.changed"))[0]["rev"] < changed["rev"]:
        pass
    later = [{**changed, "rev": changed["rev"] + n, "version": changed["version"] + n}
             for n in (1, 2)]
    hub = await room_hub.local()
    await hub.deliver([protocol.room_message(room.pk, event) for event in later])
    for event in later:
        seen, _ = await receive_until(a, "call.changed")
        assert (seen["rev"], seated(seen["call"])) == (event["rev"], [])
    for socket in (a, b, c):
        await socket.disconnect()


@pytest.mark.parametrize("who,sees", [
    ("member", {"Ana", "Bea", "Cleo"}), ("blocker", {"Ana", "Cleo"}),
    ("blocked member", {"Bea", "Cleo"}), ("admin", {"Ana", "Bea", "Cleo"}),
    ("non-member", None)])
async def test_call_seen_by(group, who, sees):
    ana, bea, cleo, room = group

    def check():
        viewer = {"member": cleo, "blocker": ana, "blocked member": bea,
                  "admin": AdminFactory(), "non-member": UserFactory()}[who]
        call = {"id": 1, "version": 1, "mode": "p2p", "started_at": "", "participants": [
            {"peer_id": str(user.pk), "user_id": user.pk, "name": user.name}
            for user in (ana, bea, cleo)]}
        if sees is None:  # the room's call is nothing of hers
            assert video_services.call_for(viewer, room) is None
        else:
            seen = permissions.call_seen_by(viewer, call)
            assert {participant["name"] for participant in seen["participants"]} == sees
    await db(check)()
