"""Every change to calls: join, leave, mute, signal. Each runs in one transaction that locks
the room's open call, then tells the room (`call.changed`) after commit.

Mode: a call in a room of at most COHORT_CALL_P2P_MAX members is peer to peer (each pair
of participants connects directly); a call in a larger room goes through the relay hosted
by one server process (video.relay). The mode is fixed when the call starts.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import User
from rooms import protocol
from rooms import services as room_services
from rooms.models import Connection, Membership, Room
from rooms.permissions import access_room
from rooms.services import PRESENCE_TIMEOUT
from video import hooks, permissions, privacy
from video.models import Call, Participant

MAX_SDP_BYTES = 48 * 1024
MAX_CANDIDATE_BYTES = 1024
RELAY = "relay"
RELAY_TIMEOUT = PRESENCE_TIMEOUT
PEER_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class NotInCall(Exception):
    """The socket is not in this room's call (it left, or never joined)."""


# --- Reading --------------------------------------------------------------------------------

def open_call(room: Room) -> Call | None:
    return Call.objects.filter(room=room, ended_at__isnull=True).first()


def present(call: Call) -> QuerySet[Participant]:
    return call.participants.filter(left_at__isnull=True)


def call_payload(call: Call | None) -> protocol.CallPayload | None:
    if call is None:
        return None
    participants: list[protocol.CallParticipantPayload] = [{
        "peer_id": p.peer_id, "user_id": p.user_id, "name": p.user.name,
        **({"badge": p.user.role_badge} if p.user.role_badge else {}),  # type: ignore[typeddict-item]
        "photo": photo_url(p.user),
        "audio": p.audio, "video": p.video, "screen": p.screen,
        "joined_at": p.joined_at.isoformat(),
    } for p in present(call).select_related("user__profile")]
    return {"id": call.pk, "version": call.version,  # type: ignore[return-value]
            "mode": call.mode, "started_at": call.started_at.isoformat(),
            "participants": participants}


def photo_url(user: User) -> str | None:
    """Where a tile whose camera is off finds her photo. The address checks, for each
    viewer, that she may see the profile (a tile that may not falls back to initials)."""
    profile = getattr(user, "profile", None)
    return reverse("profile_photo", args=[user.pk]) if profile and profile.photo else None


def call_for(viewer: User, room: Room) -> protocol.CallPayload | None:
    """The room's call as its members see it (nobody across a block among its
    participants); None for anyone else."""
    if not permissions.can_see_call(viewer, room):
        return None
    return permissions.call_seen_by(viewer, call_payload(open_call(room)))


def call_key(room: Room) -> tuple[int, int]:
    """(id, version) of the room's latest call, open or ended; (0, 0) if it never had one:
    what a client compares with the `call.changed` events it holds."""
    latest = Call.objects.filter(room=room).order_by("-pk").values_list("pk", "version").first()
    return latest or (0, 0)


def rooms_with_calls(room_ids: list[int]) -> set[int]:
    return set(Call.objects.filter(room_id__in=room_ids, ended_at__isnull=True)
               .values_list("room_id", flat=True))


# --- Keeping the record true ------------------------------------------------------------------

def _prune(call: Call) -> bool:
    """Drop participants whose socket died or who left the room; True if any was dropped."""
    fresh = Connection.objects.filter(seen_at__gte=timezone.now() - PRESENCE_TIMEOUT)
    gone = present(call).exclude(channel_name__in=fresh.values("channel_name"))
    not_members = present(call).exclude(user_id__in=Membership.objects.filter(
        room_id=call.room_id).values("user_id"))
    dropped = list(gone.values_list("peer_id", flat=True)) + list(
        not_members.values_list("peer_id", flat=True))
    if dropped:
        Participant.objects.filter(peer_id__in=dropped).update(left_at=timezone.now())
        _tell_relay_left(call, dropped)
    return bool(dropped)


def _end_if_empty(call: Call) -> None:
    if not present(call).exists():
        call.ended_at = timezone.now()
        call.save(update_fields=["ended_at"])


def call_changed_event(call: Call) -> protocol.CallChanged:
    """The room's `call.changed` for the call as it is now (live, and in catch-up)."""
    return {"type": "call.changed", "room_id": call.room_id, "rev": call.rev,
            "call_id": call.pk, "version": call.version,
            "call": call_payload(call) if call.ended_at is None else None}


