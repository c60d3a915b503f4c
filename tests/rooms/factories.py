"""Builders of rooms for tests."""

from __future__ import annotations

from community.models import User
from rooms.models import Membership, Room


def make_room(*members: User, kind: str = Room.Kind.GROUP, name: str = "Cohort A",
              owner: User | None = None) -> Room:
    """A room with `members`; the first (or `owner`) owns it."""
    room = Room.objects.create(kind=kind, name=name, created_by=owner or members[0])
    for index, user in enumerate(members):
        role = (Membership.Role.OWNER if (owner is None and index == 0) or user == owner
                else Membership.Role.MEMBER)
        Membership.objects.create(room=room, user=user, role=role)
    return room
