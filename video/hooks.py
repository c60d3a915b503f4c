"""What calls tell the apps beside them, through functions `server.features` registers
(siblings never import each other): a call started in a room (its members are rung), and
a member joined one (her ring is read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CallStarted = Callable[[Any, Any], None]  # (room, caller)
CallJoined = Callable[[int, int], None]  # (user id, room id)
_started: list[CallStarted] = []
_joined: list[CallJoined] = []


def register(started: CallStarted, joined: CallJoined) -> None:
    if started not in _started:
        _started.append(started)
    if joined not in _joined:
        _joined.append(joined)


def call_started(room: Any, caller: Any) -> None:
    """Inside the transaction that created the call."""
    for hook in _started:
        hook(room, caller)


def call_joined(user_id: int, room_id: int) -> None:
    """Inside the transaction that gave her a seat."""
    for hook in _joined:
        hook(user_id, room_id)
