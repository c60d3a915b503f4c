"""Every client request type against every situation a member can be in, through the whole
ASGI application, on a socket opened while she was still a member (its room set is a
cache: each answer must come from the permission layer, now).

The rows come from the server's own table of request types: a new type with no row here
fails `test_every_request_type_has_a_row`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from chat import services as chat_services
from community.models import User
from rooms import liveness, protocol
from rooms import services as room_services
from rooms.models import BreakGlassGrant, Membership, Room
from tests.chat.wsclient import open_socket, receive_until
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room
from tests.rooms.test_admin import admin_client, change_form, change_url, membership_row, saved

pytestmark = [pytest.mark.django_db(transaction=True)]  # async tests: asyncio_mode "auto"

db = database_sync_to_async

def request_types() -> set[str]:
    """Every request type the protocol declares (rooms.protocol.REQUESTS); each is handled
    (tests/rooms/test_protocol.py)."""
    return set(protocol.REQUESTS)


def frame_for(kind: str, room: Room, own: int, own_too: int, others: int) -> dict[str, Any]:
    """A well-formed request of `kind` about `room` (`own`, `own_too`: her messages there,
    one to edit and one to delete; `others`: someone else's)."""
    room_id = room.pk
    frames: dict[str, dict[str, Any]] = {
        "sync": {"rooms": {str(room_id): 0}},
        "ping": {},
        "chat.send": {"room_id": room_id, "text": "matrix", "client_id": "matrix-1"},
        "chat.edit": {"message_id": own, "text": "edited"},
        "chat.delete": {"message_id": own_too},
        "chat.react": {"message_id": others, "emoji": "\U0001f44d", "on": True},
        "chat.read": {"room_id": room_id, "seq": 1},
        "chat.history": {"room_id": room_id},
        "chat.typing": {"room_id": room_id},
        "presence.set": {"state": "idle"},
        "call.join": {"room_id": room_id, "audio": False, "video": False},
        "call.leave": {"room_id": room_id},
        "call.update": {"room_id": room_id, "audio": True},
        "call.signal": {"room_id": room_id, "to": "relay", "candidate": None},
        "call.ice": {"room_id": room_id},
        "call.get": {"room_id": room_id},
        "auth": {"token": "cohort_pat_" + "x" * 43},
    }
    return {"type": kind, **frames[kind]}


# Situations: "visible"/"hidden" for sync and ping (is the room in the answer), "ack",
# an error code, or "silent" (no answer: typing and presence answer nothing when done).
SITUATIONS = ("member", "non_member", "admin_not_member", "blocked_pair",
              "removed_by_service", "removed_in_admin", "removed_raw", "archived",
              "admin_with_grant", "admin_grant_expired", "admin_grant_ended")
GONE = {"non_member", "admin_not_member", "removed_by_service", "removed_in_admin",
        "removed_raw", "admin_grant_expired", "admin_grant_ended"}
GRANTED = {"admin_with_grant", "admin_grant_expired", "admin_grant_ended"}


def expected(kind: str, situation: str) -> str:
    if kind in ("sync", "ping"):
        return "hidden" if situation in GONE else "visible"
    if kind == "presence.set":
        return "silent"
    if kind == "auth":  # her socket is signed in already, whatever her rooms
        return "invalid"
    if situation in GONE:
        return "not_found"
    row = EXPECTED[kind]
    return row.get(situation, row["member"])


# For a member (and where it differs, a blocked pair in their direct room, a member of
# an archived room, or an admin reading a pair's room through break-glass: she reads,
# never writes, and has no read position); everyone the room is gone for gets not_found.
EXPECTED: dict[str, dict[str, str]] = {
    "chat.send": {"member": "ack", "blocked_pair": "forbidden", "archived": "forbidden",
                  "admin_with_grant": "forbidden"},
    "chat.edit": {"member": "ack", "blocked_pair": "forbidden", "archived": "forbidden",
                  "admin_with_grant": "forbidden"},
    "chat.delete": {"member": "ack", "blocked_pair": "ack", "archived": "forbidden",
                    "admin_with_grant": "forbidden"},
    "chat.react": {"member": "ack", "blocked_pair": "forbidden", "archived": "forbidden",
                   "admin_with_grant": "forbidden"},
    "chat.read": {"member": "ack", "admin_with_grant": "not_found"},
    "chat.history": {"member": "ack"},
    "chat.typing": {"member": "silent", "blocked_pair": "forbidden", "archived": "forbidden",
                    "admin_with_grant": "forbidden"},
    "call.join": {"member": "ack", "blocked_pair": "forbidden", "archived": "forbidden",
                  "admin_with_grant": "forbidden"},
    "call.leave": {"member": "ack"},
    "call.update": {"member": "forbidden"},  # not in the call: join first
    "call.signal": {"member": "forbidden"},
    "call.ice": {"member": "forbidden"},
    "call.get": {"member": "ack"},
    "sync": {}, "ping": {}, "presence.set": {}, "auth": {},
}


def test_every_request_type_has_a_row():
    assert request_types() == set(EXPECTED), "a request type without its expected answers"


async def answer(socket: Any, frame: dict[str, Any]) -> str:
    """What the server answers to `frame`, then to a ping sent right after it (the
    sentinel: if the ping's pong comes first, the request was answered by silence)."""
    frame = dict(frame, request_id="asked")
    await socket.send_json_to(frame)
    await socket.send_json_to({"type": "ping", "request_id": "sentinel"})
    result = None
    while True:
        got = await socket.receive_json_from(timeout=3)
        if got.get("request_id") == "asked" and result is None:
            if got["type"] in ("sync.done", "pong"):
                room_ids = [state["room_id"] for state in got["rooms"]] \
                    if got["type"] == "sync.done" else [int(r) for r in got["rooms"]]
                result = "visible" if SUBJECT in room_ids else "hidden"
            else:
                result = "ack" if got["type"] == "ack" else got["code"]
        elif got.get("request_id") == "sentinel":
            return result or "silent"


SUBJECT = 0  # the room under test, set per case (read by `answer`)


def build(situation: str) -> dict[str, Any]:
    ana, bea, cleo = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cleo")
    if situation == "blocked_pair":
        room = room_services.room_open_direct(user=ana, other=bea)
    elif situation in GRANTED:
        room = room_services.room_create_one_to_one(mentor=ana, mentee=bea)
    else:
        room = make_room(ana, bea)
    others, _ = chat_services.message_send(author=ana, room_id=room.pk, text="Ana's",
                                           client_id="a1")
    own, _ = chat_services.message_send(author=bea, room_id=room.pk, text="Bea's",
                                        client_id="b1")
    own_too, _ = chat_services.message_send(author=bea, room_id=room.pk, text="Bea's too",
                                            client_id="b2")
    actor = {"non_member": cleo, "admin_not_member": AdminFactory(name="Ad")}.get(
        situation, bea)
    if situation in GRANTED:
        actor = AdminFactory(name="Ad")
        room_services.break_glass_open(admin=actor, room=room, reason="A report", hours=2)
    return {"ana": ana, "bea": bea, "actor": actor, "room": room, "own": own.pk,
            "own_too": own_too.pk, "others": others.pk}


def remove_in_admin(case: dict[str, Any]) -> None:
    """An admin deletes her row in the room's membership inline, as in the browser."""
    client = admin_client(AdminFactory(name="Admin"))
    fields = change_form(client, case["room"])
    row = membership_row(fields, case["room"].memberships.get(user=case["bea"]))
    fields[row + "-DELETE"] = "on"
    assert saved(client.post(change_url(case["room"]), fields))


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "removed_in_admin": remove_in_admin,
    "blocked_pair": lambda c: BlockFactory(blocker=c["ana"], blocked=c["bea"]),
    "removed_by_service": lambda c: room_services.member_remove(
        actor=c["ana"], room=c["room"], user=c["bea"]),
    "removed_raw": lambda c: Membership.objects.filter(room=c["room"], user=c["bea"]).delete(),
    "archived": lambda c: Room.objects.filter(pk=c["room"].pk).update(
        archived_at=timezone.now()),
    # Expiry rings no bell: the clock passed it (the grant's end moved into the past).
    "admin_grant_expired": lambda c: BreakGlassGrant.objects.filter(room=c["room"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)),
    # Ended by another admin, and the bell to her sockets lost: the next read still asks.
    "admin_grant_ended": lambda c: BreakGlassGrant.objects.filter(room=c["room"]).update(
        ended_at=timezone.now()),
}


