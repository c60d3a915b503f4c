"""Who may do what to messages: the only place these rules live (rooms rules underneath)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chat.models import Message
from community.permissions import Viewer, blocked_among, blocked_either_way
from rooms import permissions as room_permissions
from rooms.models import Membership, Room


def can_read(user: Viewer, room: Room) -> bool:
    return room_permissions.can_view_room(user, room)


def can_send(user: Viewer, room: Room, *, membership: Membership | None = None) -> bool:
    """`membership`: hers in `room`, when the caller has read it already."""
    return room_permissions.can_post(user, room, membership=membership)


def can_edit(user: Viewer, message: Message) -> bool:
    """Only the author edits, while the room takes writes; nobody edits a notice."""
    return (message.deleted_at is None and not message.notice
            and message.author_id == getattr(user, "pk", None)
            and room_permissions.can_post(user, message.room))


def can_delete(user: Viewer, message: Message) -> bool:
    """Her own message, while she is in the room; someone else's, if she may delete
    others' (`can_delete_others`). Nothing changes in an archived room. A block changes
    nothing: she may always take back what she wrote, and cannot silence a moderator.
    A notice (break-glass access opened or ended) stays: nobody deletes it."""
    if message.deleted_at is not None or message.notice or message.room.is_archived:
        return False
    if not room_permissions.can_view_room(user, message.room):
        return False
    return message.author_id == user.pk or can_delete_others(user, message.room)


def can_delete_others(user: Viewer, room: Room) -> bool:
    """In a group room, its owners and moderators delete anyone's message. In a
    one-to-one or direct room nobody deletes the other's words, whatever her role (both
    members of a mentoring pair own it); nor does an admin who is not in the room."""
    return (room.kind == Room.Kind.GROUP and not room.is_archived
            and room_permissions.can_moderate(user, room))


def can_delete_others_in(user: Viewer, rooms: Iterable[Room], *,
                         memberships: Mapping[int, Membership] | None = None) -> set[int]:
    """`can_delete_others` for all her rooms at once: the ids of those where she does
    (one query, none if given her memberships by room id)."""
    groups = [room for room in rooms if room.kind == Room.Kind.GROUP and not room.is_archived]
    return room_permissions.can_moderate_in(user, groups, memberships=memberships)


def can_react(user: Viewer, message: Message) -> bool:
    return (message.deleted_at is None and not message.notice
            and room_permissions.can_post(user, message.room))


def readable_room_ids(user: Viewer) -> list[int]:
    """`can_read` for all her rooms at once: the ids of the rooms whose messages she may
    read now (one query; none for a signed-out or deactivated user)."""
    return list(room_permissions.rooms_visible_to(user).values_list("pk", flat=True))


def mentionable_by(author: Viewer, user_ids: Iterable[int]) -> set[int]:
    """Of the members her text names, those a mention of hers reaches (recorded, counted,
    alerted): never herself, never across a block either way, in any room kind. The name
    still reads as written; it only alerts nobody on the other side of a block."""
    wanted = {int(user_id) for user_id in user_ids} - {int(author.pk or 0)}
    return wanted - blocked_among(int(author.pk or 0), wanted)


def hidden_authors(viewer: Viewer) -> set[int]:
    """The authors whose messages her search never shows: those she blocked or who
    blocked her (in the rooms they share, their messages still show, collapsed where she
    blocked them)."""
    if not getattr(viewer, "is_authenticated", False):
        return set()
    return blocked_either_way(int(viewer.pk or 0))
