"""Reads of the community app, always for a given viewer and with what the page needs."""

from __future__ import annotations

from django.db.models import QuerySet

from community import permissions
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


def audit_list(viewer: User, *, limit: int = 200) -> QuerySet[AuditEntry]:
    if not permissions.can_view_audit_log(viewer):
        return AuditEntry.objects.none()
    return AuditEntry.objects.order_by("-created_at")[:limit]
