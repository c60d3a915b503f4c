"""Reads of calls for a given viewer: what the room pages show of them.

Chat's rooms page gets these through rooms.hooks (registered by server.apps), never by
importing video.
"""

from __future__ import annotations

from collections.abc import Sequence

from community.models import User
from rooms.models import Room
from video import permissions, services


def call_summaries(viewer: User, rooms: Sequence[Room]) -> dict[int, dict[str, object]]:
    """`in_call` for each of `rooms`: a call is on there (her room list's call badge). One
    query, whatever the number of rooms; a room whose calls she may not see says False."""
    on = set(permissions.calls_visible_to(viewer)
             .filter(room_id__in=[room.pk for room in rooms], ended_at__isnull=True)
             .values_list("room_id", flat=True))
    return {room.pk: {"in_call": room.pk in on} for room in rooms}


def call_panel(viewer: User, room: Room) -> dict[str, object]:
    """The open room's call as she sees it (None if none, or if she may not see it) and
    whether she may join it: what the page's call panel starts from."""
    return {"call": services.call_for(viewer, room),
            "can_call": permissions.can_join_call(viewer, room)}
