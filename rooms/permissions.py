"""Who may see or do what in rooms: the only place these rules live.

Rooms are private. To anyone who is not a member, a room answers exactly as a room that
does not exist (`access_room` raises one Http404 for both). Admins manage the programme
but read no room they are not a member of; they may add and remove members of group rooms.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from community import permissions as community_permissions
from community.models import User
from community.permissions import Viewer
from rooms import rows
from rooms.models import Membership, Room

MANAGERS = (Membership.Role.OWNER, Membership.Role.MODERATOR)


def _active(user: Viewer) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def membership_of(user: Viewer, room: Room) -> Membership | None:
    if not _active(user):
        return None
    return Membership.objects.filter(room=room, user_id=int(user.pk or 0)).first()


def membership_locking_room(user: Viewer, room_id: int) -> Membership | None:
    """`membership_of` for a write: her membership with its room read and the room's row
    locked until the caller's transaction ends, in one query. None if she is not a
    member (or the room does not exist): nothing is locked then."""
    if not _active(user):
        return None
    row = rows.fetch_one(_membership_locking_room_sql(connection.vendor),
                         [room_id, int(user.pk or 0)])
    if row is None:
        return None
    membership = rows.instance(Membership, row[:rows.width(Membership)])
    membership.room = rows.instance(Room, row[rows.width(Membership):])
    return membership


@functools.cache
def _membership_locking_room_sql(vendor: str) -> str:
    """The ORM's `select_related("room").select_for_update(of=("room",))` as text (a
    chat message runs it: rooms.rows). SQLite locks the whole database instead."""
    lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    # Names from the models (rooms.rows); the values are bound parameters.
    return (f"SELECT {rows.columns(Membership, 'm')}, {rows.columns(Room, 'r')} "  # noqa: S608  # nosec B608  # names from the models, values bound
            f"FROM {rows.table(Membership)} m JOIN {rows.table(Room)} r "
            f"ON r.{rows.column(Room, 'id')} = m.{rows.column(Membership, 'room')} "
            f"WHERE m.{rows.column(Membership, 'room')} = %s "
            f"AND m.{rows.column(Membership, 'user')} = %s{lock}")


def rooms_visible_to(user: Viewer) -> QuerySet[Room]:
    if not _active(user):
        return Room.objects.none()
    return Room.objects.filter(memberships__user_id=int(user.pk or 0))


def access_room(user: Viewer, room_id: int | str) -> Room:
    """The room if `user` is a member; Http404 for missing and forbidden alike."""
    try:
        return rooms_visible_to(user).get(pk=int(room_id))
    except (Room.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_view_room(user: Viewer, room: Room) -> bool:
    return membership_of(user, room) is not None


def can_view_room_id(user: Viewer, room_id: int) -> bool:
    """`can_view_room` for a room known by its id only: one query, no room read."""
    return _active(user) and Membership.objects.filter(
        room_id=room_id, user_id=int(user.pk or 0)).exists()  # type: ignore[union-attr]


def memberships_viewing(room_ids: Iterable[int]) -> QuerySet[Membership]:
    """`can_view_room` for many rooms at once: the memberships of the members who may see
    each room now (active ones), in one query."""
    return Membership.objects.filter(room_id__in=list(room_ids), user__is_active=True)


def _other_members(user: Viewer, room: Room) -> QuerySet[User]:
    return User.objects.filter(memberships__room=room).exclude(pk=int(user.pk or 0))


def can_post(user: Viewer, room: Room, *, membership: Membership | None = None) -> bool:
    """A member may write in a live room; in a pair room, never across a block.

    `membership`: hers in `room`, when the caller has read it already (else it is read).
    """
    if membership is not None and (membership.room_id != room.pk
                                   or membership.user_id != getattr(user, "pk", None)):
        raise ValueError("membership is not this member's in this room")
    if room.is_archived or not _active(user) \
            or (membership or membership_of(user, room)) is None:
        return False
    if room.kind in (Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE):
        return all(not community_permissions.is_blocked_between(user, other)  # type: ignore[arg-type]
                   for other in _other_members(user, room))
    return True


def can_moderate(user: Viewer, room: Room) -> bool:
    """Owners and moderators delete others' messages."""
    membership = membership_of(user, room)
    return membership is not None and membership.role in MANAGERS


def can_create_group(user: Viewer) -> bool:
    return _active(user) and (user.is_mentor or user.is_admin)  # type: ignore[union-attr]


def can_manage_members(user: Viewer, room: Room) -> bool:
    """Group rooms: their owners and moderators, and the programme's admins."""
    if room.kind != Room.Kind.GROUP or room.is_archived or not _active(user):
        return False
    return bool(user.is_admin) or can_moderate(user, room)  # type: ignore[union-attr]


def can_add_member(actor: Viewer, room: Room, user: User) -> bool:
    return can_manage_members(actor, room) and user.is_active


