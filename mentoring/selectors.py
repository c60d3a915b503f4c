"""Reads of the mentoring pages, always for one member (her own mentorships)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from community.models import Profile, Role, User
from mentoring import matching, permissions
from mentoring.models import (
    Agreement,
    Goal,
    MatchingRound,
    Mentorship,
    Milestone,
    PrivateNote,
    Proposal,
    Session,
)


@dataclass
class Recommendations:
    """What "Find a mentor" (or "Mentees for you") shows her."""

    recommended: list[matching.Recommendation]
    for_mentor: bool  # mentees recommended to a mentor, not mentors to her
    profile_incomplete: bool  # her profile says nothing of what she wants or offers
    languages_only: bool  # fewer than a page, and the language rule may be why


def recommendations_for(user: User, *, limit: int = 10) -> Recommendations:
    """Mentors for a mentee, mentees for a mentor, best first, each with why."""
    if user.is_mentor:
        recommended = matching.mentees_for(user, limit=limit)
    else:
        recommended = matching.mentors_for(user, limit=limit)
    profile = user.profile
    return Recommendations(
        recommended=recommended, for_mentor=user.is_mentor,
        profile_incomplete=not (profile.wants_to_develop or profile.can_offer
                                or profile.wants_topics.exists()),
        languages_only=(not user.is_mentor and len(recommended) < limit
                        and bool(profile.languages) and not profile.any_language))


def responded(mentorships: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    """Requests the mentor reacted to (an answer or a question), newest first."""
    return mentorships.exclude(answered_at__isnull=True, question_at__isnull=True).only(
        "created_at", "answered_at", "question_at").order_by("-created_at")


def answer_hours_median(rows: Iterable[Mentorship]) -> float | None:
    """Median hours from request to the mentor's first reaction, over `responded` rows."""
    hours = [(m.first_response_at - m.created_at).total_seconds() / 3600  # type: ignore[operator]
             for m in rows if m.first_response_at is not None]
    return round(statistics.median(hours), 1) if hours else None


def _with_counts(rows: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return rows.select_related("mentor__profile", "mentee__profile").annotate(
        goals_total=Count("goals", distinct=True),
        goals_achieved=Count("goals", filter=Q(goals__achieved_at__isnull=False), distinct=True),
        sessions_total=Count("sessions", distinct=True))


@dataclass
class MyMentoring:
    received: list[Mentorship]  # requests waiting for her answer (as a mentor)
    sent: list[Mentorship]  # her requests waiting for an answer
    active: list[Mentorship]
    past: list[Mentorship]  # ended, declined, withdrawn, expired


def my_mentoring(user: User) -> MyMentoring:
    rows = list(_with_counts(permissions.mentorships_visible_to(user)).order_by("-created_at"))
    pending = Mentorship.Status.PENDING
    return MyMentoring(
        received=[m for m in rows if m.status == pending and m.mentor_id == user.pk],
        sent=[m for m in rows if m.status == pending and m.mentee_id == user.pk],
        active=[m for m in rows if m.status == Mentorship.Status.ACTIVE],
        past=[m for m in rows if m.status not in Mentorship.OPEN])


@dataclass
class GoalView:
    goal: Goal
    milestones: list[Milestone]
    progress: int  # percent


def goal_list(mentorship: Mentorship) -> list[GoalView]:
    goals = mentorship.goals.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("created_at", "id")))
    views = []
    for goal in goals:
        milestones = list(goal.milestones.all())
        if goal.achieved_at:
            progress = 100
        elif milestones:
            progress = round(100 * sum(1 for m in milestones if m.done_at) / len(milestones))
        else:
            progress = 0
        views.append(GoalView(goal=goal, milestones=milestones, progress=progress))
    return views


def agreement_get(mentorship: Mentorship) -> Agreement | None:
    return Agreement.objects.filter(mentorship=mentorship).first()


def note_get(user: User, mentorship: Mentorship) -> PrivateNote | None:
    """Her own note only: the query names the author, so no one reads another's."""
    return PrivateNote.objects.filter(mentorship=mentorship, author=user).first()


def session_list(mentorship: Mentorship) -> QuerySet[Session]:
    return mentorship.sessions.all()


def goal_for(user: User, goal_id: int) -> Goal:
    goal = Goal.objects.select_related("mentorship").filter(pk=goal_id).first()
    if goal is None or not permissions.can_view_mentorship(user, goal.mentorship):
        raise Http404
    return goal


def milestone_for(user: User, milestone_id: int) -> Milestone:
    milestone = Milestone.objects.select_related("goal__mentorship").filter(
        pk=milestone_id).first()
    if milestone is None or not permissions.can_view_mentorship(user, milestone.goal.mentorship):
        raise Http404
    return milestone


# --- Matching rounds (the programme team's pages, and her proposals) ----------------------

