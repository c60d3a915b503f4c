"""Reads of the community app, always for a given viewer and with what the page needs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from community import permissions
from community.audit import ACTIONS
from community.models import AuditEntry, Block, Invitation, MentorApplication, User


def member_get(viewer: User, member_id: int) -> User:
    """The member with her profile's vocabularies; Http404 for missing and forbidden."""
    member = permissions.access_profile(viewer, member_id)
    return User.objects.select_related("profile").prefetch_related(
        "profile__expertise", "profile__skills").get(pk=member.pk)


def has_blocked(viewer: User, member: User) -> bool:
    return Block.objects.filter(blocker=viewer, blocked=member).exists()


def application_latest(user: User) -> MentorApplication | None:
    return user.mentor_applications.order_by("-created_at").first()


def application_queue(viewer: User) -> QuerySet[MentorApplication]:
    """Pending applications, oldest first; empty for anyone who may not review them."""
    if not permissions.can_review_applications(viewer):
        return MentorApplication.objects.none()
    return (MentorApplication.objects.filter(status=MentorApplication.Status.PENDING)
            .select_related("applicant__profile").prefetch_related("expertise")
            .order_by("created_at"))


def application_decided_list(viewer: User, *, limit: int = 20) -> QuerySet[MentorApplication]:
    if not permissions.can_review_applications(viewer):
        return MentorApplication.objects.none()
    return (MentorApplication.objects.exclude(status=MentorApplication.Status.PENDING)
            .select_related("applicant", "decided_by").order_by("-decided_at")[:limit])


def invitation_list(viewer: User, *, limit: int = 100) -> QuerySet[Invitation]:
    if not permissions.can_invite(viewer):
        return Invitation.objects.none()
    return Invitation.objects.select_related("invited_by").order_by("-created_at")[:limit]


def _day_start(day: date) -> datetime:
    """Midnight of `day` on the server's clock (the clock the log's times are shown on)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_list(
    viewer: User, *, actor_id: int | None = None, action: str = "",
    date_from: date | None = None, date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """The log, newest first, filtered by who, what (a code of `audit.ACTIONS`) and the days
    from and to (both included); empty for anyone who may not read it."""
    if not permissions.can_view_audit_log(viewer):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("actor")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action in ACTIONS:
        entries = entries.filter(Q(action=action) | Q(action__startswith=action + ".")
                                 if ACTIONS[action].prefix else Q(action=action))
    if date_from is not None:
        entries = entries.filter(created_at__gte=_day_start(date_from))
    if date_to is not None:
        entries = entries.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return entries.order_by("-created_at", "-pk")


def audit_actors(viewer: User) -> QuerySet[User]:
    """The members who appear as the actor of an entry, by name: the log's "Who" choices."""
    if not permissions.can_view_audit_log(viewer):
        return User.objects.none()
    return User.objects.filter(
        pk__in=AuditEntry.objects.filter(actor__isnull=False).values("actor_id")
    ).order_by("name", "email")
