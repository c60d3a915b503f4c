"""Reads of the mentoring pages, always for one member (her own mentorships)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from community.models import User
from mentoring import permissions
from mentoring.models import Agreement, Goal, Mentorship, Milestone, PrivateNote, Session


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
