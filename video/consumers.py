"""Thin handlers for the call.* socket requests. They run in a worker thread with the
asking socket's channel name, call one service and return the ack's result. Each counts
against the member's `call.signal` limit (COHORT_RATE_LIMITS), past which it raises
RateLimited; but `call.leave`: hanging up is never refused."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.models import User
from community.ratelimit import limit_member
from video import permissions, services, turn
from video.relay import host

Handler = Callable[[User, str, dict[str, Any]], dict[str, Any]]


def _relay_channel() -> str:
    """This process's relay host (started on first use) takes the call."""
    return async_to_sync(host.local_channel)()


def handle_join(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    audio = services.flag(content, "audio", True)
    video = services.flag(content, "video", True)
    seat, call = services.call_join(user=user, room_id=content.get("room_id"),
                                    channel_name=channel_name, audio=bool(audio),
                                    video=bool(video), relay_channel=_relay_channel)
    return {"room_id": call.room_id, "peer_id": seat.peer_id,
            "call": permissions.call_seen_by(user, services.call_payload(call)),
            "ice_servers": turn.ice_servers(user.pk),
            "ice_transport_policy": turn.transport_policy(user)}


def handle_leave(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    services.call_leave(user=user, room_id=content.get("room_id"), channel_name=channel_name)
    return {}


def handle_update(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    _in_call(services.call_update, user=user, room_id=content.get("room_id"),
             channel_name=channel_name, changes=content)
    return {}


def handle_signal(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    _in_call(services.call_signal, user=user, room_id=content.get("room_id"),
             channel_name=channel_name, content=content)
    return {}


def handle_ice(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    """Fresh ICE servers (new TURN credentials) for a participant, before an ICE restart."""
    _in_call(services.my_seat, user, content.get("room_id"), channel_name)
    return {"ice_servers": turn.ice_servers(user.pk),
            "ice_transport_policy": turn.transport_policy(user)}


def handle_get(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
    room = services.access_room(user, content.get("room_id", ""))
    call = services.call_for(user, room)
    call_id, version = services.call_key(room) if call is None else (call["id"], call["version"])
    return {"room_id": room.pk, "call_id": call_id, "version": version, "call": call}


def _in_call(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except services.NotInCall:
        raise PermissionDenied(_("You are not in this call: join it first.")) from None


def _limited(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def limited(user: User, channel_name: str, content: dict[str, Any]) -> dict[str, Any]:
        limit_member("call.signal", user)
        return handler(user, channel_name, content)
    return limited


SOCKET_HANDLERS = {
    "call.join": _limited(handle_join), "call.leave": handle_leave,
    "call.update": _limited(handle_update), "call.signal": _limited(handle_signal),
    "call.ice": _limited(handle_ice), "call.get": _limited(handle_get),
}
ON_LEAVE = (services.socket_left,)
