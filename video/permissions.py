"""Who may see or do what with calls: the only place these rules live (rooms rules underneath).

A call belongs to its room: its members see it and, where they may write, join it. An admin
who is not a member sees nothing of it, as with the room's messages. Signalling goes only
between participants of the same call (video.services checks both ends).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from community.permissions import Viewer
from rooms import permissions as room_permissions
from rooms.models import Room
from video.models import Call


def can_see_call(user: Viewer, room: Room) -> bool:
    return room_permissions.can_view_room(user, room)


def can_join_call(user: Viewer, room: Room) -> bool:
    """Members of a live room, never across a block in a pair room (as for writing)."""
    return room_permissions.can_post(user, room)


def calls_visible_to(user: Viewer) -> QuerySet[Call]:
    """The calls of the rooms she sees (`can_see_call` for every call at once)."""
    return Call.objects.filter(room__in=room_permissions.rooms_visible_to(user))


def hides_address(user: Viewer) -> bool:
    """Her calls go through the TURN server only, so no participant learns her address:
    her own choice (profile, "relay-only calls") or the community's
    (`COHORT_CALLS_RELAY_ONLY`). video.privacy says what is filtered."""
    if settings.COHORT_CALLS_RELAY_ONLY:
        return True
    profile = getattr(user, "profile", None)
    return bool(profile is not None and profile.relay_only_calls)
