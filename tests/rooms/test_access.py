"""Access on every path of an open socket: her rooms, her account and her session are asked
again by the server, whatever changed them and whether or not the client pings.

"Nothing arrives" is checked with a sentinel: a later event in a room she is still in must
be the next thing she receives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from chat import services
from community.models import User
from rooms import liveness, protocol
from rooms.models import Membership, Room
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


@pytest.fixture
async def two_rooms():
    """Ana and Bea share a group room (`room`) and a second one (`other`, the sentinel's)."""
    def build():
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        return ana, bea, make_room(ana, bea, name="Private"), make_room(ana, bea, name="Other")
    return await db(build)()


async def synced(user: User, **kwargs):
    socket = await open_socket(user, sync={}, **kwargs)
    await receive_until(socket, "sync.done")
    return socket


_sent = iter(range(1_000_000))


async def say(user: User, room: Room, text: str) -> None:
    await db(services.message_send)(author=user, room_id=room.pk, text=text,
                                    client_id=f"c{next(_sent)}")


async def next_message(socket) -> dict:
    """The next chat message she receives, skipping presence, typing and read state."""
    while True:
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"].startswith("chat.message"):
            return frame


async def close_code(socket, timeout: float = 3) -> int:
    while True:
        frame = await socket.receive_output(timeout=timeout)
        if frame["type"] == "websocket.close":
            return int(frame["code"])


async def check_rights_now() -> None:
    """What RECHECK_SECONDS would do: check every socket of this process now."""
    watch = liveness.local()
    await watch.check(list(watch.sockets))


def raw_delete(room: Room, user: User) -> None:
    """As a database admin or a bulk script would: no service, no event."""
    Membership.objects.filter(room=room, user=user).delete()


class TestRemovedMember:
    async def test_a_raw_delete_stops_delivery_at_the_next_check(self, two_rooms):
        ana, bea, room, other = two_rooms
        b = await synced(bea)
        await db(raw_delete)(room, bea)
        await check_rights_now()
        removed, _ = await receive_until(b, "rooms.removed")
        assert removed["room_id"] == room.pk
        await say(ana, room, "secret after she left")
        await say(ana, other, "sentinel")
        event = await next_message(b)
        assert event["room_id"] == other.pk and event["message"]["text"] == "sentinel"
        await b.disconnect()

    async def test_a_fresh_sync_from_zero_returns_nothing_of_a_room_she_left(self, two_rooms):
        ana, bea, room, other = two_rooms
        await say(ana, room, "before she left")
        b = await synced(bea)
        await db(raw_delete)(room, bea)
        await b.send_json_to({"type": "sync", "rooms": {str(room.pk): 0, str(other.pk): 0}})
        done, before = await receive_until(b, "sync.done")
        assert [state["room_id"] for state in done["rooms"]] == [other.pk]
        assert not [f for f in before if f["type"].startswith("chat.")]
        assert {"type": "rooms.removed", "room_id": room.pk} in before
        await b.disconnect()

    async def test_the_heartbeat_drops_the_room_and_its_rev(self, two_rooms):
        ana, bea, room, other = two_rooms
        b = await synced(bea)
        await db(raw_delete)(room, bea)
        await b.send_json_to({"type": "ping", "request_id": "p"})
        pong, before = await receive_until(b, "pong")
        assert pong["rooms"] == {str(other.pk): 0}
        assert {"type": "rooms.removed", "room_id": room.pk} in before
        await say(ana, room, "secret")
        await say(ana, other, "sentinel")
        assert (await next_message(b))["message"]["text"] == "sentinel"
        await b.disconnect()

    async def test_a_gap_read_after_removal_reads_nothing(self, two_rooms):
        """An event that skips ahead makes the socket read the record: it asks the
        permission layer first, and learns she is out."""
        ana, bea, room, other = two_rooms
        b = await synced(bea)
        await db(raw_delete)(room, bea)
        # A numbered event out of order (as if the one before it were lost).
        message = {"id": 999, "room_id": room.pk, "seq": 5, "rev": 5, "client_id": "x",
                   "author": {"id": ana.pk, "name": "Ana"}, "text": "late", "html": "late",
                   "reply_to": None, "reactions": [], "mentions": [],
                   "created_at": timezone.now().isoformat(), "edited_at": None,
                   "deleted": False, "deleted_by": None, "notice": False}
        await protocol.room_layer().group_send(protocol.room_group(room.pk), protocol.room_message(
            room.pk, {"type": "chat.message.created", "room_id": room.pk, "rev": 5,
                      "message": message}))
        removed, before = await receive_until(b, "rooms.removed")
        assert removed["room_id"] == room.pk
        assert not [f for f in before if f["type"].startswith("chat.")]
        await say(ana, other, "sentinel")
        assert (await next_message(b))["message"]["text"] == "sentinel"
        await b.disconnect()


class TestTyping:
    async def test_no_typing_across_a_block(self, two_rooms):
        ana, bea, _room, other = two_rooms
        direct = await db(lambda: make_room(ana, bea, kind=Room.Kind.DIRECT, name=""))()
        a, b = await synced(ana), await synced(bea)
        await db(BlockFactory)(blocker=bea, blocked=ana)
        reply, _ = await request(a, {"type": "chat.typing", "room_id": direct.pk})
        assert reply["code"] == "forbidden"
        await say(ana, other, "sentinel")
        assert (await next_message(b))["message"]["text"] == "sentinel"
        await a.disconnect()
        await b.disconnect()

    async def test_no_typing_in_an_archived_room(self, two_rooms):
        ana, bea, room, other = two_rooms
        a, b = await synced(ana), await synced(bea)
        await db(Room.objects.filter(pk=room.pk).update)(archived_at=timezone.now())
        reply, _ = await request(a, {"type": "chat.typing", "room_id": room.pk})
        assert reply["code"] == "forbidden"
        await say(ana, other, "sentinel")
        frame = await b.receive_json_from(timeout=3)
        while frame["type"] != "chat.message.created":
            assert frame["type"] != "chat.typing"
            frame = await b.receive_json_from(timeout=3)
        await a.disconnect()
        await b.disconnect()


class TestAccountAndSession:
    async def test_deactivation_closes_her_sockets_at_once(self, two_rooms):
        _ana, bea, *_ = two_rooms
        b = await synced(bea)

        def deactivate():
            bea.is_active = False
            bea.save()
        await db(deactivate)()
        assert await close_code(b) == protocol.CLOSE_SIGNED_OUT

    async def test_asking_to_delete_her_account_closes_her_sockets_at_once(self, two_rooms):
        from community import erasure
        from tests.community.factories import PASSWORD

        _ana, bea, *_ = two_rooms
        b = await synced(bea)
        await db(erasure.account_delete_request)(user=bea, password=PASSWORD)
        assert await close_code(b) == protocol.CLOSE_SIGNED_OUT

    async def test_a_new_password_closes_her_other_sessions(self, two_rooms):
        _ana, bea, *_ = two_rooms
        b = await synced(bea)

        def change_password():
            bea.set_password("a new long passphrase 42")
            bea.save()
        await db(change_password)()
        assert await close_code(b) == protocol.CLOSE_SIGNED_OUT

    async def test_logout_in_another_tab_closes_this_one(self, two_rooms):
        _ana, bea, *_ = two_rooms
        b = await synced(bea)

        def logout():
            client = Client()
            client.cookies["sessionid"] = b.session_key
            client.post("/accounts/logout/")
        await db(logout)()
        assert await close_code(b) == protocol.CLOSE_SIGNED_OUT

    async def test_logout_elsewhere_leaves_her_other_sessions_open(self, two_rooms):
        ana, bea, _room, other = two_rooms
        b = await synced(bea)
        elsewhere = await synced(bea)

        def logout():
            client = Client()
            client.cookies["sessionid"] = elsewhere.session_key
            client.post("/accounts/logout/")
        await db(logout)()
        assert await close_code(elsewhere) == protocol.CLOSE_SIGNED_OUT
        await say(ana, other, "still here")
        assert (await next_message(b))["message"]["text"] == "still here"
        await b.disconnect()

    async def test_an_expired_session_is_closed_at_the_next_check(self, two_rooms):
        _ana, bea, *_ = two_rooms
        b = await synced(bea)
        await db(Session.objects.filter(session_key=b.session_key).update)(
            expire_date=timezone.now() - timedelta(seconds=1))
        await check_rights_now()
        assert await close_code(b) == protocol.CLOSE_SIGNED_OUT

    async def test_the_server_checks_by_itself_when_the_client_never_pings(
            self, two_rooms, monkeypatch):
        """A deactivation no signal saw (a plain UPDATE) still closes her socket, with no
        ping from her, within RECHECK_SECONDS."""
        monkeypatch.setattr(liveness, "RECHECK_SECONDS", 0.2)
        _ana, bea, *_ = two_rooms
        b = await synced(bea)
        await db(User.objects.filter(pk=bea.pk).update)(is_active=False)
        assert await close_code(b, timeout=5) == protocol.CLOSE_SIGNED_OUT

    async def test_a_stolen_session_dies_with_the_victims_password_reset(self, two_rooms):
        """Whoever holds her old session cookie loses the socket when she resets."""
        _ana, bea, *_ = two_rooms
        thief = await synced(bea)

        def reset():
            bea.set_password("reset passphrase 4242")
            bea.save(update_fields=["password"])
        await db(reset)()
        assert await close_code(thief) == protocol.CLOSE_SIGNED_OUT
