"""A mentorship request from sending to its answer or expiry, with capacity enforced.

Capacity: every write that can add an active mentee to a mentor first locks that mentor's
profile row (`select_for_update`; SQLite serialises writers anyway), then counts. Two accepts
at the same moment therefore run one after the other and the second sees the first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.services import message_send
from community.models import Profile, User
from community.webhooks import events as webhook_events
from mentoring import permissions, selectors
from mentoring.models import Mentorship
from notifications.services import notify, subject_done
from rooms.services import room_create_one_to_one, room_open_direct

NOTE_MAX = 2000


def _text(value: object, *, field: str, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field: _("Write a few words.")})
    if len(text) > NOTE_MAX:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    return text


def _url(mentorship: Mentorship) -> str:
    return reverse("mentorship_detail", args=[mentorship.pk])


def _subject(mentorship: Mentorship) -> str:
    """What her request's notifications are about: answering it reads them."""
    return f"request:{mentorship.pk}"


def _lock_mentor(mentor_id: int) -> Profile:
    """Serialise every capacity decision about one mentor: lock her profile row (which holds
    her capacity and her count of active mentees) and return it fresh."""
    return Profile.objects.select_for_update().get(user_id=mentor_id)


def _active_count(mentor_id: int) -> int:
    return Mentorship.objects.filter(mentor_id=mentor_id, status=Mentorship.Status.ACTIVE).count()


def mentor_stats_refresh(mentor_id: int) -> None:
    """Recount her active mentees and her median time to first answer (last 20 answers)."""
    recent = selectors.responded(Mentorship.objects.filter(mentor_id=mentor_id))[:20]
    Profile.objects.filter(user_id=mentor_id).update(
        active_mentees=_active_count(mentor_id),
        answer_hours=selectors.answer_hours_median(recent))


def _pending_for_update(mentorship_id: int, mentor_id: int | None = None) -> Mentorship:
    if mentor_id is not None:
        _lock_mentor(mentor_id)
    try:
        return Mentorship.objects.select_for_update(of=("self",)).select_related(
            "mentor__profile", "mentee__profile").get(pk=mentorship_id)
    except Mentorship.DoesNotExist:
        raise PermissionDenied from None


def request_send(*, mentee: User, mentor: User, note: str) -> Mentorship:
    """Ask `mentor` to mentor `mentee`. Refused when she is full, paused or already asked."""
    note = _text(note, field="note", required=True)
    with transaction.atomic():
        profile = _lock_mentor(mentor.pk)
        mentor.profile = profile
        if not permissions.can_request(mentee, mentor):
            if mentor.is_mentor and not profile.open_to_mentees:
                raise ValidationError(_("%(name)s is not taking new mentees at the moment.")
                                      % {"name": mentor.name})
            raise PermissionDenied
        now = timezone.now()
        try:
            with transaction.atomic():
                mentorship = Mentorship.objects.create(
                    mentor=mentor, mentee=mentee, note=note, created_at=now,
                    expires_at=now + timedelta(days=settings.COHORT_REQUEST_DAYS))
        except IntegrityError:
            raise ValidationError(_("You already have a request or a mentorship with %(name)s.")
                                  % {"name": mentor.name}) from None
        notify(user=mentor, kind="request_received", params={"mentee": mentee.name},
               url=_url(mentorship), subject=_subject(mentorship), actor=mentee)
        webhook_events.mentorship_requested(mentorship)
    return mentorship


def _expired_now(mentorship: Mentorship) -> bool:
    return mentorship.expires_at <= timezone.now()


def request_accept(*, mentor: User, mentorship_id: int, message: str = "") -> Mentorship:
    """Accept: the pair's room opens with a welcome message, and the mentee is told."""
    message = _text(message, field="message", required=False)
    with transaction.atomic():
        mentorship = _pending_for_update(mentorship_id, mentor.pk)
        if not permissions.can_answer(mentor, mentorship):
            raise PermissionDenied
        if _expired_now(mentorship):
            raise ValidationError(_("This request has expired."))
        profile = mentorship.mentor.profile
        if _active_count(mentor.pk) >= profile.mentor_capacity:
            raise ValidationError(_("You are at capacity (%(n)s mentees). End a mentorship or "
                                    "raise your capacity first.") % {"n": profile.mentor_capacity})
        mentorship.status = Mentorship.Status.ACTIVE
        mentorship.answered_at = timezone.now()
        mentorship.answer_message = message
        mentorship.room = room_create_one_to_one(mentor=mentor, mentee=mentorship.mentee)
        mentorship.save()
        welcome = message or _("Welcome, %(name)s! I am glad to be your mentor. Tell me what "
                               "you would like to work on first.") % {
                                   "name": mentorship.mentee.get_short_name()}
        message_send(author=mentor, room_id=mentorship.room.pk, text=welcome,
                     client_id=f"mentorship-{mentorship.pk}-welcome", tell=False)
        mentor_stats_refresh(mentor.pk)
        subject_done(subject=_subject(mentorship), user_id=mentor.pk)
        notify(user=mentorship.mentee, kind="request_accepted", params={"mentor": mentor.name},
               url=reverse("room", args=[mentorship.room.pk]), actor=mentor)
        webhook_events.mentorship_accepted(mentorship)
    return mentorship


def request_decline(*, mentor: User, mentorship_id: int, message: str = "") -> Mentorship:
    """Decline, with the mentor's words or a kind default; the mentee can ask someone else."""
    message = _text(message, field="message", required=False)
    with transaction.atomic():
        mentorship = _pending_for_update(mentorship_id)
        if not permissions.can_answer(mentor, mentorship):
            raise PermissionDenied
        mentorship.status = Mentorship.Status.DECLINED
        mentorship.answered_at = timezone.now()
        mentorship.answer_message = message or _(
            "Thank you for asking me. I cannot take you on right now, and I hope you find "
            "the right mentor soon.")
        mentorship.save()
        mentor_stats_refresh(mentor.pk)
        subject_done(subject=_subject(mentorship), user_id=mentor.pk)
        notify(user=mentorship.mentee, kind="request_declined", params={"mentor": mentor.name},
               url=_url(mentorship), actor=mentor)
    return mentorship


