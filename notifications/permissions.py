"""Who may see or change notifications: each member her own, nobody else (not even admins).
Who may be told of what someone did: never anyone across a block, either way, whatever
the kind (a mention, a reply, a document comment, a calendar invitation, a call...)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from community.models import User
from community.permissions import Viewer, blocked_among, is_member
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


def may_be_told(user: Viewer, actor: Viewer | None) -> bool:
    """May `user` be told of something `actor` did? (None: nobody did, the programme.)"""
    if actor is None or not getattr(actor, "pk", None) or actor.pk == user.pk:
        return True
    return not blocked_among(int(actor.pk or 0), [int(user.pk or 0)])


def told_of(actor: Viewer, user_ids: Iterable[int]) -> set[int]:
    """`may_be_told` for many members at once (one query): those of `user_ids` who may be
    told of what `actor` did."""
    wanted = {int(user_id) for user_id in user_ids}
    return wanted - blocked_among(int(actor.pk or 0), wanted)


def can_change_preferences(user: Viewer, member: User) -> bool:
    return _member(user) and user.pk == member.pk
