"""Reads of the chat app. The history API, catch-up and live events share `message_payload`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Prefetch, QuerySet

from chat import permissions, statements
from chat.models import Mention, Message, Reaction
from chat.rendering import excerpt
from community.models import User
from rooms import hooks as room_hooks
from rooms import permissions as room_permissions
from rooms import selectors as room_selectors
from rooms.models import Membership, Room
from rooms.protocol import (
    DeletedBy,
    MessageAuthorPayload,
    MessagePayload,
    ReactionPayload,
    RoomStatePayload,
)

HISTORY_MAX = 100
CATCH_UP_MAX = 500


def _with_related(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.select_related("author", "reply_to__author").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "pk")),
        Prefetch("mention_rows",
                 queryset=Mention.objects.only("message_id", "user_id").order_by("user_id")))


def message_payload(message: Message) -> MessagePayload:
    """The one shape of a message on the wire (prefetch with `_with_related`)."""
    deleted = message.deleted_at is not None
    return _payload(message, [] if deleted else list(message.reactions.all()),
                    [] if deleted else [m.user_id for m in message.mention_rows.all()])


def new_message_payload(message: Message, mentions: Iterable[int]) -> MessagePayload:
    """The payload of a message just created, from the objects in hand: no reaction yet,
    `mentions` as recorded; its reply's author selected with the reply."""
    return _payload(message, [], sorted(mentions))


def _payload(message: Message, reactions: list[Reaction],
             mentions: list[int]) -> MessagePayload:
    by_emoji: dict[str, list[int]] = defaultdict(list)
    for reaction in reactions:
        by_emoji[reaction.emoji].append(reaction.user_id)
    reply = message.reply_to
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "room_id": message.room_id,
        "seq": message.seq,
        "rev": message.rev,
        "client_id": message.client_id,
        "author": _author(message.author),
        "text": "" if deleted else message.text,
        "html": "" if deleted else message.html,
        "reply_to": None if reply is None else {
            "id": reply.pk, "seq": reply.seq,
            "author_name": reply.author.name if reply.author else "",
            "excerpt": "" if reply.deleted_at else excerpt(reply.text, 80)},
        "reactions": [ReactionPayload(emoji=e, count=len(ids), user_ids=ids)
                      for e, ids in by_emoji.items()],
        "mentions": mentions,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "deleted_by": _deleted_by(message),
        "notice": message.notice,
    }


def _author(author: User | None) -> MessageAuthorPayload:
    if author is None:  # her account is gone
        return {"id": 0, "name": ""}
    payload: MessageAuthorPayload = {"id": author.pk, "name": author.name}
    badge = author.role_badge
    if badge:
        payload["badge"] = badge  # type: ignore[typeddict-item]  # "mentor" or "admin"
    return payload


def _deleted_by(message: Message) -> DeletedBy | None:
    """`hidden` when a moderator hid it after a report; `moderator` when someone other
    than its author deleted it. Both accounts gone (both ids emptied) reads as `author`:
    nothing tells them apart then."""
    if message.deleted_at is None:
        return None
    if message.hidden_at is not None:
        return "hidden"
    return "author" if message.deleted_by_id == message.author_id else "moderator"


def message_get(message_id: int) -> Message:
    return _with_related(Message.objects.all()).get(pk=message_id)


def message_history(viewer: User, room: Room) -> QuerySet[Message]:
    """Every message of `room` as `message_payload` needs it, for a viewer who may read it
    (none for anyone else): what the API pages through with its cursors."""
    if not room_permissions.can_view_room(viewer, room):
        return Message.objects.none()
    return _with_related(Message.objects.filter(room=room))


def messages_page(
    viewer: User, room: Room, *, before_seq: int | None = None, after_seq: int | None = None,
    limit: int = 50,
) -> list[MessagePayload]:
    """Up to `limit` messages in seq order: the latest, those before `before_seq`, or
    those after `after_seq` (a jump to the first unread message uses after_seq)."""
    if not room_permissions.can_view_room(viewer, room):
        return []
    limit = max(1, min(limit, HISTORY_MAX))
    messages = _with_related(Message.objects.filter(room=room))
    if after_seq is not None:
        page = list(messages.filter(seq__gt=after_seq).order_by("seq")[:limit])
    else:
        if before_seq is not None:
            messages = messages.filter(seq__lt=before_seq)
        page = list(messages.order_by("-seq")[:limit])[::-1]
    return [message_payload(m) for m in page]


