"""The member's one live connection per tab: all her rooms' events and her personal events.

This is I/O glue and the handler table; the decisions live elsewhere:
- what a room's numbered event does on this socket (send, drop, hold, read the record):
  `rooms.ordering.RoomOrder`, one per room;
- what this socket misses after a rev: `rooms.catchup` (every feature's, for this viewer);
- what she may still see: `rooms.permissions` asked at every `sync`, catch-up and typing,
  and `rooms.liveness` (every RECHECK_SECONDS, at every heartbeat, and at once when her
  account changes): a socket's set of rooms is a cache, never a right;
- what is still to be written: `rooms.outgoing`, bounded (a laggard is let go).

The request table is built in `server/routing.py`. While the socket reads the database or
answers a request (`reading`), live events wait, so an answer comes before the events it
caused and a `sync.done` after the events it covers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from community.models import User
from community.ratelimit import RateLimited
from rooms import (
    catchup,
    heartbeat,
    liveness,
    outgoing,
    permissions,
    presence,
    protocol,
    selectors,
    services,
)
from rooms import hub as room_hub
from rooms.models import Room
from rooms.ordering import RoomOrder, Step
from rooms.protocol import ErrorCode

log = logging.getLogger(__name__)

Handler = Callable[[User, dict[str, Any]], dict[str, Any]]
# Handlers that need to know which socket asked (calls): (user, channel_name, frame).
SocketHandler = Callable[[User, str, dict[str, Any]], dict[str, Any]]
# Called with (user, channel_name, room_id or None) when the socket closes (None) or
# stops following a room, if it ever made a request of `socket_handlers` (what such a
# request may leave behind, a call seat, is tied to the socket; no other socket holds any).
LeaveHook = Callable[[User, str, int | None], None]
RoomStates = Callable[[User, Iterable[int] | None], list[protocol.RoomStatePayload]]

TYPING_INTERVAL = 3.0
MAX_HELD_EPHEMERAL = 1000  # unnumbered events held while reading; beyond, the oldest go
MAX_FILLS = 5  # reads of one room in a row before the rest is left to the next event
ROOM_CHANGES = ("rooms.removed", "rooms.joined")  # personal events that change what she follows
ACCOUNT_CHANGED = "account.changed"  # personal, never forwarded: check her rights again
PRUNE_EVERY = 60.0  # seconds between two prunes of dead processes' sockets, per process
_pruned_at = -PRUNE_EVERY
NOT_FOUND_ERRORS: tuple[type[Exception], ...] = (Http404, Room.DoesNotExist)


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    handlers: dict[str, Handler] = {}
    room_states: RoomStates
    not_found: tuple[type[Exception], ...] = NOT_FOUND_ERRORS

    def __init__(self, *args: Any, handlers: dict[str, Handler],
                 room_states: RoomStates, not_found: Iterable[type[Exception]] = (),
                 socket_handlers: dict[str, SocketHandler] | None = None,
                 on_leave: Iterable[LeaveHook] = (), personal_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = handlers
        self.socket_handlers = socket_handlers or {}
        self.on_leave = tuple(on_leave)
        self.used_socket_handlers = False  # see LeaveHook
        self.room_states = room_states  # type: ignore[assignment]
        self.not_found = NOT_FOUND_ERRORS + tuple(not_found)
        # A page that only shows her badge (`/ws/personal/`) follows no room.
        self.personal_only = personal_only
        self.user: User | None = None
        self.user_id: int | None = None
        self.session_key: str | None = None
        self.room_ids: set[int] = set()
        # Per room synced on this socket: what was sent, what waits (rooms.ordering).
        self.orders: dict[int, RoomOrder[str]] = {}
        self.held_ephemeral: deque[str] = deque(maxlen=MAX_HELD_EPHEMERAL)
        self.reading = asyncio.Lock()  # held while the database is read or a request answered
        self.catching_up: set[int] = set()  # rooms with a catch-up task on its way
        self.tasks: set[asyncio.Task[None]] = set()
        self.hub: room_hub.Hub | None = None
        self.out: outgoing.Outgoing | None = None
        self.typing_sent: dict[int, float] = {}
        # Personal events (kind, text) waiting their turn: while the socket opens (sent
        # after `hello`), or behind one about her rooms or rights that is being applied.
        self.personal: deque[tuple[str, Any]] = deque(maxlen=outgoing.MAX_FRAMES)
        self.personal_task: asyncio.Task[None] | None = None
        self.opened = False  # `hello` is sent
        self.synced = False  # her first `sync` is answered: rooms joined later start live

    # --- Lifecycle ----------------------------------------------------------------------
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        self.user, self.user_id = user, int(user.pk)
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.out = outgoing.Outgoing(self._write, self._let_go)
        # Her personal events are followed before anything is read from the database:
        # whatever commits later arrives as a live event, whatever committed earlier is
        # in what `sync` reads. (Her rooms' events are too, once her rooms are known:
        # what they miss meanwhile, `sync` reads.)
        self.hub = await room_hub.local()
        await self.hub.follow(self, (), user_id=user.pk)
        room_ids, status = await database_sync_to_async(self._open_connection)()
        self.room_ids = set(room_ids)
        async with self.reading:  # `hello` comes first: live events wait until it is sent
            await self.hub.follow(self, self.room_ids)
            await self.accept()
            await self.send_json({"type": "hello", "user_id": user.pk,
                                  "heartbeat_seconds": protocol.HEARTBEAT_SECONDS})
            self._release_held()
        self.opened = True
        liveness.local().add(self)
        self._apply_personal_soon()
        if status:
            await presence.announce(user.pk, sorted(self.room_ids), status)

    def _open_connection(self) -> tuple[list[int], selectors.Status | None]:
        """One trip to the worker thread: her rooms, her socket's row, her presence."""
        global _pruned_at
        now = time.monotonic()
        if now - _pruned_at >= PRUNE_EVERY:
            _pruned_at = now
            for user_id in services.connections_prune():  # dead processes' members
                presence.check_soon(user_id)
        user: User = self.user  # type: ignore[assignment]
        room_ids = [] if self.personal_only else selectors.room_ids_of(user)
        services.connection_open(user=user, channel_name=self.channel_name)
        return room_ids, presence.presence_change(user.pk)

    async def disconnect(self, code: int) -> None:
        if self.user is None:
            return
        if self.out is not None:
            self.out.stop()
        liveness.local().discard(self)
        if self.hub is not None:
            self.hub.unfollow(self, self.room_ids, user_id=self.user.pk)
        await database_sync_to_async(services.connection_close)(channel_name=self.channel_name)
        await self._run_leave_hooks(None)
        presence.check_after_grace(self.user.pk)

    async def _run_leave_hooks(self, room_id: int | None) -> None:
        if not self.used_socket_handlers:
            return
        for hook in self.on_leave:
            try:
                await database_sync_to_async(hook)(self.user, self.channel_name, room_id)  # type: ignore[arg-type]
            except Exception:
                log.exception("leave hook %s failed", hook)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its `aclose_old_connections()` before each handler:
        that is a trip to the database thread for every frame a client sends, queued
        behind every other socket's database work. Here the database is only ever
        reached through `database_sync_to_async`, which closes old connections itself,
        in that thread, around each call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Writing ------------------------------------------------------------------------
    async def _write(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    async def _let_go(self) -> None:
        """Too much not read in time (rooms.outgoing): close; the client syncs again."""
        await self.close(code=protocol.CLOSE_TOO_SLOW)

    def _put(self, text: str) -> None:
        if self.out is not None:
            self.out.put(text)

    async def send_json(self, content: dict[str, Any], close: bool = False) -> None:
        """Every frame goes through the socket's bounded queue, in order."""
        self._put(protocol.encode(content))
        if close:
            await self.close()

    # --- Client frames ------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        """Bad frames get an error and the socket stays open."""
        if text_data is None or len(text_data.encode()) > protocol.MAX_FRAME_BYTES:
            await self._error(None, ErrorCode.BAD_FRAME,
                              f"Send JSON text frames of at most {protocol.MAX_FRAME_BYTES} bytes.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error(None, ErrorCode.BAD_FRAME, "The frame is not valid JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error(None, ErrorCode.BAD_FRAME,
                              "A frame is a JSON object with a string 'type'.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content["type"]
        request_id = content.get("request_id")
        if request_id is not None and not isinstance(request_id, str | int):
            request_id = None
        own = {"sync": self._sync_rooms, "ping": self._ping, "chat.typing": self._typing,
               "presence.set": self._presence_set}
        if kind in own:
            await self._answer(own, kind, content, request_id)
            return
        # A request's ack comes before the live events it caused: they wait meanwhile.
        async with self.reading:
            await self._answer(own, kind, content, request_id)
            self._release_held()

    async def _answer(self, own: dict[str, Callable[..., Any]], kind: str,
                      content: dict[str, Any], request_id: Any) -> None:
        try:
            if kind in own:
                await own[kind](content, request_id)
            elif kind in self.handlers:
                result = await database_sync_to_async(self.handlers[kind])(self.user, content)  # type: ignore[arg-type]
                await self.send_json({"type": "ack", "request_id": request_id, "result": result})
            elif kind in self.socket_handlers:
                self.used_socket_handlers = True
                result = await database_sync_to_async(self.socket_handlers[kind])(
                    self.user, self.channel_name, content)  # type: ignore[arg-type]
                await self.send_json({"type": "ack", "request_id": request_id, "result": result})
            else:
                await self._error(request_id, ErrorCode.UNKNOWN_TYPE,
                                  f"Unknown type {kind!r}.")
        except RateLimited as error:
            await self._error(request_id, ErrorCode.RATE_LIMITED, str(error),
                              retry_after=round(error.retry_after, 1))
        except ValidationError as error:
            await self._error(request_id, ErrorCode.INVALID, " ".join(error.messages))
        except PermissionDenied as error:
            await self._error(request_id, ErrorCode.FORBIDDEN,
                              str(error) or "You may not do this.")
        except self.not_found:
            await self._error(request_id, ErrorCode.NOT_FOUND, "No such room or message.")
        except Exception:
            log.exception("socket handler %s failed", kind)
            await self._error(request_id, ErrorCode.SERVER_ERROR, "Something went wrong.")

    async def _error(self, request_id: Any, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "request_id": request_id, "code": code,
                              "detail": detail, **extra})

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
                step = order.fetched(replayed, room_rev)
            else:
                try:
                    events, reset = await database_sync_to_async(catchup.events_after)(
                        self.user, room_id, order.delivered, room_rev)  # type: ignore[arg-type]
                except catchup.NotVisible:  # she lost the room: stop at once
                    await self._drop_room(room_id, tell=True)
                    return
                if reset:
                    revs = await database_sync_to_async(selectors.room_revs)([room_id])
                    order.reset(revs.get(room_id, 0))
                    await self.send_json({"type": "chat.reset", "room_id": room_id,
                                          "rev": order.delivered})
                    step = order.release()
                else:
                    step = order.fetched([(event["rev"], protocol.encode(event))
                                          for event in events], room_rev)
            self._send_step(step)
            if not step.fetch:
                return
            room_rev = None

    def _send_step(self, step: Step[str]) -> None:
        for text in step.send:
            self._put(text)

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
                         batch: str, frames: Any = None) -> None:
        """Room events from this process's hub, already serialised (rooms.hub).

        When they follow on from what this socket holds, they go as the hub's one frame
        (an array when there are several); otherwise one by one, through the checks.
        """
        if room_id not in self.room_ids:
            return
        order = self.orders.get(room_id)
        if len(events) > 1 and order is not None and not order.held \
                and not self.reading.locked():
            revs = [rev for rev, _ in events if rev is not None]
            if revs == list(range(order.delivered + 1, order.delivered + 1 + len(revs))):
                if revs:
                    order.delivered = revs[-1]
                self._put(batch)
                return
        for rev, text in events:
            await self.hub_event(room_id, rev, text)

    async def hub_event(self, room_id: int, rev: int | None, text: str,
                        frames: Any = None) -> None:
        """One room event, in order: sent, dropped as a duplicate, or held."""
        if room_id not in self.room_ids:
            return
        if rev is None:  # unnumbered: typing, presence, calls
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

    async def socket_event(self, message: dict[str, Any]) -> None:
        """An event for this socket alone (call signalling), for a room it still follows."""
        event = message["event"]
        if event.get("room_id") in self.room_ids:
            await self.send_json(event)

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

    async def rights_changed(self, rights: liveness.Rights) -> None:
        """What `rooms.liveness` found: close a socket whose session or account no longer
        holds; follow exactly her rooms (in turn with her personal events)."""
        if rights.user is None:
            await self.close(code=protocol.CLOSE_SIGNED_OUT)
            return
        self.personal.append(("rights", rights))
        self._apply_personal_soon()

    async def _apply_rights(self, rights: liveness.Rights) -> None:
        if rights.user is None:
            await self.close(code=protocol.CLOSE_SIGNED_OUT)
            return
        self.user = rights.user
        before = set(self.room_ids)
        await self._follow_exactly(set(rights.room_ids), tell=True)
        added = self.room_ids - before
        if added and self.synced:  # followed from their current rev
            async with self.reading:
                await self._start_rooms(added)
                self._release_held()

    # --- Personal events ----------------------------------------------------------------
    async def hub_user_event(self, kind: str, text: str) -> None:
        """One of her personal events from the hub, in order. Most go out as they are;
        those about her rooms or her account change what this socket follows, which
        reads the database. While the socket answers a request or reads the database
        (`sync`: its `sync.done` carries read state older than this event), they wait,
        in a task of their own, so the hub goes on to the other sockets."""
        if self.opened and self.personal_task is None and not self.personal \
                and kind not in ROOM_CHANGES and kind != ACCOUNT_CHANGED \
                and not self.reading.locked():
            self._put(text)
            return
        self.personal.append((kind, text))
        self._apply_personal_soon()

    def _apply_personal_soon(self) -> None:
        if self.opened and self.personal and self.personal_task is None:
            self.personal_task = asyncio.ensure_future(self._apply_personal())

    async def _apply_personal(self) -> None:
        try:
            while self.personal:
                if self.reading.locked():
                    async with self.reading:  # wait for the request or read to end
                        pass
                    continue
                kind, payload = self.personal.popleft()
                try:
                    if kind == "rights":
                        await self._apply_rights(payload)
                    elif kind == ACCOUNT_CHANGED:
                        found = await database_sync_to_async(liveness.rights_of)(
                            [(self.user_id, self.session_key)])
                        await self._apply_rights(found[(self.user_id, self.session_key)])  # type: ignore[index]
                    elif kind in ROOM_CHANGES:
                        await self._room_changed(json.loads(payload))
                    else:
                        self._put(payload)
                except Exception:  # logged; the events after it still go out
                    log.exception("personal event %s not delivered", kind)
        finally:
            self.personal_task = None

    async def _room_changed(self, event: dict[str, Any]) -> None:
        room_id: int = event["room_id"]
        if self.personal_only:
            await self.send_json(event)
        elif event["type"] == "rooms.removed" and room_id in self.room_ids:
            # She lost the right to this room: stop receiving it now.
            await self._drop_room(room_id, tell=True)
        elif event["type"] == "rooms.joined" and room_id not in self.room_ids:
            allowed = await database_sync_to_async(permissions.can_view_room_id)(
                self.user, room_id)
            if not allowed:  # a late bell: she left again meanwhile
                return
            self.room_ids.add(room_id)
            if self.hub is not None:
                await self.hub.follow(self, [room_id])
            if self.synced:  # follow the new room from its current rev
                async with self.reading:
                    await self._start_rooms([room_id])
                    self._release_held()
            await self.send_json(event)

    # --- Heartbeat, typing, presence ----------------------------------------------------
    async def _ping(self, content: dict[str, Any], request_id: Any) -> None:
        """The client's heartbeat; the answer lets it notice a lost last message.

        It also reloads the member and her rooms (a deactivated member is closed, a room
        she left is dropped), and sends what this socket is behind on before the `pong`,
        so the `pong` never reports a rev this socket was not sent. The pings of a
        quarter of a second share one database trip (rooms.heartbeat).
        """
        fresh, room_ids, revs = await heartbeat.local().beat(self.channel_name, self.user_id)  # type: ignore[arg-type]
        await self._apply_rights(liveness.Rights(fresh, frozenset(room_ids)))
        if fresh is None:
            return
        async with self.reading:
            for room_id, rev in revs.items():
                order = self.orders.get(room_id)
                if order is not None and rev > order.delivered:
                    await self._fill(room_id, rev)
            self._release_held()
            rooms = {str(room_id): order.delivered for room_id, order in self.orders.items()
                     if room_id in self.room_ids}
            for room_id in self.room_ids - self.orders.keys():
                rooms[str(room_id)] = revs.get(room_id, 0)
            await self.send_json({"type": "pong", "request_id": request_id,
                                  "rooms": dict(sorted(rooms.items()))})

    def _may_type(self, room_id: int) -> bool:
        user: User = self.user  # type: ignore[assignment]
        room = permissions.rooms_visible_to(user).filter(pk=room_id).first()
        return room is not None and permissions.can_post(user, room)

    async def _typing(self, content: dict[str, Any], request_id: Any) -> None:
        room_id = content.get("room_id")
        if room_id not in self.room_ids:
            raise Http404
        now = time.monotonic()
        if now - self.typing_sent.get(room_id, 0) < TYPING_INTERVAL:
            return
        self.typing_sent[room_id] = now
        # Asked now: across a block, in an archived room, after she left, nothing goes.
        if not await database_sync_to_async(self._may_type)(room_id):
            raise PermissionDenied("You cannot write in this room.")
        await protocol.publish_ephemeral(room_id, {
            "type": "chat.typing", "room_id": room_id, "user_id": self.user.pk,  # type: ignore[union-attr]
            "name": self.user.name})  # type: ignore[union-attr]

    async def _presence_set(self, content: dict[str, Any], request_id: Any) -> None:
        state = content.get("state")
        if state not in ("active", "idle"):
            raise ValidationError("state is active or idle.")
        status = await database_sync_to_async(self._touch)(state)
        if status:
            await presence.announce(self.user.pk, sorted(self.room_ids), status)  # type: ignore[union-attr]

    def _touch(self, state: str) -> selectors.Status | None:
        services.connection_touch(channel_name=self.channel_name, state=state)
        return presence.presence_change(self.user.pk)  # type: ignore[union-attr]
