"""Break-glass access: an admin reads a pair's or a direct room for a stated reason and a
limited time, never as a member; both members are told in the room when it starts and
when it ends; when it ends, by her hand or by the clock, every read refuses at once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chat import services as chat_services
from chat.models import Message
from community.models import AuditEntry, User
from documents import services as document_services
from rooms import liveness
from rooms import services as room_services
from rooms.models import BreakGlassGrant, Membership, Room
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.documents import samples

db = database_sync_to_async


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pair() -> tuple[User, User, Room]:
    """A mentoring pair's room with a message of each and a shared document."""
    mentor, mentee = UserFactory(name="Nadia"), UserFactory(name="Léa")
    room = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
    chat_services.message_send(author=mentee, room_id=room.pk, text="I was harassed",
                               client_id="m1")
    chat_services.message_send(author=mentor, room_id=room.pk, text="Tell me more",
                               client_id="m2")
    document_services.document_upload(user=mentee, room_id=room.pk,
                                       stream=io.BytesIO(samples.png()), name="proof.png")
    room.refresh_from_db()
    return mentor, mentee, room


def notices(room: Room) -> list[Message]:
    return list(Message.objects.filter(room=room, notice=True).order_by("seq"))


def reads(client: Client, room: Room) -> list[int]:
    """What she gets from the room's history, documents tab, document API and file."""
    document = room.documents.get()  # type: ignore[attr-defined]
    return [client.get(url).status_code for url in (
        f"/api/v1/rooms/{room.pk}/messages", f"/rooms/{room.pk}/",
        f"/rooms/{room.pk}/documents/", f"/api/v1/rooms/{room.pk}/documents",
        f"/documents/{document.pk}/", f"/documents/{document.pk}/versions/1/download")]


READS = [200] * 6
NONE = [404] * 6