def _announce(call: Call, room: Room) -> None:
    """Tell the room, with the next version of the call, at the room's next rev.

    `room`: read under its row lock in this transaction (`rooms.services.room_lock`, taken
    before the call's row, in every path: the one lock order). The increment locks the
    call's row until commit, so versions follow commit order and each announcement reads
    every change committed before it.
    """
    rev = room_services.rev_take(room=room)
    Call.objects.filter(pk=call.pk).update(version=F("version") + 1, rev=rev)
    call.version = Call.objects.values_list("version", flat=True).get(pk=call.pk)
    call.rev = rev
    protocol.publish(call.room_id, call_changed_event(call))


def _locked_call(room: Room) -> Call | None:
    return Call.objects.select_for_update().filter(room=room, ended_at__isnull=True).first()


# --- Relay messages -----------------------------------------------------------------------------

def _relay_send(call: Call, message: dict[str, Any]) -> None:
    """To the call's relay host (video.relay.host), once the transaction commits."""
    if call.mode != Call.Mode.RELAY or not call.relay_channel:
        return
    protocol.publish_to_channel(call.relay_channel, message)


def _tell_relay_left(call: Call, peer_ids: list[str]) -> None:
    for peer_id in peer_ids:
        _relay_send(call, {"type": "relay.leave", "call_id": call.pk, "peer_id": peer_id})


def _relay_alive(call: Call) -> bool:
    return bool(call.relay_channel and call.relay_seen_at
                and call.relay_seen_at >= timezone.now() - RELAY_TIMEOUT)


# --- Joining and leaving ------------------------------------------------------------------------

def flag(content: dict[str, Any], key: str, default: bool | None = None) -> bool | None:
    """A true/false field of a frame; ValidationError for anything else."""
    value = content.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise ValidationError(_("%(field)s is true or false.") % {"field": key})
    return value


def call_join(*, user: User, room_id: Any, channel_name: str, audio: bool = True,
              video: bool = True, relay_channel: Any = None) -> tuple[Participant, Call]:
    """Join (or start) the room's call from one socket.

    `relay_channel` is a callable giving this process's relay host channel; it is asked
    only when a relay call has no live host. Joining from a second tab moves her seat there.
    """
    room = access_room(user, room_id)
    if not permissions.can_join_call(user, room):
        raise PermissionDenied(_("You cannot join calls in this room."))
    with transaction.atomic():
        locked = room_services.room_lock(room_id=room.pk)  # one joiner at a time
        call = _locked_call(room)
        if call is not None:
            _prune(call)
            if not present(call).exists():
                _end_if_empty(call)
                call = None
        if call is None:
            members = room.memberships.count()
            mode = Call.Mode.P2P if members <= settings.COHORT_CALL_P2P_MAX else Call.Mode.RELAY
            call = Call.objects.create(room=room, mode=mode)
            hooks.call_started(room, user)
        mine = present(call).filter(user=user).first()
        if mine is not None:  # her other tab gives up its seat
            mine.left_at = timezone.now()
            mine.save(update_fields=["left_at"])
            _tell_relay_left(call, [mine.peer_id])
            protocol.publish_to_socket(mine.channel_name, {
                "type": "call.left", "room_id": room.pk, "reason": "joined_elsewhere"})
        limit = (settings.COHORT_CALL_P2P_MAX if call.mode == Call.Mode.P2P
                 else settings.COHORT_CALL_RELAY_MAX)
        if present(call).count() >= limit:
            raise PermissionDenied(
                _("This call is full (%(count)d people).") % {"count": limit})
        if call.mode == Call.Mode.RELAY and not _relay_alive(call):
            if relay_channel is None:
                raise PermissionDenied(_("Group calls are not available on this server."))
            call.relay_channel = relay_channel()
            call.relay_seen_at = timezone.now()
            call.save(update_fields=["relay_channel", "relay_seen_at"])
        participant = Participant.objects.create(
            call=call, user=user, channel_name=channel_name, peer_id=secrets.token_urlsafe(12),
            audio=bool(audio), video=bool(video))
        hooks.call_joined(user.pk, room.pk)
        _announce(call, locked)
    return participant, call


