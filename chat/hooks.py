"""What chat tells the apps beside it, through functions `server.features` registers
(siblings never import each other): a message sent (the notification centre tells whom
it is for), a message edited or deleted (what told of it follows), and a room read up to
a message (what told her of it is read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (room, author, message id, seq, excerpt, ids mentioned, the replied-to message's author id)
MessageSent = Callable[..., None]
RoomRead = Callable[[int, int, int], None]  # (user id, room id, seq)
MessageChanged = Callable[[int, int, "str | None"], None]  # (room id, seq, excerpt or None)
_sent: list[MessageSent] = []
_read: list[RoomRead] = []
_changed: list[MessageChanged] = []


def register_message_sent(hook: MessageSent) -> None:
    if hook not in _sent:
        _sent.append(hook)


def register_room_read(hook: RoomRead) -> None:
    if hook not in _read:
        _read.append(hook)


def register_message_changed(hook: MessageChanged) -> None:
    if hook not in _changed:
        _changed.append(hook)


def message_changed(room_id: int, seq: int, excerpt: str | None) -> None:
    """Inside the edit's (`excerpt`: the new text) or deletion's (None) transaction: what
    told anyone of the message must not keep its old words."""
    for hook in _changed:
        hook(room_id, seq, excerpt)


def message_sent(**facts: Any) -> None:
    """Inside the message's transaction: `room`, `author`, `message_id`, `seq`, `excerpt`,
    `mentioned`, `replied_to`."""
    for hook in _sent:
        hook(**facts)


def room_read(user_id: int, room_id: int, seq: int) -> None:
    """Inside the transaction that moved her read position."""
    for hook in _read:
        hook(user_id, room_id, seq)
