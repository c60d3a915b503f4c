"""Her rooms over the API: the list with unread counts, one room, the unread total, her
read position; paging and bad input."""

from __future__ import annotations

import pytest

from chat import services
from rooms import services as room_services
from rooms.models import Membership
from tests.api.conftest import errors
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea, name="Autumn cohort")
    for index in range(3):
        services.message_send(author=ana, room_id=room.pk, text=f"m{index}",
                              client_id=f"c{index}")
    return room


def member(room, name):
    return room.memberships.get(user__name=name).user


class TestList:
    def test_she_sees_her_rooms_with_what_is_unread(self, api, room):
        make_room(UserFactory(), name="Not hers")
        answer = api(member(room, "Bea")).get("rooms")
        assert answer.status_code == 200
        [listed] = answer.json()["results"]
        assert (listed["id"], listed["title"], listed["unread"], listed["last_seq"],
                listed["can_post"], listed["can_manage"]) == (
            room.pk, "Autumn cohort", 3, 3, True, False)
        assert api(member(room, "Bea")).get("rooms/unread").json() == {
            "total": 3, "rooms": {str(room.pk): 3}}

    def test_pages_follow_their_cursor_to_every_room_once(self, api):
        ana = UserFactory()
        ids = {make_room(ana, name=f"R{i}").pk for i in range(5)}
        client, seen, url = api(ana), [], "rooms"
        params: dict = {"page_size": 2}
        while url:
            page = client.get(url, params).json()
            assert len(page["results"]) <= 2
            seen += [r["id"] for r in page["results"]]
            url, params = (page["next"] or "").removeprefix("http://testserver/api/v1/"), {}
        assert sorted(seen) == sorted(ids)

    @pytest.mark.parametrize(("params", "field", "code"), [
        ({"page_size": 201}, "page_size", "out_of_range"),
        ({"page_size": 0}, "page_size", "out_of_range"),
        ({"page_size": "ten"}, "page_size", "out_of_range"),
        ({"cursor": "bm90IG91cnM="}, "cursor", "invalid_cursor"),
        ({"cursor": "cD1hYmM="}, "cursor", "invalid_cursor"),  # p=abc
        ({"pagesize": 10}, "pagesize", "unknown"),
    ])
    def test_bad_paging_is_a_400_on_its_parameter(self, api, room, params, field, code):
        answer = api(member(room, "Ana")).get("rooms", params)
        assert answer.status_code == 400 and errors(answer) == [(field, code)]

    def test_200_is_the_largest_page(self, api, room):
        assert api(member(room, "Ana")).get("rooms", {"page_size": 200}).status_code == 200


class TestDetail:
    def test_her_room(self, api, room):
        answer = api(member(room, "Ana")).get(f"rooms/{room.pk}")
        assert answer.status_code == 200 and answer.json()["can_manage"] is True

    @pytest.mark.parametrize("who", ["stranger", "admin"])
    def test_anyone_else_gets_the_404_of_a_missing_room(self, api, room, who):
        client = api(UserFactory() if who == "stranger" else AdminFactory())
        answer = client.get(f"rooms/{room.pk}")
        assert answer.status_code == 404 and errors(answer) == [(None, "not_found")]
        assert client.get("rooms/987654").json() == answer.json()

    def test_an_admin_reading_through_break_glass_sees_the_pair(self, api):
        mentor, mentee, admin = UserFactory(), UserFactory(), AdminFactory()
        pair = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
        room_services.break_glass_open(admin=admin, room=pair, reason="A report", hours=1)
        answer = api(admin).get(f"rooms/{pair.pk}")
        assert answer.status_code == 200 and answer.json()["can_post"] is False

    def test_signed_out(self, api, room):
        assert api(None).get(f"rooms/{room.pk}").status_code == 401

    def test_a_direct_room_across_a_block_stays_hers_without_posting(self, api):
        ana, bea = UserFactory(), UserFactory()
        direct = room_services.room_open_direct(user=ana, other=bea)
        BlockFactory(blocker=bea, blocked=ana)
        answer = api(ana).get(f"rooms/{direct.pk}")
        assert answer.status_code == 200 and answer.json()["can_post"] is False


class TestReadPosition:
    def test_she_moves_it_forward_never_back(self, api, room):
        bea = member(room, "Bea")
        client = api(bea)
        answer = client.put(f"rooms/{room.pk}/read-position", {"seq": 2})
        assert answer.status_code == 200
        assert answer.json() == {"room_id": room.pk, "last_read_seq": 2}
        assert client.put(f"rooms/{room.pk}/read-position", {"seq": 1}).json()[
            "last_read_seq"] == 2
        assert client.get(f"rooms/{room.pk}").json()["unread"] == 1

    @pytest.mark.parametrize(("body", "field", "code"), [
        ({"seq": "two"}, "seq", "invalid"), ({"seq": -1}, "seq", "min_value"),
        ({}, "seq", "required"), ({"seq": 2, "room": 1}, "room", "unknown"),
        ({"seq": 2**60}, "seq", "max_value"),
    ])
    def test_bad_input_is_a_400_and_changes_nothing(self, api, room, body, field, code):
        bea = member(room, "Bea")
        answer = api(bea).put(f"rooms/{room.pk}/read-position", body)
        assert answer.status_code == 400 and errors(answer) == [(field, code)]
        assert Membership.objects.get(room=room, user=bea).last_read_seq == 0

    def test_a_room_not_hers_is_404(self, api, room):
        answer = api(UserFactory()).put(f"rooms/{room.pk}/read-position", {"seq": 1})
        assert answer.status_code == 404

    def test_without_the_csrf_token_nothing_moves(self, api, room):
        bea = member(room, "Bea")
        answer = api(bea).put(f"rooms/{room.pk}/read-position", {"seq": 3}, csrf=False)
        assert answer.status_code == 403 and errors(answer) == [(None, "permission_denied")]
        assert Membership.objects.get(room=room, user=bea).last_read_seq == 0


class TestMute:
    def test_she_mutes_for_herself_and_the_counts_leave_it_out(self, api, room):
        bea = member(room, "Bea")
        client = api(bea)
        answer = client.put(f"rooms/{room.pk}/muted", {"muted": True})
        assert answer.status_code == 200 and answer.json() == {"room_id": room.pk,
                                                               "muted": True}
        assert client.get("rooms/unread").json() == {"total": 0, "rooms": {}}
        assert api(member(room, "Ana")).get(f"rooms/{room.pk}").json()["muted"] is False
        client.put(f"rooms/{room.pk}/muted", {"muted": False})
        assert client.get(f"rooms/{room.pk}").json()["muted"] is False

    def test_outsiders_get_404_and_bad_input_400(self, api, room):
        assert api(UserFactory()).put(f"rooms/{room.pk}/muted", {"muted": True}
                                      ).status_code == 404
        answer = api(member(room, "Bea")).put(f"rooms/{room.pk}/muted", {"muted": "yes"})
        assert answer.status_code == 400 and errors(answer) == [("muted", "invalid")]
        assert not Membership.objects.filter(room=room, muted=True).exists()