@pytest.mark.django_db
class TestOpening:
    def test_she_reads_history_and_documents_while_it_lasts_and_is_audited(self):
        _mentor, _mentee, room = pair()
        admin = AdminFactory(name="Amélie")
        client = client_of(admin)
        assert reads(client, room) == NONE
        grant = room_services.break_glass_open(admin=admin, room=room,
                                               reason="A report of harassment", hours=24)
        assert reads(client, room) == READS
        texts = [m["text"] for m in client.get(f"/api/v1/rooms/{room.pk}/messages").json()[
            "results"]]
        assert "I was harassed" in texts
        assert grant.expires_at - grant.created_at == timedelta(hours=24)
        entry = AuditEntry.objects.get(action="room.break_glass_open")
        assert (entry.actor_id, entry.target_id, entry.reason) == (
            admin.pk, str(room.pk), "A report of harassment")
        # She is no member: the pair is still two, and the member list says so.
        assert set(room.memberships.values_list("user__name", flat=True)) == {"Nadia", "Léa"}
        names = [m["name"] for m in client.get(f"/api/v1/rooms/{room.pk}/members").json()[
            "results"]]
        assert "Amélie" not in names

    def test_both_members_find_the_notice_in_history_with_reason_and_end(self):
        mentor, mentee, room = pair()
        admin = AdminFactory(name="Amélie")
        with time_machine.travel("2026-12-04 09:00:00+00:00", tick=False):
            room_services.break_glass_open(admin=admin, room=room, reason="A safety concern",
                                           hours=6)
        for member in (mentor, mentee):
            last = client_of(member).get(f"/api/v1/rooms/{room.pk}/messages").json()[
                "results"][0]
            assert last["notice"] is True
            assert "Amélie" in last["text"] and "A safety concern" in last["text"]
            assert "4 Dec 2026, 15:00" in last["text"]

    def test_the_notice_takes_its_place_in_the_room_log(self):
        _mentor, _mentee, room = pair()
        before = (room.last_seq, room.last_rev)
        room_services.break_glass_open(admin=AdminFactory(), room=room, reason="Report")
        room.refresh_from_db()
        (notice,) = notices(room)
        assert (room.last_seq, room.last_rev) == (before[0] + 1, before[1] + 1)
        assert (notice.seq, notice.rev, notice.author_id) == (room.last_seq, room.last_rev, None)

    @pytest.mark.parametrize(("reason", "hours", "field"), [
        ("", 24, "reason"), ("   ", 24, "reason"), ("x" * 1001, 24, "reason"),
        ("Report", 0, "hours"), ("Report", 73, "hours"), ("Report", True, "hours")])
    def test_bad_input_says_why_and_changes_nothing(self, reason, hours, field):
        _mentor, _mentee, room = pair()
        with pytest.raises(ValidationError) as refused:
            room_services.break_glass_open(admin=AdminFactory(), room=room, reason=reason,
                                           hours=hours)
        assert field in refused.value.message_dict
        room_before = (room.last_seq, room.last_rev)
        room.refresh_from_db()
        assert (room.last_seq, room.last_rev) == room_before
        assert not BreakGlassGrant.objects.exists() and not notices(room)
        assert not AuditEntry.objects.filter(action="room.break_glass_open").exists()

    def test_only_an_admin_outside_a_pair_or_direct_room_breaks_the_glass(self):
        mentor, mentee, room = pair()
        group = Room.objects.create(kind=Room.Kind.GROUP, name="Cohort")
        admin = AdminFactory()
        for who, where in ((mentor, room), (UserFactory(), room), (admin, group)):
            with pytest.raises(PermissionDenied):
                room_services.break_glass_open(admin=who, room=where, reason="Report")
        member_admin = AdminFactory()
        direct = room_services.room_open_direct(user=member_admin, other=mentee)
        with pytest.raises(PermissionDenied):  # she reads her own conversation as herself
            room_services.break_glass_open(admin=member_admin, room=direct, reason="Mine")
        assert not BreakGlassGrant.objects.exists()

    def test_she_cannot_post_react_or_delete_while_she_reads(self):
        _mentor, mentee, room = pair()
        admin = AdminFactory()
        room_services.break_glass_open(admin=admin, room=room, reason="Report")
        with pytest.raises(PermissionDenied):
            chat_services.message_send(author=admin, room_id=room.pk, text="Hi",
                                       client_id="x")
        theirs = Message.objects.get(room=room, author=mentee)
        with pytest.raises(PermissionDenied):
            chat_services.reaction_set(user=admin, message_id=theirs.pk, emoji="👍", on=True)
        with pytest.raises(PermissionDenied):
            chat_services.message_delete(user=admin, message_id=theirs.pk)
        assert not Membership.objects.filter(room=room, user=admin).exists()


@pytest.mark.django_db
class TestTheNoticeStays:
    def test_no_member_deletes_edits_or_reacts_to_it(self):
        mentor, mentee, room = pair()  # both own a pair's room
        room_services.break_glass_open(admin=AdminFactory(), room=room, reason="Report")
        (notice,) = notices(room)
        for member in (mentor, mentee):
            with pytest.raises(PermissionDenied):
                chat_services.message_delete(user=member, message_id=notice.pk)
            with pytest.raises(PermissionDenied):
                chat_services.message_edit(user=member, message_id=notice.pk, text="gone")
            with pytest.raises(PermissionDenied):
                chat_services.reaction_set(user=member, message_id=notice.pk, emoji="👍",
                                           on=True)
        notice.refresh_from_db()
        assert notice.deleted_at is None and "Report" in notice.text


