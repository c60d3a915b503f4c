"""Reads of calls for a given viewer: what the room pages show of them.

Chat's rooms page gets these through rooms.hooks (registered by server.apps), never by
importing video.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from community.models import User
from rooms.models import Room
from video import permissions, services
from video.models import Call


def call_summaries(viewer: User, rooms: Sequence[Room]) -> dict[int, dict[str, object]]:
    """`in_call` for each of `rooms`: a call is on there (her room list's call badge). One
    query, whatever the number of rooms; a room whose calls she may not see says False."""
    on = set(permissions.calls_visible_to(viewer)
             .filter(room_id__in=[room.pk for room in rooms], ended_at__isnull=True)
             .values_list("room_id", flat=True))
    return {room.pk: {"in_call": room.pk in on} for room in rooms}


def call_panel(viewer: User, room: Room) -> dict[str, object]:
    """The open room's call as she sees it (None if none, or if she may not see it) and
    whether she may join it, and her photo (her face in the pre-join panel): what the
    page's call panel starts from."""
    return {"call": services.call_for(viewer, room),
            "can_call": permissions.can_join_call(viewer, room),
            "call_photo": services.photo_url(viewer)}


def call_catch_up(viewer: User, room_id: int, after_rev: int,
                  room_rev: int | None = None) -> tuple[list[dict[str, Any]], bool]:
    """Registered with `rooms.catchup` (which asks first whether `viewer` may see the
    room): the room's latest call as it is now, if it changed after `after_rev`, as she
    sees it (`permissions.call_seen_by`). Its earlier states are superseded (a client
    keeps the newest (call_id, version))."""
    if room_rev is not None and room_rev <= after_rev:
        return [], False
    call = Call.objects.filter(room_id=room_id, rev__gt=after_rev).order_by("-pk").first()
    if call is None or (room_rev is not None and call.rev > room_rev):
        # Changed after the caller read the room: that change reaches it live.
        return [], False
    event = services.call_changed_event(call)
    return [{**event, "call": permissions.call_seen_by(viewer, event["call"])}], False
