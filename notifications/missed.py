"""Missed-message e-mails, as Zulip sends them.

A mention, a reply or a message in a pair or direct room that is still unread after her
delay (`Settings.missed_after_minutes`, 10 by default), while no page of hers is open and
active (an idle tab does not count), is
e-mailed: one e-mail gathers everything due, with each message's text (plain text) and a
link to it. Never a second e-mail about the same room within an hour (what comes in
meanwhile waits for the next one), nothing she has read by then, nothing from a room she
muted or may no longer see, no kind whose e-mail she turned off, nothing older than a day.
Each notification is e-mailed at most once: it is claimed under a row lock, in the
transaction that queues the e-mail (`emailed_at`), and what will never be e-mailed is
settled the same way, so the sweep reads only what may still go.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from community.models import User
from community.tasks import email_send
from notifications import kinds, selectors
from notifications.models import Notification, RoomEmail
from notifications.services import MISSED_DELAYS
from rooms import permissions as room_permissions
from rooms.models import Connection, Membership
from rooms.services import PRESENCE_TIMEOUT

ONE_EMAIL_PER_ROOM = timedelta(hours=1)
TOO_OLD = timedelta(days=1)
MAX_MEMBERS_PER_SWEEP = 500
MAX_MESSAGES_PER_EMAIL = 50


def _due(now: datetime) -> QuerySet[Notification]:
    shortest = timedelta(minutes=min(MISSED_DELAYS))
    return Notification.objects.filter(
        read_at__isnull=True, emailed_at__isnull=True, room__isnull=False,
        kind__in=kinds.CHAT_KINDS, created_at__lte=now - shortest,
        created_at__gt=now - TOO_OLD, user__is_active=True, user__is_bot=False)


def missed_sweep(now: datetime | None = None) -> int:
    """Send the missed-message e-mails that are due; returns how many were queued.

    Members with a page open and active are left for a later sweep (an idle tab does not
    count: a tab left open overnight must not swallow her mentions); the others are taken
    oldest first, at most 500 a sweep.
    """
    now = now or timezone.now()
    online = Connection.objects.filter(state=Connection.State.ACTIVE,
                                       seen_at__gte=now - PRESENCE_TIMEOUT).values("user_id")
    user_ids = list(_due(now).exclude(user_id__in=online).values("user_id")
                    .annotate(first=Min("created_at")).order_by("first")
                    .values_list("user_id", flat=True)[:MAX_MEMBERS_PER_SWEEP])
    sent = 0
    for user in User.objects.filter(pk__in=user_ids):
        sent += _send_to(user, now)
    return sent


def _send_to(user: User, now: datetime) -> int:
    delay = timedelta(minutes=selectors.missed_after_minutes(user))
    wanted = [kind for kind in sorted(kinds.CHAT_KINDS) if selectors.preference_for(user, kind)[1]]
    with transaction.atomic():
        mine = _due(now).filter(user=user)
        # What will never be e-mailed is settled now, so no sweep reads it again: kinds
        # she wants in the app only, rooms she muted or may no longer see.
        muted = Membership.objects.filter(user=user, muted=True).values("room_id")
        mine.filter(Q(room__in=muted) | ~Q(kind__in=wanted)
                    | ~Q(room__in=room_permissions.rooms_visible_to(user))
                    ).update(emailed_at=now)
        recent = RoomEmail.objects.filter(user=user, sent_at__gt=now - ONE_EMAIL_PER_ROOM)
        rows = list(
            mine.filter(emailed_at__isnull=True, created_at__lte=now - delay)
            .exclude(room__in=recent.values("room_id"))
            .select_related("room").select_for_update(skip_locked=True, of=("self",))
            .order_by("created_at", "id")[:MAX_MESSAGES_PER_EMAIL])
        if not rows:
            return 0
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
        by_room: dict[int, list[Notification]] = defaultdict(list)
        for row in rows:
            by_room[int(row.room_id or 0)].append(row)
        for room_id in by_room:
            RoomEmail.objects.update_or_create(user=user, room_id=room_id,
                                               defaults={"sent_at": now})
        context = _context(user, by_room)
        transaction.on_commit(lambda: email_send.enqueue(
            to=user.email, template="notifications/email/missed", context=context,
            language=settings.LANGUAGE_CODE))
    return 1


def _context(user: User, by_room: dict[int, list[Notification]]) -> dict[str, Any]:
    rooms = []
    for rows in by_room.values():
        first = rows[0]
        rooms.append({
            "name": str(first.params.get("room", "")),
            "url": settings.BASE_URL + f"/rooms/{first.room_id}/",
            "messages": [{"author": str(row.params.get("name", "")),
                          "text": str(row.params.get("excerpt", "")),
                          "url": settings.BASE_URL + row.url} for row in rows],
        })
    return {"name": user.get_short_name(), "rooms": rooms,
            "count": sum(len(rows) for rows in by_room.values()),
            "preferences_url": settings.BASE_URL + "/notifications/preferences/"}
