"""Reads of the notification centre, always for the member herself."""

from __future__ import annotations

from django.db.models import QuerySet

from community.models import User
from notifications import kinds, permissions
from notifications.models import Notification, Preference
from rooms import protocol


def preference_for(user: User, kind: str) -> tuple[bool, bool]:
    """(in_app, email) for one kind: her choice, or the kind's default."""
    row = Preference.objects.filter(user=user, kind=kind).first()
    if row is not None:
        return row.in_app, row.email
    return True, kinds.KINDS[kind].email_by_default


def preference_table(user: User) -> list[dict[str, object]]:
    """Every kind with her current choice, in catalogue order, for the preferences page."""
    saved = {p.kind: p for p in Preference.objects.filter(user=user)}
    table = []
    for code, kind in kinds.KINDS.items():
        row = saved.get(code)
        table.append({"code": code, "label": kind.label,
                      "in_app": row.in_app if row else True,
                      "email": row.email if row else kind.email_by_default})
    return table


def unread_count(user: User) -> int:
    return permissions.notifications_visible_to(user).filter(read_at__isnull=True).count()


def notification_list(user: User, *, limit: int = 100) -> QuerySet[Notification]:
    return permissions.notifications_visible_to(user)[:limit]


def notification_payload(notification: Notification) -> protocol.NotificationPayload:
    return protocol.NotificationPayload(
        id=notification.pk, kind=notification.kind,
        text=kinds.render(notification.kind, notification.params), url=notification.url,
        created_at=notification.created_at.isoformat())
