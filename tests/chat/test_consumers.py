"""The live connection, end to end through the ASGI application and the channel layer."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from chat import selectors, services
from chat.models import Message
from community.models import User
from rooms import consumers, heartbeat, protocol
from rooms import services as room_services
from rooms.models import Connection, Room
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


@pytest.fixture
async def trio():
    """Ana (owner), Bea (member) and Cleo (not a member) around one group room."""
    def build():
        ana = UserFactory(name="Ana")
        bea = UserFactory(name="Bea")
        cleo = UserFactory(name="Cleo")
        room = make_room(ana, bea)
        return ana, bea, cleo, room
    return await db(build)()


def send_frame(room: Room, text: str, client_id: str) -> dict:
    return {"type": "chat.send", "room_id": room.pk, "text": text, "client_id": client_id}


async def synced(user: User, sync: dict[str, int] | None = None):
    socket = await open_socket(user, sync=sync or {})
    await receive_until(socket, "sync.done")
    return socket


class TestConnect:
    async def test_signed_out_socket_is_refused(self):
        socket = await open_socket(None)
        assert not socket.accepted
        assert socket.close_code == 4401

    async def test_foreign_origin_is_refused(self, trio):
        ana, *_ = trio
        socket = await open_socket(ana, origin=b"https://evil.example")
        assert not socket.accepted


class TestSendAndReceive:
    async def test_ack_after_store_and_live_delivery_to_members_only(self, trio):
        ana, bea, cleo, room = trio
        a, b, c = await synced(ana), await synced(bea), await synced(cleo)
        ack, _ = await request(a, send_frame(room, "Hello **Bea**", "m-1"))
        assert ack["type"] == "ack"
        result = ack["result"]
        assert result["seq"] == 1 and result["duplicate"] is False
        stored = await db(Message.objects.get)(pk=result["message_id"])
        assert stored.text == "Hello **Bea**"
        event, _ = await receive_until(b, "chat.message.created")
        assert event["message"]["id"] == result["message_id"]
        assert event["message"]["html"] == "<p>Hello <strong>Bea</strong></p>"
        assert event["message"]["seq"] == 1 and event["rev"] == 1
        assert await c.receive_nothing(timeout=0.3)
        for socket in (a, b, c):
            await socket.disconnect()

    async def test_resend_with_the_same_client_id_stores_nothing_new(self, trio):
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        first, _ = await request(a, send_frame(room, "once", "same-id"))
        again, _ = await request(a, send_frame(room, "once", "same-id"))
        assert again["result"]["message_id"] == first["result"]["message_id"]
        assert again["result"]["seq"] == first["result"]["seq"]
        assert again["result"]["duplicate"] is True
        assert await db(Message.objects.filter(room=room).count)() == 1
        await receive_until(b, "chat.message.created")
        assert await b.receive_nothing(timeout=0.3)  # the resend rang no bell
        await a.disconnect()
        await b.disconnect()

    async def test_sequences_have_no_gaps_under_concurrent_senders(self, trio):
        ana, bea, _cleo, room = trio
        sockets = [await synced(user) for user in (ana, bea, ana, bea)]

        async def burst(index, socket):
            acks = []
            for i in range(3):
                ack, _ = await request(socket, send_frame(room, f"n{index}.{i}", f"c{index}.{i}"))
                acks.append(ack["result"]["seq"])
            return acks

        results = await asyncio.gather(*(burst(i, s) for i, s in enumerate(sockets)))
        assert sorted(seq for acks in results for seq in acks) == list(range(1, 13))
        for socket in sockets:
            await socket.disconnect()


class TestCatchUp:
    async def test_reconnecting_client_gets_what_it_missed_once_and_in_order(self, trio):
        ana, bea, _cleo, room = trio
        a = await synced(ana)
        b = await synced(bea)
        await request(a, send_frame(room, "before", "k0"))
        seen, _ = await receive_until(b, "chat.message.created")
        held = seen["rev"]
        await b.disconnect()
        for i in range(1, 4):
            await request(a, send_frame(room, f"while away {i}", f"k{i}"))
        b = await open_socket(bea, sync={str(room.pk): held})
        done, missed = await receive_until(b, "sync.done")
        missed = [e for e in missed if e["type"].startswith("chat.message")]
        assert [e["message"]["text"] for e in missed] == [
            "while away 1", "while away 2", "while away 3"]
        assert [e["message"]["seq"] for e in missed] == [2, 3, 4]
        assert {e["type"] for e in missed} == {"chat.message.created"}
        state = next(r for r in done["rooms"] if r["room_id"] == room.pk)
        assert state["last_seq"] == 4 and state["unread"] == 4
        await request(a, send_frame(room, "live again", "k4"))
        live, _ = await receive_until(b, "chat.message.created")
        assert live["message"]["seq"] == 5
        await a.disconnect()
        await b.disconnect()

    async def test_an_event_the_layer_lost_is_fetched_before_the_next(self, trio):
        ana, bea, _cleo, room = trio
        b = await synced(bea)

        def send_without_bell(text, client_id):
            # The commit happens, but its on_commit bell never rings: a lost event.
            from django.db import transaction
            with transaction.atomic():
                services.message_send(author=ana, room_id=room.pk, text=text,
                                      client_id=client_id)
                transaction.get_connection().run_on_commit = []

        await db(send_without_bell)("lost", "x1")
        a = await synced(ana)
        await request(a, send_frame(room, "after", "x2"))
        first, _ = await receive_until(b, "chat.message.created")
        second, _ = await receive_until(b, "chat.message.created")
        assert [first["message"]["text"], second["message"]["text"]] == ["lost", "after"]
        assert await b.receive_nothing(timeout=0.3)
        await a.disconnect()
        await b.disconnect()

    async def test_a_duplicated_event_is_delivered_once(self, trio):
        ana, bea, _cleo, room = trio
        b = await synced(bea)
        a = await synced(ana)
        await request(a, send_frame(room, "one", "d1"))
        event, _ = await receive_until(b, "chat.message.created")
        await protocol.room_layer().group_send(protocol.room_group(room.pk),
                                               protocol.room_message(room.pk, event))
        assert await b.receive_nothing(timeout=0.3)
        await a.disconnect()
        await b.disconnect()

    async def test_history_pages_backwards(self, trio):
        ana, _bea, _cleo, room = trio
        a = await synced(ana)
        for i in range(5):
            await request(a, send_frame(room, f"h{i}", f"h{i}"))
        ack, _ = await request(a, {"type": "chat.history", "room_id": room.pk,
                                   "before_seq": 4, "limit": 2})
        assert [m["seq"] for m in ack["result"]["messages"]] == [2, 3]
        ack, _ = await request(a, {"type": "chat.history", "room_id": room.pk,
                                   "after_seq": 3, "limit": 10})
        assert [m["seq"] for m in ack["result"]["messages"]] == [4, 5]
        await a.disconnect()


class TestWhoMay:
    async def test_non_member_cannot_send_or_read_history(self, trio):
        _ana, _bea, cleo, room = trio
        c = await synced(cleo)
        for frame in (send_frame(room, "hi", "z1"),
                      {"type": "chat.history", "room_id": room.pk}):
            reply, _ = await request(c, frame)
            assert reply["type"] == "error" and reply["code"] == "not_found"
        assert not await db(Message.objects.filter(room=room).exists)()
        await c.disconnect()

    async def test_admin_who_is_not_a_member_is_a_stranger_too(self, trio):
        *_, room = trio
        admin = await db(AdminFactory)()
        socket = await synced(admin)
        reply, _ = await request(socket, {"type": "chat.history", "room_id": room.pk})
        assert reply["code"] == "not_found"
        await socket.disconnect()

    async def test_a_nonexistent_room_answers_the_same(self, trio):
        ana, *_ = trio
        a = await synced(ana)
        reply, _ = await request(a, send_frame(Room(pk=999_999), "hi", "z2"))
        assert reply["code"] == "not_found"
        await a.disconnect()

    async def test_removed_member_stops_receiving_at_once(self, trio):
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        await db(room_services.member_remove)(actor=ana, room=room, user=bea)
        removed, _ = await receive_until(b, "rooms.removed")
        assert removed["room_id"] == room.pk
        await request(a, send_frame(room, "secret", "s1"))
        assert await b.receive_nothing(timeout=0.3)
        reply, _ = await request(b, send_frame(room, "still here?", "s2"))
        assert reply["code"] == "not_found"
        await a.disconnect()
        await b.disconnect()

    async def test_blocked_member_cannot_write_in_the_direct_room(self, trio):
        ana, bea, *_ = trio
        room = await db(room_services.room_open_direct)(user=ana, other=bea)
        await db(BlockFactory)(blocker=ana, blocked=bea)
        b = await synced(bea)
        reply, _ = await request(b, send_frame(room, "hello?", "b1"))
        assert reply["code"] == "forbidden"
        await b.disconnect()

    async def test_blocked_member_cannot_open_a_direct_room(self, trio):
        ana, bea, *_ = trio
        await db(BlockFactory)(blocker=bea, blocked=ana)
        with pytest.raises(PermissionDenied):
            await db(room_services.room_open_direct)(user=ana, other=bea)


class TestLimits:
    SEND = '{"type": "chat.send", "request_id": "bad", "room_id": ROOM, "client_id": "b1", '

    @pytest.mark.parametrize("text, code, detail", [
        ("{not json", "bad_request", "not valid JSON"),
        ('["a list"]', "bad_request", "JSON object"),
        ('{"request_id": "bad"}', "bad_request", "string 'type'"),
        (SEND + '"text": "' + "x" * 70_000 + '"}', "bad_request", "at most 65536 bytes"),
        (SEND + '"text": ' + "[" * 1000 + "]" * 1000 + "}", "bad_request", "nests at most 32"),
        ("[" * 30_000 + "]" * 30_000, "bad_request", "nests at most 32"),
        (SEND + r'"text": "one\u0000two"}', "bad_request", "text has a NUL"),
        (SEND + r'"text": "half a pair: \ud83d"}', "bad_request", "lone surrogate"),
        (SEND + '"text": "hi", "text": "twice"}', "bad_request", "names a field twice"),
        (SEND.replace("ROOM", '"one"') + '"text": "hi"}', "bad_request",
         "room_id must be a whole number"),
        (SEND.replace("ROOM", "1.5") + '"text": "hi"}', "bad_request",
         "room_id must be a whole number"),
        (SEND.replace("ROOM", "true") + '"text": "hi"}', "bad_request",
         "room_id must be a whole number"),
        (SEND.replace("ROOM", "12345678901234567890") + '"text": "hi"}', "bad_request",
         "room_id is out of range"),
        (SEND + '"text": 7}', "bad_request", "text must be a string"),
        (SEND + '"text": "hi", "reply_to": "1"}', "bad_request", "reply_to must be a whole"),
        (SEND + '"text": "hi", "pinned": true}', "bad_request", "pinned is not a field"),
        ('{"type": "chat.send", "request_id": "bad", "room_id": ROOM, "text": "hi"}',
         "bad_request", "client_id is missing"),
        ('{"type": "chat.read", "request_id": "bad", "room_id": ROOM, "seq": "5"}',
         "bad_request", "seq must be a whole number"),
        ('{"type": "sync", "request_id": "bad", "rooms": {"ROOM": true}}', "bad_request",
         "rooms.ROOM must be a whole number"),
        ('{"type": "presence.set", "request_id": "bad", "state": "asleep"}', "bad_request",
         "state"),
        ('{"type": "chat.fly", "request_id": "bad"}', "unknown_type", "chat.fly"),
    ])
    async def test_bad_frames_get_an_error_and_the_socket_stays_open(self, trio, text, code,
                                                                     detail):
        """Each is answered with an error naming what is wrong (and her request_id, when
        it could be read); the next answer is the one to her next request, and nothing of
        the bad frame is stored or sent (her own presence may come meanwhile)."""
        ana, _bea, _cleo, room = trio
        a = await synced(ana)
        await a.send_to(text_data=text.replace("ROOM", str(room.pk)))
        error, before = await receive_until(a, "error")
        assert {frame["type"] for frame in before} <= {"presence.changed"}
        assert error["code"] == code
        assert detail.replace("ROOM", str(room.pk)) in error["detail"]
        unread = detail in ("at most 65536 bytes", "names a field twice")
        assert error["request_id"] == ("bad" if '"request_id": "bad"' in text and not unread
                                       else None)
        await a.send_json_to({"type": "ping", "request_id": "sentinel"})
        pong, before = await receive_until(a, "pong")
        assert {frame["type"] for frame in before} <= {"presence.changed"}
        assert pong["request_id"] == "sentinel"
        assert pong["rooms"] == {str(room.pk): 0}
        assert not await db(Message.objects.exists)()
        await a.disconnect()

    async def test_a_refused_field_is_refused_before_any_rule_is_applied(self, trio):
        """A frame of the wrong shape is `bad_request`; a frame of the right shape that
        breaks a rule (an empty message, a room that is not hers) is still `invalid` or
        `not_found` from the service."""
        ana, _bea, _cleo, room = trio
        a = await synced(ana)
        reply, _ = await request(a, send_frame(room, "   ", "empty"))
        assert reply["code"] == "invalid"
        reply, _ = await request(a, {**send_frame(room, "hi", "elsewhere"), "room_id": 10**9})
        assert reply["code"] == "not_found"
        reply, _ = await request(a, {"type": "chat.send", "room_id": room.pk})
        assert reply["code"] == "bad_request"
        await a.disconnect()

    async def test_deactivated_member_is_closed_at_the_next_heartbeat(self, trio):
        ana, *_ = trio
        a = await synced(ana)
        await db(User.objects.filter(pk=ana.pk).update)(is_active=False)
        await a.send_json_to({"type": "ping", "request_id": "p"})
        while True:
            frame = await a.receive_output(timeout=2)
            if frame["type"] == "websocket.close":
                assert frame["code"] == 4403
                break

    @pytest.mark.heartbeat_window
    async def test_pings_of_many_tabs_share_one_database_trip(self, trio, monkeypatch):
        """Every tab gets its own pong with its rooms' revs, and is seen (presence), while
        the server reads the database once for all the pings of the same moment."""
        ana, bea, _cleo, room = trio
        tabs = [await synced(ana), await synced(ana), await synced(bea)]
        await request(tabs[0], send_frame(room, "rev one", "hb1"))
        await db(Connection.objects.update)(seen_at=timezone.now() - timezone.timedelta(
            seconds=60))
        trips = []
        answer_all = heartbeat._answer_all
        monkeypatch.setattr(heartbeat, "_answer_all",
                            lambda beats: trips.append(len(beats)) or answer_all(beats))
        for number, tab in enumerate(tabs):
            await tab.send_json_to({"type": "ping", "request_id": f"p{number}"})
        for number, tab in enumerate(tabs):
            pong, _ = await receive_until(tab, "pong")
            assert pong["request_id"] == f"p{number}" and pong["rooms"] == {str(room.pk): 1}
        assert trips == [3]
        fresh = await db(Connection.objects.filter(
            seen_at__gte=timezone.now() - timezone.timedelta(seconds=10)).count)()
        assert fresh == 3
        for tab in tabs:
            await tab.disconnect()

    async def test_too_long_a_message_is_refused_clearly(self, trio):
        ana, _bea, _cleo, room = trio
        a = await synced(ana)
        reply, _ = await request(a, send_frame(room, "y" * 10_001, "long"))
        assert reply["code"] == "invalid" and "10000" in reply["detail"]
        await a.disconnect()

    async def test_flooding_is_rate_limited_and_nothing_accepted_is_lost(self, trio, settings):
        ana, _bea, _cleo, room = trio
        # A long fixed window: 35 sends never straddle two windows, however slow the run.
        settings.COHORT_CHAT_SEND_WINDOW = 3600
        a = await synced(ana)
        acked, limited = [], []
        for i in range(35):
            reply, _ = await request(a, send_frame(room, f"f{i}", f"f{i}"))
            (acked if reply["type"] == "ack" else limited).append(reply)
        assert len(acked) == settings.COHORT_CHAT_SEND_LIMIT == 30
        assert limited and limited[0]["code"] == "rate_limited" and limited[0]["retry_after"] > 0
        stored = await db(lambda: sorted(Message.objects.filter(room=room)
                                         .values_list("seq", flat=True)))()
        assert stored == [r["result"]["seq"] for r in acked]
        await a.disconnect()


class TestLiveDetails:
    async def test_edit_delete_and_reactions_reach_the_room(self, trio):
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        ack, _ = await request(a, send_frame(room, "typo", "e1"))
        message_id = ack["result"]["message_id"]
        await request(a, {"type": "chat.edit", "message_id": message_id, "text": "fixed"})
        _, seen_by_b = await request(b, {"type": "chat.react", "message_id": message_id,
                                         "emoji": "🎉", "on": True})
        await request(a, {"type": "chat.delete", "message_id": message_id})
        updates = [e for e in seen_by_b if e["type"] == "chat.message.updated"]
        while len(updates) < 3:
            event, _ = await receive_until(b, "chat.message.updated")
            updates.append(event)
        assert updates[0]["message"]["html"] == "<p>fixed</p>"
        assert updates[0]["message"]["edited_at"]
        assert updates[1]["message"]["reactions"] == [
            {"emoji": "🎉", "count": 1, "user_ids": [bea.pk]}]
        assert updates[2]["message"]["deleted"] and updates[2]["message"]["text"] == ""
        assert updates[2]["message"]["deleted_by"] == "author"
        assert [u["rev"] for u in updates] == [2, 3, 4]
        await a.disconnect()
        await b.disconnect()

    async def test_a_moderators_deletion_says_so_and_a_member_cannot_delete_hers(self, trio):
        """Ana owns the group room: she deletes Bea's message, and Bea sees that a
        moderator did; Bea may not delete Ana's. The event is what history reads."""
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        ack, _ = await request(b, send_frame(room, "off topic", "b1"))
        ack_a, _ = await request(a, send_frame(room, "the rules", "a1"))
        refused, _ = await request(b, {"type": "chat.delete",
                                       "message_id": ack_a["result"]["message_id"]})
        assert refused["type"] == "error" and refused["code"] == "forbidden"
        await request(a, {"type": "chat.delete", "message_id": ack["result"]["message_id"]})
        event, _ = await receive_until(b, "chat.message.updated")
        assert event["message"]["deleted"] and event["message"]["deleted_by"] == "moderator"
        history = await db(lambda: selectors.messages_page(bea, room))()
        assert history[0] == event["message"] and not history[1]["deleted"]
        await a.disconnect()
        await b.disconnect()

    async def test_only_the_author_edits(self, trio):
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        ack, _ = await request(a, send_frame(room, "mine", "o1"))
        reply, _ = await request(b, {"type": "chat.edit",
                                     "message_id": ack["result"]["message_id"], "text": "x"})
        assert reply["code"] == "forbidden"
        await a.disconnect()
        await b.disconnect()

    async def test_typing_reaches_others_throttled_and_is_not_stored(self, trio):
        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        for _ in range(3):
            await a.send_json_to({"type": "chat.typing", "room_id": room.pk})
        typing, _ = await receive_until(b, "chat.typing")
        assert typing["user_id"] == ana.pk and typing["name"] == "Ana"
        assert await b.receive_nothing(timeout=0.3)  # the other two were throttled
        assert not await db(Message.objects.exists)()
        await a.disconnect()
        await b.disconnect()

    async def test_a_frame_is_not_queued_behind_a_trip_to_the_database_thread(
            self, trio, monkeypatch):
        """Channels' dispatch takes every frame to the database thread first (to close old
        connections there), behind every other socket's database work; the consumer's
        handlers reach the database only through their own calls."""
        import channels.consumer

        ana, bea, _cleo, room = trio
        a, b = await synced(ana), await synced(bea)
        hops = []
        monkeypatch.setattr(channels.consumer, "aclose_old_connections",
                            lambda: hops.append(1) or asyncio.sleep(0))
        await a.send_json_to({"type": "chat.typing", "room_id": room.pk})
        typing, _ = await receive_until(b, "chat.typing")
        assert typing["user_id"] == ana.pk
        await request(a, send_frame(room, "after typing", "hop1"))
        assert hops == []
        await a.disconnect()
        await b.disconnect()

    async def test_presence_follows_her_sockets(self, trio):
        ana, bea, _cleo, room = trio
        a = await synced(ana)
        b = await synced(bea)

        async def next_status_of_bea():
            while True:
                event, _ = await receive_until(a, "presence.changed")
                if event["user_id"] == bea.pk:
                    return event["status"]

        assert await next_status_of_bea() == "online"
        await b.send_json_to({"type": "presence.set", "state": "idle"})
        assert await next_status_of_bea() == "away"
        await b.disconnect()
        assert await next_status_of_bea() == "offline"
        await a.disconnect()

    async def test_a_reconnect_within_the_grace_is_not_announced(self, trio, settings):
        settings.COHORT_PRESENCE_GRACE = 0.5
        ana, bea, _cleo, _room = trio
        a = await synced(ana)
        b = await synced(bea)

        async def bea_statuses(seconds: float) -> list[str]:
            """Bea's presence as Ana hears it over `seconds`."""
            seen, deadline = [], asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline:
                if await a.receive_nothing(timeout=0.05):
                    continue
                event = await a.receive_json_from()
                if event["type"] == "presence.changed" and event["user_id"] == bea.pk:
                    seen.append(event["status"])
            return seen

        assert await bea_statuses(0.3) == ["online"]
        await b.disconnect()  # a reload: she is back at once
        b = await synced(bea)
        assert await bea_statuses(1.0) == []  # no offline, no second online
        await b.disconnect()  # she leaves for good
        assert await bea_statuses(0.3) == []  # not yet: the grace runs
        assert await bea_statuses(1.0) == ["offline"]
        await a.disconnect()

    async def test_members_of_a_dead_process_are_announced_offline(self, trio):
        ana, bea, _cleo, _room = trio
        a = await synced(ana)
        b = await synced(bea)
        event, _ = await receive_until(a, "presence.changed")
        while event["user_id"] != bea.pk:
            event, _ = await receive_until(a, "presence.changed")
        # Bea's process died without closing her socket: her row ages past the timeout.
        await db(lambda: Connection.objects.filter(user=bea).update(
            seen_at=timezone.now() - room_services.PRESENCE_TIMEOUT * 2))()
        consumers._pruned_at = -consumers.PRUNE_EVERY  # the next connect prunes
        cleo_socket = await synced(ana)  # anyone connecting
        event, _ = await receive_until(a, "presence.changed")
        while event["user_id"] != bea.pk:
            event, _ = await receive_until(a, "presence.changed")
        assert event["status"] == "offline"
        for socket in (a, b, cleo_socket):
            await socket.disconnect()

    async def test_read_position_and_mentions_reach_all_her_tabs(self, trio):
        ana, bea, _cleo, room = trio
        a = await synced(ana)
        tab1, tab2 = await synced(bea), await synced(bea)
        ack, _ = await request(a, send_frame(room, "ping @**Bea** please", "mm1"))
        for tab in (tab1, tab2):
            mention, _ = await receive_until(tab, "notify.mention")
            assert mention["message_id"] == ack["result"]["message_id"]
            assert mention["author"]["name"] == "Ana"
        await request(tab1, {"type": "chat.read", "room_id": room.pk, "seq": 1})
        for tab in (tab1, tab2):
            read, _ = await receive_until(tab, "rooms.read")
            assert read["last_read_seq"] == 1 and read["unread"] == 0
            assert read["mentions"] == 0
        for socket in (a, tab1, tab2):
            await socket.disconnect()

    async def test_added_member_starts_receiving(self, trio):
        ana, _bea, cleo, room = trio
        c = await synced(cleo)
        a = await synced(ana)
        await db(room_services.member_add)(actor=ana, room=room, user=cleo)
        joined, _ = await receive_until(c, "rooms.joined")
        assert joined["room_id"] == room.pk
        await request(a, send_frame(room, "welcome Cleo", "w1"))
        event, _ = await receive_until(c, "chat.message.created")
        assert event["message"]["text"] == "welcome Cleo"
        await a.disconnect()
        await c.disconnect()


