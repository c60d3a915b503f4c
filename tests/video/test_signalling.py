"""Calls over the room socket: who may join, where signalling goes, and leaving cleanly."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.models import User
from rooms import protocol
from rooms import services as room_services
from rooms.models import Membership, Room
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room
from video.models import Call, Participant
from video.relay import host as relay_host

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}


@pytest.fixture
async def trio():
    """Ana (owner), Bea (member) and Cleo (not a member) around one group room."""
    def build():
        ana, bea, cleo = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cleo")
        return ana, bea, cleo, make_room(ana, bea)
    return await db(build)()


async def synced(user: User):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


async def join(socket, room: Room, **extra) -> dict:
    reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk, **extra})
    assert reply["type"] == "ack", reply
    return reply["result"]


async def call_becomes(socket, names: list[str] | None) -> dict:
    """Read `call.changed` events until the call holds `names` (None: the call ended)."""
    while True:
        changed, _ = await receive_until(socket, "call.changed")
        call = changed["call"]
        if (call and [p["name"] for p in call["participants"]]) == names or \
                (call is None and names is None):
            return changed


async def nothing_more(socket, kind: str) -> None:
    """No frame of type `kind` is waiting (other frames are fine)."""
    while not await socket.receive_nothing(timeout=0.2):
        frame = await socket.receive_json_from()
        assert frame["type"] != kind, frame


class TestJoining:
    async def test_first_member_starts_a_peer_to_peer_call_the_room_sees(self, trio):
        ana, bea, cleo, room = trio
        a, b, c = await synced(ana), await synced(bea), await synced(cleo)
        result = await join(a, room, audio=True, video=False)
        assert result["call"]["mode"] == "p2p"
        [me] = result["call"]["participants"]
        assert me == {**me, "peer_id": result["peer_id"], "user_id": ana.pk, "name": "Ana",
                      "audio": True, "video": False, "screen": False}
        assert result["ice_servers"] == []
        changed, _ = await receive_until(b, "call.changed")  # Bea is not in it, yet sees it
        assert [p["name"] for p in changed["call"]["participants"]] == ["Ana"]
        await nothing_more(c, "call.changed")  # Cleo is not in the room
        for socket in (a, b, c):
            await socket.disconnect()

    async def test_a_participant_with_a_photo_is_described_with_its_address(self, trio):
        """A tile whose camera is off shows her photo (or, without one, her initials)."""
        ana, bea, cleo, room = trio

        def give_photo() -> None:
            ana.profile.photo.name = f"photos/{ana.pk}/20261203000000.jpg"
            ana.profile.save()
        await db(give_photo)()
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        result = await join(b, room)
        photos = {p["name"]: p["photo"] for p in result["call"]["participants"]}
        assert photos == {"Ana": f"/people/{ana.pk}/photo", "Bea": None}
        for socket in (a, b):
            await socket.disconnect()

    async def test_each_description_of_the_call_is_newer_than_the_last(self, trio):
        """Events and answers may cross on the way: (call id, version) tells which is newer."""
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        joined = await join(a, room)
        first = await call_becomes(b, ["Ana"])
        assert (first["call_id"], first["version"]) == \
            (joined["call"]["id"], joined["call"]["version"])
        assert first["call"]["version"] == first["version"]
        await join(b, room)
        second = await call_becomes(a, ["Ana", "Bea"])
        reply, _ = await request(a, {"type": "call.leave", "room_id": room.pk})
        assert reply["type"] == "ack"
        third = await call_becomes(b, ["Bea"])
        await request(b, {"type": "call.leave", "room_id": room.pk})
        ended = await call_becomes(a, None)
        keys = [(e["call_id"], e["version"]) for e in (first, second, third, ended)]
        assert keys == sorted(set(keys)) and len({k[0] for k in keys}) == 1
        got, _ = await request(a, {"type": "call.get", "room_id": room.pk})
        assert (got["result"]["call_id"], got["result"]["version"], got["result"]["call"]) == \
            (*keys[-1], None)
        again = await join(a, room)  # a new call sorts after everything of the old one
        assert (again["call"]["id"], again["call"]["version"]) > keys[-1]
        for socket in (a, b):
            await socket.disconnect()

    async def test_non_member_and_admin_outside_the_room_are_told_no_such_room(self, trio):
        ana, bea, cleo, room = trio
        admin = await db(AdminFactory)()
        for user in (cleo, admin):
            socket = await synced(user)
            reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk})
            assert (reply["type"], reply["code"]) == ("error", "not_found")
            reply, _ = await request(socket, {"type": "call.get", "room_id": room.pk})
            assert reply["code"] == "not_found"
            await socket.disconnect()
        assert not await db(Participant.objects.exists)()

    async def test_admin_who_is_a_member_joins_like_anyone(self, trio):
        ana, bea, cleo, room = trio
        admin = await db(AdminFactory)()
        await db(room_services.member_add)(actor=ana, room=room, user=admin)
        socket = await synced(admin)
        assert (await join(socket, room))["call"]["participants"][0]["user_id"] == admin.pk
        await socket.disconnect()

    async def test_blocked_member_cannot_call_across_the_block(self):
        def build():
            mentor, mentee = UserFactory(), UserFactory()
            room = make_room(mentor, mentee, kind=Room.Kind.ONE_TO_ONE)
            BlockFactory(blocker=mentee, blocked=mentor)
            return mentor, mentee, room
        mentor, mentee, room = await db(build)()
        for user in (mentor, mentee):
            socket = await synced(user)
            reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk})
            assert (reply["type"], reply["code"]) == ("error", "forbidden")
            await socket.disconnect()

    async def test_archived_room_takes_no_call(self, trio):
        ana, bea, cleo, room = trio
        await db(room_services.room_archive)(actor=ana, room=room)
        socket = await synced(bea)
        reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk})
        assert reply["code"] == "forbidden"
        await socket.disconnect()

    async def test_peer_to_peer_call_is_full_at_its_limit(self, trio, settings):
        ana, bea, cleo, room = trio
        settings.COHORT_CALL_P2P_MAX = 2
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        await join(b, room)
        await db(room_services.member_add)(actor=ana, room=room, user=cleo)
        c = await synced(cleo)
        reply, _ = await request(c, {"type": "call.join", "room_id": room.pk})
        assert reply["code"] == "forbidden" and "full" in reply["detail"]
        for socket in (a, b, c):
            await socket.disconnect()

    async def test_larger_room_starts_a_relay_call(self, trio, settings):
        ana, bea, cleo, room = trio
        settings.COHORT_CALL_P2P_MAX = 1
        a = await synced(ana)
        assert (await join(a, room))["call"]["mode"] == "relay"
        await a.disconnect()

    async def test_relay_started_by_a_join_keeps_saying_it_is_alive(self, trio, settings,
                                                                    monkeypatch):
        """Its heartbeat outlives the handler thread that started it."""
        ana, bea, cleo, room = trio
        settings.COHORT_CALL_P2P_MAX = 1
        monkeypatch.setattr(relay_host, "HEARTBEAT_SECONDS", 0.1)
        a = await synced(ana)
        call_id = (await join(a, room))["call"]["id"]
        await a.send_json_to({"type": "call.signal", "room_id": room.pk, "to": "relay",
                              "description": OFFER, "streams": {}})
        long_ago = timezone.now() - timedelta(hours=1)
        await db(Call.objects.filter(pk=call_id).update)(relay_seen_at=long_ago)
        for _ in range(50):
            await asyncio.sleep(0.1)
            seen = await db(lambda: Call.objects.get(pk=call_id).relay_seen_at)()
            if seen > long_ago:
                break
        assert seen > timezone.now() - timedelta(seconds=10)
        await a.disconnect()
        host = relay_host.local_host()
        if host is not None:
            await host.stop()


class TestSignalling:
    async def test_offer_and_candidate_reach_only_the_peer_addressed(self, trio):
        ana, bea, cleo, room = trio
        dana = await db(UserFactory)(name="Dana")
        await db(room_services.member_add)(actor=ana, room=room, user=dana)
        a, b, d = await synced(ana), await synced(bea), await synced(dana)
        await join(a, room)
        bea_peer = (await join(b, room))["peer_id"]
        ana_peer = (await join(d, room))["call"]["participants"][0]["peer_id"]
        reply, _ = await request(a, {"type": "call.signal", "room_id": room.pk,
                                     "to": bea_peer, "description": OFFER})
        assert reply["type"] == "ack"
        signal, _ = await receive_until(b, "call.signal")
        assert signal == {"type": "call.signal", "room_id": room.pk, "from": ana_peer,
                          "description": OFFER}
        candidate = {"candidate": "candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host",
                     "sdpMid": "0", "sdpMLineIndex": 0}
        await request(a, {"type": "call.signal", "room_id": room.pk, "to": bea_peer,
                          "candidate": candidate})
        signal, _ = await receive_until(b, "call.signal")
        assert signal["candidate"] == {**candidate, "usernameFragment": None}
        await nothing_more(d, "call.signal")  # Dana is in the call but was not addressed
        for socket in (a, b, d):
            await socket.disconnect()

    async def test_signal_to_someone_outside_the_call_is_refused(self, trio):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        # Bea is in the room but not in the call: she may not signal, nor be signalled.
        reply, _ = await request(b, {"type": "call.signal", "room_id": room.pk,
                                     "to": "abc", "description": OFFER})
        assert reply["code"] == "forbidden"
        reply, _ = await request(a, {"type": "call.signal", "room_id": room.pk,
                                     "to": "nobody-here", "description": OFFER})
        assert reply["code"] == "forbidden"
        await nothing_more(b, "call.signal")
        for socket in (a, b):
            await socket.disconnect()

    @pytest.mark.parametrize("frame, code, error", [
        ({"description": {"type": "offer", "sdp": "x" * (48 * 1024 + 1)}}, "invalid", "at most"),
        ({"description": {"type": "rollback", "sdp": ""}}, "bad_request",
         "description.type: Input should be 'offer' or 'answer'"),
        ({"description": {"type": "offer"}}, "bad_request", "description.sdp is missing"),
        ({"candidate": {"candidate": "c" * 2000, "sdpMid": "0"}}, "invalid", "at most"),
        ({"candidate": {"candidate": "c", "sdpMLineIndex": "zero"}}, "bad_request",
         "candidate.sdpMLineIndex must be a whole number"),
        ({"candidate": {"candidate": "c", "port": 1}}, "bad_request",
         "candidate.port is not a field"),
        ({"description": OFFER, "candidate": None}, "invalid", "either"),
        ({}, "invalid", "either"),
    ])
    async def test_malformed_or_oversized_signals_are_refused(self, trio, frame, code, error):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        bea_peer = (await join(b, room))["peer_id"]
        reply, _ = await request(a, {"type": "call.signal", "room_id": room.pk,
                                     "to": bea_peer, **frame})
        assert reply["code"] == code and error in reply["detail"]
        await nothing_more(b, "call.signal")
        for socket in (a, b):
            await socket.disconnect()


    async def test_an_offer_the_relay_refuses_comes_back_through_the_one_door(
            self, trio, settings, monkeypatch):
        """The relay host's answer is an event to a client like any other: it leaves by
        rooms.protocol, checked against its declaration, for the socket that offered."""
        ana, bea, cleo, room = trio
        settings.COHORT_CALL_P2P_MAX = 1
        sent: list[tuple[dict, str | None]] = []
        check = protocol.event_check
        monkeypatch.setattr(protocol, "event_check", lambda event, direction: (
            sent.append((dict(event), direction)), check and check(event, direction)))
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        no_ice = {"type": "offer", "sdp": "v=0\r\nm=audio 9 X 0\r\n"}
        reply, _ = await request(a, {"type": "call.signal", "room_id": room.pk, "to": "relay",
                                     "description": no_ice})
        assert reply["type"] == "ack"
        refused, _ = await receive_until(a, "call.signal")
        assert refused["from"] == "relay" and refused.get("error"), refused
        assert (refused, protocol.Direction.SOCKET) in sent
        await nothing_more(b, "call.signal")
        for socket in (a, b):
            await socket.disconnect()
        host = relay_host.local_host()
        if host is not None:
            await host.stop()


class TestLeaving:
    async def test_closing_the_tab_leaves_and_the_last_one_out_ends_the_call(self, trio):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        await join(b, room)
        await a.disconnect()
        await call_becomes(b, ["Bea"])
        reply, _ = await request(b, {"type": "call.leave", "room_id": room.pk})
        assert reply["type"] == "ack"
        await call_becomes(b, None)
        await b.disconnect()

    async def test_member_removed_from_the_room_is_dropped_from_its_call(self, trio):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        await join(b, room)
        await db(room_services.member_remove)(actor=ana, room=room, user=bea)
        await receive_until(b, "rooms.removed")
        await call_becomes(a, ["Ana"])
        for socket in (a, b):
            await socket.disconnect()

    async def test_joining_from_a_second_tab_moves_her_seat(self, trio):
        ana, bea, cleo, room = trio
        first, second = await synced(ana), await synced(ana)
        await join(first, room)
        result = await join(second, room)
        assert len(result["call"]["participants"]) == 1
        left, _ = await receive_until(first, "call.left")
        assert left["reason"] == "joined_elsewhere"
        for socket in (first, second):
            await socket.disconnect()

    async def test_mute_and_camera_are_shown_to_the_room(self, trio):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        await receive_until(b, "call.changed")
        reply, _ = await request(a, {"type": "call.update", "room_id": room.pk,
                                     "audio": False, "screen": True})
        assert reply["type"] == "ack"
        changed, _ = await receive_until(b, "call.changed")
        assert changed["call"]["participants"][0] | {"audio": False, "screen": True} == \
            changed["call"]["participants"][0]
        reply, _ = await request(a, {"type": "call.update", "room_id": room.pk,
                                     "audio": "no"})
        assert reply["code"] == "bad_request" and "audio must be true or false" in \
            reply["detail"]
        reply, _ = await request(b, {"type": "call.update", "room_id": room.pk,
                                     "audio": False})
        assert reply["code"] == "forbidden"  # Bea is not in the call
        for socket in (a, b):
            await socket.disconnect()


class TestMuted:
    """A moderator's mute (rooms.services.member_silence) holds in a call under way."""

    async def test_a_mute_takes_her_out_of_the_call_and_keeps_her_out(self, trio):
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await join(a, room)
        await join(b, room)
        await call_becomes(a, ["Ana", "Bea"])

        def mute() -> None:
            from django.db import transaction
            with transaction.atomic():
                room_services.member_silence(room_id=room.pk, user_id=bea.pk,
                                             until=timezone.now() + timedelta(hours=1))
        await db(mute)()
        left, _ = await receive_until(b, "call.left")
        assert (left["room_id"], left["reason"]) == (room.pk, "removed")
        await call_becomes(a, ["Ana"])
        reply, _ = await request(b, {"type": "call.join", "room_id": room.pk})
        assert reply["code"] == "forbidden"
        for socket in (a, b):
            await socket.disconnect()

    async def test_a_muted_seat_signals_and_changes_nothing(self, trio):
        """Even a seat the mute did not reach (its bell lost) is refused at each request."""
        ana, bea, cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        ana_peer = (await join(a, room))["peer_id"]
        await join(b, room)
        await db(Membership.objects.filter(room=room, user=bea).update)(
            silenced_until=timezone.now() + timedelta(hours=1))
        reply, _ = await request(b, {"type": "call.signal", "room_id": room.pk,
                                     "to": ana_peer, "description": OFFER})
        assert reply["code"] == "forbidden"
        reply, _ = await request(b, {"type": "call.update", "room_id": room.pk,
                                     "video": False})
        assert reply["code"] == "forbidden"
        reply, _ = await request(b, {"type": "call.ice", "room_id": room.pk})
        assert reply["code"] == "forbidden"
        reply, _ = await request(b, {"type": "call.leave", "room_id": room.pk})
        assert reply["type"] == "ack"  # hanging up is never refused
        seen = []  # the sentinel: her leaving comes, with no offer and no change before it
        while True:
            changed, before = await receive_until(a, "call.changed")
            seen += [*before, changed]
            if [p["name"] for p in changed["call"]["participants"]] == ["Ana"]:
                break
        assert "call.signal" not in [frame["type"] for frame in seen]
        assert all(p["video"] for frame in seen if frame["type"] == "call.changed"
                   for p in frame["call"]["participants"])
        for socket in (a, b):
            await socket.disconnect()


