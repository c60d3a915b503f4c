"""Who may see or do what in mentoring: the only place these rules live.

A mentorship is seen by its two members only. Admins run the programme from counts
(the dashboard) and never read a pair's goals, notes or sessions. A block between the two
stops every new step (requests, answers, shared work) but either may still end it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from community.models import User
from community.permissions import Viewer, can_contact, is_blocked_between, is_member
from mentoring.models import Mentorship, Proposal
from rooms.models import Room
from rooms.permissions import can_archive


def _member(user: Viewer) -> bool:
    return bool(is_member.test(user))


def _participant(user: Viewer, mentorship: Mentorship) -> bool:
    return _member(user) and user.pk in (mentorship.mentor_id, mentorship.mentee_id)


def open_between(mentee: User, mentor: User) -> bool:
    return Mentorship.objects.filter(
        mentee=mentee, mentor=mentor, status__in=Mentorship.OPEN).exists()


def can_request(mentee: Viewer, mentor: User) -> bool:
    """May `mentee` ask `mentor` now? The mentor must be open to mentees and have a place."""
    return bool(
        can_contact(mentee, mentor) and mentor.is_mentor and mentor.profile.open_to_mentees
        and not open_between(mentee, mentor))  # type: ignore[arg-type]


def can_answer(user: Viewer, mentorship: Mentorship) -> bool:
    """Accept, decline or ask a question: the mentor, on a pending request, without a block."""
    return bool(
        _member(user) and user.pk == mentorship.mentor_id
        and mentorship.status == Mentorship.Status.PENDING
        and not is_blocked_between(mentorship.mentor, mentorship.mentee))


def can_withdraw(user: Viewer, mentorship: Mentorship) -> bool:
    return bool(_member(user) and user.pk == mentorship.mentee_id
                and mentorship.status == Mentorship.Status.PENDING)


def can_view_mentorship(user: Viewer, mentorship: Mentorship) -> bool:
    return _participant(user, mentorship)


def can_work_on(user: Viewer, mentorship: Mentorship) -> bool:
    """Agreement, goals, milestones, sessions: both members of an active mentorship."""
    return bool(
        _participant(user, mentorship) and mentorship.status == Mentorship.Status.ACTIVE
        and not is_blocked_between(mentorship.mentor, mentorship.mentee))


def can_end(user: Viewer, mentorship: Mentorship) -> bool:
    return _participant(user, mentorship) and mentorship.status == Mentorship.Status.ACTIVE


def can_archive_room(user: Viewer, mentorship: Mentorship) -> bool:
    """Whether ending may also archive the pair's room: the rooms app's rule, for her."""
    room = Room.objects.filter(pk=mentorship.room_id).first() if mentorship.room_id else None
    return room is not None and bool(can_archive(user, room))


def can_create_cohort(user: Viewer) -> bool:
    return _member(user) and (user.is_admin or user.is_mentor)  # type: ignore[union-attr]


def can_lead_cohort(actor: Viewer, mentor: User) -> bool:
    """A mentor creates her own cohorts; an admin creates them for any active mentor."""
    if not can_create_cohort(actor) or not mentor.is_active:
        return False
    return actor.is_admin or actor.pk == mentor.pk  # type: ignore[union-attr]


def can_view_dashboard(user: Viewer) -> bool:
    return _member(user) and user.is_admin  # type: ignore[union-attr]


def can_tune_matching(user: Viewer) -> bool:
    """Change the matching weights and preview any mentee's recommendations with them."""
    return _member(user) and user.is_admin  # type: ignore[union-attr]


def can_run_matching_round(user: Viewer) -> bool:
    """Start a matching round, change its pairs and send it: the programme's admins."""
    return _member(user) and user.is_admin  # type: ignore[union-attr]


def can_view_proposal(user: Viewer, proposal: Proposal) -> bool:
    """A sent proposal is seen by its mentee and its mentor; a draft by nobody but admins."""
    return bool(_member(user) and proposal.mentor_id is not None
                and user.pk in (proposal.mentee_id, proposal.mentor_id)
                and proposal.status not in (Proposal.Status.PROPOSED, Proposal.Status.DROPPED))


def can_answer_proposal(user: Viewer, proposal: Proposal) -> bool:
    """Accept or decline: either member of a sent pair, once, without a block between them."""
    if not can_view_proposal(user, proposal) or proposal.status not in Proposal.WAITING:
        return False
    answered = (Proposal.Status.MENTEE_ACCEPTED if user.pk == proposal.mentee_id
                else Proposal.Status.MENTOR_ACCEPTED)
    return bool(proposal.status != answered and proposal.mentor is not None
                and not is_blocked_between(proposal.mentee, proposal.mentor))


def proposals_visible_to(user: Viewer) -> QuerySet[Proposal]:
    if not _member(user):
        return Proposal.objects.none()
    return Proposal.objects.filter(Q(mentor_id=user.pk) | Q(mentee_id=user.pk)).exclude(
        status__in=[Proposal.Status.PROPOSED, Proposal.Status.DROPPED]).exclude(
        mentor__isnull=True)


def access_proposal(user: Viewer, proposal_id: int) -> Proposal:
    """A proposal sent to `user`; one Http404 for missing, draft and someone else's."""
    try:
        return proposals_visible_to(user).select_related(
            "mentor__profile", "mentee__profile", "round").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_see_recommendations(user: Viewer) -> bool:
    return _member(user)


def mentorships_visible_to(user: Viewer) -> QuerySet[Mentorship]:
    if not _member(user):
        return Mentorship.objects.none()
    return Mentorship.objects.filter(Q(mentor_id=user.pk) | Q(mentee_id=user.pk))


def access_mentorship(user: Viewer, mentorship_id: int) -> Mentorship:
    """The mentorship if `user` is one of its two members; one Http404 otherwise."""
    try:
        return mentorships_visible_to(user).select_related(
            "mentor__profile", "mentee__profile").get(pk=mentorship_id)
    except (Mentorship.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
