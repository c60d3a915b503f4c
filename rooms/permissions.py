"""Who may see or do what in rooms: the only place these rules live.

Rooms are private. To anyone who is not a member, a room answers exactly as a room that
does not exist (`access_room` raises one Http404 for both). Admins manage the programme
but read no room they are not a member of; they may add and remove members of group rooms.
A pair's room and a direct room are their two members' alone: nobody joins them.

Break-glass: an admin who states a reason may read a pair's or a direct room for a
limited time (`rooms.models.BreakGlassGrant`, opened by `rooms.services.break_glass_open`,
both members told in the room). While her grant is active (not ended, not expired, she
still an active admin) the reading rules here (`rooms_visible_to`, `access_room`,
`can_view_room`, `can_view_room_id`, `granted_room_ids`) answer for her as for a member;
the writing rules do not (she has no membership: no post, reaction, typing or call). Each
is asked at every read, so the end of a grant ends her reading at once. Break-glass is an
admin power: a grant counts only while she acts as an admin
(`community.permissions.acts_as_admin`: her session, or a token with the `admin` scope);
through her token without it, the room is one she is not in (`can_use_grants`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from community import permissions as community_permissions
from community.models import Block, Role, User
from community.permissions import Viewer
from rooms import rows
from rooms.models import BreakGlassGrant, Membership, Room

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


# --- Break-glass ------------------------------------------------------------------------

PAIR_KINDS = (Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE)


def _is_admin(user: Viewer) -> bool:
    return _active(user) and community_permissions.acts_as_admin(user)


def can_use_grants(user: Viewer) -> bool:
    """Her break-glass grants count for her now: an active admin using her admin powers
    (not through a token without the `admin` scope). Callers of `granted_room_ids` ask
    it for each account first."""
    return _is_admin(user)


def grants_active() -> QuerySet[BreakGlassGrant]:
    """Grants in force now: not ended, not expired, their admin still an active admin."""
    return BreakGlassGrant.objects.filter(
        Q(admin__role=Role.ADMIN) | Q(admin__is_superuser=True),
        ended_at__isnull=True, expires_at__gt=timezone.now(), admin__is_active=True)


def granted_room_ids(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """The rooms each of these accounts reads through an active grant now, by account id:
    one query (none for no id). Sockets ask it with her rooms (`rooms.selectors.
    room_ids_of`, `rooms.heartbeat`, `rooms.liveness`), for accounts that `can_use_grants`."""
    ids = list(user_ids)
    found: dict[int, set[int]] = {}
    if not ids:
        return found
    for admin_id, room_id in grants_active().filter(admin_id__in=ids).values_list(
            "admin_id", "room_id"):
        found.setdefault(admin_id, set()).add(room_id)
    return found


def has_grant(user: Viewer, room_id: int) -> bool:
    """She reads this room through an active break-glass grant: one query, none for
    anyone but an active admin."""
    return _is_admin(user) and grants_active().filter(
        admin_id=int(user.pk or 0), room_id=room_id).exists()  # type: ignore[union-attr]


def can_break_glass(user: Viewer, room: Room) -> bool:
    """An active admin may ask to read a pair's or a direct room she is not in."""
    return (_is_admin(user) and room.kind in PAIR_KINDS
            and membership_of(user, room) is None)


def can_look_into_rooms_of(user: Viewer, member: User) -> bool:
    """An active admin lists another member's pair and direct rooms (for break-glass)."""
    return _is_admin(user) and member.pk != getattr(user, "pk", None)


def can_end_grant(user: Viewer, grant: BreakGlassGrant) -> bool:
    """The admin who holds it, or any other active admin, closes a grant still open."""
    return _is_admin(user) and grant.ended_at is None


def rooms_visible_to(user: Viewer) -> QuerySet[Room]:
    """Her rooms: those she is a member of and, for an admin, those of her active
    break-glass grants."""
    if not _active(user):
        return Room.objects.none()
    user_id = int(user.pk or 0)
    mine = Q(Exists(Membership.objects.filter(room=OuterRef("pk"), user_id=user_id)))
    if can_use_grants(user):
        mine |= Q(Exists(grants_active().filter(room=OuterRef("pk"), admin_id=user_id)))
    return Room.objects.filter(mine)


