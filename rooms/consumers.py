"""The member's one live connection per tab: all her rooms' events and her personal events.

The consumer subscribes to `user.<id>` on the channel layer and follows each of her rooms
through this process's hub (`rooms.hub`), checks each client frame's envelope and hands it
to the handler registered for its type (the table is built in `server/routing.py`). It
keeps, per room, the last revision it sent to this socket, so each change reaches the
client once and in order: an event already sent is dropped; an event that skips ahead (the
layer lost or reordered one) makes it fetch the missing changes from the database first.
While it reads the database for a room (`sync`, a gap), live events wait in `pending`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from community.models import User
from community.ratelimit import RateLimited
from rooms import heartbeat, presence, protocol, selectors, services, wire
from rooms import hub as room_hub
from rooms.models import Room
from rooms.protocol import ErrorCode

log = logging.getLogger(__name__)

Handler = Callable[[User, dict[str, Any]], dict[str, Any]]
# Handlers that need to know which socket asked (calls): (user, channel_name, frame).
SocketHandler = Callable[[User, str, dict[str, Any]], dict[str, Any]]
# Called with (user, channel_name, room_id or None) when the socket closes (None) or
# stops following a room, if it ever made a request of `socket_handlers` (what such a
# request may leave behind, a call seat, is tied to the socket; no other socket holds any).
LeaveHook = Callable[[User, str, int | None], None]
# (room id, after rev, the room's latest rev as read in `sync` or None) -> (events, reset)
CatchUp = Callable[[int, int, int | None], tuple[list[dict[str, Any]], bool]]
RoomStates = Callable[[User, Iterable[int] | None], list[protocol.RoomStatePayload]]

TYPING_INTERVAL = 3.0
MAX_PENDING = 1000  # live events held per room while the database is read; beyond: refetch
ROOM_CHANGES = ("rooms.removed", "rooms.joined")  # personal events that change what she follows
PRUNE_EVERY = 60.0  # seconds between two prunes of dead processes' sockets, per process
_pruned_at = -PRUNE_EVERY
NOT_FOUND_ERRORS: tuple[type[Exception], ...] = (Http404, Room.DoesNotExist)


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    handlers: dict[str, Handler] = {}
    catch_up: CatchUp
    room_states: RoomStates
    not_found: tuple[type[Exception], ...] = NOT_FOUND_ERRORS

    def __init__(self, *args: Any, handlers: dict[str, Handler], catch_up: CatchUp,
                 room_states: RoomStates, not_found: Iterable[type[Exception]] = (),
                 socket_handlers: dict[str, SocketHandler] | None = None,
                 on_leave: Iterable[LeaveHook] = (), personal_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A page that only shows her badge (`/ws/personal/`) follows no room.
        self.personal_only = personal_only
        self.handlers = handlers
        self.socket_handlers = socket_handlers or {}
        self.on_leave = tuple(on_leave)
        self.used_socket_handlers = False  # see LeaveHook
        self.catch_up = catch_up  # type: ignore[assignment]
        self.room_states = room_states  # type: ignore[assignment]
        self.not_found = NOT_FOUND_ERRORS + tuple(not_found)
        self.user: User | None = None
        self.room_ids: set[int] = set()
        self.delivered: dict[int, int] = {}  # room id -> last rev sent on this socket
        # Live events held while the database is read or a request is answered, and
        # numbered ones until the first `sync`: (rev or None, text).
        self.pending: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
        self.overflowed: set[int] = set()  # rooms whose held events were dropped: refetch
        self.reading = asyncio.Lock()  # held while events are fetched from the database
        self.catching_up: set[int] = set()  # rooms with a catch-up task on its way
        self.tasks: set[asyncio.Task[None]] = set()
        self.hub: room_hub.Hub | None = None
        self.wire: wire.Wire | None = None  # set once accepted, when Daphne serves us
        self.typing_sent: dict[int, float] = {}
        self.synced = False  # until the client's first `sync`, room events wait in `pending`
        # Personal events (kind, text) waiting their turn: while the socket opens (sent
        # after `hello`), or behind one about her rooms that is being applied.
        self.personal: deque[tuple[str, str]] = deque()
        self.personal_task: asyncio.Task[None] | None = None
        self.opened = False  # `hello` is sent

    # --- Lifecycle ----------------------------------------------------------------------
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        self.user = user
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
            self.wire = wire.wire_for(self.base_send)
            await self.send_json({"type": "hello", "user_id": user.pk,
                                  "heartbeat_seconds": protocol.HEARTBEAT_SECONDS})
            await self._release_pending()
        self.opened = True
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

    # --- Client frames ------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        """Every frame is checked against its declaration (rooms.protocol) before any
        handler sees it: a bad one gets an error (`bad_request`, or `unknown_type`), the
        socket stays open, and nothing of it reaches the database."""
        from rooms import validation

        try:
            if text_data is None:
                raise validation.BadRequest("Send JSON text frames, not binary ones.")
            content = validation.client_frame(text_data)
        except validation.BadRequest as error:
            await self._error(error.request_id, error.code, error.detail)
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
            await self._release_pending()

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

    # --- Catch-up and ordering ----------------------------------------------------------
    async def _sync_rooms(self, content: dict[str, Any], request_id: Any) -> None:
        """Send what the client misses since the revs it holds, then the rooms' state."""
        held = content.get("rooms", {})
        if not isinstance(held, dict):
            raise ValidationError("rooms maps room ids to the last rev you hold.")
        async with self.reading:
            states = {s["room_id"]: s for s in await database_sync_to_async(self.room_states)(
                self.user, sorted(self.room_ids))}  # type: ignore[arg-type]
            for room_id in sorted(self.room_ids):
                room_rev = states[room_id]["last_rev"] if room_id in states else None
                after = held.get(str(room_id))
                if not isinstance(after, int) or after < 0:
                    # She holds nothing of this room: live events from now on; history on
                    # demand.
                    after = room_rev or 0
                self.delivered[room_id] = after if room_rev is None else min(after, room_rev)
                self.overflowed.discard(room_id)
                await self._fill(room_id, room_rev)
            await self._release_pending()
            self.synced = True
        await self.send_json({"type": "sync.done", "request_id": request_id,
                              "rooms": list(states.values())})

    async def _fill(self, room_id: int, room_rev: int | None = None) -> None:
        """Send every change after the last rev this socket sent, from the database
        (`room_rev`: the room's latest rev as `sync` read it, when it did), or as the
        hub received them, when it received every one (a reconnect storm reads nothing)."""
        replayed = None
        if room_rev is not None and self.hub is not None:
            replayed = self.hub.replay(room_id, self.delivered[room_id], room_rev)
        if replayed is not None:
            for rev, text in replayed:
                self.delivered[room_id] = rev
                await self._send_text(text)
            return
        events, reset = await database_sync_to_async(self.catch_up)(
            room_id, self.delivered[room_id], room_rev)
        if reset:
            revs = await database_sync_to_async(selectors.room_revs)([room_id])
            rev = revs.get(room_id, 0)
            self.delivered[room_id] = rev
            await self.send_json({"type": "chat.reset", "room_id": room_id, "rev": rev})
            return
        for event in events:
            if event["rev"] > self.delivered[room_id]:
                self.delivered[room_id] = event["rev"]
                await self.send_json(event)

    def _releasable(self) -> list[int]:
        return [room_id for room_id, held in self.pending.items()
                if room_id in self.delivered or any(rev is None for rev, _ in held)]

    async def _release_pending(self) -> None:
        """Send the live events held meanwhile (the `reading` lock is held).

        Ephemeral events go as they came; numbered ones in `rev` order, a gap filled from
        the database; numbered events of a room not synced yet wait for `sync`.
        """
        while self.overflowed or (ready := self._releasable()):
            for room_id in list(self.overflowed):
                self.overflowed.discard(room_id)
                self.pending.pop(room_id, None)
                if room_id in self.delivered:
                    await self._fill(room_id)
            for room_id in ready:
                held = self.pending.pop(room_id, [])
                numbered = sorted(((rev, text) for rev, text in held if rev is not None),
                                  key=lambda event: event[0])
                for rev, text in held:
                    if rev is None:
                        await self._send_text(text)
                if room_id not in self.delivered:
                    if numbered:
                        self.pending[room_id].extend(numbered)
                    continue
                for rev, text in numbered:
                    last = self.delivered[room_id]
                    if rev == last + 1:
                        self.delivered[room_id] = rev
                        await self._send_text(text)
                    elif rev > last + 1:  # one before it is lost or late
                        await self._fill(room_id)

    async def _send_text(self, text: str, frames: room_hub.Frames | None = None) -> None:
        """Send an already serialised event (the fan-out path: no re-encoding), framed
        once per hub pass (`frames`) when written straight to the socket."""
        if self.wire is not None:
            self.wire.write(frames[text] if frames is not None else wire.frame(text))
            return
        await self.base_send({"type": "websocket.send", "text": text})

    async def _catch_up_room(self, room_id: int) -> None:
        """A live event skipped ahead: fetch what is missing, then what was held."""
        try:
            async with self.reading:
                self.catching_up.discard(room_id)
                if room_id in self.delivered:
                    await self._fill(room_id)
                await self._release_pending()
        except Exception:  # the socket closed or the database is away: `pong` repairs it
            log.exception("catching up room %s failed", room_id)

    async def hub_events(self, room_id: int, events: list[tuple[int | None, str]],
                         batch: str, frames: room_hub.Frames) -> None:
        """Room events from this process's hub, already serialised (rooms.hub).

        When they follow on from what this socket holds, they go as the hub's one frame
        (an array when there are several); otherwise one by one, through the checks.
        """
        if room_id not in self.room_ids:
            return
        last = self.delivered.get(room_id)
        if len(events) > 1 and last is not None and not self.reading.locked():
            revs = [rev for rev, _ in events if rev is not None]
            if revs == list(range(last + 1, last + 1 + len(revs))):
                if revs:
                    self.delivered[room_id] = revs[-1]
                await self._send_text(batch, frames)
                return
        for rev, text in events:
            await self.hub_event(room_id, rev, text, frames)

    async def hub_event(self, room_id: int, rev: int | None, text: str,
                        frames: room_hub.Frames | None = None) -> None:
        """One room event, in order: sent, dropped as a duplicate, or held."""
        if room_id not in self.room_ids:
            return
        if rev is None and not self.reading.locked():  # ephemeral: typing, presence, calls
            await self._send_text(text, frames)
            return
        last = self.delivered.get(room_id)
        if rev is not None and last is not None and not self.reading.locked():
            if rev <= last:
                return  # already sent (a duplicate, or superseded by a fetch)
            if rev == last + 1:
                self.delivered[room_id] = rev
                await self._send_text(text, frames)
                return
        held = self.pending[room_id]
        if len(held) >= MAX_PENDING:
            held.clear()
            self.overflowed.add(room_id)
        else:
            held.append((rev, text))
        if rev is not None and last is not None and not self.reading.locked():
            # Something before it was lost or is late: read it from the database.
            self._catch_up_soon(room_id)

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
        if room_id in self.room_ids and room_id in self.delivered:
            self._catch_up_soon(room_id)

    async def socket_event(self, message: dict[str, Any]) -> None:
        """An event for this socket alone (call signalling), for a room it still follows."""
        event = message["event"]
        if event.get("room_id") in self.room_ids:
            await self.send_json(event)

    # --- Personal events ----------------------------------------------------------------
    async def hub_user_event(self, kind: str, text: str) -> None:
        """One of her personal events from the hub, in order. Most go out as they are;
        those about her rooms change what this socket follows, which reads the database.
        While the socket answers a request or reads the database (`sync`: its `sync.done`
        carries read state older than this event), they wait, in a task of their own,
        so the hub goes on to the other sockets."""
        if self.opened and self.personal_task is None and not self.personal \
                and kind not in ROOM_CHANGES and not self.reading.locked():
            await self._send_text(text)
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
                kind, text = self.personal.popleft()
                try:
                    if kind in ROOM_CHANGES:
                        await self._room_changed(json.loads(text))
                    else:
                        await self._send_text(text)
                except Exception:  # logged; the events after it still go out
                    log.exception("personal event %s not delivered", kind)
        finally:
            self.personal_task = None

    async def _room_changed(self, event: dict[str, Any]) -> None:
        room_id: int = event["room_id"]
        if event["type"] == "rooms.removed" and room_id in self.room_ids:
            # She lost the right to this room: stop receiving it now.
            if self.hub is not None:
                self.hub.unfollow(self, [room_id])
            self.room_ids.discard(room_id)
            self.delivered.pop(room_id, None)
            self.pending.pop(room_id, None)
            await self._run_leave_hooks(room_id)
        elif event["type"] == "rooms.joined" and room_id not in self.room_ids:
            self.room_ids.add(room_id)
            if self.hub is not None:
                await self.hub.follow(self, [room_id])
            if self.synced:  # follow the new room from its current rev
                async with self.reading:
                    revs = await database_sync_to_async(selectors.room_revs)([room_id])
                    self.delivered[room_id] = revs.get(room_id, 0)
                    await self._release_pending()
        await self.send_json(event)

    # --- Heartbeat, typing, presence ----------------------------------------------------
    async def _ping(self, content: dict[str, Any], request_id: Any) -> None:
        """The client's heartbeat; the answer lets it notice a lost last message.

        It also reloads the member, so a deactivated account loses its sockets within one
        heartbeat, and the rules the handlers apply see her current role. The pings of a
        quarter of a second share one database trip (rooms.heartbeat).
        """
        fresh, revs = await heartbeat.local().beat(
            self.channel_name, self.user.pk, sorted(self.room_ids))  # type: ignore[union-attr]
        if fresh is None:
            await self.close(code=protocol.CLOSE_SIGNED_OUT)
            return
        self.user = fresh
        await self.send_json({"type": "pong", "request_id": request_id,
                              "rooms": {str(room_id): rev for room_id, rev in revs.items()}})

    async def _typing(self, content: dict[str, Any], request_id: Any) -> None:
        room_id = content.get("room_id")
        if room_id not in self.room_ids:
            raise Http404
        now = time.monotonic()
        if now - self.typing_sent.get(room_id, 0) < TYPING_INTERVAL:
            return
        self.typing_sent[room_id] = now
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
