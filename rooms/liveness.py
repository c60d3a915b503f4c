"""An open socket's rights, checked again by the server: her account, her session, her rooms.

A socket is opened with her session cookie; after that, what it may read is a cache. Here
the server asks again, for every local socket, every RECHECK_SECONDS whether or not the
client pings (so within RECHECK_SECONDS at worst after any change, whatever made it: a
service, the Django admin, a plain SQL delete), and at once for her sockets when her
account changes (`rooms.services.account_changed`: sign-out, a new password, a reset,
deactivation). One database trip answers a whole batch of sockets:

- the session must still exist, be unexpired and still carry her account with the same
  password hash (`django.contrib.auth.get_user`, as every page load asks it); a socket
  signed in with an access token (`community.tokens.socket_key`) instead needs its token
  still live (not revoked, not expired);
- the account must be active;
- her rooms are read afresh (memberships, and an admin's active break-glass grants); the
  socket drops those she is no longer in, or whose grant ended or expired.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth

from community import tokens
from community.models import User
from rooms import permissions
from rooms.models import Membership

log = logging.getLogger(__name__)

RECHECK_SECONDS = 30.0  # a change of rights reaches every socket within this, at worst
BATCH = 500  # sockets checked per database trip


@dataclass(frozen=True)
class Rights:
    """What a socket may still do: None for `user` means close it."""

    user: User | None
    room_ids: frozenset[int]
    # The members hidden from her live (rooms.permissions.hidden_from); None: not read
    # this time (the heartbeat reads her rooms only).
    hidden: frozenset[int] | None = None


class WatchedSocket(Protocol):
    user_id: int | None
    session_key: str | None

    async def rights_changed(self, rights: Rights) -> None:
        """Apply what the server found: close, or follow exactly these rooms."""


class _SessionRequest:
    """What `django.contrib.auth.get_user` reads of a request: its session."""

    def __init__(self, session: object) -> None:
        self.session = session


def _signed_in(session_key: str | None) -> User | None:
    """The active account this session still signs in, or None."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(_SessionRequest(store))  # type: ignore[arg-type]
    if not user.is_authenticated or not user.is_active:
        return None
    return user  # type: ignore[return-value]


DB_SESSIONS = "django.contrib.sessions.backends.db"


def _signed_in_together(wanted: set[tuple[int, str | None]]) -> dict[tuple[int, str | None], User]:
    """The common case of `_signed_in` for many sessions at once, with the database session
    engine: two queries (the sessions, their accounts). A session is taken as valid here
    only if it names this account, an authentication backend still configured and the
    account's current password hash, and the account is active; anything else is left to
    `_signed_in` (Django's own check: rotated secret keys, a session to flush)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import constant_time_compare

    keys = {key for _, key in wanted if key}
    data = dict(Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
                .values_list("session_key", "session_data"))
    users = User.objects.in_bulk({user_id for user_id, key in wanted if key in data})
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    found: dict[tuple[int, str | None], User] = {}
    for user_id, key in wanted:
        user = users.get(user_id)
        if key not in data or user is None or not user.is_active:
            continue
        session = store.decode(data[key])
        if str(session.get(auth.SESSION_KEY)) == str(user_id) \
                and session.get(auth.BACKEND_SESSION_KEY) in settings.AUTHENTICATION_BACKENDS \
                and constant_time_compare(session.get(auth.HASH_SESSION_KEY, ""),
                                          user.get_session_auth_hash()):
            found[(user_id, key)] = user
    return found


def rights_of(sockets: Iterable[tuple[int, str | None]]) -> dict[tuple[int, str | None], Rights]:
    """For each (user id, session key): her account if the session still signs her in
    and she is active, her rooms now, and whom a block hides from her. With the database
    session engine, four queries for the whole batch when every session holds; else (and
    for each session that does not, to be sure) Django's own check, a query or two per
    session."""
    wanted = set(sockets)
    users: dict[tuple[int, str | None], User | None] = {}
    # Token sockets (community.tokens.socket_key): the token still live, her account active.
    by_token = {(user_id, key) for user_id, key in wanted if tokens.is_socket_key(key)}
    if by_token:
        wanted -= by_token
        holders = tokens.socket_users(str(key) for _id, key in by_token)
        for user_id, key in by_token:
            holder = holders.get(str(key))
            users[(user_id, key)] = holder if holder is not None and holder.pk == user_id \
                else None
    if settings.SESSION_ENGINE == DB_SESSIONS:
        users.update(_signed_in_together(wanted))
    for user_id, session_key in wanted - users.keys():
        user = _signed_in(session_key)
        users[(user_id, session_key)] = user if user is not None and user.pk == user_id \
            else None
    live_ids = {user.pk for user in users.values() if user is not None}
    rooms: dict[int, set[int]] = defaultdict(set)
    for user_id, room_id in Membership.objects.filter(user_id__in=live_ids).values_list(
            "user_id", "room_id"):
        rooms[user_id].add(room_id)
    # Her grants' rooms are hers on the sockets that use her admin powers only: her
    # session's may, her token's without the `admin` scope may not, in the same batch.
    granted = permissions.granted_room_ids(
        {user.pk for user in users.values() if user is not None
         and permissions.can_use_grants(user)})
    hidden = permissions.hidden_among(live_ids)
    return {key: Rights(user, _rooms_of(user, rooms, granted),
                        hidden.get(user.pk, frozenset()) if user is not None else frozenset())
            for key, user in users.items()}


def _rooms_of(user: User | None, rooms: dict[int, set[int]],
              granted: dict[int, set[int]]) -> frozenset[int]:
    """Her memberships' rooms, and her grants' where this socket uses her admin powers."""
    if user is None:
        return frozenset()
    if permissions.can_use_grants(user):
        return frozenset(rooms[user.pk] | granted.get(user.pk, set()))
    return frozenset(rooms[user.pk])


class Watch:
    """This event loop's sockets, checked every RECHECK_SECONDS."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[WatchedSocket] = weakref.WeakSet()
        self.task: asyncio.Task[None] | None = None

    def add(self, socket: WatchedSocket) -> None:
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(
                self._every(), context=contextvars.Context())

    def discard(self, socket: WatchedSocket) -> None:
        self.sockets.discard(socket)

    async def _every(self) -> None:
        while self.sockets:
            await asyncio.sleep(RECHECK_SECONDS)
            try:
                await self.check(list(self.sockets))
            except Exception:  # the database is away: the next round tries again
                log.exception("sockets' rights not checked")

    async def check(self, sockets: list[WatchedSocket]) -> None:
        """Check these sockets now (in batches) and tell each what it may still do."""
        for start in range(0, len(sockets), BATCH):
            batch = [s for s in sockets[start:start + BATCH] if s.user_id is not None]
            found = await database_sync_to_async(rights_of)(
                [(s.user_id, s.session_key) for s in batch])  # type: ignore[misc]
            for socket in batch:
                try:
                    await socket.rights_changed(found[(socket.user_id, socket.session_key)])  # type: ignore[index]
                except Exception:
                    log.exception("a socket's rights not applied")


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watch] = (
    weakref.WeakKeyDictionary())


def local() -> Watch:
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = Watch()
    return watch
