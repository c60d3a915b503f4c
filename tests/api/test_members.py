"""A room's members over the API: who sees them, and adding and removing them as the
room's manage page allows (owners and moderators of a group room; admins)."""

from __future__ import annotations

import pytest

from community.models import AuditEntry
from rooms import services as room_services
from rooms.models import Membership
from tests.api.conftest import errors
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    return ana, bea, make_room(ana, bea, name="Autumn cohort")


def names(answer) -> list[str]:
    return [m["name"] for m in answer.json()["results"]]


class TestList:
    def test_members_see_each_other(self, api, group):
        ana, bea, room = group
        answer = api(bea).get(f"rooms/{room.pk}/members")
        assert answer.status_code == 200
        assert answer.json()["results"] == [
            {"id": ana.pk, "name": "Ana", "role": "owner", "status": "offline"},
            {"id": bea.pk, "name": "Bea", "role": "member", "status": "offline"}]

    def test_a_stranger_gets_the_404_of_a_missing_room(self, api, group):
        *_, room = group
        client = api(UserFactory())
        answer = client.get(f"rooms/{room.pk}/members")
        assert answer.status_code == 404
        assert client.get("rooms/987654/members").json() == answer.json()

    def test_an_admin_sees_a_groups_members_as_its_page_shows_them(self, api, group):
        *_, room = group
        assert names(api(AdminFactory()).get(f"rooms/{room.pk}/members")) == ["Ana", "Bea"]

    def test_an_admin_outside_a_pair_gets_404(self, api):
        pair = room_services.room_create_one_to_one(mentor=UserFactory(), mentee=UserFactory())
        assert api(AdminFactory()).get(f"rooms/{pair.pk}/members").status_code == 404

    def test_signed_out(self, api, group):
        assert api(None).get(f"rooms/{group[2].pk}/members").status_code == 401


class TestAddAndRemove:
    def test_the_owner_adds_and_removes(self, api, group):
        ana, _bea, room = group
        cleo = UserFactory(name="Cleo")
        client = api(ana)
        added = client.post(f"rooms/{room.pk}/members", {"user_id": cleo.pk})
        assert added.status_code == 201 and added.json()["name"] == "Cleo"
        assert client.post(f"rooms/{room.pk}/members", {"user_id": cleo.pk}).status_code == 400
        assert client.delete(f"rooms/{room.pk}/members/{cleo.pk}").status_code == 204
        assert not Membership.objects.filter(room=room, user=cleo).exists()
        assert client.delete(f"rooms/{room.pk}/members/{cleo.pk}").status_code == 404

    def test_a_plain_member_may_not(self, api, group):
        ana, bea, room = group
        cleo = UserFactory()
        answer = api(bea).post(f"rooms/{room.pk}/members", {"user_id": cleo.pk})
        assert answer.status_code == 403
        assert api(bea).delete(f"rooms/{room.pk}/members/{ana.pk}").status_code == 403
        assert room.memberships.count() == 2

    def test_a_stranger_gets_404_and_changes_nothing(self, api, group):
        _ana, bea, room = group
        client = api(UserFactory())
        assert client.post(f"rooms/{room.pk}/members", {"user_id": bea.pk}).status_code == 404
        assert client.delete(f"rooms/{room.pk}/members/{bea.pk}").status_code == 404
        assert room.memberships.count() == 2

    def test_an_admin_outside_the_room_adds_and_it_is_audited(self, api, group):
        *_, room = group
        cleo = UserFactory()
        answer = api(AdminFactory()).post(f"rooms/{room.pk}/members", {"user_id": cleo.pk})
        assert answer.status_code == 201
        assert AuditEntry.objects.filter(action="room.member_add").exists()

    def test_someone_across_a_block_reads_as_unknown(self, api, group):
        ana, _bea, room = group
        cleo = UserFactory()
        BlockFactory(blocker=cleo, blocked=ana)
        answer = api(ana).post(f"rooms/{room.pk}/members", {"user_id": cleo.pk})
        assert answer.status_code == 400 and errors(answer) == [("user_id", "not_found")]
        assert not Membership.objects.filter(room=room, user=cleo).exists()

    @pytest.mark.parametrize(("body", "problems"), [
        ({"user_id": "7"}, [("user_id", "invalid")]),
        ({"user_id": 7, "role": "owner"}, [("role", "unknown")]),
        ({}, [("user_id", "required")]),
    ])
    def test_bad_input(self, api, group, body, problems):
        ana, _bea, room = group
        answer = api(ana).post(f"rooms/{room.pk}/members", body)
        assert answer.status_code == 400 and errors(answer) == problems
        assert room.memberships.count() == 2

    def test_a_direct_room_takes_nobody(self, api):
        ana, bea = UserFactory(), UserFactory()
        direct = room_services.room_open_direct(user=ana, other=bea)
        answer = api(ana).post(f"rooms/{direct.pk}/members", {"user_id": UserFactory().pk})
        assert answer.status_code == 403 and direct.memberships.count() == 2
