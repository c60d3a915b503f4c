"""Catch-up: what a socket misses of a room after a rev, from every feature that numbers
its changes in the room's event log.

Each feature (chat today; documents, calendar, calls next) registers one function
`(viewer, room_id, after_rev) -> (events, too_many)` at start-up (`server.features`). The
consumer asks `events_after` and never knows the features. The viewer's right to the room
is asked here, now, once per read, before any feature is: a feature's function is only
called for a viewer who may see the room, so it may share its answer between viewers
(chat does, `chat.catchup`) as long as its events are the same for every member.

The features read one after another, not in one snapshot, and each returns a changed item
at its latest rev. So the answer is cut at the room's rev read first (`head`): every
change up to it is in the answer, and every later one reaches the socket live (it
subscribed before it read). Without the cut, a later feature's newer event would move the
socket past an earlier feature's change that committed in between, and drop it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from community.models import User
from rooms import metrics, permissions, selectors

CATCH_UP_MAX = 500  # events past this: the client starts the room afresh (`chat.reset`)

# (viewer, room id, after rev, the room's latest rev as read by the caller or None)
#   -> (events in rev order, too many to send)
Feature = Callable[[User, int, int, int | None], tuple[list[dict[str, Any]], bool]]

_features: dict[str, Feature] = {}


class NotVisible(Exception):
    """The viewer may not see the room (any more): nothing is read."""


def register(name: str, feature: Feature) -> None:
    """Called once per feature at start-up; registering a name again replaces it."""
    _features[name] = feature


def registered() -> dict[str, Feature]:
    return dict(_features)


def events_after(viewer: User, room_id: int, after_rev: int, room_rev: int | None = None
                 ) -> tuple[list[dict[str, Any]], bool, int]:
    """Every feature's events of the room after `after_rev` up to the room's rev `head`,
    merged in rev order, and `head`: (events, too_many, head). `too_many` when more than
    CATCH_UP_MAX changed (then no event is returned). `room_rev`: the room's rev as the
    caller read it just before (else it is read here). Raises NotVisible if `viewer` may
    not see the room now."""
    if not permissions.can_view_room_id(viewer, room_id):
        raise NotVisible
    head = room_rev if room_rev is not None else selectors.room_revs([room_id]).get(room_id, 0)
    if head <= after_rev:
        return [], False, head
    reads, rows = metrics.CATCHUP_DATABASE
    reads.inc()
    events: list[dict[str, Any]] = []
    for feature in _features.values():
        found, too_many = feature(viewer, room_id, after_rev, head)
        if too_many:
            return [], True, head
        events.extend(event for event in found if event["rev"] <= head)
        rows.inc(len(found))
        if len(events) > CATCH_UP_MAX:
            return [], True, head
    if len(_features) > 1:
        events.sort(key=lambda event: event["rev"])
    return events, False, head
