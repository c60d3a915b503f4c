"""The member's one live connection per tab: all her rooms' events and her personal events.

This is I/O glue and the handler table; the decisions live elsewhere:
- her rooms' events on this socket (`sync`, live events, gaps filled): `rooms.feed`, with
  each room's order kept by the pure `rooms.ordering.RoomOrder` and what she misses read
  through `rooms.catchup` (every feature's, for this viewer, now);
- what she may still see: `rooms.permissions`, asked at every `sync`, catch-up and
  typing, and `rooms.liveness` (every RECHECK_SECONDS, at every heartbeat, and at once
  when her account changes): a socket's set of rooms is a cache, never a right;
- what is still to be written: `rooms.outgoing`, bounded (a laggard is let go).
- how many sockets one address may hold waiting for their `auth` frame: `rooms.awaiting`.

The request table is built in `server/routing.py`.
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
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from community.models import AccessToken, User
from community.ratelimit import RateLimited, client_ip, ip_key
from community.tokens import socket_key, socket_sign_in
from rooms import (
    answers,
    awaiting,
    heartbeat,
    liveness,
    metrics,
    outgoing,
    permissions,
    presence,
    protocol,
    selectors,
    services,
    validation,
)
from rooms import hub as room_hub
from rooms.feed import MAX_HELD_EPHEMERAL, RoomFeed
from rooms.models import Room
from rooms.ordering import RoomOrder
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

# The requests the socket answers itself; the features' come from server/routing.py.
OWN_REQUESTS = ("sync", "ping", "chat.typing", "presence.set", "auth")
# What a socket signed in with a token without the `write` scope may ask: reading and
# keeping the socket alive; anything that posts, changes or shows others a thing is a 403
# (`forbidden`), as an unsafe method is on the API. Her presence too: a script that reads
# never shows her online or away.
READ_SCOPE_REQUESTS = frozenset({"sync", "ping", "auth", "chat.history"})
TYPING_INTERVAL = 3.0
ROOM_CHANGES = ("rooms.removed", "rooms.joined")  # personal events that change what she follows
ACCOUNT_CHANGED = "account.changed"  # personal, never forwarded: check her rights again
BLOCKS_CHANGED = "blocks.changed"  # personal: read again whom a block hides, then forward
PRUNE_EVERY = 60.0  # seconds between two prunes of dead processes' sockets, per process
_pruned_at = -PRUNE_EVERY
NOT_FOUND_ERRORS: tuple[type[Exception], ...] = (Http404, Room.DoesNotExist)


class RoomConsumer(RoomFeed, AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    handlers: dict[str, Handler] = {}
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
        # Whom a block hides from her, either way (rooms.permissions.hidden_from): their
        # typing and presence do not go out on this socket, nor their seat in a call
        # (rooms.feed). A cache, read again when a block changes and at every rights check.
        self.hidden: frozenset[int] = frozenset()
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
        # After a `rate_limited`: until when (time.time()) she was told to wait, and how
        # many more requests were refused meanwhile (protocol.RATE_LIMITED_STRIKES).
        self.limited_until = 0.0
        self.strikes = 0
        self.synced = False  # her first `sync` is answered: rooms joined later start live
        self.counted = False  # counted in metrics.SOCKETS_OPEN
        # A script's socket that signs in with its first frame (`auth`), until it does;
        # a token socket's end (its token's expiry).
        self.awaiting_auth = False
        self.waiting: awaiting.Slot | None = None  # its place in rooms.awaiting meanwhile
        self.accepted = False
        self.read_only = False  # signed in with a token without the `write` scope
        self.timers: list[asyncio.TimerHandle] = []

    # --- Lifecycle ----------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # however it ends (an error, a cancelled task): its wait is over
            self._stop_waiting()

    async def connect(self) -> None:
        user = self.scope.get("user")
        token = self.scope.get("token")
        signed_in = user is not None and user.is_authenticated and user.is_active
        if not signed_in and self.scope.get("token_frame"):
            # A script without headers: its first frame is its token (`auth`), unless
            # its address has as many sockets waiting for theirs as allowed.
            self.waiting = awaiting.local().take(
                ip_key(client_ip(self.scope)),
                limit=settings.COHORT_SOCKETS_AWAITING_AUTH_PER_IP)
            if self.waiting is None:
                await self._accept_once()
                await self.close(code=protocol.CLOSE_TOO_MANY_SOCKETS)
                return
            self.awaiting_auth = True
            await self._accept_once()
            self._close_later(protocol.AUTH_SECONDS, protocol.CLOSE_UNAUTHENTICATED)
            return
        if not signed_in:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        await self._open(user, token)

    async def _accept_once(self) -> None:
        if not self.accepted:
            self.accepted = True
            await self.accept(headers=self._request_id_header())

    def _close_later(self, seconds: float, code: int) -> None:
        def close() -> None:
            asyncio.ensure_future(self.close(code=code))

        self.timers.append(asyncio.get_running_loop().call_later(max(0.0, seconds), close))

    def _stop_waiting(self) -> None:
        """Its place among the sockets waiting for a token, given back (once)."""
        if self.waiting is not None:
            self.waiting.release()
            self.waiting = None

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self._stop_waiting()  # closing: it waits for nothing any more
        await super().close(code=code, reason=reason)

    async def _auth_frame(self, text_data: str | None) -> None:
        """The first frame of a socket waiting for its token: `auth` with a good token
        opens it (`hello`); anything else closes it (4401)."""
        try:
            content = validation.client_frame(text_data or "")
        except validation.BadRequest:
            content = {}
        token = None
        if content.get("type") == "auth":
            token = await database_sync_to_async(socket_sign_in)(content["token"], self.scope)
        self._stop_waiting()
        if token is None:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        self.awaiting_auth = False
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        await self._open(token.user, token)

    async def _open(self, user: User, token: AccessToken | None) -> None:
        """Her socket, signed in by her session or by an access token: a token socket's
        rights are checked with its token (rooms.liveness), and it closes when the token
        expires."""
        self.user, self.user_id = user, int(user.pk)
        if token is not None:
            self.session_key = socket_key(token)
            self.read_only = not token.has_scope("write")
            if token.expires_at is not None:
                self._close_later((token.expires_at - timezone.now()).total_seconds(),
                                  protocol.CLOSE_SIGNED_OUT)
        else:
            session = self.scope.get("session")
            self.session_key = getattr(session, "session_key", None)
        self.out = outgoing.Outgoing(self._write, self._let_go)
        # Her personal events are followed before anything is read from the database:
        # whatever commits later arrives as a live event, whatever committed earlier is
        # in what `sync` reads. (Her rooms' events are too, once her rooms are known:
        # what they miss meanwhile, `sync` reads.)
        self.hub = await room_hub.local()
        await self.hub.follow(self, (), user_id=user.pk)
        try:
            room_ids, hidden, status, told = await database_sync_to_async(
                self._open_connection)()
        except services.TooManySockets:
            # Opened, then closed at once: the browser sees the code (and waits longer).
            self.hub.unfollow(self, (), user_id=user.pk)
            self.out.stop()
            self.user = None  # nothing of hers to close
            await self._accept_once()
            await self.close(code=protocol.CLOSE_TOO_MANY_SOCKETS)
            return
        self.room_ids = set(room_ids)
        self.hidden = hidden
        async with self.reading:  # `hello` comes first: live events wait until it is sent
            await self.hub.follow(self, self.room_ids)
            await self._accept_once()
            metrics.SOCKETS_OPEN.inc()
            self.counted = True
            await self.send_json({"type": "hello", "user_id": user.pk,
                                  "heartbeat_seconds": protocol.HEARTBEAT_SECONDS})
            self._release_held()
        self.opened = True
        liveness.local().add(self)
        self._apply_personal_soon()
        if status:
            await presence.announce(user.pk, told, status)

    def _request_id_header(self) -> list[tuple[bytes, bytes]]:
        """The handshake's request id (server.logs), sent back to the client."""
        request_id = self.scope.get("request_id")
        return [(b"x-request-id", request_id.encode())] if request_id else []

    def _open_connection(self) -> tuple[list[int], frozenset[int], selectors.Status | None,
                                        list[int]]:
        """One trip to the worker thread: her socket's row (TooManySockets past the
        caps), her rooms, whom a block hides from her, her presence and the rooms it is
        told to (`presence.rooms_told`: not an admin's break-glass rooms). A read-only
        token's socket does not count for her presence: opening it changes nothing."""
        global _pruned_at
        now = time.monotonic()
        if now - _pruned_at >= PRUNE_EVERY:
            _pruned_at = now
            for user_id in services.connections_prune():  # dead processes' members
                presence.check_soon(user_id)
        user: User = self.user  # type: ignore[assignment]
        services.connection_open(user=user, channel_name=self.channel_name,
                                 client_ip=client_ip(self.scope), reading=self.read_only)
        room_ids = [] if self.personal_only else selectors.room_ids_of(user)
        status = None if self.read_only else presence.presence_change(user.pk)
        told = presence.rooms_told(user.pk, room_ids) if status and room_ids else []
        return room_ids, permissions.hidden_from(user), status, told

    async def disconnect(self, code: int) -> None:
        self._stop_waiting()
        if self.counted:
            self.counted = False
            metrics.SOCKETS_OPEN.dec()
        for timer in self.timers:
            timer.cancel()
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
        reached in that thread, through `database_sync_to_async`, which closes old
        connections itself around each call, or through `rooms.answers`."""
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
        """Every frame is checked against its declaration (rooms.protocol) before any
        handler sees it: a bad one gets an error (`bad_request`, or `unknown_type`), the
        socket stays open, and nothing of it reaches the database. A socket waiting for
        its token reads its first frame as `auth` (`_auth_frame`)."""
        if self.awaiting_auth:
            await self._auth_frame(text_data)
            return
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
               "presence.set": self._presence_set, "auth": self._auth_again}
        assert own.keys() == set(OWN_REQUESTS)  # nosec B101  # the handler table matches its declaration (a programming check)
        if kind in own:
            await self._answer(own, kind, content, request_id)
            return
        # A request's ack comes before the live events it caused: they wait meanwhile.
        arrived = time.perf_counter()
        async with self.reading:
            await self._answer(own, kind, content, request_id, arrived)
            self._release_held()

    async def _answer(self, own: dict[str, Callable[..., Any]], kind: str,
                      content: dict[str, Any], request_id: Any,
                      arrived: float | None = None) -> None:
        try:
            if self.read_only and kind not in READ_SCOPE_REQUESTS:
                raise PermissionDenied("This token's scopes do not allow this request.")
            if kind in own:
                await own[kind](content, request_id)
            elif kind in self.handlers:
                result = await answers.run(kind, self.handlers[kind], self.user, content)
                await self.send_json({"type": "ack", "request_id": request_id, "result": result})
                self._answered(kind, arrived)
            elif kind in self.socket_handlers:
                self.used_socket_handlers = True
                result = await answers.run(kind, self.socket_handlers[kind], self.user,
                                               self.channel_name, content)
                await self.send_json({"type": "ack", "request_id": request_id, "result": result})
                self._answered(kind, arrived)
            else:
                await self._error(request_id, ErrorCode.UNKNOWN_TYPE,
                                  f"Unknown type {kind!r}.")
        except RateLimited as error:
            await self._rate_limited(request_id, error)
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

    @staticmethod
    def _answered(kind: str, arrived: float | None) -> None:
        """The time from the request's arrival to its ack (`kind` is a declared type)."""
        if arrived is not None:
            metrics.SOCKET_REQUEST_SECONDS.labels(kind).observe(time.perf_counter() - arrived)

    async def _rate_limited(self, request_id: Any, error: RateLimited) -> None:
        """Tell her when to try again; close a socket that goes on regardless."""
        metrics.RATE_LIMITED_SOCKET.inc()
        now = time.time()
        if now < self.limited_until:
            self.strikes += 1
            if self.strikes > protocol.RATE_LIMITED_STRIKES:
                await self.close(code=protocol.CLOSE_RATE_LIMITED)
                return
        else:
            self.strikes = 0
        self.limited_until = max(self.limited_until, now + error.retry_after)
        await self._error(request_id, ErrorCode.RATE_LIMITED, str(error),
                          retry_after=round(error.retry_after, 1))

    async def _error(self, request_id: Any, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "request_id": request_id, "code": code,
                              "detail": detail, **extra})

    # --- Her account and rooms, checked again ---------------------------------------------
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
        if rights.hidden is not None:
            self.hidden = rights.hidden
        before = set(self.room_ids)
        await self._follow_exactly(set(rights.room_ids), tell=True)
        added = self.room_ids - before
        if added and self.synced:  # followed from their current rev
            async with self.reading:
                await self._start_rooms(added)
                self._release_held()

    # --- Events for this socket alone ----------------------------------------------------
    async def socket_event(self, message: dict[str, Any]) -> None:
        """An event for this socket alone (call signalling), for a room it still follows."""
        event = message["event"]
        if event.get("room_id") in self.room_ids:
            await self.send_json(event)

    # --- Personal events ----------------------------------------------------------------
    async def hub_user_event(self, kind: str, text: str) -> None:
        """One of her personal events from the hub, in order. Most go out as they are;
        those about her rooms or her account change what this socket follows, which
        reads the database. While the socket answers a request or reads the database
        (`sync`: its `sync.done` carries read state older than this event), they wait,
        in a task of their own, so the hub goes on to the other sockets."""
        if self.opened and self.personal_task is None and not self.personal \
                and kind not in ROOM_CHANGES and kind not in (ACCOUNT_CHANGED, BLOCKS_CHANGED) \
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
                    elif kind == BLOCKS_CHANGED:
                        self.hidden = await database_sync_to_async(permissions.hidden_from)(
                            self.user)
                        self._put(payload)
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
        fresh, room_ids, revs = await heartbeat.local().beat(
            self.channel_name, self.user_id,  # type: ignore[arg-type]
            admin_powers=self.user.admin_powers)  # type: ignore[union-attr]
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

    async def _auth_again(self, content: dict[str, Any], request_id: Any) -> None:
        raise ValidationError("This socket is signed in already.")

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
        status, told = await database_sync_to_async(self._touch)(state, sorted(self.room_ids))
        if status:
            await presence.announce(self.user.pk, told, status)  # type: ignore[union-attr]

    def _touch(self, state: str, room_ids: list[int]
               ) -> tuple[selectors.Status | None, list[int]]:
        """Her presence, if it changed, and which of `room_ids` (those this socket
        follows) it is told to (`presence.rooms_told`)."""
        services.connection_touch(channel_name=self.channel_name, state=state)
        user_id: int = self.user.pk  # type: ignore[union-attr]
        status = presence.presence_change(user_id)
        return status, presence.rooms_told(user_id, room_ids) if status else []
