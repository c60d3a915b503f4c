"""The programme's health for its admins: counts and monthly trends, never content.

Nothing here reads a message, note, goal title or document: only dates and statuses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import MentorApplication, Role, User
from mentoring.models import Goal, Mentorship, Session
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


def totals() -> Totals:
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
    )


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
