"""What room features add to the room pages, registered from `server/`.

Chat's rooms page lists her rooms and shows the one she opened. Features beside chat
(calls today; documents and calendars next) add their own state to both, yet chat imports
none of them, and rooms imports no feature: a feature offers a function, `server.apps`
registers it here at start-up, and the page asks this module.

- A **room summary extension** `(viewer, rooms) -> {room_id: {field: value}}` adds fields
  to each room of her list (the call badge's `in_call`). It is called once with all her
  rooms and reads them in a fixed number of queries: the list must not cost more reads
  for more rooms.
- A **room page extension** `(viewer, room) -> {key: value}` adds entries to the open
  room's page data (the call panel's `call` and `can_call`).

Both answer for the viewer as she is now: a feature asks its own permission layer.

- A **member silenced** hook `(room_id, user_id)`: a moderator muted her in the room;
  a feature ends what she was doing there (calls: her seat in its call), inside the
  mute's transaction.

- A **room notice** `(room_id, text)` posts what the server has to tell a room's
  members in its history (break-glass access opened or ended), inside the caller's
  transaction: chat registers `chat.services.notice_post`, so the notice takes the room's
  next rev and the room hears it live.

- An **event view** `(event, hidden) -> event`, by event type: how a feature's room
  event reads to a member whose socket hides someone (`rooms.permissions.hidden_from`),
  asked by the feed for that type alone and only on such a socket (calls: the
  participants a block stands between her and are left out of `call.changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from community.models import User
from rooms.models import Room

RoomSummaryExtension = Callable[[User, Sequence[Room]], Mapping[int, Mapping[str, object]]]
RoomPageExtension = Callable[[User, Room], Mapping[str, object]]
RoomNotice = Callable[[int, str], object]
MemberSilenced = Callable[[int, int], object]
EventView = Callable[[dict[str, Any], frozenset[int]], dict[str, Any]]

ROOM_SUMMARY_EXTENSIONS: list[RoomSummaryExtension] = []
ROOM_PAGE_EXTENSIONS: list[RoomPageExtension] = []
_room_notice: list[RoomNotice] = []
_member_silenced: list[MemberSilenced] = []
EVENT_VIEWS: dict[str, EventView] = {}


def register_room_summary(extension: RoomSummaryExtension) -> RoomSummaryExtension:
    """Add fields to every room of her room list (once, however often registered)."""
    if extension not in ROOM_SUMMARY_EXTENSIONS:
        ROOM_SUMMARY_EXTENSIONS.append(extension)
    return extension


def register_room_page(extension: RoomPageExtension) -> RoomPageExtension:
    """Add entries to the open room's page data (once, however often registered)."""
    if extension not in ROOM_PAGE_EXTENSIONS:
        ROOM_PAGE_EXTENSIONS.append(extension)
    return extension


def room_summary_extras(viewer: User, rooms: Sequence[Room]) -> dict[int, dict[str, object]]:
    """Every registered feature's fields for each of `rooms`, by room id (an empty dict
    for a room no feature speaks of). Fields a feature gives for other rooms are dropped."""
    extras: dict[int, dict[str, object]] = {room.pk: {} for room in rooms}
    for extension in ROOM_SUMMARY_EXTENSIONS:
        for room_id, fields in extension(viewer, rooms).items():
            if room_id in extras:
                extras[room_id].update(fields)
    return extras


def room_page_extras(viewer: User, room: Room) -> dict[str, object]:
    """Every registered feature's entries for the page of `room`."""
    extras: dict[str, object] = {}
    for extension in ROOM_PAGE_EXTENSIONS:
        extras.update(extension(viewer, room))
    return extras


def register_room_notice(post: RoomNotice) -> RoomNotice:
    """The one function that posts a notice in a room (chat's)."""
    _room_notice[:] = [post]
    return post


def room_notice(*, room_id: int, text: str) -> None:
    """Post `text` as a notice in the room, in the caller's transaction. Without a
    registered poster nothing could tell the members: refuse rather than go on unseen."""
    if not _room_notice:
        raise RuntimeError("no room notice poster is registered (server.features)")
    _room_notice[0](room_id, text)


def register_member_silenced(hook: MemberSilenced) -> MemberSilenced:
    """Called when a moderator mutes a member in a room (once, however often registered)."""
    if hook not in _member_silenced:
        _member_silenced.append(hook)
    return hook


def member_silenced(*, room_id: int, user_id: int) -> None:
    """Inside the transaction that muted her."""
    for hook in _member_silenced:
        hook(room_id, user_id)


def register_event_view(event_type: str, view: EventView) -> EventView:
    """How events of `event_type` read to a socket that hides someone (one view a type)."""
    EVENT_VIEWS[event_type] = view
    return view