async def test_one_socket_carries_all_her_rooms():
    def build():
        ana, bea = UserFactory(), UserFactory()
        return ana, bea, make_room(ana, bea, name="One"), make_room(ana, bea, name="Two")
    ana, bea, one, two = await db(build)()
    b = await synced(bea)
    a = await synced(ana)
    await request(a, send_frame(one, "in one", "r1"))
    await request(a, send_frame(two, "in two", "r2"))
    first, _ = await receive_until(b, "chat.message.created")
    second, _ = await receive_until(b, "chat.message.created")
    assert {first["room_id"], second["room_id"]} == {one.pk, two.pk}
    await a.disconnect()
    await b.disconnect()


async def test_a_badge_only_socket_gets_her_personal_events_and_no_room_event(trio):
    """`/ws/personal/` (pages other than the rooms page): the room's message does not
    arrive; her read position, published after it, is the next thing she receives."""
    ana, bea, _cleo, room = trio
    badge = await open_socket(bea, path="/ws/personal/", sync={})
    done, _ = await receive_until(badge, "sync.done")
    assert done["rooms"] == []
    await db(services.message_send)(author=ana, room_id=room.pk, text="hi", client_id="p1")
    await db(services.read_mark)(user=bea, room_id=room.pk, seq=1)
    event = await badge.receive_json_from()
    assert event["type"] == "rooms.read" and event["room_id"] == room.pk
    await badge.disconnect()


async def test_a_badge_only_socket_hears_of_a_new_room_and_does_not_follow_it():
    ana, bea = await db(MentorFactory)(), await db(UserFactory)()
    badge = await open_socket(bea, path="/ws/personal/", sync={})
    await receive_until(badge, "sync.done")
    room = await db(room_services.room_create_group)(creator=ana, name="New", members=[bea])
    joined = await badge.receive_json_from()
    assert joined == {"type": "rooms.joined", "room_id": room.pk}
    await db(services.message_send)(author=ana, room_id=room.pk, text="hi", client_id="p1")
    await db(services.read_mark)(user=bea, room_id=room.pk, seq=1)
    event = await badge.receive_json_from()
    assert event["type"] == "rooms.read", event
    await badge.disconnect()
