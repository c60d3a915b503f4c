"""Thin handlers for the chat.* socket requests: parse, call one service, return the ack.

They run in a worker thread (the consumer wraps them with database_sync_to_async). A
ValidationError, PermissionDenied, NotFound or RateLimited becomes an `error` frame.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from chat import selectors, services
from community.models import User
from community.ratelimit import limit_member
from rooms import permissions as room_permissions


def _int(content: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = content.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{key} must be a whole number.")
    return value


def handle_send(user: User, content: dict[str, Any]) -> dict[str, Any]:
    message, created = services.message_send(
        author=user, room_id=_int(content, "room_id"),  # type: ignore[arg-type]
        text=content.get("text"),  # type: ignore[arg-type]
        client_id=content.get("client_id"),  # type: ignore[arg-type]
        reply_to=_int(content, "reply_to", required=False))
    return {"message_id": message.pk, "room_id": message.room_id, "seq": message.seq,
            "rev": message.rev, "client_id": message.client_id, "duplicate": not created}


def handle_edit(user: User, content: dict[str, Any]) -> dict[str, Any]:
    message = services.message_edit(user=user, message_id=_int(content, "message_id"),  # type: ignore[arg-type]
                                    text=content.get("text"))  # type: ignore[arg-type]
    return {"message_id": message.pk, "rev": message.rev}


def handle_delete(user: User, content: dict[str, Any]) -> dict[str, Any]:
    message = services.message_delete(user=user, message_id=_int(content, "message_id"))  # type: ignore[arg-type]
    return {"message_id": message.pk, "rev": message.rev}


def handle_react(user: User, content: dict[str, Any]) -> dict[str, Any]:
    on = content.get("on", True)
    if not isinstance(on, bool):
        raise ValidationError("on is true or false.")
    message = services.reaction_set(user=user, message_id=_int(content, "message_id"),  # type: ignore[arg-type]
                                    emoji=content.get("emoji"), on=on)  # type: ignore[arg-type]
    return {"message_id": message.pk, "rev": message.rev}


def handle_read(user: User, content: dict[str, Any]) -> dict[str, Any]:
    seq = services.read_mark(user=user, room_id=_int(content, "room_id"),  # type: ignore[arg-type]
                             seq=_int(content, "seq"))  # type: ignore[arg-type]
    return {"room_id": content["room_id"], "last_read_seq": seq}


def handle_history(user: User, content: dict[str, Any]) -> dict[str, Any]:
    limit_member("chat.history", user)
    room = room_permissions.access_room(user, _int(content, "room_id"))  # type: ignore[arg-type]
    limit = _int(content, "limit", required=False) or 50
    messages = selectors.messages_page(
        user, room, before_seq=_int(content, "before_seq", required=False),
        after_seq=_int(content, "after_seq", required=False), limit=limit)
    return {"room_id": room.pk, "messages": messages}


HANDLERS = {
    "chat.send": handle_send,
    "chat.edit": handle_edit,
    "chat.delete": handle_delete,
    "chat.react": handle_react,
    "chat.read": handle_read,
    "chat.history": handle_history,
}
