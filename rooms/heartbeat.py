"""Heartbeats answered together: one database trip for every `ping` of a short window.

Each `ping` marks her socket as seen (presence), reloads her account (a deactivated
member loses her sockets within a beat; the handlers see her current role), reads her
rooms afresh (a room she left is dropped, whatever removed her) and their latest revs
(the socket sends what it is behind on before its `pong`). Done one by one, that is
several queries per beat on the one worker thread that also runs chat sends: 5,000
members beating every 25 s kept it busy, and a message waited seconds behind the beats.
Here the pings that arrive within `WINDOW` seconds share one trip, four queries in all,
however many they are.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.db import DatabaseError

from community.models import User
from rooms import permissions, selectors, services
from rooms.models import Membership

log = logging.getLogger(__name__)

WINDOW = 0.25  # seconds a ping may wait for others to share its trip

# Her reloaded account (None if deactivated or gone), her rooms, their latest revs.
Answer = tuple[User | None, list[int], dict[int, int]]


@dataclass
class Beat:
    channel_name: str
    user_id: int
    answer: asyncio.Future[Answer] = field(repr=False)
    # False for a socket signed in by a token without the `admin` scope: her reloaded
    # account is marked so (`User.admin_powers`), and her grants' rooms are not hers.
    admin_powers: bool = True


def _answer_all(beats: list[Beat]) -> dict[tuple[int, bool], Answer]:
    """One trip: every socket seen, the active accounts among theirs, their rooms and
    those rooms' revs; by account id and whether the socket uses her admin powers."""
    services.connections_seen(channel_names=[b.channel_name for b in beats])
    users = {user.pk: user for user in User.objects.filter(
        pk__in={b.user_id for b in beats}, is_active=True)}
    rooms: dict[int, list[int]] = defaultdict(list)
    for user_id, room_id in Membership.objects.filter(user_id__in=list(users)).values_list(
            "user_id", "room_id").order_by("room_id"):
        rooms[user_id].append(room_id)
    # Admins read the rooms of their active break-glass grants too (not through a token
    # without the `admin` scope): an expired or ended grant's room is dropped at her
    # next beat.
    viewers: dict[tuple[int, bool], User] = {}
    for beat in beats:
        user = users.get(beat.user_id)
        if user is not None and (beat.user_id, beat.admin_powers) not in viewers:
            viewer = copy.copy(user) if not beat.admin_powers else user
            viewer.admin_powers = beat.admin_powers
            viewers[(beat.user_id, beat.admin_powers)] = viewer
    granting = {user_id for (user_id, _powers), viewer in viewers.items()
                if permissions.can_use_grants(viewer)}
    granted = permissions.granted_room_ids(granting)
    found: dict[tuple[int, bool], list[int]] = {}
    for key, viewer in viewers.items():
        found[key] = rooms[key[0]]
        if permissions.can_use_grants(viewer) and key[0] in granted:
            found[key] = sorted(set(found[key]) | granted[key[0]])
    revs = selectors.room_revs({room_id for ids in found.values() for room_id in ids})
    return {key: (viewer, found[key], {room_id: revs[room_id]
                                      for room_id in found[key] if room_id in revs})
            for key, viewer in viewers.items()}


class Heart:
    """This event loop's heartbeats; answered in batches."""

    def __init__(self) -> None:
        self.waiting: list[Beat] = []
        self.task: asyncio.Task[None] | None = None

    async def beat(self, channel_name: str, user_id: int, *,
                   admin_powers: bool = True) -> Answer:
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.waiting.append(Beat(channel_name, user_id, answer, admin_powers))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(
                self._answer_soon(), context=contextvars.Context())
        return await answer

    async def _answer_soon(self) -> None:
        await asyncio.sleep(WINDOW)
        beats, self.waiting, self.task = self.waiting, [], None
        try:
            try:
                answers = await database_sync_to_async(_answer_all)(beats)
            except DatabaseError:
                # One broken connection must not fail every ping that shared its trip:
                # Django closes a connection that raised, the retry opens a new one.
                log.warning("heartbeats: the database trip failed; retrying once",
                            exc_info=True)
                answers = await database_sync_to_async(_answer_all)(beats)
        except Exception as error:
            log.exception("heartbeats not answered")
            for beat in beats:
                if not beat.answer.done():
                    beat.answer.set_exception(error)
            return
        for beat in beats:
            if not beat.answer.done():  # its socket may have closed meanwhile
                beat.answer.set_result(answers.get((beat.user_id, beat.admin_powers),
                                                   (None, [], {})))


_hearts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heart] = (
    weakref.WeakKeyDictionary())


def local() -> Heart:
    loop = asyncio.get_running_loop()
    heart = _hearts.get(loop)
    if heart is None:
        heart = _hearts[loop] = Heart()
    return heart
