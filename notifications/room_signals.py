"""What happens in her rooms that she is told of: a message for her, a call starting.

Chat and video call these through their hooks (wired in server.features), inside the
writer's transaction. Who is told:
- a mention: the member mentioned, even in a room she muted;
- a message in a mentoring pair or direct room: the other, unless muted (then only if
  it mentions her), always as a direct message;
- a reply: the author of the message replied to, unless muted;
- a call: every other member of the room, unless muted.
Never anyone who blocked the author, or was blocked by her, and each member once per
message (in a group room a mention outranks a reply).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from community.models import User
from notifications import kinds, permissions, selectors
from notifications.models import Notification, Preference
from rooms import protocol
from rooms.models import Membership, Room


def _room_name(room: Room, author: User) -> str:
    """How the sentence names the room: a direct room by its other member's name."""
    if room.kind == Room.Kind.DIRECT:
        return author.name
    return room.name or str(room.get_kind_display())


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
    if pair:
        # Between two people every message is for her: one kind, "wrote to you" (a
        # mention or a reply says nothing more); a muted pair tells only of a mention.
        for user_id, muted in members.items():
            if not muted or user_id in mentioned:
                told[user_id] = "chat_direct"
    else:
        for user_id in mentioned & set(members):
            told[user_id] = "chat_mention"
        if replied_to is not None and replied_to in members and not members[replied_to]:
            told.setdefault(replied_to, "chat_reply")
    allowed = permissions.told_of(author, told)
    told = {user_id: kind for user_id, kind in told.items() if user_id in allowed}
    _tell(room, told, url=f"/rooms/{room.pk}/#message-{seq}", seq=seq,  # opened at its seq
          params={"name": author.name, "room": _room_name(room, author), "excerpt": excerpt})


def _tell(room: Room, told: dict[int, str], *, url: str, params: dict[str, str],
          seq: int | None = None) -> None:
    """One notification per member, each of her kind, as her preferences say (what
    `notify` does for one), in a fixed number of queries however many are told: a
    message may mention the whole room."""
    if not told:
        return
    saved = {(row.user_id, row.kind): (row.in_app, row.email) for row in Preference.objects
             .filter(user_id__in=told, kind__in=set(told.values()))}
    active = set(User.objects.filter(pk__in=told, is_active=True).values_list("pk", flat=True))
    rows = []
    for user_id, kind in told.items():
        entry = kinds.KINDS[kind]
        in_app, email = saved.get((user_id, kind), (True, entry.email_by_default))
        if user_id in active and (in_app or (entry.missed_email and email)):
            # A chat kind wanted by e-mail only is kept unshown, for the missed-message
            # e-mail alone (notifications.missed).
            rows.append(Notification(user_id=user_id, kind=kind, params=params, url=url,
                                     room=room, seq=seq, shown=in_app))
    # Both backends give the new rows' ids back (Django's bulk_create with RETURNING).
    rows = [row for row in Notification.objects.bulk_create(rows) if row.shown]
    unread = _unread_counts([row.user_id for row in rows])
    for row in rows:
        protocol.publish_to_user(row.user_id, protocol.NotificationCreated(
            type="notification.created", notification=selectors.notification_payload(row),
            unread=unread.get(row.user_id, 0)))


def message_changed(*, room_id: int, seq: int, excerpt: str | None) -> None:
    """A message was edited (`excerpt`: its new text) or deleted (None): what told of it
    says what it says now, or is gone, in every tab of hers."""
    about = Notification.objects.filter(room_id=room_id, seq=seq, kind__in=kinds.CHAT_KINDS)
    if excerpt is not None:
        for row in about:
            row.params = {**row.params, "excerpt": excerpt}
            row.save(update_fields=["params"])
        return
    gone = list(about.values_list("pk", "user_id"))
    if not gone:
        return
    about.delete()
    users = sorted({user_id for _pk, user_id in gone})
    unread = _unread_counts(users)
    for user_id in users:
        protocol.publish_to_user(user_id, protocol.NotificationsRead(
            type="notifications.read", ids=[pk for pk, owner in gone if owner == user_id],
            unread=unread.get(user_id, 0)))


RING_AGAIN_AFTER = timedelta(minutes=2)


def call_started(*, room: Room, caller: User) -> None:
    """Ring every other member who has not muted the room: one row each, in a few queries
    whatever the room's size (a group of 200 rings in one insert). A room that rang less
    than two minutes ago does not ring again (a call left and started again at once)."""
    if Notification.objects.filter(room=room, kind="call_started",
                                   created_at__gt=timezone.now() - RING_AGAIN_AFTER).exists():
        return
    member_ids = set(Membership.objects.filter(room=room, muted=False)
                     .exclude(user_id=caller.pk).values_list("user_id", flat=True))
    member_ids = permissions.told_of(caller, member_ids)
    pair = room.kind in (Room.Kind.ONE_TO_ONE, Room.Kind.DIRECT)  # "is calling you"
    _tell(room, dict.fromkeys(member_ids, "call_started"), url=f"/rooms/{room.pk}/#call",
          params={"name": caller.name,
                  "room": "" if pair else room.name or str(room.get_kind_display())})


def _unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Each member's unread count, counted as her centre counts it
    (`permissions.notifications_visible_to`), in one query."""
    in_her_room = Exists(Membership.objects.filter(
        room_id=OuterRef("room_id"), user_id=OuterRef("user_id")))
    rows = (Notification.objects.filter(user_id__in=user_ids, shown=True, read_at__isnull=True)
            .filter(Q(room__isnull=True) | in_her_room)
            .values("user_id").annotate(count=Count("id")))
    return {row["user_id"]: row["count"] for row in rows}