def free_places() -> dict[int, int]:
    """Mentors a round may propose, with their free places: active mentors accepting mentees,
    not paused, less their active mentees and the proposals still waiting for answers."""
    waiting = Counter(Proposal.objects.filter(status__in=Proposal.WAITING).values_list(
        "mentor_id", flat=True))
    rows = Profile.objects.filter(
        user__is_active=True, user__role=Role.MENTOR, accepting_mentees=True,
        paused_at__isnull=True, active_mentees__lt=F("mentor_capacity")).values_list(
        "user_id", "mentor_capacity", "active_mentees")
    places = {uid: capacity - active - waiting[uid] for uid, capacity, active in rows}
    return {uid: n for uid, n in places.items() if n > 0}


def busy_mentees() -> set[int]:
    """Members with an open mentorship (as a mentee) or a proposal waiting for answers."""
    busy = set(Mentorship.objects.filter(status__in=Mentorship.OPEN).values_list(
        "mentee_id", flat=True))
    busy.update(Proposal.objects.filter(status__in=Proposal.WAITING).values_list(
        "mentee_id", flat=True))
    return busy


def waitlist() -> list[Proposal]:
    """Mentees a sent round left without a mentor (none found, dropped, declined, expired)
    and still without one: each one's latest proposal, the longest waiting first."""
    latest: dict[int, int] = {}
    for pk, mentee_id in Proposal.objects.filter(
            round__status=MatchingRound.Status.SENT).order_by("round_id", "pk").values_list(
            "pk", "mentee_id"):
        latest[mentee_id] = pk
    busy = busy_mentees()
    rows = [p for p in Proposal.objects.filter(pk__in=latest.values()).select_related(
        "mentee", "mentor", "round").order_by("round__sent_at", "mentee__name")
        if p.waitlisted and p.mentee_id not in busy and p.mentee.is_active
        and p.mentee.role == Role.MEMBER]
    return rows


def my_proposals(user: User) -> list[Proposal]:
    """Pairs proposed to her by the programme team that still wait for an answer."""
    return list(permissions.proposals_visible_to(user).filter(
        status__in=Proposal.WAITING).select_related("mentee__profile", "mentor__profile")
        .order_by("expires_at"))


def declined_pairs(mentee_ids: list[int]) -> dict[int, set[int]]:
    """Mentee id -> the mentors a proposal to her was declined with (by either of them)."""
    pairs: dict[int, set[int]] = {}
    for mentee, mentor in Proposal.objects.filter(
            mentee_id__in=mentee_ids, status=Proposal.Status.DECLINED,
            mentor__isnull=False).values_list("mentee_id", "mentor_id"):
        pairs.setdefault(mentee, set()).add(mentor)
    return pairs


@dataclass
class RoundRow:
    """One mentee of a round, and the mentors she could be given instead (a draft only)."""

    proposal: Proposal
    choices: list[tuple[int, str, float]]  # mentor id, name, fit with her


def round_rows(round_: MatchingRound, *, choices_per_row: int = 12) -> list[RoundRow]:
    """Every proposal of the round, pairs by mentee name. In a draft, each row lists the
    mentors still holding a free place in it that the pool allows for her, best fit first."""
    proposals = list(round_.proposals.select_related("mentee", "mentor").order_by(
        "mentee__name", "pk"))
    if round_.status != MatchingRound.Status.DRAFT or not proposals:
        return [RoundRow(p, []) for p in proposals]
    taken = Counter(p.mentor_id for p in proposals if p.status == Proposal.Status.PROPOSED)
    left = {uid: n - taken[uid] for uid, n in free_places().items() if n > taken[uid]}
    if not left:
        return [RoundRow(p, []) for p in proposals]
    pool = matching.pool([p.mentee_id for p in proposals], sorted(left))
    at = {person.id: i for i, person in enumerate(pool.mentees)}
    declined = declined_pairs([p.mentee_id for p in proposals])
    rows = []
    for p in proposals:
        i = at.get(p.mentee_id)
        refused = declined.get(p.mentee_id, set())
        options = [] if i is None else sorted(
            ((mentor.id, mentor.name, round(fit, 2))
             for mentor, fit in zip(pool.mentors, pool.scores[i], strict=True)
             if fit is not None and mentor.id != p.mentor_id and mentor.id not in refused),
            key=lambda option: (-option[2], option[1]))
        rows.append(RoundRow(p, options[:choices_per_row]))
    return rows


def proposal_reasons(viewer: User, proposal: Proposal) -> list[str]:
    """Why the pair fits, said to `viewer` (one of the two), in her language."""
    if proposal.mentor_id is None:
        return []
    pool = matching.pool([proposal.mentee_id], [proposal.mentor_id])
    if not pool.mentees or not pool.mentors:
        return []
    return pool.reasons(0, 0, viewer_is_mentee=viewer.pk == proposal.mentee_id)
