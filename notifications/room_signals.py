"""What happens in her rooms that she is told of: a message for her, a call starting.

Chat and video call these through their hooks (wired in server.features), inside the
writer's transaction. Who is told:
- a mention: the member mentioned, even in a room she muted;
- a message in a mentoring pair or direct room: the others, unless muted;
- a reply: the author of the message replied to, unless muted;
- a call: every other member of the room, unless muted.
Never anyone who blocked the author, or was blocked by her, and each member once per
message (a mention outranks a reply, which outranks a direct message).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from community.models import User
from community.permissions import blocked_among
from notifications import selectors
from notifications.models import Notification, Preference
from notifications.services import notify
from rooms import protocol
from rooms.models import Membership, Room


def _room_name(room: Room, author: User) -> str:
    """How the sentence names the room: a direct room by its other member's name."""
    if room.kind == Room.Kind.DIRECT:
        return author.name
    return room.name or str(room.get_kind_display())


def _blocked_ids(author: User, user_ids: Iterable[int]) -> set[int]:
    return blocked_among(int(author.pk), user_ids)


def message_sent(*, room: Room, author: User, message_id: int, seq: int, excerpt: str,
                 mentioned: Iterable[int], replied_to: int | None) -> None:
    """Tell whom a new message is for (see the module's rules)."""
    mentioned = set(mentioned) - {author.pk}
    pair = room.kind in (Room.Kind.ONE_TO_ONE, Room.Kind.DIRECT)
    if not mentioned and not pair and (replied_to is None or replied_to == author.pk):
        return  # the common case in a busy group room: nobody to tell, no query
    members = dict(Membership.objects.filter(room=room).exclude(user_id=author.pk)
                   .values_list("user_id", "muted"))
    told: dict[int, str] = {}
    for user_id in mentioned & set(members):
        told[user_id] = "chat_mention"
    if replied_to is not None and replied_to in members and not members[replied_to]:
        told.setdefault(replied_to, "chat_reply")
    if pair:
        for user_id, muted in members.items():
            if not muted:
                told.setdefault(user_id, "chat_direct")
    for user_id in _blocked_ids(author, told):
        del told[user_id]
    url = f"/rooms/{room.pk}/#message-{seq}"  # the rooms page opens a room at a seq
    for user in User.objects.filter(pk__in=told, is_active=True):
        notify(user=user, kind=told[user.pk], url=url, room_id=room.pk, seq=seq,
               params={"name": author.name, "room": _room_name(room, author),
                       "excerpt": excerpt})


def call_started(*, room: Room, caller: User) -> None:
    """Ring every other member who has not muted the room: one row each, in a few queries
    whatever the room's size (a group of 200 rings in one insert)."""
    member_ids = set(Membership.objects.filter(room=room, muted=False)
                     .exclude(user_id=caller.pk).values_list("user_id", flat=True))
    member_ids -= _blocked_ids(caller, member_ids)
    off = set(Preference.objects.filter(user_id__in=member_ids, kind="call_started",
                                        in_app=False).values_list("user_id", flat=True))
    users = list(User.objects.filter(pk__in=member_ids - off, is_active=True))
    if not users:
        return
    params = {"name": caller.name, "room": room.name or str(room.get_kind_display())}
    url = f"/rooms/{room.pk}/#call"
    # Both backends give the new rows' ids back (Django's bulk_create with RETURNING).
    rows = Notification.objects.bulk_create([
        Notification(user=user, kind="call_started", params=params, url=url, room=room)
        for user in users])
    unread = _unread_counts([user.pk for user in users])
    for row in rows:
        protocol.publish_to_user(row.user_id, protocol.NotificationCreated(
            type="notification.created", notification=selectors.notification_payload(row),
            unread=unread.get(row.user_id, 0)))


def _unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Each member's unread count, counted as her centre counts it
    (`permissions.notifications_visible_to`), in one query."""
    in_her_room = Exists(Membership.objects.filter(
        room_id=OuterRef("room_id"), user_id=OuterRef("user_id")))
    rows = (Notification.objects.filter(user_id__in=user_ids, shown=True, read_at__isnull=True)
            .filter(Q(room__isnull=True) | in_her_room)
            .values("user_id").annotate(count=Count("id")))
    return {row["user_id"]: row["count"] for row in rows}
