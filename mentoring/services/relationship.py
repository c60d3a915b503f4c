"""Working together: the agreement, goals and milestones, private notes, sessions, the end."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import User
from community.webhooks import events as webhook_events
from mentoring import permissions
from mentoring.models import Agreement, Goal, Mentorship, Milestone, PrivateNote, Session
from mentoring.services.requests import _lock_mentor, mentor_stats_refresh
from notifications.services import notify, subject_done
from rooms.models import Room
from rooms.services import room_archive


def _other(user: User, mentorship: Mentorship) -> User:
    return mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor


def _require_work(user: User, mentorship: Mentorship) -> None:
    if not permissions.can_work_on(user, mentorship):
        raise PermissionDenied


def _title(value: object, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({field: _("Give it a title.")})
    if len(text) > 200:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": 200}})
    return text


def agreement_save(
    *, user: User, mentorship: Mentorship, goals: str, cadence: str, duration_months: int
) -> Agreement:
    """Propose or change the agreement: it counts as confirmed by its author only."""
    _require_work(user, mentorship)
    agreement = Agreement.objects.filter(mentorship=mentorship).first() or Agreement(
        mentorship=mentorship)
    agreement.goals = goals.strip() if isinstance(goals, str) else ""
    agreement.cadence = cadence
    agreement.duration_months = duration_months
    now = timezone.now()
    agreement.updated_at, agreement.updated_by = now, user
    is_mentor = user.pk == mentorship.mentor_id
    agreement.mentor_confirmed_at = now if is_mentor else None
    agreement.mentee_confirmed_at = None if is_mentor else now
    agreement.full_clean(exclude=["mentorship", "updated_by"])
    with transaction.atomic():
        agreement.save()
        notify(user=_other(user, mentorship), kind="agreement_proposed",
               params={"name": user.name},
               url=reverse("mentorship_detail", args=[mentorship.pk]),
               subject=f"agreement:{mentorship.pk}", actor=user)
    return agreement


def agreement_confirm(*, user: User, mentorship: Mentorship) -> Agreement:
    _require_work(user, mentorship)
    agreement = Agreement.objects.filter(mentorship=mentorship).first()
    if agreement is None:
        raise ValidationError(_("There is no agreement to confirm yet."))
    field = "mentor_confirmed_at" if user.pk == mentorship.mentor_id else "mentee_confirmed_at"
    setattr(agreement, field, timezone.now())
    with transaction.atomic():
        agreement.save(update_fields=[field])
        subject_done(subject=f"agreement:{mentorship.pk}", user_id=user.pk)
    return agreement


def goal_add(*, user: User, mentorship: Mentorship, title: str) -> Goal:
    _require_work(user, mentorship)
    if mentorship.goals.count() >= 50:
        raise ValidationError(_("A mentorship has at most 50 goals."))
    return Goal.objects.create(mentorship=mentorship, title=_title(title, "title"),
                               created_by=user)


def goal_set_achieved(*, user: User, goal: Goal, achieved: bool) -> Goal:
    _require_work(user, goal.mentorship)
    newly = achieved and goal.achieved_at is None
    with transaction.atomic():
        goal.achieved_at = timezone.now() if achieved else None
        goal.save(update_fields=["achieved_at"])
        if newly:
            webhook_events.goal_achieved(goal)
    return goal


def goal_delete(*, user: User, goal: Goal) -> None:
    _require_work(user, goal.mentorship)
    goal.delete()


def milestone_add(*, user: User, goal: Goal, title: str, due_on: date | None = None) -> Milestone:
    _require_work(user, goal.mentorship)
    if goal.milestones.count() >= 30:
        raise ValidationError(_("A goal has at most 30 milestones."))
    return Milestone.objects.create(goal=goal, title=_title(title, "title"), due_on=due_on)


def milestone_set_done(*, user: User, milestone: Milestone, done: bool) -> Milestone:
    """Tick or untick; a goal whose milestones are all done counts as achieved."""
    goal = milestone.goal
    _require_work(user, goal.mentorship)
    with transaction.atomic():
        milestone.done_at = timezone.now() if done else None
        milestone.save(update_fields=["done_at"])
        all_done = not goal.milestones.filter(done_at__isnull=True).exists()
        if all_done and goal.achieved_at is None:
            goal.achieved_at = timezone.now()
            goal.save(update_fields=["achieved_at"])
            webhook_events.goal_achieved(goal)
        elif not done and goal.achieved_at is not None:
            goal.achieved_at = None
            goal.save(update_fields=["achieved_at"])
    return milestone


def note_save(*, user: User, mentorship: Mentorship, text: str) -> PrivateNote:
    """Her own notes: kept even after the mentorship ends, seen by nobody else."""
    if not permissions.can_view_mentorship(user, mentorship):
        raise PermissionDenied
    note, _created = PrivateNote.objects.get_or_create(mentorship=mentorship, author=user)
    note.text = text if isinstance(text, str) else ""
    note.updated_at = timezone.now()
    note.full_clean(exclude=["mentorship", "author"])
    note.save()
    return note


def session_log(
    *, user: User, mentorship: Mentorship, held_on: date, minutes: int, topics: str,
    booking_id: int | None = None,
) -> Session:
    """Log a session held. `booking_id`: the booked session it was (calendar_app), logged
    once: a second call for it returns the session already logged."""
    _require_work(user, mentorship)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("Log a session once it has taken place.")})
    if booking_id is not None:
        existing = Session.objects.filter(booking_id=booking_id).first()
        if existing is not None:
            return existing
    session = Session(mentorship=mentorship, held_on=held_on, minutes=minutes,
                      topics=topics.strip() if isinstance(topics, str) else "", logged_by=user,
                      booking_id=booking_id)
    session.full_clean(exclude=["mentorship", "logged_by"])
    with transaction.atomic():
        session.save()
        webhook_events.session_logged(session, by=user)
    return session


def mentorship_end(
    *, user: User, mentorship: Mentorship, outcome: str, reason: str = "",
    archive_room: bool = False,
) -> Mentorship:
    """End without blame. The reason goes to the programme team only; the place frees up.
    With `archive_room`, the pair's room is archived in the same transaction, by the rooms
    service and its permission check (PermissionDenied leaves the mentorship active)."""
    if outcome not in Mentorship.Outcome.values:
        raise ValidationError({"outcome": _("Choose how it ended.")})
    with transaction.atomic():
        _lock_mentor(mentorship.mentor_id)
        mentorship = Mentorship.objects.select_for_update(of=("self",)).select_related(
            "mentor", "mentee").get(pk=mentorship.pk)
        if not permissions.can_end(user, mentorship):
            raise PermissionDenied
        mentorship.status = Mentorship.Status.ENDED
        mentorship.ended_at = timezone.now()
        mentorship.ended_by = user
        mentorship.outcome = outcome
        mentorship.end_reason = (reason or "").strip()[:2000]
        mentorship.save()
        mentor_stats_refresh(mentorship.mentor_id)
        other = _other(user, mentorship)
        url = (reverse("find_mentor") if other.pk == mentorship.mentee_id
               else reverse("mentorship_detail", args=[mentorship.pk]))
        notify(user=other, kind="mentorship_ended", params={"name": user.name}, url=url,
               actor=user)
        webhook_events.mentorship_ended(mentorship, by=user)
        if archive_room and mentorship.room_id is not None:
            room = Room.objects.get(pk=mentorship.room_id)
            if not room.is_archived:
                room_archive(actor=user, room=room)
    return mentorship
