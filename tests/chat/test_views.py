"""The rooms page and the chat JSON API for the member, the non-member, the blocked
member and the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
    url = reverse("api_room_messages", args=[room.pk])
    assert [m["seq"] for m in client.get(url).json()["messages"]] == [1, 2, 3, 4, 5]
    assert [m["text"] for m in client.get(url, {"before": 3}).json()["messages"]] == ["m1", "m2"]
    assert [m["seq"] for m in client.get(url, {"after": 3}).json()["messages"]] == [4, 5]
    assert client.get(url, {"before": "x"}).status_code == 400
    rooms = client.get(reverse("api_rooms")).json()["rooms"]
    assert rooms[0]["title"] == "Pair talk" and rooms[0]["unread"] == 5


@pytest.mark.parametrize("who", ["stranger", "admin"])
def test_non_members_get_404_as_for_nothing(client, room_with_messages, who):
    *_, room = room_with_messages
    client.force_login(UserFactory() if who == "stranger" else AdminFactory())
    for name in ("api_room_messages", "api_room_members"):
        response = client.get(reverse(name, args=[room.pk]))
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert client.get(reverse(name, args=[999_999])).json() == response.json()
    assert client.get(reverse("room", args=[room.pk])).status_code == 404


def test_signed_out_gets_401_and_a_redirect(client, room_with_messages):
    *_, room = room_with_messages
    assert client.get(reverse("api_room_messages", args=[room.pk])).status_code == 401
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