def can_remove_member(actor: Viewer, room: Room, member: Membership) -> bool:
    """Managers remove members; only an admin removes an owner."""
    if not can_manage_members(actor, room) or member.user_id == actor.pk:
        return False
    if member.role == Membership.Role.OWNER:
        return bool(actor.is_admin)  # type: ignore[union-attr]
    return True


def can_leave(user: Viewer, room: Room) -> bool:
    """A member leaves a group room, unless she is its last owner."""
    membership = membership_of(user, room)
    if membership is None or room.kind != Room.Kind.GROUP:
        return False
    if membership.role == Membership.Role.OWNER:
        return room.memberships.filter(role=Membership.Role.OWNER).count() > 1
    return True


def can_mute(user: Viewer, room: Room) -> bool:
    """Each member mutes (or unmutes) a room she is in, for herself alone."""
    return membership_of(user, room) is not None


def can_archive(user: Viewer, room: Room) -> bool:
    if room.is_archived or not _active(user):
        return False
    membership = membership_of(user, room)
    is_owner = membership is not None and membership.role == Membership.Role.OWNER
    return is_owner or (room.kind == Room.Kind.GROUP and bool(user.is_admin))  # type: ignore[union-attr]


def can_open_direct(user: Viewer, other: User) -> bool:
    return community_permissions.can_contact(user, other)


# --- For all her rooms at once ------------------------------------------------------------
# The rules above, answered for a list of rooms in a fixed number of queries: the rooms
# page and /api/rooms/ ask them for every room she has. Each answers as its one-room form
# does for each room (tests/rooms/test_permissions.py compares them). `memberships`: hers
# in those rooms by room id (`memberships_in`), when the caller has read them already.

PAIR_KINDS = (Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE)


def memberships_in(user: Viewer, rooms: Iterable[Room]) -> dict[int, Membership]:
    """Her membership in each of `rooms` she belongs to, by room id: one query (none for
    no room, or for a signed-out or deactivated user, who is a member of nothing)."""
    room_ids = [room.pk for room in rooms]
    if not _active(user) or not room_ids:
        return {}
    return {m.room_id: m for m in Membership.objects.filter(user_id=int(user.pk or 0),
                                                            room_id__in=room_ids)}


def _hers(user: Viewer, rooms: list[Room],
          memberships: Mapping[int, Membership] | None) -> Mapping[int, Membership]:
    if not _active(user):
        return {}
    if memberships is None:
        return memberships_in(user, rooms)
    for room_id, membership in memberships.items():
        if membership.room_id != room_id or membership.user_id != user.pk:
            raise ValueError("memberships are not this member's, by room id")
    return memberships


def _pair_rooms_across_a_block(user: Viewer, room_ids: list[int]) -> set[int]:
    """Of these rooms, those where she and another member have blocked each other, either
    way (community.permissions.is_blocked_between, for every other member at once): one
    query."""
    if not room_ids:
        return set()
    user_id = int(user.pk or 0)
    blocks = community_permissions.blocks_between(user_id, OuterRef("user_id"))
    return set(Membership.objects.filter(room_id__in=room_ids).exclude(user_id=user_id)
               .filter(Exists(blocks)).values_list("room_id", flat=True))


def can_post_in(user: Viewer, rooms: Iterable[Room], *,
                memberships: Mapping[int, Membership] | None = None) -> set[int]:
    """The ids of `rooms` where she may post (`can_post`): her memberships (unless given)
    and the blocks in her pair rooms, two queries at most whatever the number of rooms."""
    rooms = list(rooms)
    mine = _hers(user, rooms, memberships)
    live = [room for room in rooms if not room.is_archived and room.pk in mine]
    blocked = _pair_rooms_across_a_block(user, [room.pk for room in live
                                                if room.kind in PAIR_KINDS])
    return {room.pk for room in live if room.pk not in blocked}


def can_moderate_in(user: Viewer, rooms: Iterable[Room], *,
                    memberships: Mapping[int, Membership] | None = None) -> set[int]:
    """The ids of `rooms` she moderates (`can_moderate`): one query, none if given her
    memberships."""
    rooms = list(rooms)
    mine = _hers(user, rooms, memberships)
    return {room.pk for room in rooms
            if room.pk in mine and mine[room.pk].role in MANAGERS}


def can_manage_members_in(user: Viewer, rooms: Iterable[Room], *,
                          memberships: Mapping[int, Membership] | None = None) -> set[int]:
    """The ids of `rooms` whose members she manages (`can_manage_members`): one query at
    most, none for an admin or if given her memberships."""
    if not _active(user):
        return set()
    groups = [room for room in rooms if room.kind == Room.Kind.GROUP and not room.is_archived]
    if user.is_admin:  # type: ignore[union-attr]
        return {room.pk for room in groups}
    return can_moderate_in(user, groups, memberships=memberships)
