"""What the mentoring resources answer: a mentorship (or request) as either of the pair
sees it, and the payload functions that build it from mentoring's selectors."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from community.models import Role, User
from mentoring import permissions, selectors
from mentoring.models import Agreement, Goal, Mentorship, Session

ID_MAX = 2**53 - 1


def path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=what)


MENTORSHIP_ID = path_id("mentorship_id", "One of her mentorships or requests (404 for any other).")
REQUEST_ID = path_id("request_id", "One of her requests, sent or received (404 for any other).")
GOAL_ID = path_id("goal_id", "A goal of that mentorship (404 for any other).")
MILESTONE_ID = path_id("milestone_id", "A milestone of that mentorship (404 for any other).")


# --- Shapes ---------------------------------------------------------------------------------
class MemberRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.values)


class MentorshipSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A request (status `pending`) or a mentorship, as either of the pair sees it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Mentorship.Status.values)
    side = serializers.ChoiceField(choices=["mentor", "mentee"], help_text="Hers in the pair.")
    mentor = MemberRefSerializer()
    mentee = MemberRefSerializer()
    note = serializers.CharField(help_text="The mentee's note with her request.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="A request nobody answered expires then.")
    question_at = serializers.DateTimeField(allow_null=True)
    question_room_id = serializers.IntegerField(
        allow_null=True, help_text="The conversation where the mentor asked her question.")
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_message = serializers.CharField(allow_blank=True)
    room_id = serializers.IntegerField(allow_null=True, help_text="The pair's room.")
    ended_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Mentorship.Outcome.values, allow_null=True)


class AgreementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    goals = serializers.CharField()
    cadence = serializers.ChoiceField(choices=Agreement.Cadence.values)
    duration_months = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.IntegerField(allow_null=True)
    mentor_confirmed_at = serializers.DateTimeField(allow_null=True)
    mentee_confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed = serializers.BooleanField(help_text="Both confirmed this version.")


class MilestoneSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class GoalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    achieved_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.IntegerField(help_text="Percent: achieved, else milestones done.")
    milestones = MilestoneSerializer(many=True)


class SessionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    minutes = serializers.IntegerField()
    topics = serializers.CharField()


class MentorshipDetailSerializer(MentorshipSerializer):
    """With what its page shows the pair: the agreement, goals and sessions (once it was
    accepted), and what she may do now."""

    agreement = AgreementSerializer(allow_null=True)
    goals = GoalSerializer(many=True)
    sessions = SessionSerializer(many=True)
    can_answer = serializers.BooleanField(help_text="Accept, decline or ask: the mentor.")
    can_withdraw = serializers.BooleanField()
    can_work = serializers.BooleanField(help_text="Agreement, goals, milestones, sessions.")
    can_end = serializers.BooleanField()
    can_archive_room = serializers.BooleanField(help_text="Ending may archive the pair's room.")




# --- Payloads -------------------------------------------------------------------------------
def member_ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "role": user.role}


def mentorship_payload(viewer: User, m: Mentorship) -> dict[str, Any]:
    return {
        "id": m.pk, "status": m.status,
        "side": "mentor" if viewer.pk == m.mentor_id else "mentee",
        "mentor": member_ref(m.mentor), "mentee": member_ref(m.mentee), "note": m.note,
        "created_at": m.created_at, "expires_at": m.expires_at,
        "question_at": m.question_at, "question_room_id": m.question_room_id,
        "answered_at": m.answered_at, "answer_message": m.answer_message,
        "room_id": m.room_id, "ended_at": m.ended_at, "outcome": m.outcome or None,
    }


def goal_view_payload(view: selectors.GoalView) -> dict[str, Any]:
    return {"id": view.goal.pk, "title": view.goal.title, "achieved_at": view.goal.achieved_at,
            "progress": view.progress,
            "milestones": [{"id": ms.pk, "title": ms.title, "due_on": ms.due_on,
                            "done_at": ms.done_at} for ms in view.milestones]}


def session_payload(session: Session) -> dict[str, Any]:
    return {"id": session.pk, "held_on": session.held_on, "minutes": session.minutes,
            "topics": session.topics}


def agreement_payload(agreement: Agreement | None) -> dict[str, Any] | None:
    if agreement is None:
        return None
    return {"goals": agreement.goals, "cadence": agreement.cadence,
            "duration_months": agreement.duration_months, "updated_at": agreement.updated_at,
            "updated_by": agreement.updated_by_id,
            "mentor_confirmed_at": agreement.mentor_confirmed_at,
            "mentee_confirmed_at": agreement.mentee_confirmed_at,
            "confirmed": agreement.confirmed}


def mentorship_detail(viewer: User, mentorship_id: int) -> dict[str, Any]:
    """The mentorship as its page shows it to `viewer` (fresh from the database)."""
    m = permissions.access_mentorship(viewer, mentorship_id)
    shown = m.status in (Mentorship.Status.ACTIVE, Mentorship.Status.ENDED)
    return {
        **mentorship_payload(viewer, m),
        "agreement": agreement_payload(selectors.agreement_get(m)) if shown else None,
        "goals": [goal_view_payload(g) for g in selectors.goal_list(m)] if shown else [],
        "sessions": [session_payload(s) for s in selectors.session_list(m)] if shown else [],
        "can_answer": permissions.can_answer(viewer, m),
        "can_withdraw": permissions.can_withdraw(viewer, m),
        "can_work": permissions.can_work_on(viewer, m),
        "can_end": permissions.can_end(viewer, m),
        "can_archive_room": permissions.can_archive_room(viewer, m),
    }


def goal_of(viewer: User, mentorship: Mentorship, goal_id: int) -> Goal:
    goal = selectors.goal_for(viewer, goal_id)
    if goal.mentorship_id != mentorship.pk:
        raise Http404
    return goal


def goal_payload(goal: Goal) -> dict[str, Any]:
    return next(goal_view_payload(g) for g in selectors.goal_list(goal.mentorship)
                if g.goal.pk == goal.pk)
