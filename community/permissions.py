"""Who may see or do what in the community: the only place these rules live.

Each rule comes as a `rules` predicate (composable, and registered as a Django
object permission, so `user.has_perm("community.view_profile", member)` works), a
`can_*` function that views and services call, and, where a list is shown, a
`*_visible_to` queryset. Later apps reuse `is_blocked_between` and `can_contact`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from community.models import (
    AccountDeletion,
    Block,
    DataExport,
    MentorApplication,
    Report,
    Role,
    User,
    Visibility,
)

Viewer = User | AnonymousUser


def member_of(request: HttpRequest) -> User:
    """The signed-in member of a request; MembersOnlyMiddleware lets no one else reach views."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _member(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_member(user: Viewer) -> bool:
    """Signed in and not deactivated."""
    return _member(user)


@rules.predicate
def is_admin(user: Viewer) -> bool:
    return _member(user) and user.is_admin  # type: ignore[union-attr]


def acts_as_admin(user: Viewer) -> bool:
    """An admin using her admin powers: through her session, or a token with the `admin`
    scope. Her token without it acts as a plain member's (`User.admin_powers`)."""
    return bool(is_admin.test(user)) and bool(getattr(user, "admin_powers", True))


acting_admin = rules.predicate(acts_as_admin, name="acting_admin")


@rules.predicate
def is_self(user: Viewer, other: User | None) -> bool:
    return _member(user) and other is not None and user.pk == other.pk


def blocks_between(user_id: int, other: Any) -> QuerySet[Block]:
    """The blocks between two members, either way (`other`: an id, or an `OuterRef` to
    one, to ask for many members in one query)."""
    return Block.objects.filter(Q(blocker_id=user_id, blocked_id=other)
                                | Q(blocker_id=other, blocked_id=user_id))


def blocked_among(user_id: int, others: Iterable[int]) -> set[int]:
    """Which of `others` she blocked or was blocked by (one query)."""
    wanted = {int(other) for other in others}
    if not wanted:
        return set()
    rows = Block.objects.filter(Q(blocker_id=user_id, blocked_id__in=wanted)
                                | Q(blocker_id__in=wanted, blocked_id=user_id))
    return {blocked if blocker == user_id else blocker
            for blocker, blocked in rows.values_list("blocker_id", "blocked_id")}


def is_blocked_between(first: User, second: User) -> bool:
    """True if either has blocked the other: the rule is symmetric."""
    if first.pk == second.pk:
        return False
    return blocks_between(int(first.pk), int(second.pk)).exists()


