"""The rooms page and the chat API (/api/v1/, tests/api has its whole matrix) for the
member, the non-member, the blocked member and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chat import services
from rooms import services as room_services
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_with_messages():
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea, name="Pair talk")
    for i in range(1, 6):
        services.message_send(author=ana, room_id=room.pk, text=f"m{i}", client_id=f"c{i}")
    return ana, bea, room


def test_member_pages_history(client, room_with_messages):
    _ana, bea, room = room_with_messages
    client.force_login(bea)
    url = reverse("api_v1_messages", args=[room.pk])
    assert [m["seq"] for m in client.get(url).json()["results"]] == [5, 4, 3, 2, 1]
    first = client.get(url, {"page_size": 3}).json()
    assert [m["text"] for m in first["results"]] == ["m5", "m4", "m3"]
    assert [m["seq"] for m in client.get(first["next"]).json()["results"]] == [2, 1]
    assert client.get(url, {"page_size": "x"}).status_code == 400
    rooms = client.get(reverse("api_v1_rooms")).json()["results"]
    assert rooms[0]["title"] == "Pair talk" and rooms[0]["unread"] == 5


@pytest.mark.parametrize("who", ["stranger", "admin"])
def test_non_members_get_404_as_for_nothing(client, room_with_messages, who):
    *_, room = room_with_messages
    client.force_login(UserFactory() if who == "stranger" else AdminFactory())
    # An admin manages a group room's members without being in it (its manage page and
    # the members API show them to her: tests/api/test_members.py), never its messages.
    names = ("api_v1_messages", "api_v1_members") if who == "stranger" else ("api_v1_messages",)
    for name in names:
        response = client.get(reverse(name, args=[room.pk]))
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
        assert client.get(reverse(name, args=[999_999])).json() == response.json()
    assert client.get(reverse("room", args=[room.pk])).status_code == 404


def test_signed_out_gets_401_and_a_redirect(client, room_with_messages):
    *_, room = room_with_messages
    assert client.get(reverse("api_v1_messages", args=[room.pk])).status_code == 401
    assert client.get(reverse("room", args=[room.pk])).status_code == 302


def test_rooms_page_lists_her_rooms_and_boots_the_client(client, room_with_messages):
    _ana, bea, room = room_with_messages
    client.force_login(bea)
    page = client.get(reverse("room", args=[room.pk])).content.decode()
    assert 'id="chat-boot"' in page and "Pair talk" in page
    assert 'src="/static/js/chat.js"' in page


def test_message_button_opens_the_direct_room(client):
    ana, bea = UserFactory(), UserFactory(name="Bea")
    client.force_login(ana)
    assert "Send a message" in client.get(reverse("profile_detail", args=[bea.pk])).content.decode()
    response = client.post(reverse("direct_open", args=[bea.pk]))
    room = room_services.room_open_direct(user=ana, other=bea)
    assert response["Location"] == reverse("room", args=[room.pk])


def test_blocked_member_has_no_message_button(client):
    ana, bea = UserFactory(), UserFactory()
    BlockFactory(blocker=bea, blocked=ana)
    client.force_login(ana)
    assert client.post(reverse("direct_open", args=[bea.pk])).status_code == 404


def test_group_room_creation_and_member_management(client):
    from tests.community.factories import MentorFactory
    mentor, mentee, other = MentorFactory(), UserFactory(name="Mia"), UserFactory(name="Oli")
    client.force_login(mentor)
    response = client.post(reverse("room_new"), {"name": "Autumn cohort",
                                                 "members": [mentee.pk]})
    room = mentor.memberships.get().room
    assert response["Location"] == reverse("room", args=[room.pk])
    client.post(reverse("room_manage", args=[room.pk]), {"user": other.pk})
    assert set(room.memberships.values_list("user__name", flat=True)) >= {"Mia", "Oli"}
    client.post(reverse("room_member_remove", args=[room.pk, other.pk]))
    assert not room.memberships.filter(user=other).exists()
    client.force_login(mentee)
    assert client.get(reverse("room_new")).status_code == 403


def _her_rooms(ana, count: int) -> list:
    """`count` rooms of hers, every kind that costs a read: direct rooms (one across a
    block), group rooms she moderates or only belongs to, an archived one, calls in some."""
    from rooms.models import Membership, Room
    from video.models import Call

    rooms = []
    for i in range(count):
        other = UserFactory(name=f"Other {i}")
        if i % 3 == 0:
            room = room_services.room_open_direct(user=ana, other=other)
            if i % 6 == 3:
                BlockFactory(blocker=other, blocked=ana)
        else:
            room = make_room(other, ana, name=f"Group {i}")
            if i % 3 == 1:
                Membership.objects.filter(room=room, user=ana).update(
                    role=Membership.Role.MODERATOR)
            if i % 9 == 7:
                room_services.room_archive(actor=other, room=room)
        if i % 4 == 0:
            Call.objects.create(room=room, mode=Call.Mode.P2P)
        rooms.append(Room.objects.get(pk=room.pk))
    return rooms


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)



@pytest.mark.parametrize("name", ["rooms", "api_v1_rooms"])
def test_her_room_list_costs_the_same_reads_for_1_and_30_rooms(
        client, django_assert_num_queries, name):
    """The rooms page and /api/v1/rooms read her rooms, what she may do in each and where a
    call is on in a fixed number of queries: 30 rooms cost what one does. The answers are
    the one-room rules' answers."""
    from chat import permissions as chat_permissions
    from rooms import permissions
    from video.models import Call

    one, ana = UserFactory(), UserFactory()
    _her_rooms(one, 1)
    rooms = {room.pk: room for room in _her_rooms(ana, 30)}
    client.force_login(one)
    expected = _queries(client, reverse(name))
    client.force_login(ana)
    with django_assert_num_queries(expected):
        response = client.get(reverse(name))
    assert response.status_code == 200

    listed = client.get(reverse("api_v1_rooms")).json()["results"]
    assert sorted(r["id"] for r in listed) == sorted(rooms)
    for summary in listed:
        room = rooms[summary["id"]]
        assert (summary["can_post"], summary["can_moderate"], summary["can_manage"],
                summary["can_delete_others"]) == (
            permissions.can_post(ana, room), permissions.can_moderate(ana, room),
            permissions.can_manage_members(ana, room),
            chat_permissions.can_delete_others(ana, room))
    assert {(r["can_post"], r["can_moderate"], r["can_manage"]) for r in listed} == {
        (True, True, True), (True, False, False), (False, False, False),
        (False, True, False)}
    page = response.content.decode() if name == "rooms" else ""
    with_calls = set(Call.objects.filter(room_id__in=rooms).values_list("room_id", flat=True))
    assert with_calls and with_calls != set(rooms)
    for room_id in rooms if page else ():
        badge = f'data-call-room="{room_id}" title="Call in progress" '
        assert (badge + "hidden" not in page) == (room_id in with_calls), room_id


