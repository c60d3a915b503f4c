"""The events a webhook can ask for, and what each one's `data` holds.

The least another system needs: ids, names, roles, times and, where it applies, the
outcome. Never a message, a document, a note (private or not), a goal's title, a
session's topics, a request's note or the reason a mentorship ended (`docs/api.md`,
"Webhooks", lists each payload; `tests/community/test_webhooks_events.py` checks them).

The services call these functions inside their transactions; `services.event_emit` writes
one delivery per hook that wants the event, and the worker is given them once the
transaction commits: a change rolled back sends nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

MEMBER_JOINED = "member.joined"
MEMBER_LEFT = "member.left"
MENTORSHIP_REQUESTED = "mentorship.requested"
MENTORSHIP_ACCEPTED = "mentorship.accepted"
MENTORSHIP_ENDED = "mentorship.ended"
SESSION_LOGGED = "session.logged"
GOAL_ACHIEVED = "goal.achieved"
PING = "ping"  # "Send test event": to one hook, whatever it asked for

EVENTS = {
    MEMBER_JOINED: _("A member joined (invitation accepted or account created)"),
    MEMBER_LEFT: _("A member left (suspended, asked to delete her account, or erased)"),
    MENTORSHIP_REQUESTED: _("A mentorship was requested"),
    MENTORSHIP_ACCEPTED: _("A mentorship was accepted"),
    MENTORSHIP_ENDED: _("A mentorship ended"),
    SESSION_LOGGED: _("A mentoring session was logged"),
    GOAL_ACHIEVED: _("A goal was achieved"),
}


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _member(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "role": user.role}


def _pair(mentorship: Any) -> dict[str, Any]:
    return {"mentorship": {"id": mentorship.pk}, "mentor": _member(mentorship.mentor),
            "mentee": _member(mentorship.mentee)}


def _side(user: Any, mentorship: Any) -> str:
    if user is None:
        return "system"
    if user.pk == mentorship.mentor_id:
        return "mentor"
    return "mentee" if user.pk == mentorship.mentee_id else "admin"


def _emit(event_type: str, data: dict[str, Any]) -> None:
    from community.webhooks.services import event_emit

    event_emit(event_type=event_type, data=data)


def member_joined(user: Any, *, via: str) -> None:
    """`via`: "invitation" (she accepted one) or "signup" (an allowed domain, or SSO)."""
    _emit(MEMBER_JOINED, {"member": _member(user), "joined_at": _when(user.date_joined),
                          "via": via})


def member_left(user: Any, *, reason: str, at: datetime) -> None:
    """`reason`: "suspended" (by a moderator), "deletion_requested" (she asked; erased
    after the grace period unless she comes back) or "erased". An erased member's name is
    not sent: her id says who she was to a system that knew her."""
    member = _member(user)
    if reason == "erased":
        member.pop("name")
    _emit(MEMBER_LEFT, {"member": member, "reason": reason, "left_at": _when(at)})


def mentorship_requested(mentorship: Any) -> None:
    _emit(MENTORSHIP_REQUESTED, {**_pair(mentorship),
                                 "requested_at": _when(mentorship.created_at),
                                 "expires_at": _when(mentorship.expires_at)})


def mentorship_accepted(mentorship: Any) -> None:
    _emit(MENTORSHIP_ACCEPTED, {**_pair(mentorship),
                                "requested_at": _when(mentorship.created_at),
                                "accepted_at": _when(mentorship.answered_at)})


def mentorship_ended(mentorship: Any, *, by: Any) -> None:
    """`outcome`: "goals_met" or "not_a_fit"; `ended_by`: "mentor", "mentee" or "admin".
    The reason given stays with the programme team."""
    _emit(MENTORSHIP_ENDED, {**_pair(mentorship), "ended_at": _when(mentorship.ended_at),
                             "outcome": mentorship.outcome,
                             "ended_by": _side(by, mentorship)})


def session_logged(session: Any, *, by: Any) -> None:
    """The session's date and length; never its topics."""
    mentorship = session.mentorship
    _emit(SESSION_LOGGED, {**_pair(mentorship),
                           "session": {"id": session.pk, "held_on": _when(session.held_on),
                                       "minutes": session.minutes},
                           "logged_by": _side(by, mentorship),
                           "logged_at": _when(session.created_at)})


def goal_achieved(goal: Any) -> None:
    """When a goal is marked achieved, or its last milestone is ticked; never its title."""
    mentorship = goal.mentorship
    _emit(GOAL_ACHIEVED, {**_pair(mentorship), "goal": {"id": goal.pk},
                          "achieved_at": _when(goal.achieved_at)})
