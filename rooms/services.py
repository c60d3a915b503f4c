"""Every write of the rooms app: rooms, memberships, each room's event log (its `rev`, its
messages' `seq`, members' read positions), presence records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.models import User
from community.ratelimit import ip_key, limit_member
from community.templatetags.community_dates import moment
from rooms import hooks, permissions, protocol, statements
from rooms.models import BreakGlassGrant, Connection, Membership, Room

PRESENCE_TIMEOUT = timedelta(seconds=protocol.HEARTBEAT_SECONDS * 3)


def _join(room: Room, user: User, role: str) -> Membership:
    """Whoever the caller: a pair's or a direct room has its two members and no third."""
    if room.kind in permissions.PAIR_KINDS and Membership.objects.filter(
            room=room).exclude(user=user).count() >= 2:
        raise PermissionDenied(_("Nobody joins a mentoring pair's or a direct conversation."))
    membership = Membership.objects.create(room=room, user=user, role=role,
                                           last_read_seq=room.last_seq)
    protocol.publish_to_user(user.pk, {"type": "rooms.joined", "room_id": room.pk})
    protocol.publish(room.pk, {"type": "rooms.member.changed", "room_id": room.pk,
                               "user_id": user.pk, "change": "joined"})
    return membership


def room_create_group(
    *, creator: User, name: str, topic: str = "", members: Iterable[User] = ()
) -> Room:
    """A one-to-many room owned by its creator (a mentor or an admin)."""
    if not permissions.can_create_group(creator):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the room a name.")})
    limit_member("room.create", creator)  # RateLimited: no room
    with transaction.atomic():
        room = Room.objects.create(kind=Room.Kind.GROUP, name=name[:120], topic=topic[:300],
                                   created_by=creator)
        _join(room, creator, Membership.Role.OWNER)
        for member in members:
            if member.pk != creator.pk and member.is_active:
                _join(room, member, Membership.Role.MEMBER)
    return room


def room_create_one_to_one(*, mentor: User, mentee: User, name: str = "") -> Room:
    """The room of a mentoring pair: both own it. Opened by the mentorship lifecycle."""
    if mentor.pk == mentee.pk:
        raise ValidationError(_("A mentoring pair needs two people."))
    with transaction.atomic():
        room = Room.objects.create(
            kind=Room.Kind.ONE_TO_ONE, created_by=mentor,
            name=name or f"{mentor.name} & {mentee.name}"[:120])
        _join(room, mentor, Membership.Role.OWNER)
        _join(room, mentee, Membership.Role.OWNER)
    return room


def room_open_direct(*, user: User, other: User, limited: bool = False) -> Room:
    """The direct-message room of two members, created the first time. `limited`: the
    member asked for it herself, and a new one counts against her `direct.open` limit
    (a mentor's question to a mentee opens one as part of answering her request)."""
    if not permissions.can_open_direct(user, other):
        raise PermissionDenied
    low, high = sorted((user.pk, other.pk))
    key = f"{low}-{high}"
    existing = Room.objects.filter(direct_key=key).first()
    if existing:
        return existing
    if limited:
        limit_member("direct.open", user)  # RateLimited: no new conversation
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_key=key, created_by=user)
            _join(room, user, Membership.Role.MEMBER)
            _join(room, other, Membership.Role.MEMBER)
    except IntegrityError:  # the other opened it at the same moment
        return Room.objects.get(direct_key=key)
    return room


def member_add(*, actor: User, room: Room, user: User,
               role: str = Membership.Role.MEMBER) -> Membership:
    """A member added to a group room. A pair's or a direct room takes nobody, whoever
    asks (an admin reads one only through break-glass access: `break_glass_open`)."""
    if room.kind in permissions.PAIR_KINDS or not permissions.can_add_member(actor, room, user):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    limit_member("room.member_add", actor)  # RateLimited: nobody is added
    with transaction.atomic():
        if Membership.objects.filter(room=room, user=user).exists():
            raise ValidationError(_("%(name)s is already in this room.") % {"name": user.name})
        membership = _join(room, user, role)
        if actor.is_admin and not permissions.can_moderate(actor, room):
            audit_record(actor=actor, action="room.member_add", target=room,
                         member=user.email, role=role)
    return membership