@pytest.mark.django_db
class TestEnding:
    def test_after_expiry_every_read_is_404_and_the_sweep_tells_the_room_once(self):
        _mentor, mentee, room = pair()
        admin = AdminFactory()
        client = client_of(admin)
        with time_machine.travel("2026-12-04 09:00:00+00:00", tick=False):
            room_services.break_glass_open(admin=admin, room=room, reason="Report", hours=2)
            assert reads(client, room) == READS
        with time_machine.travel("2026-12-04 10:59:59+00:00", tick=False):
            assert reads(client, room) == READS
        with time_machine.travel("2026-12-04 11:00:01+00:00", tick=False):
            assert reads(client, room) == NONE  # no sweep needed for that
            assert len(notices(room)) == 1
            assert room_services.break_glass_sweep() == 1
            assert room_services.break_glass_sweep() == 0
        ended = notices(room)[-1]
        assert len(notices(room)) == 2 and "ended" in ended.text
        assert "4 Dec 2026, 11:00" in ended.text
        assert client_of(mentee).get(f"/api/v1/rooms/{room.pk}/messages").json()[
            "results"][0]["id"] == ended.pk

    def test_the_sweeper_command_tells_the_room(self):
        _mentor, _mentee, room = pair()
        room_services.break_glass_open(admin=AdminFactory(), room=room, reason="R", hours=1)
        out = io.StringIO()
        with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
            call_command("break_glass_sweep", stdout=out)
        assert "1 rooms told" in out.getvalue()
        assert "ended" in notices(room)[-1].text

    def test_ending_it_early_stops_reading_at_once_and_tells_the_room(self):
        _mentor, _mentee, room = pair()
        admin = AdminFactory()
        client = client_of(admin)
        grant = room_services.break_glass_open(admin=admin, room=room, reason="Report")
        response = client.post(f"/rooms/break-glass/{grant.pk}/end")
        assert response.status_code == 302
        assert reads(client, room) == NONE
        assert [("ended" in m.text) for m in notices(room)] == [False, True]
        assert AuditEntry.objects.filter(action="room.break_glass_end",
                                         actor=admin).exists()
        assert room_services.break_glass_sweep() == 0  # told already
        # Ending it again changes nothing.
        with pytest.raises(PermissionDenied):
            room_services.break_glass_end(actor=admin, grant=grant)
        assert len(notices(room)) == 2

    def test_an_admin_who_is_no_longer_one_reads_nothing(self):
        _mentor, _mentee, room = pair()
        admin = AdminFactory()
        room_services.break_glass_open(admin=admin, room=room, reason="Report")
        User.objects.filter(pk=admin.pk).update(role="member", is_superuser=False,
                                                is_staff=False)
        assert reads(client_of(User.objects.get(pk=admin.pk)), room) == NONE


@pytest.mark.django_db
class TestNobodyJoinsAPair:
    @pytest.mark.parametrize("kind", [Room.Kind.ONE_TO_ONE, Room.Kind.DIRECT])
    def test_the_services_refuse_a_third_member_whoever_asks(self, kind):
        mentor, mentee = UserFactory(), UserFactory()
        if kind == Room.Kind.DIRECT:
            room = room_services.room_open_direct(user=mentor, other=mentee)
        else:
            room = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
        admin, third = AdminFactory(), UserFactory()
        for actor, user in ((admin, admin), (admin, third), (mentor, third)):
            with pytest.raises(PermissionDenied):
                room_services.member_add(actor=actor, room=room, user=user)
        assert room.memberships.count() == 2


def page_matrix(room: Room, mentor: User, mentee: User) -> dict[str, int]:
    """Who gets the break-glass page of `room`: its member, an outsider, a member blocked
    by the other, an admin, and an admin who is in the room."""
    blocked = UserFactory()
    BlockFactory(blocker=mentor, blocked=blocked)
    in_room = AdminFactory()
    direct = room_services.room_open_direct(user=in_room, other=mentor)
    return {
        "member": client_of(mentee).get(f"/rooms/{room.pk}/break-glass/").status_code,
        "non_member": client_of(UserFactory()).get(
            f"/rooms/{room.pk}/break-glass/").status_code,
        "blocked_member": client_of(blocked).get(
            f"/rooms/{room_services.room_open_direct(user=mentee, other=blocked).pk}"
            "/break-glass/").status_code,
        "admin": client_of(AdminFactory()).get(f"/rooms/{room.pk}/break-glass/").status_code,
        "admin_member": client_of(in_room).get(
            f"/rooms/{direct.pk}/break-glass/").status_code,
    }


