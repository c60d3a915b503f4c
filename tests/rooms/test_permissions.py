"""Room rules for the member, the non-member, the blocked member and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from rooms import permissions, services
from rooms.models import Membership, Room
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    owner, member = UserFactory(), UserFactory()
    return owner, member, make_room(owner, member)


class TestSeeing:
    def test_member_sees_the_room(self, pair):
        _owner, member, room = pair
        assert permissions.can_view_room(member, room)
        assert permissions.access_room(member, room.pk) == room
        assert room in permissions.rooms_visible_to(member)

    def test_non_member_gets_the_same_404_as_for_nothing(self, pair):
        *_, room = pair
        stranger = UserFactory()
        assert not permissions.can_view_room(stranger, room)
        for room_id in (room.pk, 999_999, "x"):
            with pytest.raises(Http404):
                permissions.access_room(stranger, room_id)

    def test_admin_reads_no_room_she_is_not_in(self, pair):
        *_, room = pair
        admin = AdminFactory()
        assert not permissions.can_view_room(admin, room)
        with pytest.raises(Http404):
            permissions.access_room(admin, room.pk)

    def test_signed_out_sees_nothing(self, pair):
        *_, room = pair
        assert not permissions.rooms_visible_to(AnonymousUser()).exists()

    def test_deactivated_member_sees_nothing(self, pair):
        _owner, member, room = pair
        member.is_active = False
        member.save()
        assert not permissions.can_view_room(member, room)


class TestPosting:
    def test_member_posts_until_archived(self, pair):
        owner, member, room = pair
        assert permissions.can_post(member, room)
        services.room_archive(actor=owner, room=room)
        room.refresh_from_db()
        assert not permissions.can_post(member, room)
        assert permissions.can_view_room(member, room)  # archived rooms stay readable

    def test_block_closes_pair_rooms_but_not_group_rooms(self):
        ana, bea = UserFactory(), UserFactory()
        direct = services.room_open_direct(user=ana, other=bea)
        group = make_room(ana, bea)
        BlockFactory(blocker=bea, blocked=ana)
        assert not permissions.can_post(ana, direct) and not permissions.can_post(bea, direct)
        assert permissions.can_post(ana, group)

    def test_the_writers_lookup_finds_members_only(self, pair):
        """The lookup a chat send starts with (and that locks the room): a member gets
        her membership and the room; the non-member, the admin, a deactivated member
        and a room that does not exist get nothing. A blocked member of a group room is
        still a member; `can_post` decides what she may write."""
        owner, member, room = pair
        BlockFactory(blocker=owner, blocked=member)
        found = permissions.membership_locking_room(member, room.pk)
        assert found is not None and found.user == member and found.room == room
        assert permissions.membership_locking_room(UserFactory(), room.pk) is None
        assert permissions.membership_locking_room(AdminFactory(), room.pk) is None
        assert permissions.membership_locking_room(member, 999_999) is None
        member.is_active = False
        member.save()
        assert permissions.membership_locking_room(member, room.pk) is None

    def test_non_member_and_admin_cannot_post(self, pair):
        *_, room = pair
        assert not permissions.can_post(UserFactory(), room)
        assert not permissions.can_post(AdminFactory(), room)


class TestManaging:
    def test_owner_and_admin_manage_group_members(self, pair):
        owner, member, room = pair
        assert permissions.can_manage_members(owner, room)
        assert permissions.can_manage_members(AdminFactory(), room)
        assert not permissions.can_manage_members(member, room)
        assert not permissions.can_manage_members(UserFactory(), room)

    def test_only_an_admin_removes_an_owner(self, pair):
        owner, member, room = pair
        moderator = UserFactory()
        Membership.objects.create(room=room, user=moderator, role=Membership.Role.MODERATOR)
        owner_row = Membership.objects.get(room=room, user=owner)
        member_row = Membership.objects.get(room=room, user=member)
        assert permissions.can_remove_member(moderator, room, member_row)
        assert not permissions.can_remove_member(moderator, room, owner_row)
        assert permissions.can_remove_member(AdminFactory(), room, owner_row)

    def test_an_admins_token_without_the_admin_scope_removes_and_archives_as_she_is(
            self, pair):
        """A moderator of the room who is an admin, through a token without `admin`
        (community.tokens marks her account so): a moderator's rights, no admin's."""
        owner, _member, room = pair
        script = AdminFactory()
        Membership.objects.create(room=room, user=script, role=Membership.Role.MODERATOR)
        owner_row = Membership.objects.get(room=room, user=owner)
        assert permissions.can_remove_member(script, room, owner_row)
        assert permissions.can_archive(script, room) is (room.kind == Room.Kind.GROUP)
        script.admin_powers = False
        assert not permissions.can_remove_member(script, room, owner_row)
        assert not permissions.can_archive(script, room)

    def test_the_last_owner_cannot_leave(self, pair):
        owner, member, room = pair
        assert not permissions.can_leave(owner, room)
        assert permissions.can_leave(member, room)

    def test_direct_rooms_have_no_managers(self):
        ana, bea = UserFactory(), UserFactory()
        direct = services.room_open_direct(user=ana, other=bea)
        assert not permissions.can_manage_members(AdminFactory(), direct)
        assert not permissions.can_leave(ana, direct)

    def test_mentors_and_admins_create_groups(self):
        assert permissions.can_create_group(MentorFactory())
        assert permissions.can_create_group(AdminFactory())
        assert not permissions.can_create_group(UserFactory())


class TestAllHerRoomsAtOnce:
    """The set forms (the rooms page asks them for every room she has) answer as the
    one-room rules do, in a number of queries that does not grow with her rooms."""

    @staticmethod
    def rooms_of(ana, bea):
        """A group room Ana owns, one where she is a member, a direct room with Bea, an
        archived group room she moderates."""
        owned, joined = make_room(ana, bea, name="Owned"), make_room(bea, ana, name="Joined")
        direct = services.room_open_direct(user=ana, other=bea)
        archived = make_room(bea, ana, name="Archived")
        Membership.objects.filter(room=archived, user=ana).update(role=Membership.Role.MODERATOR)
        services.room_archive(actor=bea, room=archived)
        return [Room.objects.get(pk=r.pk) for r in (owned, joined, direct, archived)]

    @staticmethod
    def answers(user, rooms):
        memberships = permissions.memberships_in(user, rooms)
        return (permissions.can_post_in(user, rooms, memberships=memberships),
                permissions.can_moderate_in(user, rooms, memberships=memberships),
                permissions.can_manage_members_in(user, rooms, memberships=memberships))

    @staticmethod
    def one_by_one(user, rooms):
        return ({r.pk for r in rooms if permissions.can_post(user, r)},
                {r.pk for r in rooms if permissions.can_moderate(user, r)},
                {r.pk for r in rooms if permissions.can_manage_members(user, r)})

    def test_member(self):
        ana, bea = UserFactory(), UserFactory()
        owned, joined, direct, archived = rooms = self.rooms_of(ana, bea)
        assert self.answers(ana, rooms) == self.one_by_one(ana, rooms) == (
            {owned.pk, joined.pk, direct.pk}, {owned.pk, archived.pk}, {owned.pk})
        assert set(permissions.memberships_in(ana, rooms)) == {r.pk for r in rooms}
        # Without her memberships at hand, each form reads them itself.
        assert permissions.can_post_in(ana, rooms) == {owned.pk, joined.pk, direct.pk}
        assert permissions.can_manage_members_in(ana, rooms) == {owned.pk}

    def test_non_member(self):
        ana, bea = UserFactory(), UserFactory()
        rooms = self.rooms_of(ana, bea)
        stranger = UserFactory()
        assert self.answers(stranger, rooms) == self.one_by_one(stranger, rooms) == (
            set(), set(), set())

    def test_blocked_member(self):
        """A block closes her pair rooms, whoever blocked whom, not her group rooms."""
        ana, bea = UserFactory(), UserFactory()
        owned, joined, direct, archived = rooms = self.rooms_of(ana, bea)
        BlockFactory(blocker=bea, blocked=ana)
        for user in (ana, bea):
            assert self.answers(user, rooms) == self.one_by_one(user, rooms)
            assert self.answers(user, rooms)[0] == {owned.pk, joined.pk}

    def test_admin(self):
        """She manages the live group rooms she is not in, and posts in none of them."""
        ana, bea = UserFactory(), UserFactory()
        owned, joined, direct, archived = rooms = self.rooms_of(ana, bea)
        admin = AdminFactory()
        assert self.answers(admin, rooms) == self.one_by_one(admin, rooms) == (
            set(), set(), {owned.pk, joined.pk})

    def test_deactivated_member_may_do_nothing(self):
        ana, bea = UserFactory(), UserFactory()
        rooms = self.rooms_of(ana, bea)
        ana.is_active = False
        ana.save()
        assert permissions.memberships_in(ana, rooms) == {}
        assert self.answers(ana, rooms) == (set(), set(), set())

    def test_muted_by_a_moderator_until_a_time(self):
        """Where a moderator muted her she posts nowhere until then, in both forms; an
        end in the past mutes nothing."""
        ana, bea = UserFactory(), UserFactory()
        owned, joined, direct, archived = rooms = self.rooms_of(ana, bea)
        services.member_silence(room_id=joined.pk, user_id=ana.pk,
                                until=timezone.now() + timedelta(hours=1))
        services.member_silence(room_id=direct.pk, user_id=ana.pk,
                                until=timezone.now() - timedelta(seconds=1))
        assert self.answers(ana, rooms) == self.one_by_one(ana, rooms)
        assert self.answers(ana, rooms)[0] == {owned.pk, direct.pk}
        assert permissions.silenced_until(ana, joined) is not None
        assert permissions.silenced_until(ana, direct) is None
        assert self.answers(bea, rooms)[0] == {owned.pk, joined.pk, direct.pk}

    def test_someone_elses_memberships_are_refused(self):
        ana, bea = UserFactory(), UserFactory()
        rooms = self.rooms_of(ana, bea)
        with pytest.raises(ValueError):
            permissions.can_post_in(ana, rooms, memberships=permissions.memberships_in(bea, rooms))

    def test_the_same_reads_for_one_room_and_thirty(self, django_assert_num_queries):
        ana = UserFactory()
        rooms = [services.room_open_direct(user=ana, other=UserFactory()) for _ in range(30)]
        BlockFactory(blocker=ana, blocked=rooms[3].memberships.exclude(user=ana).get().user)
        rooms = list(Room.objects.filter(pk__in=[r.pk for r in rooms]))
        for some in (rooms[:1], rooms):
            with django_assert_num_queries(2):
                posting = permissions.can_post_in(ana, some)
            assert len(posting) == len(some) - (rooms[3] in some)

class TestServices:
    def test_direct_room_is_one_per_pair(self):
        ana, bea = UserFactory(), UserFactory()
        first = services.room_open_direct(user=ana, other=bea)
        assert services.room_open_direct(user=bea, other=ana) == first
        assert first.kind == Room.Kind.DIRECT and first.memberships.count() == 2

    def test_group_room_with_members(self):
        mentor = MentorFactory()
        mentees = [UserFactory(), UserFactory()]
        room = services.room_create_group(creator=mentor, name="Spring cohort", members=mentees)
        assert set(room.memberships.values_list("user_id", flat=True)) == {
            mentor.pk, *(m.pk for m in mentees)}
        assert room.memberships.get(user=mentor).role == Membership.Role.OWNER

    def test_admin_removal_is_audited(self, pair):
        from community.models import AuditEntry
        _owner, member, room = pair
        admin = AdminFactory()
        services.member_remove(actor=admin, room=room, user=member, reason="reported")
        assert not Membership.objects.filter(room=room, user=member).exists()
        assert AuditEntry.objects.get(action="room.member_remove").reason == "reported"


def test_admin_sees_rooms_and_members_but_no_message(client):
    from chat import services as chat_services
    ana, bea = UserFactory(), UserFactory()
    room = make_room(ana, bea, name="Private pair")
    chat_services.message_send(author=ana, room_id=room.pk, text="secret plans", client_id="s")
    client.force_login(AdminFactory())
    page = client.get(f"/admin/rooms/room/{room.pk}/change/").content.decode()
    assert "Private pair" in page and "secret plans" not in page
    assert client.get("/admin/chat/message/").status_code == 404
    client.force_login(ana)
    assert client.get("/admin/rooms/room/").status_code == 302