def _leave(membership: Membership, change: str) -> None:
    room_id, user_id = membership.room_id, membership.user_id
    membership.delete()
    # Her sockets drop the room's group as soon as this arrives: no more live events.
    protocol.publish_to_user(user_id, {"type": "rooms.removed", "room_id": room_id})
    protocol.publish(room_id, {"type": "rooms.member.changed", "room_id": room_id,
                               "user_id": user_id, "change": change})  # type: ignore[typeddict-item]


def member_remove(*, actor: User, room: Room, user: User, reason: str = "") -> None:
    with transaction.atomic():
        membership = Membership.objects.filter(room=room, user=user).first()
        if membership is None:
            raise ValidationError(_("%(name)s is not in this room.") % {"name": user.name})
        if not permissions.can_remove_member(actor, room, membership):
            raise PermissionDenied
        _leave(membership, "removed")
        if actor.is_admin and not permissions.can_moderate(actor, room):
            audit_record(actor=actor, action="room.member_remove", target=room, reason=reason,
                         member=user.email)


def room_leave(*, user: User, room: Room) -> None:
    if not permissions.can_leave(user, room):
        raise ValidationError(_("You cannot leave this room (the last owner stays)."))
    with transaction.atomic():
        _leave(Membership.objects.get(room=room, user=user), "left")


def room_mute(*, user: User, room: Room, muted: bool) -> None:
    """Mute (or unmute) a room for her alone; a non-member's request is refused."""
    if not permissions.can_mute(user, room):
        raise PermissionDenied
    Membership.objects.filter(room=room, user=user).update(muted=bool(muted))


def member_silence(*, room_id: int, user_id: int, until: datetime) -> bool:
    """A moderator muted her in the room until `until`: she cannot post, react or type
    there before then (`permissions.can_post` reads it now, on every write). False if she
    is not in the room.

    What she is doing there ends now (`hooks.member_silenced`: her seat in the room's
    call).

    Caller: `community.moderation.report_act` (through `server.features`), which checked
    the moderator's right and tells her; inside its transaction."""
    silenced = bool(Membership.objects.filter(room_id=room_id, user_id=user_id)
                    .update(silenced_until=until))
    if silenced and until > timezone.now():
        hooks.member_silenced(room_id=room_id, user_id=user_id)
    return silenced


def room_archive(*, actor: User, room: Room) -> Room:
    """Archived rooms stay readable and take no new writes."""
    if not permissions.can_archive(actor, room):
        raise PermissionDenied
    with transaction.atomic():
        room.archived_at = timezone.now()
        room.save(update_fields=["archived_at"])
        protocol.publish(room.pk, {"type": "rooms.archived", "room_id": room.pk})
        if actor.is_admin and not permissions.can_moderate(actor, room):
            audit_record(actor=actor, action="room.archive", target=room)
    return room


# --- Break-glass access --------------------------------------------------------------------

GRANT_HOURS_DEFAULT = 24
GRANT_HOURS_MAX = 72
REASON_MAX = 1000