@pytest.mark.django_db
class TestThePages:
    def test_only_an_admin_outside_the_room_opens_the_page(self):
        mentor, mentee, room = pair()
        assert page_matrix(room, mentor, mentee) == {
            "member": 404, "non_member": 404, "blocked_member": 404, "admin": 200,
            "admin_member": 404}

    def test_a_members_conversations_page_is_for_admins(self):
        mentor, mentee, room = pair()
        blocked = UserFactory()
        BlockFactory(blocker=mentee, blocked=blocked)
        url = f"/people/{mentee.pk}/break-glass/"
        assert [client_of(who).get(url).status_code
                for who in (mentee, mentor, UserFactory(), blocked)] == [404] * 4
        admin = AdminFactory()
        page = client_of(admin).get(url).content.decode()
        assert f"/rooms/{room.pk}/break-glass/" in page
        profile = client_of(admin).get(f"/people/{mentee.pk}/").content.decode()
        assert url in profile
        assert url not in client_of(mentor).get(f"/people/{mentee.pk}/").content.decode()

    def test_the_form_opens_it_and_sends_her_to_the_room(self):
        _mentor, _mentee, room = pair()
        admin = AdminFactory()
        client = client_of(admin)
        page = client.get(f"/rooms/{room.pk}/break-glass/").content.decode()
        assert 'name="hours"' in page and 'value="24"' in page
        refused = client.post(f"/rooms/{room.pk}/break-glass/", {"reason": "", "hours": 24})
        assert refused.status_code == 400 and not BreakGlassGrant.objects.exists()
        too_long = client.post(f"/rooms/{room.pk}/break-glass/", {"reason": "R", "hours": 80})
        assert too_long.status_code == 400 and not BreakGlassGrant.objects.exists()
        opened = client.post(f"/rooms/{room.pk}/break-glass/",
                             {"reason": "A report", "hours": 12})
        assert opened.status_code == 302 and opened["Location"] == f"/rooms/{room.pk}/"
        grant = BreakGlassGrant.objects.get()
        assert (grant.admin_id, grant.reason) == (admin.pk, "A report")
        assert grant.expires_at - grant.created_at == timedelta(hours=12)
        again = client.get(f"/rooms/{room.pk}/break-glass/").content.decode()
        assert f"/rooms/break-glass/{grant.pk}/end" in again

    def test_a_non_admin_cannot_end_a_grant(self):
        mentor, _mentee, room = pair()
        grant = room_services.break_glass_open(admin=AdminFactory(), room=room, reason="R")
        for who in (mentor, UserFactory()):
            assert client_of(who).post(f"/rooms/break-glass/{grant.pk}/end").status_code == 404
        grant.refresh_from_db()
        assert grant.ended_at is None


