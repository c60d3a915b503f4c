"""Who may see or change notifications: each member her own, nobody else (not even admins)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from community.models import User
from community.permissions import Viewer, is_member
from notifications.models import Notification
from rooms.permissions import rooms_visible_to


def _member(user: Viewer) -> bool:
    return bool(is_member.test(user))


def notifications_visible_to(user: Viewer) -> QuerySet[Notification]:
    """Hers, shown in the app; one about a room only while she may see the room now."""
    if not _member(user):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=int(user.pk or 0), shown=True).filter(
        Q(room__isnull=True) | Q(room__in=rooms_visible_to(user)))


def can_change_preferences(user: Viewer, member: User) -> bool:
    return _member(user) and user.pk == member.pk