def access_room(user: Viewer, room_id: int | str) -> Room:
    """The room if `user` is a member (or reads it through an active grant); Http404 for
    missing and forbidden alike."""
    try:
        return rooms_visible_to(user).get(pk=int(room_id))
    except (Room.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_view_room(user: Viewer, room: Room) -> bool:
    """A member, or an admin with an active break-glass grant (read only)."""
    return membership_of(user, room) is not None or has_grant(user, room.pk)


def can_view_room_id(user: Viewer, room_id: int) -> bool:
    """`can_view_room` for a room known by its id only: no room read."""
    return _active(user) and (Membership.objects.filter(
        room_id=room_id, user_id=int(user.pk or 0)).exists()  # type: ignore[union-attr]
        or has_grant(user, room_id))


def memberships_viewing(room_ids: Iterable[int]) -> QuerySet[Membership]:
    """`can_view_room` for many rooms at once: the memberships of the members who may see
    each room now (active ones), in one query."""
    return Membership.objects.filter(room_id__in=list(room_ids), user__is_active=True)


def _other_members(user: Viewer, room: Room) -> QuerySet[User]:
    return User.objects.filter(memberships__room=room).exclude(pk=int(user.pk or 0))


def _silenced(membership: Membership) -> bool:
    """A moderator muted her in the room and the time has not come (community.moderation)."""
    until = membership.silenced_until
    return until is not None and until > timezone.now()


def silenced_until(user: Viewer, room: Room) -> datetime | None:
    """Until when a moderator muted her in the room; None if she is not muted now."""
    membership = membership_of(user, room)
    return membership.silenced_until if membership is not None and _silenced(membership) \
        else None


def can_post(user: Viewer, room: Room, *, membership: Membership | None = None) -> bool:
    """A member may write (post, react, type, share, call) in a live room, unless a
    moderator muted her there until later; in a pair room, never across a block.

    `membership`: hers in `room`, when the caller has read it already (else it is read).
    """
    if membership is not None and (membership.room_id != room.pk
                                   or membership.user_id != getattr(user, "pk", None)):
        raise ValueError("membership is not this member's in this room")
    if room.is_archived or not _active(user):
        return False
    membership = membership or membership_of(user, room)
    if membership is None or _silenced(membership):
        return False
    if room.kind in (Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE):
        return all(not community_permissions.is_blocked_between(user, other)  # type: ignore[arg-type]
                   for other in _other_members(user, room))
    return True


def can_moderate(user: Viewer, room: Room) -> bool:
    """Owners and moderators delete others' messages."""
    membership = membership_of(user, room)
    return membership is not None and membership.role in MANAGERS


def rooms_moderated_by(user: Viewer) -> set[int]:
    """The group rooms she owns or moderates: whose reports she reviews
    (community.moderation). A pair's or direct room has no moderator but the admins: each
    of its members owns it or none does, and a member never judges a report about
    herself or one she made."""
    if not _active(user):
        return set()
    return set(Membership.objects.filter(user_id=int(user.pk or 0), role__in=MANAGERS,
                                         room__kind=Room.Kind.GROUP)
               .values_list("room_id", flat=True))


def room_moderator_ids(room_id: int) -> list[int]:
    """The active owners and moderators of a group room (none for other rooms)."""
    return list(Membership.objects.filter(room_id=room_id, role__in=MANAGERS,
                                          room__kind=Room.Kind.GROUP, user__is_active=True)
                .values_list("user_id", flat=True))


def can_create_group(user: Viewer) -> bool:
    return _active(user) and (user.is_mentor or user.is_admin)  # type: ignore[union-attr]


def can_manage_members(user: Viewer, room: Room) -> bool:
    """Group rooms: their owners and moderators, and the programme's admins."""
    if room.kind != Room.Kind.GROUP or room.is_archived or not _active(user):
        return False
    return bool(user.is_admin) or can_moderate(user, room)  # type: ignore[union-attr]


def access_room_members(user: Viewer, room_id: int) -> Room:
    """The room whose members she may see: hers (`can_view_room`), or a group room she
    manages without being in it (an admin); Http404 for missing and forbidden alike."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not (can_view_room(user, room) or can_manage_members(user, room)):
        raise Http404
    return room


def can_add_member(actor: Viewer, room: Room, user: User) -> bool:
    return can_manage_members(actor, room) and user.is_active


def can_remove_member(actor: Viewer, room: Room, member: Membership) -> bool:
    """Managers remove members; only an admin removes an owner."""
    if not can_manage_members(actor, room) or member.user_id == actor.pk:
        return False
    if member.role == Membership.Role.OWNER:
        return community_permissions.acts_as_admin(actor)
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
    return is_owner or (room.kind == Room.Kind.GROUP
                        and community_permissions.acts_as_admin(user))


def hidden_from(user: Viewer) -> frozenset[int]:
    """The members whose live activity in any room (typing, presence) never reaches her,
    and who never receive hers: those she blocked or who blocked her, in every room kind.
    Her sockets hold this as a cache, read again when a block changes
    (`rooms.services.blocks_changed`) and at every rights check (rooms.liveness)."""
    if not _active(user):
        return frozenset()
    return frozenset(community_permissions.blocked_either_way(int(user.pk or 0)))


def hidden_among(user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """`hidden_from` for many members at once, by member id (one query)."""
    wanted = {int(user_id) for user_id in user_ids}
    hidden: dict[int, set[int]] = {user_id: set() for user_id in wanted}
    if not wanted:
        return {}
    for blocker, blocked in Block.objects.filter(
            Q(blocker_id__in=wanted) | Q(blocked_id__in=wanted)).values_list(
                "blocker_id", "blocked_id"):
        if blocker in hidden:
            hidden[blocker].add(blocked)
        if blocked in hidden:
            hidden[blocked].add(blocker)
    return {user_id: frozenset(ids) for user_id, ids in hidden.items()}


def collapsed_authors(user: Viewer) -> list[int]:
    """The members whose messages she sees collapsed, with "Show anyway", in a group room
    they share: those she blocked herself (the other way, she sees them as before)."""
    return sorted(community_permissions.blocks_visible_to(user)
                  .values_list("blocked_id", flat=True))


def collapses_blocked(room: Room) -> bool:
    """Does this room fold the messages of those she blocked (`collapsed_authors`)? A group
    room: she stays in it with them. A pair or direct room takes no new message across a
    block (`can_post`); what was said before it stays as it was."""
    return room.kind == Room.Kind.GROUP


def can_open_direct(user: Viewer, other: User) -> bool:
    return community_permissions.can_contact(user, other)


# --- For all her rooms at once ------------------------------------------------------------
# The rules above, answered for a list of rooms in a fixed number of queries: the rooms
# page and /api/rooms/ ask them for every room she has. Each answers as its one-room form
# does for each room (tests/rooms/test_permissions.py compares them). `memberships`: hers
# in those rooms by room id (`memberships_in`), when the caller has read them already.


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
    live = [room for room in rooms
            if not room.is_archived and room.pk in mine and not _silenced(mine[room.pk])]
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