def request_ask(*, mentor: User, mentorship_id: int, question: str) -> Mentorship:
    """A question before deciding: it opens (or reuses) their direct conversation."""
    question = _text(question, field="question", required=True)
    with transaction.atomic():
        mentorship = _pending_for_update(mentorship_id)
        if not permissions.can_answer(mentor, mentorship):
            raise PermissionDenied
        room = room_open_direct(user=mentor, other=mentorship.mentee)
        now = timezone.now()
        message_send(author=mentor, room_id=room.pk, text=question,
                     client_id=f"mentorship-{mentorship.pk}-q-{now.timestamp():.0f}", tell=False)
        mentorship.question_room = room
        mentorship.question_at = mentorship.question_at or now
        mentorship.save(update_fields=["question_room", "question_at"])
        mentor_stats_refresh(mentor.pk)
        subject_done(subject=_subject(mentorship), user_id=mentor.pk)
        notify(user=mentorship.mentee, kind="request_question", params={"mentor": mentor.name},
               url=reverse("room", args=[room.pk]), actor=mentor)
    return mentorship


def request_withdraw(*, mentee: User, mentorship_id: int) -> Mentorship:
    with transaction.atomic():
        mentorship = _pending_for_update(mentorship_id)
        if not permissions.can_withdraw(mentee, mentorship):
            raise PermissionDenied
        mentorship.status = Mentorship.Status.WITHDRAWN
        mentorship.save(update_fields=["status"])
        notify(user=mentorship.mentor, kind="request_withdrawn", params={"mentee": mentee.name},
               url=_url(mentorship), actor=mentee)
    return mentorship


def _pause_if_unresponsive(mentor_id: int) -> None:
    """Pause new requests after N expiries in a row (since her last answer or reopening)."""
    profile = Profile.objects.select_related("user").get(user_id=mentor_id)
    if profile.paused_at is not None:
        return
    since = [moment for moment in (
        profile.reopened_at,
        Mentorship.objects.filter(mentor_id=mentor_id, answered_at__isnull=False)
        .order_by("-answered_at").values_list("answered_at", flat=True).first(),
        Mentorship.objects.filter(mentor_id=mentor_id, question_at__isnull=False)
        .order_by("-question_at").values_list("question_at", flat=True).first(),
    ) if moment is not None]
    expired = Mentorship.objects.filter(mentor_id=mentor_id, status=Mentorship.Status.EXPIRED)
    if since:
        expired = expired.filter(expires_at__gt=max(since))
    count = expired.count()
    if count >= settings.COHORT_PAUSE_AFTER_EXPIRED:
        Profile.objects.filter(pk=profile.pk).update(paused_at=timezone.now())
        notify(user=profile.user, kind="mentor_paused", params={"count": count},
               url=reverse("profile_edit"))


def requests_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Send due reminders and expire overdue requests; returns (reminded, expired).

    Safe to run as often as wanted, from several places at once: each row is claimed
    under a row lock and skipped if another sweep got there first.
    """
    now = now or timezone.now()
    remind_from = now + timedelta(days=settings.COHORT_REQUEST_REMINDER_DAYS)
    pending = Mentorship.objects.filter(status=Mentorship.Status.PENDING)
    reminded = expired = 0
    for pk in pending.filter(reminded_at__isnull=True, expires_at__gt=now,
                             expires_at__lte=remind_from).values_list("pk", flat=True):
        with transaction.atomic():
            row = Mentorship.objects.select_for_update(of=("self",)).select_related(
                "mentor", "mentee").get(pk=pk)
            if row.status != Mentorship.Status.PENDING or row.reminded_at is not None:
                continue
            row.reminded_at = now
            row.save(update_fields=["reminded_at"])
            notify(user=row.mentor, kind="request_reminder",
                   params={"mentee": row.mentee.name, "date": f"{row.expires_at:%Y-%m-%d}"},
                   url=_url(row), subject=_subject(row))
            reminded += 1
    for pk in pending.filter(expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            row = Mentorship.objects.select_for_update(of=("self",)).select_related(
                "mentor", "mentee").get(pk=pk)
            if row.status != Mentorship.Status.PENDING:
                continue
            row.status = Mentorship.Status.EXPIRED
            row.save(update_fields=["status"])
            params = {"mentee": row.mentee.name, "mentor": row.mentor.name}
            for person in (row.mentor, row.mentee):
                notify(user=person, kind="request_expired", params=params, url=_url(row))
            _pause_if_unresponsive(row.mentor_id)
            expired += 1
    return reminded, expired


def member_mentorships_erase(*, user_id: int) -> int:
    """Her account is erased: her mentorships, as mentee or mentor, go with it (with their
    goals, sessions and notes). Each mentor she had is locked and recounted in the same
    transaction, so her free places are right at once. Returns how many mentorships."""
    mentors = sorted(set(Mentorship.objects.filter(mentee_id=user_id)
                         .values_list("mentor_id", flat=True)))
    with transaction.atomic():
        for mentor_id in mentors:
            _lock_mentor(mentor_id)
        mine = Mentorship.objects.filter(Q(mentee_id=user_id) | Q(mentor_id=user_id))
        count = mine.count()
        mine.delete()
        for mentor_id in mentors:
            mentor_stats_refresh(mentor_id)
    return count
