"""What mentoring keeps of a member, for "Download my data" (registered in
`server/features.py`). Her mentorships, with their goals, sessions and private notes, go
with her account: each is hers and her partner's, and has no meaning without her."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from community.models import User
from mentoring.models import Goal, Mentorship, PrivateNote, Session
from mentoring.services import requests


def _mentorships(user: User) -> QuerySet[Mentorship]:
    return (Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
            .select_related("mentor", "mentee").order_by("created_at", "pk"))


def mentorship_rows(user: User) -> list[dict[str, Any]]:
    """Her mentorships from request to end, as mentee or mentor; the reason for ending,
    written for the programme team, only when she wrote it."""
    rows = []
    for mentorship in _mentorships(user):
        mentee = mentorship.mentee_id == user.pk
        other = mentorship.mentor if mentee else mentorship.mentee
        agreement = getattr(mentorship, "agreement", None)
        rows.append({
            "id": mentorship.pk, "my_role": "mentee" if mentee else "mentor",
            "with": other.name, "status": mentorship.status,
            "requested_at": mentorship.created_at, "request_note": mentorship.note,
            "answered_at": mentorship.answered_at,
            "answer_message": mentorship.answer_message,
            "agreement": agreement.goals if agreement is not None else "",
            "ended_at": mentorship.ended_at, "outcome": mentorship.outcome,
            "end_reason": mentorship.end_reason if mentorship.ended_by_id == user.pk else "",
            "sessions": [{"held_on": s.held_on, "minutes": s.minutes, "topics": s.topics}
                         for s in Session.objects.filter(mentorship=mentorship)],
        })
    return rows


def goal_rows(user: User) -> list[dict[str, Any]]:
    goals = (Goal.objects.filter(mentorship__in=_mentorships(user))
             .prefetch_related("milestones").order_by("mentorship_id", "created_at", "pk"))
    return [{"mentorship": goal.mentorship_id, "goal": goal.title,
             "created_at": goal.created_at, "achieved_at": goal.achieved_at,
             "milestones": [{"milestone": m.title, "due_on": m.due_on, "done_at": m.done_at}
                            for m in goal.milestones.all()]}
            for goal in goals]


def note_rows(user: User) -> list[dict[str, Any]]:
    """Her own private notes (her partner's are never hers)."""
    return [{"mentorship": note.mentorship_id, "text": note.text, "updated_at": note.updated_at}
            for note in PrivateNote.objects.filter(author=user).order_by("mentorship_id")]


def mentorships_erase(user: User, keep: bool) -> int:
    """Her mentorships go with her account, and her mentors' free places are recounted."""
    return requests.member_mentorships_erase(user_id=user.pk)
