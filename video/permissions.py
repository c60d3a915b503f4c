"""Who may see or do what with calls: the only place these rules live (rooms rules underneath).

A call belongs to its room: its members see it and, where they may write, join it. An admin
who is not a member sees nothing of it, as with the room's messages. A bot (`is_bot`, a
script's account in its room) sees the call but never joins it, so it never signals: every
request that takes part in a call asks `can_join_call` (video.services). Signalling goes only
between participants of the same call (video.services checks both ends), and never
between two members a block stands between, either way, in any room kind: in a group
room's call, neither receives the other's offers, answers, candidates or streams, nor
sees the other among its participants (`call_seen_by`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from community.permissions import Viewer, blocked_among
from rooms import permissions as room_permissions
from rooms.models import Room
from rooms.protocol import CallPayload
from video.models import Call


def can_see_call(user: Viewer, room: Room) -> bool:
    return room_permissions.can_view_room(user, room)


def can_join_call(user: Viewer, room: Room) -> bool:
    """Members of a live room, never across a block in a pair room (as for writing), and
    never a bot: joining, and then updating her seat, signalling and fresh ICE servers."""
    if getattr(user, "is_bot", False):
        return False
    return room_permissions.can_post(user, room)


def can_signal(user: Viewer, other_id: int) -> bool:
    """May her signalling (an offer, an answer, a candidate) reach member `other_id`?"""
    return not blocked_among(int(user.pk or 0), [int(other_id)])


def streams_withheld(user: Viewer, peers: Iterable[tuple[str, int]]) -> set[str]:
    """Of these (peer_id, member id) of her call, the peers whose streams the relay never
    forwards to her nor hers to them: a block between the two members, either way."""
    peers = list(peers)
    blocked = blocked_among(int(user.pk or 0), {user_id for _peer, user_id in peers})
    return {peer_id for peer_id, user_id in peers if user_id in blocked}


def call_without(call: CallPayload | None, hidden: Collection[int]) -> CallPayload | None:
    """The call without the participants of `hidden`: a member whose socket hides them
    (`rooms.permissions.hidden_from`) sees them nowhere in it. Its `mode` and `version`
    stay the room's: they order descriptions and decide how everyone connects."""
    if call is None or not hidden:
        return call
    return {**call, "participants": [participant for participant in call["participants"]
                                     if participant["user_id"] not in hidden]}


def call_seen_by(viewer: Viewer, call: CallPayload | None) -> CallPayload | None:
    """The call as `viewer` sees it: nobody a block stands between her and, either way,
    among its participants (the page's call panel, `call.get`, `call.join`, catch-up)."""
    return call_without(call, room_permissions.hidden_from(viewer))


def call_event_without(event: dict[str, Any], hidden: frozenset[int]) -> dict[str, Any]:
    """`call.changed` as a socket that hides `hidden` sends it (rooms.hooks event view)."""
    return {**event, "call": call_without(event.get("call"), hidden)}


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