def _leave(participant: Participant, room: Room) -> Call:
    """`room`: locked in this transaction (see `_announce`)."""
    participant.left_at = timezone.now()
    participant.save(update_fields=["left_at"])
    call = participant.call
    _tell_relay_left(call, [participant.peer_id])
    _end_if_empty(call)
    _announce(call, room)
    return call


def call_leave(*, user: User, room_id: Any, channel_name: str) -> None:
    room = access_room(user, room_id)
    with transaction.atomic():
        locked = room_services.room_lock(room_id=room.pk)
        call = _locked_call(room)
        mine = call and present(call).filter(channel_name=channel_name).first()
        if mine:
            _leave(mine, locked)


def socket_left(user: User, channel_name: str, room_id: int | None) -> None:
    """The socket closed (room_id None) or stopped following a room: leave its calls."""
    seats = Participant.objects.filter(channel_name=channel_name, left_at__isnull=True)
    if room_id is not None:
        seats = seats.filter(call__room_id=room_id)
    for seat in seats.select_related("call"):
        with transaction.atomic():
            locked = room_services.room_lock(room_id=seat.call.room_id)
            Call.objects.select_for_update().filter(pk=seat.call_id).first()
            seat.refresh_from_db()
            if seat.left_at is None:
                _leave(seat, locked)


def member_silenced(*, room_id: int, user_id: int) -> None:
    """A moderator muted her in the room: her seats in its call end now, each socket is
    told (`call.left`, `removed`) and the room sees her gone. Inside the mute's
    transaction (rooms.hooks.member_silenced); the room's row, then the call's."""
    with transaction.atomic():
        locked = room_services.room_lock(room_id=room_id)
        call = _locked_call(locked)
        if call is None:
            return
        seats = list(present(call).filter(user_id=user_id))
        for seat in seats:
            seat.left_at = timezone.now()
            seat.save(update_fields=["left_at"])
            protocol.publish_to_socket(seat.channel_name, {
                "type": "call.left", "room_id": room_id, "reason": "removed"})
        if seats:
            _tell_relay_left(call, [seat.peer_id for seat in seats])
            _end_if_empty(call)
            _announce(call, locked)


def my_seat(user: User, room_id: Any, channel_name: str) -> tuple[Room, Participant]:
    """Her seat from this socket, for a request that takes part in the call (update,
    signal, fresh ICE servers): asked now, so a mute or a block since she joined refuses
    it (leaving never asks)."""
    room = access_room(user, room_id)
    if not permissions.can_join_call(user, room):
        raise PermissionDenied(_("You cannot join calls in this room."))
    seat = Participant.objects.select_related("call").filter(
        call__room=room, call__ended_at__isnull=True, channel_name=channel_name,
        left_at__isnull=True).first()
    if seat is None:
        raise NotInCall
    return room, seat


def call_update(*, user: User, room_id: Any, channel_name: str,
                changes: dict[str, Any]) -> Participant:
    """Her microphone, camera and screen sharing, as the room sees them."""
    fields = {key: flag(changes, key) for key in ("audio", "video", "screen")}
    fields = {key: value for key, value in fields.items() if value is not None}
    with transaction.atomic():
        room, seat = my_seat(user, room_id, channel_name)
        # The room's row, then the call's, as joining and leaving take them: then her seat.
        locked = room_services.room_lock(room_id=room.pk)
        Call.objects.select_for_update().filter(pk=seat.call_id).first()
        for key, value in fields.items():
            setattr(seat, key, value)
        seat.save(update_fields=list(fields))
        _announce(seat.call, locked)
    return seat


# --- Signalling -----------------------------------------------------------------------------------

def _clean_description(value: Any) -> dict[str, str]:
    if (not isinstance(value, dict) or value.get("type") not in ("offer", "answer")
            or not isinstance(value.get("sdp"), str)):
        raise ValidationError(_("description is {type: offer or answer, sdp}."))
    if len(value["sdp"].encode()) > MAX_SDP_BYTES:
        raise ValidationError(_("An SDP description is at most %(size)d bytes.")
                              % {"size": MAX_SDP_BYTES})
    return {"type": value["type"], "sdp": value["sdp"]}


