"""A message as a report names it (community.moderation, wired in `server.features`): who
may report it, and the least context a moderator needs to judge it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from chat import permissions
from chat.models import Message
from community.hooks import ReportedItem
from community.models import User

CONTEXT_EACH_SIDE = 2  # messages shown before and after the one reported, never more
EXCERPT_CHARS = 600


def message_reported(viewer: User, message_id: int, room_id: int | None) -> ReportedItem | None:
    """A live message of someone else in a room she may read now (a block changes
    nothing: she may report what the member she blocked wrote). Never a notice from the
    server: it is no member's, and hiding it would erase what told the room of an
    admin's break-glass reading."""
    message = (Message.objects.select_related("room", "author")
               .filter(pk=message_id, deleted_at__isnull=True).first())
    if message is None or message.notice or not permissions.can_read(viewer, message.room):
        return None
    return ReportedItem(room_id=message.room_id, member_id=message.author_id,
                        label=str(message.room), excerpt=message.text[:EXCERPT_CHARS],
                        url=f"/rooms/{message.room_id}/#message-{message.seq}")


def _line(message: Message, reported: bool) -> dict[str, Any]:
    state = "hidden" if message.hidden_at else "deleted" if message.deleted_at else ""
    return {"author": message.author.name if message.author else "",
            "text": "" if state else message.text[:EXCERPT_CHARS], "state": state,
            "at": message.created_at, "reported": reported}


def message_context(message_id: int, room_id: int | None) -> dict[str, Any]:
    """The message and at most CONTEXT_EACH_SIDE messages before and after it in time
    (ties in time by their place in the room): the rest of the room is never read."""
    message = Message.objects.select_related("author", "room").filter(pk=message_id).first()
    if message is None:
        return {"gone": True}
    room = Message.objects.select_related("author").filter(room_id=message.room_id)
    earlier = Q(created_at__lt=message.created_at) | Q(created_at=message.created_at,
                                                       seq__lt=message.seq)
    later = Q(created_at__gt=message.created_at) | Q(created_at=message.created_at,
                                                     seq__gt=message.seq)
    before = list(room.filter(earlier).order_by("-created_at", "-seq")[:CONTEXT_EACH_SIDE])
    after = list(room.filter(later).order_by("created_at", "seq")[:CONTEXT_EACH_SIDE])
    lines = ([_line(m, False) for m in reversed(before)] + [_line(message, True)]
             + [_line(m, False) for m in after])
    return {"room": str(message.room), "lines": lines}