def catch_up_events(viewer: User, room_id: int,
                    after_rev: int) -> tuple[list[dict[str, Any]], bool]:
    """The events a socket of `viewer` that holds the room up to `after_rev` misses, in rev
    order; nothing for a viewer who may not see the room (now).

    Each changed message comes once, in its current state: `chat.message.created` if it
    is newer than everything the client held, else `chat.message.updated`. The second
    value is True when more than CATCH_UP_MAX changed: the client then starts the room
    afresh from its latest page instead (`chat.reset`).
    """
    if not room_permissions.can_view_room_id(viewer, room_id):
        return [], False
    changed = list(_with_related(Message.objects.filter(room_id=room_id, rev__gt=after_rev))
                   .order_by("rev")[:CATCH_UP_MAX + 1])
    if len(changed) > CATCH_UP_MAX:
        return [], True
    if not changed:
        return [], False
    held_seq = (Message.objects.filter(room_id=room_id, created_rev__lte=after_rev)
                .aggregate(top=Max("seq"))["top"] or 0)
    return [{"type": "chat.message.created" if m.seq > held_seq else "chat.message.updated",
             "room_id": room_id, "rev": m.rev, "message": message_payload(m)}
            for m in changed], False


def unread_by_room(user: User) -> dict[int, int]:
    """Others' unread messages per room she has not muted and may post in or read (what
    the navigation's "Rooms" count adds up): her room states less her muted rooms."""
    loud = list(Membership.objects.filter(user=user, muted=False)
                .values_list("room_id", flat=True))
    if not loud:
        return {}
    # Only her rooms not muted are counted at all: a busy muted room costs nothing.
    return {state["room_id"]: state["unread"] for state in room_states(user, loud)}


def room_states(user: User, room_ids: Iterable[int] | None = None) -> list[RoomStatePayload]:
    """Per room: latest seq and rev, her read position, unread and mention counts.

    Unread counts others' live messages after her read position; one query for all rooms
    (every socket runs it when it opens: chat.statements).
    """
    wanted = None if room_ids is None else [int(i) for i in room_ids]
    found = statements.room_state_rows(int(user.pk), wanted)
    states: list[RoomStatePayload] = [
        {"room_id": room_id, "last_seq": last_seq, "last_rev": last_rev,
         "last_read_seq": last_read_seq, "unread": unread, "mentions": mentions}
        for room_id, last_seq, last_rev, last_read_seq, unread, mentions in found]
    if room_permissions.can_use_grants(user):  # break-glass rooms: no read position, nothing unread
        granted = room_permissions.granted_room_ids([int(user.pk)]).get(int(user.pk), set())
        granted -= {state["room_id"] for state in states}
        if wanted is not None:
            granted &= set(wanted)
        for room_id, last_seq, last_rev in Room.objects.filter(pk__in=granted).values_list(
                "pk", "last_seq", "last_rev"):
            states.append({"room_id": room_id, "last_seq": last_seq, "last_rev": last_rev,
                           "last_read_seq": last_seq, "unread": 0, "mentions": 0})
    return states


def room_summaries(viewer: User, rooms: Iterable[Room], *,
                   extras: bool = False) -> list[dict[str, object]]:
    """`rooms` (hers: `rooms.selectors.room_list`) with her read state and what she may
    do in each, in a fixed number of queries whatever their number (the rules' set
    forms). `extras`: with the fields room features add (rooms.hooks), for the rooms
    page. The rooms page, its room list and the API's rooms all read this."""
    rooms = list(rooms)
    states = {s["room_id"]: s for s in room_states(viewer, [room.pk for room in rooms])}
    memberships = room_permissions.memberships_in(viewer, rooms)
    posting = room_permissions.can_post_in(viewer, rooms, memberships=memberships)
    moderating = room_permissions.can_moderate_in(viewer, rooms, memberships=memberships)
    managing = room_permissions.can_manage_members_in(viewer, rooms, memberships=memberships)
    deleting = permissions.can_delete_others_in(viewer, rooms, memberships=memberships)
    added = room_hooks.room_summary_extras(viewer, rooms) if extras else {}
    summaries: list[dict[str, object]] = []
    for room in rooms:
        state = states.get(room.pk)
        summaries.append({
            "id": room.pk, "kind": room.kind, "title": room_selectors.room_title(room, viewer),
            "topic": room.topic, "archived": room.is_archived,
            "last_seq": state["last_seq"] if state else 0,
            "last_rev": state["last_rev"] if state else 0,
            "last_read_seq": state["last_read_seq"] if state else 0,
            "unread": state["unread"] if state else 0,
            "mentions": state["mentions"] if state else 0,
            "can_post": room.pk in posting, "can_moderate": room.pk in moderating,
            "can_manage": room.pk in managing, "can_delete_others": room.pk in deleting,
            "muted": bool(memberships[room.pk].muted) if room.pk in memberships else False,
            **added.get(room.pk, {}),
        })
    return summaries


def members_by_name(room: Room) -> dict[str, tuple[int, str]]:
    """Casefolded name -> (id, name) of the room's members, for resolving @mentions."""
    return {u.name.casefold(): (u.pk, u.name)
            for u in User.objects.filter(memberships__room=room, is_active=True)}