def _clean_candidate(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None  # the end of her candidates
    if not isinstance(value, dict) or not isinstance(value.get("candidate"), str):
        raise ValidationError(_("candidate is {candidate, sdpMid, sdpMLineIndex} or null."))
    clean = {"candidate": value["candidate"], "sdpMid": value.get("sdpMid"),
             "sdpMLineIndex": value.get("sdpMLineIndex"),
             "usernameFragment": value.get("usernameFragment")}
    if (len(str(clean).encode()) > MAX_CANDIDATE_BYTES
            or not isinstance(clean["sdpMid"], str | None)
            or not isinstance(clean["sdpMLineIndex"], int | None)
            or not isinstance(clean["usernameFragment"], str | None)):
        raise ValidationError(_("An ICE candidate is at most %(size)d bytes of well-formed "
                                "fields.") % {"size": MAX_CANDIDATE_BYTES})
    return clean


def _clean_streams(value: Any, call: Call) -> dict[str, str]:
    if value is None:
        return {}
    limit = 2 * settings.COHORT_CALL_RELAY_MAX + 4
    if (not isinstance(value, dict) or len(value) > limit
            or not all(isinstance(k, str) and MID.match(k) and isinstance(v, str)
                       and (v == "self" or PEER_ID.match(v)) for k, v in value.items())):
        raise ValidationError(_("streams maps transceiver mids to \"self\" or a peer_id."))
    return dict(value)


def call_signal(*, user: User, room_id: Any, channel_name: str,
                content: dict[str, Any]) -> None:
    """Pass one offer, answer or ICE candidate to a participant of the same call (or to
    the relay). Nothing reaches anyone outside the call."""
    has_description, has_candidate = "description" in content, "candidate" in content
    if has_description == has_candidate:
        raise ValidationError(_("Send either a description or a candidate."))
    to = content.get("to")
    if not isinstance(to, str) or not (to == RELAY or PEER_ID.match(to)):
        raise ValidationError(_("to is a participant's peer_id, or \"relay\"."))
    room, seat = my_seat(user, room_id, channel_name)
    call = seat.call
    event: dict[str, Any] = {"type": "call.signal", "room_id": room.pk, "from": seat.peer_id}
    if has_description:
        event["description"] = _clean_description(content["description"])
    else:
        event["candidate"] = _clean_candidate(content["candidate"])
    if to == RELAY:
        if call.mode != Call.Mode.RELAY:
            raise ValidationError(_("This call is peer to peer: signal the participants."))
        streams = _clean_streams(content.get("streams"), call)
        withheld = permissions.streams_withheld(user, present(call).filter(
            peer_id__in=set(streams.values()) - {"self"}).values_list("peer_id", "user_id"))
        streams = {mid: peer for mid, peer in streams.items() if peer not in withheld}
        _relay_send(call, {"type": "relay.signal", "call_id": call.pk, "room_id": room.pk,
                           "peer_id": seat.peer_id, "channel_name": channel_name,
                           "streams": streams, **{
                               k: v for k, v in event.items() if k in ("description",
                                                                       "candidate")}})
        return
    target = (present(call).select_related("user__profile").filter(peer_id=to)
              .exclude(pk=seat.pk).first())
    if target is None or not permissions.can_signal(user, target.user_id):
        # Across a block it answers as for someone not in the call: nothing is forwarded.
        raise PermissionDenied(_("That person is not in this call."))
    hidden = permissions.hides_address(user) or permissions.hides_address(target.user)
    if hidden and not _relay_only(event):
        return  # an address she (or the other) hides: dropped, the ack says nothing
    protocol.publish_to_socket(target.channel_name, event)  # type: ignore[arg-type]


def _relay_only(event: dict[str, Any]) -> bool:
    """Keep only what names the TURN server (video.privacy); False: drop the whole signal."""
    if "description" in event:
        event["description"] = {**event["description"],
                                "sdp": privacy.sdp_relay_only(event["description"]["sdp"])}
        return True
    candidate = event["candidate"]
    if candidate is None:
        return True
    kept = privacy.candidate_relay_only(candidate["candidate"])
    if kept is None:
        return False
    event["candidate"] = {**candidate, "candidate": kept}
    return True


def relay_touch(call_ids: list[int], relay_channel: str) -> None:
    """The relay host is alive for these calls."""
    Call.objects.filter(pk__in=call_ids, relay_channel=relay_channel,
                        ended_at__isnull=True).update(relay_seen_at=timezone.now())

