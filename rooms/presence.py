"""Presence as her rooms hear it: `presence.changed` only when her status over all her
sockets, tabs and processes differs from what they were last told.

The status is computed from `Connection` rows (`selectors.presence_of`); what her rooms
were last told is kept in the cache, shared by every process, so a reconnect on another
process does not announce "online" again. Going offline is announced only after a grace
period (`COHORT_PRESENCE_GRACE` seconds): a page reload, a network blip or a reconnect
storm would otherwise flap her offline and online to every member of all her rooms.

The cache read and write are not atomic across processes; at worst a room hears the same
status twice, or a change is corrected by the next one. Page loads read presence afresh.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterable

from channels.db import database_sync_to_async
from django.conf import settings

from community.cache import shared_cache
from rooms import outbox, protocol, selectors, statements
from rooms.selectors import Status

log = logging.getLogger(__name__)

TOLD_FOR = 24 * 3600  # seconds a told status is remembered; a forgotten one is told again
_later: set[asyncio.Task[None]] = set()  # delayed checks (the loop keeps weak references)


def _told_key(user_id: int) -> str:
    return f"presence.told.{user_id}"


def presence_change(user_id: int) -> Status | None:
    """Her status now, if her rooms were last told another one (and remember it as told);
    None if nothing is to be announced."""
    status = selectors.presence_of([user_id]).get(user_id, "offline")
    key = _told_key(user_id)
    try:
        if shared_cache().get(key, "offline") == status:
            return None
        shared_cache().set(key, status, TOLD_FOR)
    except Exception:  # the cache (Redis) is away: presence is advisory, a socket opens
        log.warning("presence of member %s not compared: the cache does not answer",
                    user_id, exc_info=True)
        return None
    return status


async def announce(user_id: int, room_ids: list[int], status: Status) -> None:
    """Tell her rooms; if the layer is away, the next change or a page load corrects it
    (a socket that opens or closes meanwhile is not failed by it)."""
    try:
        for room_id in room_ids:
            await protocol.publish_ephemeral(room_id, {
                "type": "presence.changed", "room_id": room_id, "user_id": user_id,
                "status": status})
    except Exception:
        log.warning("presence of member %s not announced: the layer does not answer",
                    user_id, exc_info=True)


def rooms_told(user_id: int, following: Iterable[int] | None = None) -> list[int]:
    """The rooms her presence is told to: those she is a member of, never those an admin
    reads through break-glass (she reads, she is not there). `following`: only those of
    these rooms (what one socket follows)."""
    mine = statements.room_ids_of(user_id)
    if following is not None:
        wanted = set(following)
        mine = [room_id for room_id in mine if room_id in wanted]
    return sorted(mine)


def _check(user_id: int) -> tuple[Status | None, list[int]]:
    status = presence_change(user_id)
    return status, rooms_told(user_id) if status else []


async def check(user_id: int) -> None:
    """Announce her status to her rooms if it changed."""
    try:
        status, room_ids = await database_sync_to_async(_check)(user_id)
        if status:
            await announce(user_id, room_ids, status)
    except Exception:  # presence is advisory: the next change or a page load corrects it
        log.exception("presence of member %s not announced", user_id)


def _start(loop: asyncio.AbstractEventLoop, user_id: int) -> None:
    task = loop.create_task(check(user_id), context=contextvars.Context())
    _later.add(task)
    task.add_done_callback(_later.discard)


def check_after_grace(user_id: int) -> None:
    """After one of her sockets closed (on the event loop): check once the grace period
    is over."""
    grace = float(settings.COHORT_PRESENCE_GRACE)
    loop = asyncio.get_running_loop()
    if grace <= 0:
        _start(loop, user_id)
    else:
        loop.call_later(grace, _start, loop, user_id)


def check_soon(user_id: int) -> None:
    """`check` on the event loop whose worker thread this is (or now, outside one)."""
    outbox.send_soon(check, user_id)