def blocked_either_way(user_id: int) -> set[int]:
    """Every member she blocked or who blocked her (one query): nothing of theirs reaches
    her live, in her notifications or in her search, nor anything of hers them."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id))
    return {blocked if blocker == user_id else blocker
            for blocker, blocked in rows.values_list("blocker_id", "blocked_id")}


@rules.predicate
def has_blocked(user: Viewer, other: User | None) -> bool:
    """She blocked `other` herself (the block she may take back; the other's is not hers)."""
    return other is not None and _member(user) and Block.objects.filter(
        blocker_id=user.pk, blocked_id=other.pk).exists()


@rules.predicate
def not_blocked(user: Viewer, other: User | None) -> bool:
    return other is not None and _member(user) and not is_blocked_between(user, other)  # type: ignore[arg-type]


@rules.predicate
def target_is_active(user: Viewer, other: User | None) -> bool:
    return other is not None and other.is_active


view_profile = is_self | is_admin | (is_member & target_is_active & not_blocked)


@rules.predicate
def contact_audience_includes(user: Viewer, other: User | None) -> bool:
    if other is None or not _member(user):
        return False
    visibility = other.profile.contact_visibility
    if visibility == Visibility.MEMBERS:
        return True
    if visibility == Visibility.MENTORS:
        return user.is_mentor  # type: ignore[union-attr]
    return False


view_contact_details = is_self | acting_admin | (view_profile & contact_audience_includes)
contact = is_member & target_is_active & ~is_self & not_blocked


@rules.predicate
def may_apply(user: Viewer) -> bool:
    if not _member(user) or user.role != Role.MEMBER:  # type: ignore[union-attr]
        return False
    return not MentorApplication.objects.filter(
        applicant_id=user.pk, status=MentorApplication.Status.PENDING).exists()


@rules.predicate
def seeks_mentors(user: Viewer) -> bool:
    """Mentors are recommended to her: any member who is not a mentor herself."""
    return _member(user) and not user.is_mentor  # type: ignore[union-attr]


block = is_member & ~is_self & target_is_active

rules.add_perm("community.view_profile", view_profile)
rules.add_perm("community.view_contact_details", view_contact_details)
rules.add_perm("community.contact", contact)
rules.add_perm("community.apply_as_mentor", may_apply)
rules.add_perm("community.block", block)
rules.add_perm("community.unblock", has_blocked)
rules.add_perm("community.invite", is_admin)
rules.add_perm("community.review_applications", is_admin)
rules.add_perm("community.edit_topics", is_admin)


def can_view_profile(viewer: Viewer, member: User) -> bool:
    return bool(view_profile.test(viewer, member))


def can_view_contact_details(viewer: Viewer, member: User) -> bool:
    return bool(view_contact_details.test(viewer, member))


def can_contact(sender: Viewer, recipient: User) -> bool:
    """May `sender` message or send a request to `recipient`? (Never across a block.)"""
    return bool(contact.test(sender, recipient))


def can_edit_profile(viewer: Viewer, member: User) -> bool:
    return bool(is_self.test(viewer, member))


def can_apply_as_mentor(user: Viewer) -> bool:
    return bool(may_apply.test(user))


def can_seek_mentor(user: Viewer) -> bool:
    """May ask for mentorship, and so set what she needs of a mentor (`any_language`)."""
    return bool(seeks_mentors.test(user))


def can_block(user: Viewer, other: User) -> bool:
    return bool(block.test(user, other))


def can_unblock(user: Viewer, other: User) -> bool:
    """Only the one who blocked takes her block back (whatever the other's state)."""
    return bool(has_blocked.test(user, other))


def can_invite(user: Viewer) -> bool:
    return bool(is_admin.test(user))


def can_review_applications(user: Viewer) -> bool:
    return bool(is_admin.test(user))


def can_administer(user: Viewer) -> bool:
    """May use the Django admin and the programme's admin pages."""
    return bool(is_admin.test(user))


def can_view_audit_log(user: Viewer) -> bool:
    return bool(is_admin.test(user))


def can_edit_topics(user: Viewer) -> bool:
    """Add, rename, merge and retire the topics of the vocabulary."""
    return bool(is_admin.test(user))


def can_manage_webhooks(user: Viewer) -> bool:
    """Register, change and read the log of the webhooks (community.webhooks)."""
    return bool(is_admin.test(user))


def can_manage_retention(user: Viewer) -> bool:
    """See and set the retention policy and the log of erased accounts."""
    return bool(is_admin.test(user))


def access_data_export(viewer: Viewer, export_id: int) -> DataExport:
    """Her own export, ready and not expired; one Http404 for anyone else, admins included,
    and for missing, expired or unfinished ones."""
    if not _member(viewer):
        raise Http404
    now = timezone.now()
    export = DataExport.objects.filter(pk=export_id, user_id=int(viewer.pk or 0),
                                       state=DataExport.State.READY,
                                       expires_at__gt=now).first()
    if export is None or not export.stored:
        raise Http404
    return export


def profiles_visible_to(viewer: Viewer) -> QuerySet[User]:
    """The members whose profiles `viewer` may see: the queryset form of `view_profile`."""
    if not _member(viewer):
        return User.objects.none()
    if is_admin.test(viewer):
        return User.objects.all()
    blocks = Block.objects.filter(
        Q(blocker=viewer, blocked=OuterRef("pk")) | Q(blocker=OuterRef("pk"), blocked=viewer))
    return User.objects.filter(Q(is_active=True) & ~Exists(blocks) | Q(pk=viewer.pk))


def access_profile(viewer: Viewer, user_id: int) -> User:
    """The member `user_id` if `viewer` may see her; one Http404 for missing and forbidden."""
    try:
        return profiles_visible_to(viewer).select_related("profile").get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def blocks_visible_to(viewer: Viewer) -> QuerySet[Block]:
    """The blocks she made, newest first, with whom she blocked: her "Blocked members"
    page. Nobody sees another's list (an admin neither: the audit log records blocks)."""
    if not _member(viewer):
        return Block.objects.none()
    return (Block.objects.filter(blocker_id=int(viewer.pk or 0))
            .select_related("blocked__profile").order_by("-created_at", "-pk"))


def access_blocked(viewer: Viewer, user_id: int) -> User:
    """The member `viewer` blocked, for her unblock page and the stub of that member's
    profile; one Http404 for missing, not blocked by her, and blocked only the other way."""
    try:
        return blocks_visible_to(viewer).get(blocked_id=int(user_id)).blocked
    except (Block.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
# --- Reports and moderation -----------------------------------------------------------------
# Any active member reports what she sees (a block never stops a report: she may report
# the member she blocked). Reports are read and acted on by the moderators and owners of
# the room the item is in, and by the community's admins (all of them, profiles included);
# never by the member reported nor by the one who reported, whatever her role. Suspending
# an account is for admins.

def _moderated_room_ids(user: Viewer) -> set[int]:
    from community.hooks import room_moderation

    moderation = room_moderation()
    if moderation is None or not _member(user):
        return set()
    return set(moderation.moderated_room_ids(user))


def can_report(user: Viewer) -> bool:
    return _member(user)


def reports_visible_to(user: Viewer) -> QuerySet[Report]:
    """The reports she may read and act on: the queryset form of `can_view_report`. Never
    one about her nor one she made, whatever her role, nor another open report of an
    item she reported and waits on (deciding it decides hers): nobody judges her own case."""
    if not _member(user):
        return Report.objects.none()
    waiting = Report.objects.filter(reporter_id=user.pk, status=Report.Status.OPEN)
    hers = (Q(reported_id=user.pk) | Q(reporter_id=user.pk)
            | Q(status=Report.Status.OPEN, item__in=waiting.values("item")))
    if is_admin.test(user):
        return Report.objects.exclude(hers)
    rooms = _moderated_room_ids(user)
    if not rooms:
        return Report.objects.none()
    return Report.objects.filter(room_id__in=rooms).exclude(hers)


def can_view_moderation_queue(user: Viewer) -> bool:
    """Admins, and every owner or moderator of a room."""
    return _member(user) and (bool(is_admin.test(user)) or bool(_moderated_room_ids(user)))


def can_view_report(user: Viewer, report: Report) -> bool:
    return reports_visible_to(user).filter(pk=report.pk).exists()


def access_report(user: Viewer, report_id: int) -> Report:
    """The report if she may read it; one Http404 for missing and forbidden."""
    try:
        return reports_visible_to(user).select_related("reported", "reporter").get(
            pk=report_id)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_act_on_report(user: Viewer, report: Report) -> bool:
    """Decide an open report she may read."""
    return report.status == Report.Status.OPEN and can_view_report(user, report)


def can_see_reporter(user: Viewer, report: Report) -> bool:
    """Who reported is shown to admins only: a room's moderator is often the reporter's
    peer, and the reported member never learns it from anyone."""
    return bool(is_admin.test(user))


def can_mute_in_room(user: Viewer, report: Report) -> bool:
    return report.room_id is not None and report.reported_id is not None \
        and can_act_on_report(user, report)


def can_suspend(user: Viewer, member: User | None) -> bool:
    """Admins suspend an account that is not theirs nor a superuser's: an active one, or
    one whose deletion waits and may still be cancelled (suspended, signing in no longer
    gives it back: `community.erasure.account_delete_cancel`)."""
    if not (bool(is_admin.test(user)) and member is not None and member.pk != user.pk
            and not member.is_superuser):
        return False
    return member.is_active or AccountDeletion.objects.filter(
        user_id=member.pk, cancellable=True).exists()


def admins() -> QuerySet[User]:
    """The community's active admins (who review reports no room's moderator sees)."""
    return User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