class TestIceServers:
    async def test_turn_credentials_are_minted_and_the_secret_never_sent(self, trio, settings):
        ana, bea, cleo, room = trio
        settings.COHORT_STUN_URLS = ["stun:turn.example.org:3478"]
        settings.COHORT_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
        settings.COHORT_TURN_SECRET = "s3cret-shared-with-coturn"
        settings.COHORT_TURN_TTL = 600
        a = await synced(ana)
        reply, _ = await request(a, {"type": "call.join", "room_id": room.pk})
        stun, turn = reply["result"]["ice_servers"]
        assert stun == {"urls": ["stun:turn.example.org:3478"]}
        expiry, user_id = turn["username"].split(":")
        assert user_id == str(ana.pk)
        import time
        assert 590 <= int(expiry) - time.time() <= 610
        expected = base64.b64encode(hmac.new(b"s3cret-shared-with-coturn",
                                             turn["username"].encode(), hashlib.sha1).digest())
        assert turn["credential"] == expected.decode()
        assert "s3cret" not in json.dumps(reply)
        fresh, _ = await request(a, {"type": "call.ice", "room_id": room.pk})
        assert fresh["result"]["ice_servers"][1]["urls"] == turn["urls"]
        await a.disconnect()


class TestRoleBadge:
    async def test_a_mentor_tile_carries_her_role_not_a_name_that_claims_one(self):
        from tests.community.factories import MentorFactory

        def build():
            mentor, faker = MentorFactory(name="Grace"), UserFactory(name="Grace (mentor)")
            return mentor, faker, make_room(mentor, faker)
        mentor, faker, room = await db(build)()
        m, f = await synced(mentor), await synced(faker)
        await join(m, room)
        result = await join(f, room)
        badges = {p["name"]: p.get("badge") for p in result["call"]["participants"]}
        assert badges == {"Grace": "mentor", "Grace (mentor)": None}
        for socket in (m, f):
            await socket.disconnect()