def test_room_features_add_their_state_to_the_page_through_rooms_hooks(client, monkeypatch):
    """Calls reach the rooms page as server/ registered them in rooms.hooks (chat imports
    no feature), and a further feature registered the same way shows up beside them."""
    from rooms import hooks
    from video.models import Call

    monkeypatch.setattr(hooks, "ROOM_SUMMARY_EXTENSIONS", list(hooks.ROOM_SUMMARY_EXTENSIONS))
    monkeypatch.setattr(hooks, "ROOM_PAGE_EXTENSIONS", list(hooks.ROOM_PAGE_EXTENSIONS))
    hooks.register_room_summary(lambda viewer, rooms: {r.pk: {"documents": 2} for r in rooms})
    hooks.register_room_page(lambda viewer, room: {"documents": [f"{room.name} notes"]})
    ana, bea = UserFactory(), UserFactory()
    room, other = make_room(ana, bea, name="Pair talk"), make_room(ana, name="Alone")
    Call.objects.create(room=room, mode=Call.Mode.P2P)
    client.force_login(bea)
    boot = client.get(reverse("room", args=[room.pk])).context["boot"]
    assert [(r["id"], r["in_call"], r["documents"]) for r in boot["rooms"]] == [
        (room.pk, True, 2)]
    assert boot["call"]["participants"] == [] and boot["can_call"] is True
    assert boot["call_photo"] is None  # her face in the pre-join panel: initials
    assert boot["documents"] == ["Pair talk notes"]
    client.force_login(ana)
    rooms = client.get(reverse("rooms")).context["boot"]["rooms"]
    assert {r["id"]: r["in_call"] for r in rooms} == {room.pk: True, other.pk: False}


def test_a_muted_member_reads_the_room_without_a_composer(client, room_with_messages):
    """Muted by a moderator, she is told until when and offered no composer (every write
    is refused anyway); once the mute is over, the composer is back."""
    _ana, bea, room = room_with_messages
    room_services.member_silence(room_id=room.pk, user_id=bea.pk,
                                 until=timezone.now() + timedelta(hours=1))
    client.force_login(bea)
    page = client.get(reverse("room", args=[room.pk])).content.decode()
    assert "muted you in this room" in page and 'id="composer"' not in page
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        page = client.get(reverse("room", args=[room.pk])).content.decode()
    assert "muted you in this room" not in page and 'id="composer"' in page
