"""Catch-up after a reconnect, read once per room and range and shared by the sockets that
ask for the same one.

When a room's members come back together (a server restart, a network blip: a reconnect
storm) they each ask for the changes after the same rev. `catch_up_events` keeps the
answer for (room, after_rev, room_rev), `room_rev` being the room's latest rev as the
asking socket read it in `sync`. An answer is kept only if it was read while the room was
at exactly that rev (its newest event has it), so it is what any socket that read that
rev would have read; whatever changed since reaches such a socket as a live event, since
it subscribed before reading. Process-local; bounded; thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from chat import selectors
from community.models import User

KEEP_EVENTS = 20_000  # events kept over all answers (least recently used dropped first)

Answer = tuple[list[dict[str, Any]], bool]
_answers: OrderedDict[tuple[int, int, int], Answer] = OrderedDict()
_kept = 0  # events in `_answers`
_lock = threading.Lock()


def catch_up_events(viewer: User, room_id: int, after_rev: int,
                    room_rev: int | None = None) -> Answer:
    """`chat.selectors.catch_up_events`, shared when the caller knows the room's rev.

    Registered with `rooms.catchup`, which asks first whether `viewer` may see the room:
    a kept answer goes only to viewers who may. The events are shared between sockets:
    read them, never change them. A socket that holds the room up to the rev its `sync`
    read misses nothing: no query."""
    if room_rev is not None and room_rev <= after_rev:
        return [], False
    if room_rev is None:
        return selectors.catch_up_events(viewer, room_id, after_rev)
    key = (room_id, after_rev, room_rev)
    with _lock:
        answer = _answers.get(key)
        if answer is not None:
            _answers.move_to_end(key)
            return answer
    events, reset = selectors.catch_up_events(viewer, room_id, after_rev)
    if not reset and events and events[-1]["rev"] == room_rev:
        _keep(key, (events, reset))
    return events, reset


def _keep(key: tuple[int, int, int], answer: Answer) -> None:
    global _kept
    with _lock:
        if key in _answers:  # another thread read the same range meanwhile
            return
        _answers[key] = answer
        _kept += len(answer[0])
        while _kept > KEEP_EVENTS and len(_answers) > 1:
            _, (dropped, _reset) = _answers.popitem(last=False)
            _kept -= len(dropped)


def forget() -> None:
    """Drop every kept answer (tests)."""
    global _kept
    with _lock:
        _answers.clear()
        _kept = 0
