"""Which documents a message may show: those of its own room.

A message refers to a document by its address (`/documents/<id>/...`, chat.rendering);
only a document of the message's room is drawn as a thumbnail or a card, so a message
never passes off another room's file as this room's. Chat does not know documents (a
sibling app): `server.features` registers the function that answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REFERENCE = re.compile(r"/documents/([0-9]+)/")
MAX_REFERENCES = 50

# (room id, document ids) -> those of them the room holds (not deleted)
InRoom = Callable[[int, set[int]], set[int]]
_in_room: InRoom | None = None


def register(in_room: InRoom) -> None:
    global _in_room
    _in_room = in_room


def documents_in(room_id: int, text: str) -> set[int]:
    """The ids of the room's documents `text` refers to (no query when it refers to none)."""
    wanted = {int(found) for found in REFERENCE.findall(text)[:MAX_REFERENCES]}
    if not wanted or _in_room is None:
        return set()
    return _in_room(room_id, wanted)