@pytest.mark.parametrize("situation", SITUATIONS)
async def test_each_request_asks_the_permission_layer_now(situation):
    global SUBJECT
    case = await db(build)(situation)
    SUBJECT = case["room"].pk
    socket = await open_socket(case["actor"], sync={})
    await receive_until(socket, "sync.done")
    if situation in CHANGES:  # after the socket cached her rooms
        await db(CHANGES[situation])(case)
    found = {}
    for kind in sorted(request_types()):
        found[kind] = await answer(socket, frame_for(
            kind, case["room"], case["own"], case["own_too"], case["others"]))
    assert found == {kind: expected(kind, situation) for kind in sorted(request_types())}
    await socket.disconnect()


async def _close_code(socket: Any) -> int:
    while True:
        got = await socket.receive_output(timeout=3)
        if got["type"] == "websocket.close":
            return int(got["code"])


def _deactivate(user: User, session_key: str) -> None:
    user.is_active = False
    user.save()


def _log_out(user: User, session_key: str) -> None:
    client = Client()
    client.cookies["sessionid"] = session_key
    client.post("/accounts/logout/")


def _new_password(user: User, session_key: str) -> None:
    user.set_password("another long passphrase 7")
    user.save()


def _expire(user: User, session_key: str) -> None:
    Session.objects.filter(session_key=session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("change", [_deactivate, _log_out, _new_password, _expire],
                         ids=["deactivated", "logged_out", "password_changed",
                              "session_expired"])
async def test_a_socket_whose_account_or_session_lost_its_right_is_closed(change):
    """Whatever she asked next, nothing is answered: the socket is closed (4403). Expiry
    rings no bell: the server's own check finds it (rooms.liveness)."""
    case = await db(build)("member")
    socket = await open_socket(case["bea"], sync={})
    await receive_until(socket, "sync.done")
    await db(change)(case["bea"], socket.session_key)
    if change is _expire:
        watch = liveness.local()
        await watch.check(list(watch.sockets))
    assert await _close_code(socket) == protocol.CLOSE_SIGNED_OUT
