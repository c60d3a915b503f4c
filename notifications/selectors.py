"""Reads of the notification centre, always for the member herself."""

from __future__ import annotations

from django.db.models import QuerySet

from community.models import User
from notifications import kinds, permissions
from notifications.models import Notification, Preference, Settings
from rooms import protocol

DEFAULT_MISSED_MINUTES = 10


def preference_for(user: User, kind: str) -> tuple[bool, bool]:
    """(in_app, email) for one kind: her choice, or the kind's default."""
    row = Preference.objects.filter(user=user, kind=kind).first()
    entry = kinds.KINDS[kind]
    if row is not None:
        return row.in_app or entry.always, row.email
    return True, entry.email_by_default


def preference_table(user: User) -> list[dict[str, object]]:
    """Every kind that can reach her, with her current choice, in catalogue order."""
    saved = {p.kind: p for p in Preference.objects.filter(user=user)}
    table = []
    for code, kind in kinds.KINDS.items():
        if kind.always or not kinds.reaches(kind, is_mentor=user.is_mentor,
                                            is_admin=user.is_admin):
            continue
        row = saved.get(code)
        table.append({"code": code, "label": kind.label, "missed_email": kind.missed_email,
                      "email_possible": kind.email_possible,
                      "in_app": row.in_app if row else True,
                      "email": kind.email_possible and (row.email if row
                                                        else kind.email_by_default)})
    return table


def unread_count(user: User, *, outside_rooms: bool = False) -> int:
    """Her unread notifications; `outside_rooms`: only those about no room (the tab title
    counts her rooms' messages apart)."""
    unread = permissions.notifications_visible_to(user).filter(read_at__isnull=True)
    if outside_rooms:
        unread = unread.filter(room__isnull=True)
    return unread.count()


def notification_list(user: User, *, limit: int = 100) -> QuerySet[Notification]:
    return permissions.notifications_visible_to(user)[:limit]


def notification_payload(notification: Notification) -> protocol.NotificationPayload:
    return protocol.NotificationPayload(
        id=notification.pk, kind=notification.kind,
        text=kinds.render(notification.kind, notification.params), url=notification.url,
        created_at=notification.created_at.isoformat(), room_id=notification.room_id)


def missed_after_minutes(user: User) -> int:
    row = Settings.objects.filter(user=user).first()
    return row.missed_after_minutes if row is not None else DEFAULT_MISSED_MINUTES