class TestBots:
    async def test_a_bot_never_joins_nor_signals_and_the_call_stays_as_it_was(self, trio):
        """Every call request of a bot's socket that takes part in a call is refused
        (`forbidden`), and the room's call never shows it: Bea's joining, the sentinel,
        is the next change Ana sees."""
        from community import tokens
        from rooms import bots
        from server.asgi import application
        from tests.chat.wsclient import EventSocket

        ana, bea, _cleo, room = trio

        def make_bot() -> str:
            admin = AdminFactory()
            bot = bots.bot_create(admin=admin, name="Report Bot", room=room)
            return tokens.token_create(user=bot, actor=admin, name="Script",
                                       scopes=["write"])[1]
        raw = await db(make_bot)()
        bot_socket = EventSocket(application, "/ws/", headers=[
            (b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {raw}".encode())])
        connected, _code = await bot_socket.connect(timeout=5)
        assert connected
        await receive_until(bot_socket, "hello")
        await bot_socket.send_json_to({"type": "sync", "rooms": {}})
        await receive_until(bot_socket, "sync.done")
        a = await synced(ana)
        joined = await join(a, room)
        await call_becomes(a, ["Ana"])
        for frame in ({"type": "call.join", "audio": False, "video": False},
                      {"type": "call.update", "audio": True},
                      {"type": "call.signal", "to": joined["peer_id"], "description": OFFER},
                      {"type": "call.signal", "to": joined["peer_id"], "candidate": None},
                      {"type": "call.ice"}):
            reply, _ = await request(bot_socket, {**frame, "room_id": room.pk})
            assert (frame["type"], reply["type"], reply.get("code")) == (
                frame["type"], "error", "forbidden")
        b = await synced(bea)
        await join(b, room)
        changed, before = await receive_until(a, "call.changed")  # the next change: Bea's
        assert [p["name"] for p in changed["call"]["participants"]] == ["Ana", "Bea"]
        assert "call.signal" not in [frame["type"] for frame in before]  # none of the bot's
        got, _ = await request(bot_socket, {"type": "call.get", "room_id": room.pk})
        assert [p["name"] for p in got["result"]["call"]["participants"]] == ["Ana", "Bea"]
        assert not await db(Participant.objects.filter(user__is_bot=True).exists)()
        for socket in (a, b, bot_socket):
            await socket.disconnect()
