"""Heartbeats answered together: one database trip for every `ping` of a short window.

Each `ping` marks her socket as seen (presence), reloads her account (a deactivated
member loses her sockets within a beat; the handlers see her current role) and reads her
rooms' latest revs (the `pong` lets the client notice a lost last event). Done one by
one, that is three queries per beat on the one worker thread that also runs chat sends:
5,000 members beating every 25 s kept it busy, and a message waited seconds behind the
beats. Here the pings that arrive within `WINDOW` seconds share one trip, three queries
in all, however many they are.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from dataclasses import dataclass, field

from channels.db import database_sync_to_async

from community.models import User
from rooms import selectors, services

log = logging.getLogger(__name__)

WINDOW = 0.25  # seconds a ping may wait for others to share its trip


@dataclass
class Beat:
    channel_name: str
    user_id: int
    room_ids: list[int]
    answer: asyncio.Future[tuple[User | None, dict[int, int]]] = field(repr=False)


def _answer_all(beats: list[Beat]) -> tuple[dict[int, User], dict[int, int]]:
    """One trip: every socket seen, the active accounts among theirs, their rooms' revs."""
    services.connections_seen(channel_names=[b.channel_name for b in beats])
    users = {user.pk: user for user in User.objects.filter(
        pk__in={b.user_id for b in beats}, is_active=True)}
    revs = selectors.room_revs({room_id for b in beats for room_id in b.room_ids})
    return users, revs


class Heart:
    """This event loop's heartbeats; answered in batches."""

    def __init__(self) -> None:
        self.waiting: list[Beat] = []
        self.task: asyncio.Task[None] | None = None

    async def beat(self, channel_name: str, user_id: int,
                   room_ids: list[int]) -> tuple[User | None, dict[int, int]]:
        """Her reloaded account (None if she is deactivated or gone) and her rooms' revs."""
        answer: asyncio.Future[tuple[User | None, dict[int, int]]] = \
            asyncio.get_running_loop().create_future()
        self.waiting.append(Beat(channel_name, user_id, room_ids, answer))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(
                self._answer_soon(), context=contextvars.Context())
        return await answer

    async def _answer_soon(self) -> None:
        await asyncio.sleep(WINDOW)
        beats, self.waiting, self.task = self.waiting, [], None
        try:
            users, revs = await database_sync_to_async(_answer_all)(beats)
        except Exception as error:
            log.exception("heartbeats not answered")
            for beat in beats:
                if not beat.answer.done():
                    beat.answer.set_exception(error)
            return
        for beat in beats:
            if not beat.answer.done():  # its socket may have closed meanwhile
                user = users.get(beat.user_id)
                beat.answer.set_result((user, {room_id: revs[room_id]
                                               for room_id in beat.room_ids
                                               if room_id in revs} if user else {}))


_hearts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heart] = (
    weakref.WeakKeyDictionary())


def local() -> Heart:
    loop = asyncio.get_running_loop()
    heart = _hearts.get(loop)
    if heart is None:
        heart = _hearts[loop] = Heart()
    return heart
