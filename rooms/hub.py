"""Process-local fan-out of room events and personal events: one channel-layer subscription
per process and room (or member).

Each server process (each event loop) has one `Hub`. A socket tells the hub which rooms it
follows; the first time a local socket follows a room, the hub joins the room's group on
the room events' channel layer (`rooms.protocol.room_layer`: with Redis, channels-redis'
publish/subscribe layer) with its own channel. A room event therefore costs one PUBLISH,
received once per process, not one layer message per member, and it arrives already
serialised (`rooms.protocol` encodes it once, when it is published): the hub hands that
same text to each local socket of the room by a direct call, without Channels'
per-message dispatch and its thread hop (each socket queues it, bounded: rooms.outgoing).

A member's personal events (`user.<id>`: read state, mentions, notifications, rooms joined
and left) travel the same way, to every local socket of hers.

Ordering and catch-up stay with each socket (`RoomConsumer.hub_event`): the hub only
rings the bell, as the layer did before. Groups no local socket has followed for a whole
sweep are left on the layer; the rest are joined again before the layer's group expiry.

What the hub may have lost, it says so (`RoomSocket.hub_lost`), and each socket of the
room reads what it misses from the database:
- Its inbox is bounded (MAX_INBOX layer messages): past it the oldest are dropped, and
  the sockets of each room whose numbered events went are told. Personal events are at
  most once anyway; the drops are counted and logged.
- Publish/subscribe loses what is published while the process's subscription is away (a
  Redis restart, a dropped connection), and says nothing: channels-redis reconnects and
  subscribes again on its own. So the hub sends itself a numbered probe on its own
  channel every PROBE_SECONDS; a probe that arrives after one that never did means the
  subscription was away in between, and every room the hub follows is caught up. (A
  blip shorter than a probe's interval may go unseen: the socket's next event in that
  room, or its heartbeat, finds the gap.)
- A group that could not be joined (Redis away while a socket connects) does not fail
  the socket: it is joined again when Redis answers, and its room caught up then.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import weakref
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any, Protocol

from channels.layers import BaseChannelLayer

from rooms import metrics
from rooms.protocol import room_group, room_layer, user_group

log = logging.getLogger(__name__)

MAX_BATCH = 200  # layer messages taken at once; a room's share goes out as one frame
MAX_INBOX = 10_000  # layer messages waiting for delivery; past it the oldest are dropped
LINGER_AFTER = 0.001  # a pass shorter than this is no load: the next one does not wait
LINGER_FACTOR = 8  # after a pass under load, the next waits this many times as long
MAX_LINGER = 0.02  # the longest an event waits for others to share its frame
RECENT_EVENTS = 100  # numbered events kept per room, to catch reconnecting sockets up
SWEEP_SECONDS = 60.0
REJOIN_SECONDS = 3600.0  # well inside the layers' default group expiry of a day
PROBE_SECONDS = 1.0  # between two probes of the hub's own subscription
PROBE = "hub.probe"  # the probe's layer message type
JOIN_WAIT = 2.0  # seconds `follow` waits for a group's subscription before it goes on


class RoomSocket(Protocol):
    async def hub_events(self, room_id: int, events: list[tuple[int | None, str]],
                         batch: str) -> None:
        """`events` (rev or None, text) in order; `batch` is all of them in one frame."""

    async def hub_user_event(self, kind: str, text: str) -> None:
        """One of her personal events (`kind` is its type), already serialised."""

    async def hub_lost(self, room_id: int) -> None:
        """Some of this room's events may have been lost before the hub: the socket reads
        what it misses from the database."""


class Hub:
    def __init__(self, layer: BaseChannelLayer, channel_name: str, *,
                 max_inbox: int = MAX_INBOX) -> None:
        self.layer = layer
        self.channel_name = channel_name
        # Keyed by layer group: a room's (`room.<id>`) or a member's (`user.<id>`).
        self.sockets: dict[str, set[RoomSocket]] = defaultdict(set)
        self.joined: dict[str, asyncio.Future[None]] = {}  # group -> its group_add
        self.joined_at: dict[str, float] = {}
        self.empty_since: dict[str, float] = {}
        self.group_lock = asyncio.Lock()  # group_add and group_discard never overlap
        # Per room, the latest numbered events this hub received, contiguous in rev.
        self.recent: dict[int, deque[tuple[int, str]]] = {}
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiting_since = 0.0  # when the inbox's oldest message (or one before it) came
        self.max_inbox = max_inbox
        self.dropped = 0  # layer messages dropped from a full inbox, ever
        self.dropped_unlogged = 0  # of which not logged yet
        # Rooms whose events may have been lost: their sockets are told before the next pass.
        self.lost: set[int] = set()
        self.unjoined: set[str] = set()  # groups whose group_add failed: joined when Redis is back
        self.late: set[str] = set()  # groups `follow` stopped waiting for
        self.probes_sent = 0
        self.probe_seen = 0  # the number of the last probe received
        self.away = False  # a probe was lost: every room is caught up at the next one
        self.recovery: asyncio.Task[None] | None = None
        self.arrived = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        # A context of its own: the first socket may start the hub from inside a call
        # whose context (an executor among them) ends before the hub does.
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(job, context=contextvars.Context())
                      for job in (self._listen(), self._deliver(), self._sweep(),
                                  self._probe())]

    # --- Following rooms and members ----------------------------------------------------
    async def follow(self, socket: RoomSocket, room_ids: Iterable[int],
                     user_id: int | None = None) -> None:
        """Deliver these rooms' events to `socket` (and her personal events, `user_id`);
        returns once the hub's subscription is made (in memory) or sent
        (publish/subscribe: Redis has not confirmed it yet, and a room event published
        in between is repaired by the next gap check or `pong`).

        It never fails and waits at most JOIN_WAIT: a group Redis could not subscribe to
        is joined when Redis is back, and one joined late is caught up then (`hub_lost`),
        so the socket opens meanwhile and reads the rest from the database."""
        groups = [room_group(room_id) for room_id in room_ids]
        if user_id is not None:
            groups.append(user_group(user_id))
        waits = {}
        for group in groups:
            self.sockets[group].add(socket)
            self.empty_since.pop(group, None)
            waits[group] = self._join(group)
        if not waits:
            return
        _, pending = await asyncio.wait(waits.values(), timeout=JOIN_WAIT)
        for group, joined in waits.items():
            if joined in pending:
                self.late.add(group)

    def unfollow(self, socket: RoomSocket, room_ids: Iterable[int],
                 user_id: int | None = None) -> None:
        groups = [room_group(room_id) for room_id in room_ids]
        if user_id is not None:
            groups.append(user_group(user_id))
        for group in groups:
            sockets = self.sockets.get(group)
            if sockets is None:
                continue
            sockets.discard(socket)
            if not sockets:
                del self.sockets[group]
                self.empty_since[group] = time.monotonic()

    def _join(self, group: str) -> asyncio.Future[None]:
        joined = self.joined.get(group)
        if joined is None or (joined.done() and (joined.cancelled()
                                                 or joined.exception() is not None)):
            joined = self.joined[group] = asyncio.ensure_future(self._group_add(group))
            joined.add_done_callback(lambda done: self._joined(group, done))
        return joined

    async def _group_add(self, group: str) -> None:
        async with self.group_lock:
            await self.layer.group_add(group, self.channel_name)
            self.joined_at[group] = time.monotonic()

    def _joined(self, group: str, joined: asyncio.Future[None]) -> None:
        """A group_add ended. Failed: join it again when Redis is back (`_recover`).
        Done after `follow` stopped waiting, or after a failed try: its room's events of
        meanwhile are read from the database."""
        missed = group in self.late or group in self.unjoined
        self.late.discard(group)
        if joined.cancelled() or joined.exception() is not None:
            if not self.unjoined:
                log.warning("room hub could not join %s (%s); joining again when the layer "
                            "answers", group, "cancelled" if joined.cancelled()
                            else joined.exception())
            self.unjoined.add(group)
        elif missed:
            self.unjoined.discard(group)
            self._lose(_room_of(group))

    def _lose(self, *room_ids: int | None) -> None:
        """These rooms' sockets read what they miss from the database, before the next pass."""
        self.lost.update(room_id for room_id in room_ids if room_id is not None)
        if self.lost:
            self.arrived.set()

    # --- Delivering ---------------------------------------------------------------------
    async def _listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer is away: sockets catch up through `pong`
                log.exception("room hub could not read its channel")
                await asyncio.sleep(1)
                continue
            self.take(message)

    def take(self, message: dict[str, Any]) -> None:
        """One message from the layer: into the inbox, whose oldest message goes when it
        is full (its room's sockets are told), or, a probe, checked."""
        if message.get("type") == PROBE:
            self._probed(message["n"])
            return
        if len(self.inbox) >= self.max_inbox:
            oldest = self.inbox.popleft()
            self.dropped += 1
            self.dropped_unlogged += 1
            if "user_id" not in oldest and oldest.get("rev") is not None:
                self._lose(oldest["room_id"])
        if not self.inbox:
            self.waiting_since = time.perf_counter()
        self.inbox.append(message)
        self.arrived.set()

    async def _deliver(self) -> None:
        """Batch under load: whatever arrived while the last batch went out goes together.

        After a pass that took a while (a big room), the next waits LINGER_FACTOR times
        as long (at most MAX_LINGER) so that the events of that time share one frame per
        socket: the cost per frame, not per event, is what saturates a busy process. The
        wait is the process's, not a room's: in a quiet process a pass takes under
        LINGER_AFTER and the next event goes at once; while a 200-member room keeps it
        busy, a pass takes a few milliseconds, and every room's events wait up to
        MAX_LINGER in all: one that arrived during the pass has waited since then, and
        the wait is cut by as much (tests/rooms/test_hub_linger.py; docs/performance.md,
        "coalescing under load": at 200 members and 100 messages/s, 2.6 messages per
        frame and a third less CPU per delivery).
        """
        while True:
            await self.arrived.wait()
            self.arrived.clear()
            await self.tell_lost()
            while self.inbox:
                batch = [self.inbox.popleft() for _ in range(min(MAX_BATCH, len(self.inbox)))]
                started = time.perf_counter()
                await self.deliver(batch)
                await self.tell_lost()
                took = time.perf_counter() - started
                linger = min(took * LINGER_FACTOR, MAX_LINGER) if took > LINGER_AFTER else 0
                if linger and self.inbox:  # some have waited since `waiting_since` already
                    linger = min(linger, self.waiting_since + MAX_LINGER - time.perf_counter())
                await asyncio.sleep(max(linger, 0))

    async def tell_lost(self) -> None:
        """Tell the sockets of each room whose events may have been lost (`self.lost`)."""
        if self.dropped_unlogged:
            log.warning("room hub inbox full: %s events dropped (%s in all); their rooms' "
                        "sockets read them from the database", self.dropped_unlogged,
                        self.dropped)
            self.dropped_unlogged = 0
        while self.lost:
            room_id = self.lost.pop()
            for socket in tuple(self.sockets.get(room_group(room_id), ())):
                try:
                    await socket.hub_lost(room_id)
                except Exception:
                    log.exception("a socket of room %s not told of lost events", room_id)

    async def deliver(self, messages: list[dict[str, Any]]) -> None:
        by_room: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
        kinds: dict[int, list[str]] = defaultdict(list)
        personal: list[dict[str, Any]] = []
        for message in messages:
            if "user_id" in message:
                personal.append(message)
            else:
                by_room[message["room_id"]].append((message.get("rev"), message["text"]))
                kinds[message["room_id"]].append(message.get("kind", ""))
        # Deliveries counted per family for the whole pass: one counter step per family,
        # not one per socket (rooms.metrics).
        counted: dict[str, int] = defaultdict(int)
        for room_id, events in by_room.items():
            self._remember(room_id, events)
            sockets = tuple(self.sockets.get(room_group(room_id), ()))
            if not sockets:
                continue
            for kind in kinds[room_id]:
                counted[metrics.family(kind)] += len(sockets)
            batch = events[0][1] if len(events) == 1 else \
                "[" + ",".join(text for _, text in events) + "]"
            for socket in sockets:
                try:
                    await socket.hub_events(room_id, events, batch)
                except Exception:
                    log.exception("room events for room %s not delivered to a socket",
                                  room_id)
        for message in personal:
            sockets = tuple(self.sockets.get(user_group(message["user_id"]), ()))
            counted[metrics.family(message["kind"])] += len(sockets)
            for socket in sockets:
                try:
                    await socket.hub_user_event(message["kind"], message["text"])
                except Exception:
                    log.exception("a personal event not delivered to a socket")
        metrics.delivered(counted)

    def _remember(self, room_id: int, events: list[tuple[int | None, str]]) -> None:
        """Keep the room's numbered events while they follow on from each other; after a
        gap (a lost or late event), start again from the newer one."""
        recent = self.recent.get(room_id)
        for rev, text in events:
            if rev is None:
                continue
            if recent and rev <= recent[-1][0]:
                continue  # a duplicate, or later than a newer one: it is not in the run
            if not recent or rev != recent[-1][0] + 1:
                recent = self.recent[room_id] = deque(maxlen=RECENT_EVENTS)
            recent.append((rev, text))

    def replay(self, room_id: int, after_rev: int, up_to_rev: int) -> list[tuple[int, str]] | None:
        """The room's numbered events after `after_rev` up to `up_to_rev`, as published,
        if this hub received every one of them; else None (the caller reads the
        database). A socket that subscribed before it read `up_to_rev` gets the rest live.
        """
        recent = self.recent.get(room_id)
        if not recent or recent[0][0] > after_rev + 1 or recent[-1][0] < up_to_rev:
            return None
        return [(rev, text) for rev, text in recent if after_rev < rev <= up_to_rev]

    # --- Housekeeping -------------------------------------------------------------------
    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep(time.monotonic())
            except Exception:
                log.exception("room hub sweep failed; next sweep tries again")

    async def _probe(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            await self.probe()

    async def probe(self) -> None:
        """Send the next probe to the hub's own channel (a failed send is a lost probe)."""
        self.probes_sent += 1
        try:
            await self.layer.send(self.channel_name, {"type": PROBE, "n": self.probes_sent})
        except Exception as error:  # Redis is away: the next probe to arrive says it is back
            if self.probe_seen == self.probes_sent - 1:
                log.warning("room hub cannot reach its layer (%s)", error)

    def _probed(self, number: int) -> None:
        """A probe arrived. If one sent before it never did, the subscription was away
        meanwhile: catch up every room followed here. Groups not joined are joined now."""
        if number != self.probe_seen + 1:
            self.away = True
        self.probe_seen = number
        if (self.away or self.unjoined) and self.recovery is None:
            self.recovery = asyncio.ensure_future(self._recover())

    async def _recover(self) -> None:
        """Join the groups not joined (each, once joined, tells its room's sockets); then,
        if the subscription was away, tell the sockets of every room followed here."""
        try:
            while self.away or self.unjoined:
                self.unjoined.intersection_update(
                    group for group, sockets in self.sockets.items() if sockets)
                joining = list(self.unjoined)
                results = await asyncio.gather(
                    *(asyncio.shield(self._join(group)) for group in joining),
                    return_exceptions=True)
                if any(result is not None for result in results):
                    break  # still away: the next probe to arrive tries again
                # A group joined here has told its room's sockets (`_joined`); one whose
                # join was already done has not: tell them too.
                joined = self.unjoined.intersection(joining)
                self.unjoined -= joined
                self._lose(*(_room_of(group) for group in joined))
                if self.away:
                    self.away = False
                    rooms = [_room_of(group) for group in self.sockets]
                    self._lose(*rooms)
                    log.warning("room hub's subscription is back: the sockets of its %s "
                                "rooms read what they missed", len(rooms) - rooms.count(None))
        finally:
            self.recovery = None

    async def sweep(self, now: float) -> None:
        """Leave groups empty for a whole sweep; join the others again before they expire."""
        for group, since in list(self.empty_since.items()):
            if now - since < SWEEP_SECONDS or self.sockets.get(group):
                continue
            async with self.group_lock:
                if self.sockets.get(group):  # followed again meanwhile
                    continue
                self.empty_since.pop(group, None)
                self.joined.pop(group, None)
                self.joined_at.pop(group, None)
                self.unjoined.discard(group)
                self.late.discard(group)
                room_id = _room_of(group)
                if room_id is not None:
                    self.recent.pop(room_id, None)
                await self.layer.group_discard(group, self.channel_name)
        for group, at in list(self.joined_at.items()):
            if now - at >= REJOIN_SECONDS and group in self.sockets:
                await self._group_add(group)


def _room_of(group: str) -> int | None:
    """The room id of a room's group (`room.<id>`); None for a member's."""
    return int(group.removeprefix("room.")) if group.startswith("room.") else None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


async def local() -> Hub:
    """This event loop's hub, started on first use."""
    loop = asyncio.get_running_loop()
    layer = room_layer()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        if hub is not None:
            for task in hub.tasks:
                task.cancel()
        # The layer's own prefix (with channels-redis' core layer, the one inbox per
        # process it reads; a channel of another prefix waits for every other reader).
        channel_name = await layer.new_channel()
        hub = _hubs.get(loop)
        if hub is None or hub.layer is not layer:  # still none after the await
            hub = Hub(layer, channel_name)
            hub.start()
            _hubs[loop] = hub
    return hub