@pytest.mark.django_db(transaction=True)
class TestLive:
    async def test_both_members_see_the_notice_live_and_her_socket_follows_the_room(self):
        mentor, mentee, room = await db(pair)()
        admin = await db(AdminFactory)(name="Amélie")
        sockets = []
        for member in (mentor, mentee):
            socket = await open_socket(member, sync={})
            await receive_until(socket, "sync.done")
            sockets.append(socket)
        watching = await open_socket(admin, sync={})
        await receive_until(watching, "sync.done")
        grant = await db(room_services.break_glass_open)(admin=admin, room=room,
                                                         reason="A safety concern")
        for socket in sockets:
            event, _ = await receive_until(socket, "chat.message.created")
            assert event["message"]["notice"] is True
            assert "A safety concern" in event["message"]["text"]
        joined, _ = await receive_until(watching, "rooms.joined")
        assert joined["room_id"] == room.pk
        # The room's events reach her while it lasts; her own requests write nothing.
        await request(sockets[1], {"type": "chat.send", "room_id": room.pk,
                                   "text": "She can read this", "client_id": "live-1"})
        event, _ = await receive_until(watching, "chat.message.created")
        assert event["message"]["text"] == "She can read this"
        refused, _ = await request(watching, {"type": "chat.send", "room_id": room.pk,
                                              "text": "Hello", "client_id": "a-1"})
        assert refused["code"] == "forbidden"
        # Ended: her socket drops the room, the members are told.
        await db(room_services.break_glass_end)(actor=admin, grant=grant)
        removed, _ = await receive_until(watching, "rooms.removed")
        assert removed["room_id"] == room.pk
        for socket in sockets:
            said, _ = await receive_until(socket, "chat.message.created")
            assert said["message"]["text"] == "She can read this"
            event, _ = await receive_until(socket, "chat.message.created")
            assert event["message"]["notice"] is True and "ended" in event["message"]["text"]
        for socket in (*sockets, watching):
            await socket.disconnect()

    async def test_an_expired_grant_stops_her_socket_at_the_next_check(self):
        """Expiry rings no bell: the server's own check (or her next ping) drops the room,
        and what the room says next never reaches her (a sentinel in a room of hers
        comes first)."""
        mentor, mentee, room = await db(pair)()
        admin = await db(AdminFactory)()
        own = await db(room_services.room_create_group)(creator=admin, name="Admins",
                                                        members=[mentee])
        await db(room_services.break_glass_open)(admin=admin, room=room, reason="R", hours=1)
        watching = await open_socket(admin, sync={})
        done, _ = await receive_until(watching, "sync.done")
        assert room.pk in [state["room_id"] for state in done["rooms"]]
        await db(BreakGlassGrant.objects.filter(room=room).update)(
            expires_at=timezone.now() - timedelta(seconds=1))
        watch = liveness.local()
        await watch.check(list(watch.sockets))
        removed, _ = await receive_until(watching, "rooms.removed")
        assert removed["room_id"] == room.pk
        m = await open_socket(mentee, sync={})
        await receive_until(m, "sync.done")
        await request(m, {"type": "chat.send", "room_id": room.pk, "text": "private",
                          "client_id": "p1"})
        await request(m, {"type": "chat.send", "room_id": own.pk, "text": "sentinel",
                          "client_id": "p2"})
        after, _ = await receive_until(watching, "chat.message.created")
        assert after["room_id"] == own.pk
        for socket in (m, watching):
            await socket.disconnect()

    async def test_her_presence_never_reaches_the_room_she_reads(self):
        """She reads, she is not there: neither her arrival nor her going idle is told to
        the pair (the mentee's own arrival, the sentinel, comes first)."""
        mentor, mentee, room = await db(pair)()
        admin = await db(AdminFactory)()
        await db(room_services.break_glass_open)(admin=admin, room=room, reason="R")
        m = await open_socket(mentor, sync={})
        await receive_until(m, "sync.done")
        watching = await open_socket(admin, sync={})
        done, _ = await receive_until(watching, "sync.done")
        assert room.pk in [state["room_id"] for state in done["rooms"]]
        await watching.send_json_to({"type": "presence.set", "state": "idle"})
        await watching.send_json_to({"type": "ping", "request_id": "p"})
        await receive_until(watching, "pong")  # her frames are handled in turn: told by now
        e = await open_socket(mentee, sync={})
        while True:
            event, _ = await receive_until(m, "presence.changed")
            if event["user_id"] in (admin.pk, mentee.pk):
                break
        assert (event["user_id"], event["room_id"]) == (mentee.pk, room.pk)
        for socket in (m, watching, e):
            await socket.disconnect()
