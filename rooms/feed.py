"""Her rooms on one socket: which it follows, what it sent of each, what waits.

The part of `rooms.consumers.RoomConsumer` that feeds her rooms' events to the socket:
`sync` (her rooms read afresh, then each room's missing changes), live events from the
hub (each room's order kept by `rooms.ordering.RoomOrder`), gaps filled from the record
(`rooms.catchup`, which asks the permission layer for this viewer, now), and following
exactly the rooms the database says she is in. While the socket reads the database or
answers a request (`reading`), live events wait: an answer comes before the events it
caused, a `sync.done` after the events it covers. A socket that hides someone (a block,
`hidden`) drops their typing and presence, and sends a room event a feature has a view of
(rooms.hooks.EVENT_VIEWS: `call.changed`) as that view reads to her.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from community.models import User
from rooms import catchup, hooks, metrics, protocol, selectors
from rooms import hub as room_hub
from rooms.ordering import RoomOrder, Step

log = logging.getLogger(__name__)

MAX_HELD_EPHEMERAL = 1000  # unnumbered events held while reading; beyond, the oldest go
MAX_FILLS = 5  # reads of one room in a row before the rest is left to the next event


class RoomFeed:
    """Mixed into the consumer, which owns the state below (set in its `__init__`)."""

    user: User | None
    personal_only: bool
    room_ids: set[int]
    hidden: frozenset[int]  # whom a block hides from her (typing, presence, call seats)
    orders: dict[int, RoomOrder[str]]  # per room synced on this socket
    held_ephemeral: deque[str]
    reading: asyncio.Lock
    catching_up: set[int]  # rooms with a catch-up task on its way
    tasks: set[asyncio.Task[None]]
    hub: room_hub.Hub | None
    synced: bool

    room_states: Callable[[User, Iterable[int] | None], list[protocol.RoomStatePayload]]

    if TYPE_CHECKING:  # provided by the consumer
        async def hub_user_event(self, kind: str, text: str) -> None: ...
        def _put(self, text: str) -> None: ...
        async def send_json(self, content: dict[str, Any], close: bool = False) -> None: ...
        async def _run_leave_hooks(self, room_id: int | None) -> None: ...

    # --- Sync and catch-up --------------------------------------------------------------
    def _read_sync(self) -> tuple[list[int], list[protocol.RoomStatePayload]]:
        """Her rooms now (the permission layer, not what this socket followed) and their
        state, in one trip to the worker thread."""
        user: User = self.user  # type: ignore[assignment]
        room_ids = [] if self.personal_only else selectors.room_ids_of(user)
        return room_ids, self.room_states(user, room_ids)

    async def _sync_rooms(self, content: dict[str, Any], request_id: Any) -> None:
        """Send what the client misses since the revs it holds, then the rooms' state."""
        held = content.get("rooms", {})
        if not isinstance(held, dict):
            raise ValidationError("rooms maps room ids to the last rev you hold.")
        async with self.reading:
            # Rooms not synced yet hold what arrives while the database is read.
            for room_id in self.room_ids - self.orders.keys():
                self.orders[room_id] = RoomOrder(0)
            room_ids, found = await database_sync_to_async(self._read_sync)()
            await self._follow_exactly(set(room_ids), tell=True)
            states = {state["room_id"]: state for state in found}
            for room_id in sorted(self.room_ids):
                room_rev = states[room_id]["last_rev"] if room_id in states else 0
                after = held.get(str(room_id))
                if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                    # She holds nothing of this room: live events from now on; history on
                    # demand.
                    after = room_rev
                order = self.orders.setdefault(room_id, RoomOrder(0))
                order.delivered = min(after, room_rev)
                order.overflowed = False
                await self._fill(room_id, room_rev)
            self._release_held()
            self.synced = True
        metrics.SYNCS.inc()
        await self.send_json({"type": "sync.done", "request_id": request_id,
                              "rooms": [states[room_id] for room_id in sorted(self.room_ids)
                                        if room_id in states]})

    async def _fill(self, room_id: int, room_rev: int | None = None) -> None:
        """Send every change after the last rev this socket sent (the `reading` lock is
        held): as the hub received them, when it received every one up to `room_rev` (a
        reconnect storm reads nothing), else from the database, for this viewer, now.
        `room_rev`: the room's latest rev as read just before, when it was."""
        for _ in range(MAX_FILLS):
            order = self.orders.get(room_id)
            if order is None:
                return
            replayed = None
            if room_rev is not None and self.hub is not None:
                replayed = self.hub.replay(room_id, order.delivered, room_rev)
            if replayed is not None:
                metrics.CATCHUP_HUB[0].inc()
                metrics.CATCHUP_HUB[1].inc(len(replayed))
                step = order.fetched(replayed, room_rev)
            else:
                try:
                    events, reset, head = await database_sync_to_async(catchup.events_after)(
                        self.user, room_id, order.delivered, room_rev)  # type: ignore[arg-type]
                except catchup.NotVisible:  # she lost the room: stop at once
                    await self._drop_room(room_id, tell=True)
                    return
                if reset:
                    order.reset(head)
                    await self.send_json({"type": "chat.reset", "room_id": room_id,
                                          "rev": order.delivered})
                    step = order.release()
                else:
                    step = order.fetched([(event["rev"], protocol.encode(event))
                                          for event in events], head)
            self._send_step(step)
            if not step.fetch:
                return
            room_rev = None

    def _send_step(self, step: Step[str]) -> None:
        for text in step.send:
            self._put(_as_seen(text, self.hidden) if self.hidden else text)

    def _release_held(self) -> None:
        """Send what waited while the database was read (the `reading` lock is held):
        unnumbered events as they came, then each room's numbered ones in order; a room
        left with a gap is read again in a task of its own."""
        while self.held_ephemeral:
            self._put(self.held_ephemeral.popleft())
        for room_id, order in self.orders.items():
            if order.held or order.overflowed:
                step = order.release()
                self._send_step(step)
                if step.fetch:
                    self._catch_up_soon(room_id)

    async def _catch_up_room(self, room_id: int) -> None:
        """A live event skipped ahead: fetch what is missing, then what was held."""
        try:
            async with self.reading:
                self.catching_up.discard(room_id)
                if room_id in self.orders:
                    await self._fill(room_id)
                self._release_held()
        except Exception:  # the socket closed or the database is away: `pong` repairs it
            log.exception("catching up room %s failed", room_id)

    def _catch_up_soon(self, room_id: int) -> None:
        """Read the room's missing changes in a task of its own, so the hub goes on to the
        other sockets."""
        if room_id in self.catching_up:
            return
        self.catching_up.add(room_id)
        task = asyncio.ensure_future(self._catch_up_room(room_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def hub_lost(self, room_id: int) -> None:
        """The hub may have lost some of this room's events (its inbox overflowed, or its
        subscription was away): fetch whatever this socket misses from the database."""
        if room_id in self.orders:
            self._catch_up_soon(room_id)

    # --- Live room events ---------------------------------------------------------------
    async def hub_events(self, room_id: int, events: list[tuple[int | None, str]],
                         batch: str) -> None:
        """Room events from this process's hub, already serialised (rooms.hub).

        When they follow on from what this socket holds, they go as the hub's one frame
        (an array when there are several); otherwise one by one, through the checks.
        """
        if room_id not in self.room_ids:
            return
        order = self.orders.get(room_id)
        if len(events) > 1 and order is not None and not order.held \
                and not self.reading.locked() \
                and not (self.hidden and any(rev is None or _has_view(text)
                                             for rev, text in events)):
            revs = [rev for rev, _ in events if rev is not None]
            if revs == list(range(order.delivered + 1, order.delivered + 1 + len(revs))):
                if revs:
                    order.delivered = revs[-1]
                self._put(batch)
                return
        for rev, text in events:
            await self.hub_event(room_id, rev, text)

    async def hub_event(self, room_id: int, rev: int | None, text: str) -> None:
        """One room event, in order: sent, dropped as a duplicate, or held."""
        if room_id not in self.room_ids:
            return
        if rev is None:  # unnumbered: typing, presence
            if self.hidden and _actor(text) in self.hidden:
                return  # a block between them, either way: nothing of hers reaches her
            if self.reading.locked():
                self.held_ephemeral.append(text)
            else:
                self._put(text)
            return
        order = self.orders.get(room_id)
        if order is None:  # not synced: `sync` reads it (it committed before the read)
            return
        if self.reading.locked():
            order.hold(rev, text)
            return
        step = order.offer(rev, text)
        self._send_step(step)
        if step.fetch:  # something before it was lost or is late
            self._catch_up_soon(room_id)

    # --- Her rooms and rights -----------------------------------------------------------
    async def _follow_exactly(self, room_ids: set[int], *, tell: bool) -> None:
        """Follow exactly these rooms (her rooms as the database says now); `tell`: the
        client hears `rooms.removed` / `rooms.joined` for each change, as it would from
        the service that made it (whose own event may have been lost)."""
        if self.personal_only:
            return
        for room_id in sorted(self.room_ids - room_ids):
            await self._drop_room(room_id, tell=tell)
        added = sorted(room_ids - self.room_ids)
        if added and self.hub is not None:
            self.room_ids.update(added)
            await self.hub.follow(self, added)
            if tell:
                for room_id in added:
                    await self.send_json({"type": "rooms.joined", "room_id": room_id})

    async def _drop_room(self, room_id: int, *, tell: bool) -> None:
        if room_id not in self.room_ids:
            return
        if self.hub is not None:
            self.hub.unfollow(self, [room_id])
        self.room_ids.discard(room_id)
        self.orders.pop(room_id, None)
        if tell:
            await self.send_json({"type": "rooms.removed", "room_id": room_id})
        await self._run_leave_hooks(room_id)

    async def _start_rooms(self, room_ids: Iterable[int]) -> None:
        """Rooms she joined while this socket is open: followed from their current rev
        (the `reading` lock is held)."""
        new = [room_id for room_id in room_ids if room_id not in self.orders]
        if not new:
            return
        for room_id in new:
            self.orders[room_id] = RoomOrder(0)  # holds what arrives during the read
        revs = await database_sync_to_async(selectors.room_revs)(new)
        for room_id in new:
            order = self.orders.get(room_id)
            if order is not None:
                order.reset(revs.get(room_id, 0))


def _actor(text: str) -> int | None:
    """Whose activity an unnumbered event (typing, presence) is: its `user_id`. Read only
    on a socket that hides someone, so a socket without blocks parses nothing."""
    try:
        actor = json.loads(text).get("user_id")
    except (ValueError, AttributeError):
        return None
    return actor if isinstance(actor, int) else None


def _has_view(text: str) -> bool:
    """Does this serialised event name a type a feature has a view of? (Its text only: a
    chat message that says "call.changed" answers yes, and `_as_seen` leaves it be.)"""
    return any(f'"{event_type}"' in text for event_type in hooks.EVENT_VIEWS)


def _as_seen(text: str, hidden: frozenset[int]) -> str:
    """A numbered room event as a socket that hides `hidden` sends it: rewritten by the
    view its type has (rooms.hooks.EVENT_VIEWS), else as published. Only an event whose
    text names such a type is parsed."""
    for event_type, view in hooks.EVENT_VIEWS.items():
        if f'"{event_type}"' in text:
            event = json.loads(text)
            if isinstance(event, dict) and event.get("type") == event_type:
                return protocol.encode(view(event, hidden))
    return text
