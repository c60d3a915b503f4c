"""Her rooms list and a page of history read a fixed number of queries, however many
rooms she is in and however many messages a page holds: no query per row."""

from __future__ import annotations

import pytest

from chat import services
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def counted(client, path: str, params: dict, django_assert_max_num_queries) -> int:
    client.get(path, params)  # her session and the like, read once before counting
    with django_assert_max_num_queries(100) as queries:
        answer = client.get(path, params)
    assert answer.status_code == 200
    return len(queries.captured_queries)


def test_her_rooms_list_reads_the_same_queries_for_2_rooms_or_30(
        api, django_assert_max_num_queries):
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")

    def rooms(count: int) -> None:
        for index in range(count):
            room = make_room(ana, bea, name=f"R{index}")
            services.message_send(author=bea, room_id=room.pk, text="@**Ana** hello",
                                  client_id=f"c{room.pk}")

    rooms(2)
    client = api(ana)
    few = counted(client, "rooms", {"page_size": 200}, django_assert_max_num_queries)
    rooms(28)
    many = counted(client, "rooms", {"page_size": 200}, django_assert_max_num_queries)
    assert len(client.get("rooms", {"page_size": 200}).json()["results"]) == 30
    assert many == few


def test_a_history_page_reads_the_same_queries_for_5_messages_or_50(
        api, django_assert_max_num_queries):
    ana, bea, cy = UserFactory(name="Ana"), UserFactory(name="Bea"), UserFactory(name="Cy")
    room = make_room(ana, bea, cy)

    def messages(count: int, start: int) -> None:
        for index in range(start, start + count):
            author = (bea, cy)[index % 2]
            sent, _created = services.message_send(
                author=author, room_id=room.pk, text=f"m{index} @**Ana**",
                client_id=f"c{index}", reply_to=None)
            services.reaction_set(user=ana, message_id=sent.pk, emoji="👍", on=True)

    messages(5, 0)
    client = api(ana)
    path = f"rooms/{room.pk}/messages"
    few = counted(client, path, {"page_size": 50}, django_assert_max_num_queries)
    messages(45, 5)
    many = counted(client, path, {"page_size": 50}, django_assert_max_num_queries)
    assert len(client.get(path, {"page_size": 50}).json()["results"]) == 50
    assert many == few


def test_her_rooms_list_reads_no_member_of_a_big_group(api):
    """A programme-wide room of many members costs the list nothing: its members are not
    read (only a direct room's, for its title: the other person's name)."""
    from django.db.models.signals import post_init

    from rooms.models import Membership, Room

    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    make_room(ana, *[UserFactory() for _ in range(40)], name="Everyone")
    make_room(ana, bea, kind=Room.Kind.DIRECT, name="")
    client = api(ana)
    built: list[Membership] = []

    def counted(sender, instance, **kwargs) -> None:
        built.append(instance)

    post_init.connect(counted, sender=Membership)
    try:
        answer = client.get("rooms")
    finally:
        post_init.disconnect(counted, sender=Membership)
    assert sorted(room["title"] for room in answer.json()["results"]) == ["Bea", "Everyone"]
    assert len(built) <= 6  # hers in each room, and the direct room's two
