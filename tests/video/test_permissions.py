"""video.permissions: who may join a room's call (and so take part in its signalling)."""

from __future__ import annotations

import pytest

from community.models import User
from rooms import bots
from rooms.models import Room
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room
from video import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def room() -> Room:
    return make_room(UserFactory(name="Ana"), UserFactory(name="Bea"), name="Writers")


def member(room: Room, name: str) -> User:
    return room.memberships.get(user__name=name).user


class TestCanJoinCall:
    def test_a_member_may(self, room):
        assert permissions.can_join_call(member(room, "Bea"), room)

    def test_a_bot_of_the_room_may_not(self, room):
        """A bot posts and reads in its room as a member, but never joins its calls."""
        bot = bots.bot_create(admin=AdminFactory(), name="Report Bot", room=room)
        assert permissions.can_join_call(bot, room) is False

    def test_a_non_member_may_not(self, room):
        assert not permissions.can_join_call(UserFactory(), room)

    def test_an_admin_outside_the_room_may_not(self, room):
        assert not permissions.can_join_call(AdminFactory(), room)

    def test_a_pair_across_a_block_may_not(self):
        ana, bea = UserFactory(), UserFactory()
        pair = make_room(ana, bea, kind=Room.Kind.DIRECT, name="")
        BlockFactory(blocker=ana, blocked=bea)
        assert not permissions.can_join_call(bea, pair)
        assert not permissions.can_join_call(ana, pair)
