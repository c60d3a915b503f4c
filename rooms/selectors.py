"""Reads of the rooms app for a given viewer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from community.models import User
from rooms import permissions, statements
from rooms.models import BreakGlassGrant, Connection, Membership, Room
from rooms.services import PRESENCE_TIMEOUT

Status = Literal["online", "away", "offline"]


def room_list(viewer: User) -> QuerySet[Room]:
    """Her rooms, live ones first, most recently active first; each direct room with the
    members its title names (`title_members`): a group's members are not read, however
    many (a programme-wide room of thousands costs the list nothing)."""
    return (permissions.rooms_visible_to(viewer)
            .prefetch_related(Prefetch(
                "memberships", to_attr="title_members",
                queryset=Membership.objects.filter(room__kind=Room.Kind.DIRECT)
                .select_related("user")))
            .order_by("archived_at", "-last_rev", "-created_at"))


def room_title(room: Room, viewer: User) -> str:
    """Direct rooms are named after the other person."""
    if room.kind == Room.Kind.DIRECT:
        members = getattr(room, "title_members", None)
        if members is None:  # a room read elsewhere (its prefetch, if any, is used)
            members = room.memberships.all()
        others = [m.user.name for m in members if m.user_id != viewer.pk]
        return ", ".join(others) or room.name
    return room.name


def mute_list(viewer: User) -> list[dict[str, Any]]:
    """Her rooms not archived, each with its title and whether she muted it (the
    notification preferences page)."""
    rooms = list(room_list(viewer).filter(archived_at__isnull=True))
    muted = set(Membership.objects.filter(user=viewer, muted=True)
                .values_list("room_id", flat=True))
    return [{"id": room.pk, "room": room, "title": room_title(room, viewer),
             "muted": room.pk in muted} for room in rooms]


def room_ids_of(user: User) -> list[int]:
    """Her rooms' ids: her memberships and, for an admin, the rooms of her active
    break-glass grants (`rooms.permissions.granted_room_ids`; not asked for a member known
    not to be an admin, nor through her token without the `admin` scope:
    `rooms.permissions.can_use_grants`)."""
    user_id = int(user.pk)
    found = statements.room_ids_of(user_id)
    if permissions.can_use_grants(user):
        granted = permissions.granted_room_ids([user_id]).get(user_id, set())
        found += sorted(granted - set(found))
    return found


def room_revs(room_ids: Iterable[int]) -> dict[int, int]:
    """Each room's latest rev: one small query, for the heartbeat."""
    return dict(Room.objects.filter(pk__in=list(room_ids)).values_list("pk", "last_rev"))


def presence_of(user_ids: Iterable[int]) -> dict[int, Status]:
    """online if any of her sockets is active, away if all are idle, else offline (a
    read-only token's socket, `reading`, counts for nothing)."""
    fresh = statements.connection_states([int(i) for i in user_ids],
                                         timezone.now() - PRESENCE_TIMEOUT)
    status: dict[int, Status] = {}
    for user_id, state in fresh:
        if state == Connection.State.ACTIVE:
            status[user_id] = "online"
        elif state == Connection.State.IDLE:
            status.setdefault(user_id, "away")
    return status


def presence_seen_by(viewer: User, user_ids: Iterable[int]) -> dict[int, Status]:
    """`presence_of` as `viewer` may see it: a block either way hides her presence (those
    members are left out, so they read as offline)."""
    hidden = permissions.hidden_from(viewer)
    return presence_of(user_id for user_id in user_ids if user_id not in hidden)


def member_list(viewer: User, room: Room) -> list[dict[str, object]]:
    """The room's members with role and presence; empty for a non-member."""
    if not permissions.can_view_room(viewer, room):
        return []
    return member_rows(viewer, room.memberships.select_related("user").order_by("user__name"))


def member_rows(viewer: User, memberships: Iterable[Membership]) -> list[dict[str, object]]:
    """Each membership as the room's member list shows it to `viewer`: id, name, role and
    her presence as `viewer` may see it. The caller chose what `viewer` may see."""
    memberships = list(memberships)
    presence = presence_seen_by(viewer, (m.user_id for m in memberships))
    return [{"id": m.user_id, "name": m.user.name, "role": m.role,
             "status": presence.get(m.user_id, "offline")} for m in memberships]


def break_glass_grant(viewer: User, room: Room) -> BreakGlassGrant | None:
    """Her active break-glass grant in `room`, if she reads it that way (not as a member)."""
    if not permissions.can_use_grants(viewer) \
            or permissions.membership_of(viewer, room) is not None:
        return None
    return permissions.grants_active().filter(admin=viewer, room=room).first()


def break_glass_list(viewer: User, room: Room) -> list[dict[str, Any]]:
    """The room's break-glass grants, newest first, each with whether it is active now and
    whether the viewer may end it; empty for whom may not break the glass."""
    if not permissions.can_break_glass(viewer, room):
        return []
    active = set(permissions.grants_active().filter(room=room).values_list("pk", flat=True))
    return [{"grant": grant, "active": grant.pk in active,
             "can_end": grant.pk in active and permissions.can_end_grant(viewer, grant)}
            for grant in BreakGlassGrant.objects.filter(room=room).select_related("admin")]


def break_glass_rooms(viewer: User, member: User) -> list[dict[str, Any]]:
    """Her pair and direct rooms, each titled with the other member's name, for an admin
    (`permissions.can_look_into_rooms_of`); empty otherwise. Rooms the admin is in are left
    out: she reads those as a member."""
    if not permissions.can_look_into_rooms_of(viewer, member):
        return []
    rooms = (Room.objects.filter(kind__in=permissions.PAIR_KINDS, memberships__user=member)
             .exclude(memberships__user=viewer).prefetch_related("memberships__user")
             .order_by("-last_rev"))
    return [{"room": room, "others": ", ".join(m.user.name for m in room.memberships.all()
                                               if m.user_id != member.pk)}
            for room in rooms]
