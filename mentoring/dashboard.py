"""The programme's health for its admins: counts and monthly trends, never content.

Nothing here reads a message, note, goal title or document: only dates and statuses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import MentorApplication, Role, User
from mentoring.models import Agreement, Goal, Mentorship, Milestone, Session
from mentoring.selectors import answer_hours_median, responded

ACCEPTED = (Mentorship.Status.ACTIVE, Mentorship.Status.ENDED)
SERIES = ("members_joined", "requests_sent", "requests_accepted", "requests_declined",
          "requests_expired", "sessions_logged", "goals_achieved")
# What each series is called where people read it (the page's table, the CSV's header).
LABELS = {
    "month": _("Month"), "members_joined": _("New members"), "requests_sent": _("Requests sent"),
    "requests_accepted": _("Requests accepted"), "requests_declined": _("Requests declined"),
    "requests_expired": _("Requests expired"), "sessions_logged": _("Sessions logged"),
    "goals_achieved": _("Goals achieved"),
}


@dataclass
class Totals:
    members: int
    mentors: int
    pending_applications: int
    requests_sent: int
    requests_accepted: int
    requests_declined: int
    requests_expired: int
    requests_pending: int
    median_answer_hours: float | None
    active_relationships: int
    sessions_logged: int
    goals_achieved: int
    inactive_relationships: int


def totals(*, inactive: int | None = None) -> Totals:
    """The programme's counts; `inactive` when the caller has just counted the quiet pairs."""
    statuses = Counter(Mentorship.objects.values_list("status", flat=True))
    return Totals(
        members=User.objects.filter(is_active=True).count(),
        mentors=User.objects.filter(is_active=True, role=Role.MENTOR).count(),
        pending_applications=MentorApplication.objects.filter(
            status=MentorApplication.Status.PENDING).count(),
        requests_sent=sum(statuses.values()),
        requests_accepted=sum(statuses[s] for s in ACCEPTED),
        requests_declined=statuses[Mentorship.Status.DECLINED],
        requests_expired=statuses[Mentorship.Status.EXPIRED],
        requests_pending=statuses[Mentorship.Status.PENDING],
        median_answer_hours=answer_hours_median(responded(Mentorship.objects.all())),
        active_relationships=statuses[Mentorship.Status.ACTIVE],
        sessions_logged=Session.objects.count(),
        goals_achieved=Goal.objects.filter(achieved_at__isnull=False).count(),
        inactive_relationships=len(inactive_pairs()) if inactive is None else inactive,
    )


@dataclass
class InactivePair:
    mentorship: Mentorship
    last_activity: datetime


def _latest(moments: dict[int, datetime], rows: object) -> None:
    """Keep, per mentorship, the latest of the moments in `rows` ((id, moment, ...) tuples)."""
    for mentorship_id, *values in rows:  # type: ignore[attr-defined]
        for value in values:
            if value is None:
                continue
            if not isinstance(value, datetime):  # a day a session was held on
                value = timezone.make_aware(datetime.combine(value, time.max))
            if mentorship_id in moments and value > moments[mentorship_id]:
                moments[mentorship_id] = value


def inactive_days() -> int:
    return int(settings.COHORT_INACTIVE_DAYS)


def inactive_pairs() -> list[InactivePair]:
    """Active mentorships with no sign of life for `COHORT_INACTIVE_DAYS` days, the longest
    silent first.

    A sign of life is a date, never content: the acceptance, a session held or logged, a
    goal set or achieved, a milestone added or done, the agreement written or confirmed.
    Their chat is not read (the dashboard shows counts, not conversations).
    """
    active = list(Mentorship.objects.filter(status=Mentorship.Status.ACTIVE)
                  .select_related("mentor", "mentee"))
    moments = {m.pk: m.answered_at or m.created_at for m in active}
    ids = list(moments)
    _latest(moments, Session.objects.filter(mentorship_id__in=ids).values("mentorship_id")
            .annotate(held=Max("held_on"), logged=Max("created_at"))
            .values_list("mentorship_id", "held", "logged"))
    _latest(moments, Goal.objects.filter(mentorship_id__in=ids).values("mentorship_id")
            .annotate(made=Max("created_at"), achieved=Max("achieved_at"))
            .values_list("mentorship_id", "made", "achieved"))
    _latest(moments, Milestone.objects.filter(goal__mentorship_id__in=ids)
            .values("goal__mentorship_id")
            .annotate(made=Max("created_at"), done=Max("done_at"))
            .values_list("goal__mentorship_id", "made", "done"))
    _latest(moments, Agreement.objects.filter(mentorship_id__in=ids).values_list(
        "mentorship_id", "updated_at", "mentor_confirmed_at", "mentee_confirmed_at"))
    since = timezone.now() - timedelta(days=inactive_days())
    quiet = [InactivePair(mentorship=m, last_activity=moments[m.pk])
             for m in active if moments[m.pk] < since]
    return sorted(quiet, key=lambda pair: pair.last_activity)


def _month(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    return f"{moment:%Y-%m}"


def _months(count: int) -> list[str]:
    today = timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _month in range(count):
        months.append(f"{year:04}-{month:02}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def monthly(count: int = 12) -> list[dict[str, object]]:
    """One row per month (oldest first) with every series of `SERIES`."""
    months = _months(count)
    start = months[0] + "-01"
    series: dict[str, Counter[str]] = {name: Counter() for name in SERIES}

    def tally(name: str, moments: object) -> None:
        for moment in moments:  # type: ignore[attr-defined]
            if moment is not None:
                series[name][_month(moment)] += 1

    tally("members_joined", User.objects.filter(date_joined__date__gte=start)
          .values_list("date_joined", flat=True))
    tally("requests_sent", Mentorship.objects.filter(created_at__date__gte=start)
          .values_list("created_at", flat=True))
    tally("requests_accepted", Mentorship.objects.filter(
        status__in=ACCEPTED, answered_at__date__gte=start).values_list("answered_at", flat=True))
    tally("requests_declined", Mentorship.objects.filter(
        status=Mentorship.Status.DECLINED, answered_at__date__gte=start)
        .values_list("answered_at", flat=True))
    tally("requests_expired", Mentorship.objects.filter(
        status=Mentorship.Status.EXPIRED, expires_at__date__gte=start)
        .values_list("expires_at", flat=True))
    tally("sessions_logged", Session.objects.filter(held_on__gte=start)
          .values_list("held_on", flat=True))
    tally("goals_achieved", Goal.objects.filter(achieved_at__date__gte=start)
          .values_list("achieved_at", flat=True))
    return [{"month": month, **{name: series[name][month] for name in SERIES}}
            for month in months]
