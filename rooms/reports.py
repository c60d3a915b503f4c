"""A member in a room (or its call) as a report names her (community.moderation, wired in
`server.features`): who may report her there and what the moderation page shows."""

from __future__ import annotations

from typing import Any

from community.hooks import ReportedItem
from community.models import User
from rooms import permissions
from rooms.models import Membership, Room


def member_reported(viewer: User, user_id: int, room_id: int | None) -> ReportedItem | None:
    """Member `user_id` in room `room_id`, if `viewer` is in that room now and so is she."""
    if room_id is None or not permissions.can_view_room_id(viewer, room_id):
        return None
    membership = (Membership.objects.select_related("user", "room")
                  .filter(room_id=room_id, user_id=user_id, user__is_active=True).first())
    if membership is None:
        return None
    return ReportedItem(room_id=room_id, member_id=user_id, label=str(membership.room),
                        excerpt=membership.user.name,
                        url=f"/rooms/{room_id}/")


def member_context(user_id: int, room_id: int | None) -> dict[str, Any]:
    """Her name and the room's, and whether she is still in it: nothing of what was said."""
    member = User.objects.filter(pk=user_id).first()
    room = Room.objects.filter(pk=room_id).first() if room_id is not None else None
    if member is None or room is None:
        return {"gone": True}
    return {"name": member.name, "room": str(room),
            "in_room": Membership.objects.filter(room=room, user=member).exists()}