def _notice_moment(value: object) -> str:
    """A moment in the server's zone, named, in the site's language: the notice is one
    text for both members."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        return f"{moment(value)} ({settings.TIME_ZONE})"  # type: ignore[arg-type]


def _tell_room(grant: BreakGlassGrant, *, opened: bool) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if opened:
            text = _("**Break-glass access**: %(admin)s, an administrator, can read this "
                     "conversation and its documents, without writing, until %(end)s. "
                     "Reason: %(reason)s") % {
                "admin": grant.admin.name, "end": _notice_moment(grant.expires_at),
                "reason": grant.reason}
        else:
            text = _("**Break-glass access ended**: %(admin)s can no longer read this "
                     "conversation (since %(end)s).") % {
                "admin": grant.admin.name,
                "end": _notice_moment(min(grant.ended_at or grant.expires_at,
                                          grant.expires_at))}
    hooks.room_notice(room_id=grant.room_id, text=text)


def break_glass_open(*, admin: User, room: Room, reason: str,
                     hours: int = GRANT_HOURS_DEFAULT) -> BreakGlassGrant:
    """Let `admin` read a pair's or a direct room for `hours` (1 to GRANT_HOURS_MAX), for
    a stated reason: audited, and both members are told in the room (a notice with her
    name, the reason and the end) in the same transaction. Her open sockets follow the
    room from its notice on (`rooms.joined`); she joins nothing and writes nothing."""
    if not permissions.can_break_glass(admin, room):
        raise PermissionDenied
    reason = " ".join(str(reason or "").split())
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Say why you need to read this conversation.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Keep the reason under %(count)d characters.") % {
            "count": REASON_MAX}
    if isinstance(hours, bool) or not isinstance(hours, int) \
            or not 1 <= hours <= GRANT_HOURS_MAX:
        errors["hours"] = _("Choose from 1 to %(max)d hours.") % {"max": GRANT_HOURS_MAX}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        room_lock(room_id=room.pk)
        if permissions.grants_active().filter(admin=admin, room=room).exists():
            raise ValidationError(_("You can already read this conversation."))
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            admin=admin, room=room, reason=reason, created_at=now,
            expires_at=now + timedelta(hours=hours))
        audit_record(actor=admin, action="room.break_glass_open", target=room, reason=reason,
                     grant=grant.pk, hours=hours, expires_at=grant.expires_at.isoformat())
        _tell_room(grant, opened=True)
        protocol.publish_to_user(admin.pk, {"type": "rooms.joined", "room_id": room.pk})
    return grant


def break_glass_end(*, actor: User, grant: BreakGlassGrant) -> BreakGlassGrant:
    """Close a grant now: from this commit every read refuses (the permission layer asks
    the grant at each read), her sockets drop the room (`rooms.removed`), the room is
    told, and it is audited. A grant that expired meanwhile is ended the same way."""
    with transaction.atomic():
        room_lock(room_id=grant.room_id)
        grant = BreakGlassGrant.objects.select_for_update().select_related("admin").get(
            pk=grant.pk)
        if not permissions.can_end_grant(actor, grant):
            raise PermissionDenied
        grant.ended_at = timezone.now()
        _end(grant)
        audit_record(actor=actor, action="room.break_glass_end", target=grant.room,
                     grant=grant.pk)
    return grant


def _end(grant: BreakGlassGrant) -> None:
    """Tell the room once, and her sockets to drop it (the caller locked the room)."""
    if grant.end_noticed_at is None:
        grant.end_noticed_at = timezone.now()
        _tell_room(grant, opened=False)
    grant.save(update_fields=["ended_at", "end_noticed_at"])
    protocol.publish_to_user(grant.admin_id, {"type": "rooms.removed",
                                              "room_id": grant.room_id})


def break_glass_sweep() -> int:
    """Tell each room whose grant expired that access ended (once per grant); the reading
    stopped at the expiry already, this is the notice. Returns how many were told."""
    told = 0
    due = BreakGlassGrant.objects.filter(end_noticed_at__isnull=True,
                                         expires_at__lte=timezone.now())
    for grant_id, room_id in due.values_list("pk", "room_id"):
        with transaction.atomic():
            room_lock(room_id=room_id)
            grant = BreakGlassGrant.objects.select_for_update().select_related(
                "admin").filter(pk=grant_id, end_noticed_at__isnull=True).first()
            if grant is None:  # another sweeper told it
                continue
            if grant.ended_at is None:
                grant.ended_at = grant.expires_at
            _end(grant)
            told += 1
    return told


def account_changed(*, user_id: int) -> None:
    """Her account or session may have lost its right (signed out, a new password,
    deactivated): every open socket of hers checks its session and account again, now,
    once the transaction commits, and closes if they no longer hold (`rooms.liveness`).
    Nothing reaches the client itself."""
    protocol.publish_to_user(user_id, {"type": "account.changed"})


def blocks_changed(*, blocker_id: int, blocked_id: int) -> None:
    """A block between these two was made or taken back: once the transaction commits,
    each one's open sockets read again whom they hide. Only the blocker's pages are told
    (`blocks.changed`, whom she blocked now); the other's sockets check their rights
    again (`account.changed`, never passed to a client), so nothing tells her live that
    someone blocked or unblocked her. Lost, the next rights check (rooms.liveness)
    repairs the sockets, and a page load the pages."""
    protocol.publish_to_user(blocker_id, {
        "type": "blocks.changed",
        "blocked": permissions.collapsed_authors(User.objects.get(pk=blocker_id))})
    protocol.publish_to_user(blocked_id, {"type": "account.changed"})


# --- The room's event log -----------------------------------------------------------------
# Every change a room shows (a message created, edited, deleted or reacted to; a call
# started; later a document saved or an event planned) takes the room's next `rev`, in the
# transaction that stores the change and under the room's row lock: so a room's revs have
# no gap (a rolled-back change gives its number back) and follow commit order, and a
# socket that holds a room up to some rev knows exactly what it misses. Features take
# numbers here and never write the room's counters themselves.

def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a room's log changes only inside the transaction of the change")


def room_lock(*, room_id: int) -> Room:
    """The room read under its row lock, held until the caller's transaction ends: the lock
    every change to the room's log is made under (`rev_take`). SQLite, which has no row
    lock, serialises writing transactions instead. Raises Room.DoesNotExist.

    Caller: a feature's service, inside `transaction.atomic`, before it reads what it will
    change (so two changes of one message are made one after the other).
    """
    _in_transaction()
    return Room.objects.select_for_update().get(pk=room_id)


def rev_take(*, room: Room) -> int:
    """The room's next `rev`, for one change the caller stores in its transaction (and
    stamps with it, so catch-up finds it: `Message.rev`). Written now; it is the room's at
    commit, and given back by a rollback.

    Caller: a feature's service, inside `transaction.atomic`, holding the room's row lock
    (`room_lock`, or `rooms.permissions.membership_locking_room`) with `room` read under
    it. A `room` read before the lock (another change may have taken the number meanwhile)
    raises RuntimeError rather than hand out a rev twice.
    """
    _in_transaction()
    rev = room.last_rev + 1
    if not Room.objects.filter(pk=room.pk, last_rev=room.last_rev).update(last_rev=rev):
        raise RuntimeError(f"room {room.pk} was not read under its lock")
    room.last_rev = rev
    return rev


def message_place_take(*, room: Room, reader: Membership) -> statements.MessagePlace:
    """The next `seq` and `rev` of `room` for a new message by `reader`'s member. Nothing is
    written here: the statement that stores the message writes the place too, and only if
    it stores the message (`rooms.statements.place_after_sql`, or `place_write` just after
    it), so a resend that stores nothing moves nothing, and a new message costs one round
    trip on PostgreSQL (chat.statements). Writing is reading: her read position moves to
    her own message.

    Caller: `chat.services.message_send`, inside its transaction, holding the room's row
    lock (`rooms.permissions.membership_locking_room`) with `room` and `reader` read
    under it.
    """
    _in_transaction()
    if reader.room_id != room.pk:
        raise ValueError("reader is not a member of this room")
    return statements.MessagePlace(room=room, reader=reader, seq=room.last_seq + 1,
                                   rev=room.last_rev + 1)


class NoticePlace(NamedTuple):
    seq: int
    rev: int


def notice_place_take(*, room: Room) -> NoticePlace:
    """The next `seq` and `rev` of `room` for a notice the server posts (no author, so no
    read position moves): written now, given back by a rollback.

    Caller: `chat.services.notice_post`, inside its transaction, holding the room's row
    lock (`room_lock`) with `room` read under it.
    """
    _in_transaction()
    seq, rev = room.last_seq + 1, room.last_rev + 1
    if not Room.objects.filter(pk=room.pk, last_rev=room.last_rev).update(
            last_seq=seq, last_rev=rev):
        raise RuntimeError(f"room {room.pk} was not read under its lock")
    room.last_seq, room.last_rev = seq, rev
    return NoticePlace(seq, rev)


class ReadPosition(NamedTuple):
    seq: int  # her read position after the move
    moved: bool  # False: it was there or further already


def read_position_move(*, user: User, room_id: int, seq: int) -> ReadPosition:
    """Move her read position in the room forward to `seq`, capped at the room's latest
    message, never back. Raises Membership.DoesNotExist if she is not in the room.

    Her membership row stays locked until the caller's transaction ends, so her tabs
    marking at once move it one after the other; the room's row is not locked (a message
    sent meanwhile only makes the cap lower than it could be).

    Caller: a feature's service (`chat.services.read_mark`), inside its transaction; it
    tells her tabs (the unread counts it sends are its own).
    """
    if not isinstance(seq, int) or seq < 0:
        raise ValidationError(_("seq is a whole number."))
    _in_transaction()
    membership = (Membership.objects.select_for_update(of=("self",)).select_related("room")
                  .get(room_id=room_id, user=user))
    target = min(seq, membership.room.last_seq)
    if target <= membership.last_read_seq:
        return ReadPosition(membership.last_read_seq, moved=False)
    membership.last_read_seq = target
    membership.save(update_fields=["last_read_seq"])
    return ReadPosition(target, moved=True)


# --- Presence ---------------------------------------------------------------------------

class TooManySockets(Exception):
    """She (or her address) has as many sockets open as allowed (COHORT_SOCKETS_PER_*)."""


def connection_open(*, user: User, channel_name: str, client_ip: str = "",
                    reading: bool = False) -> None:
    """A new socket (channel names are never reused): one INSERT, after one count of the
    live sockets of the member and of her address (community.ratelimit.ip_key). Sockets
    opening at the same moment may each see the count before the others: the caps are
    held to within the sockets opening at once. `reading`: a read-only token's socket,
    which never counts for her presence (`Connection.State.READING`)."""
    address = ip_key(client_ip) if client_ip else ""
    member_q, address_q = Q(user_id=user.pk), Q(client_ip=address)
    counts = (Connection.objects
              .filter(member_q | address_q if address else member_q,
                      seen_at__gte=timezone.now() - PRESENCE_TIMEOUT)
              .aggregate(member=Count("pk", filter=member_q),
                         address=Count("pk", filter=address_q)))
    if counts["member"] >= settings.COHORT_SOCKETS_PER_MEMBER or (
            address and counts["address"] >= settings.COHORT_SOCKETS_PER_IP):
        raise TooManySockets
    statements.connection_insert(channel_name=channel_name, user_id=int(user.pk),
                                 state=(Connection.State.READING if reading
                                        else Connection.State.ACTIVE).value,
                                 seen_at=timezone.now(),
                                 client_ip=address)


def connection_touch(*, channel_name: str, state: str | None = None) -> None:
    """One socket is seen (and maybe in a new state: `presence.set`)."""
    changes: dict[str, object] = {"seen_at": timezone.now()}
    if state in Connection.State.values:
        changes["state"] = state
    Connection.objects.filter(channel_name=channel_name).update(**changes)


def connections_seen(*, channel_names: list[str]) -> None:
    """Heartbeats of several sockets at once (rooms.heartbeat): one UPDATE."""
    Connection.objects.filter(channel_name__in=channel_names).update(seen_at=timezone.now())


def connection_close(*, channel_name: str) -> None:
    statements.connection_delete(channel_name)


def connections_prune() -> set[int]:
    """Forget sockets of processes that died without closing them; returns their members'
    ids (whose presence may have changed: nobody announced them offline)."""
    stale = Connection.objects.filter(seen_at__lt=timezone.now() - PRESENCE_TIMEOUT)
    user_ids = set(stale.values_list("user_id", flat=True))
    if user_ids:
        stale.delete()
    return user_ids
