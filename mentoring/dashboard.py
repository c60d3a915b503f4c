"""The programme's health for its admins: counts and monthly trends, never content.

Nothing here reads a message, note, goal title or document: only dates and statuses
(and, for the fit of pairs, what matching reads of their profiles).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import MentorApplication, Role, User
from mentoring import matching
from mentoring.models import Agreement, Goal, MatchWeights, Mentorship, Milestone, Session
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
        members=User.objects.filter(is_active=True, is_bot=False).count(),
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


# --- How well the pairs fit, by how they turned out -------------------------------------

# The groups of the fit table, in the order shown: continuing pairs, then each ending.
FIT_GROUPS = {
    "continuing": _("Continuing"),
    Mentorship.Outcome.GOALS_MET.value: _("Ended: goals met"),
    Mentorship.Outcome.NOT_A_FIT.value: _("Ended: not a good fit"),
    "unknown": _("Ended: no outcome given"),
}


@dataclass
class FitGroup:
    key: str
    pairs: int  # mentorships in the group
    scored: int  # of which both members are still here to be scored
    median: float | None
    average: float | None
    factors: dict[str, float] = field(default_factory=dict)  # factor -> average, 0 to 1

    @property
    def label(self) -> str:
        return str(FIT_GROUPS[self.key])


@dataclass
class FitReport:
    groups: list[FitGroup]
    weights: MatchWeights
    # True when the pairs that ended as not a good fit score as high as continuing ones:
    # the weights may not reflect what makes pairs work.
    misfits_score_as_high: bool | None  # None: not enough pairs to compare

    def group(self, key: str) -> FitGroup:
        return next(g for g in self.groups if g.key == key)


def _group_key(status: str, outcome: str) -> str:
    if status == Mentorship.Status.ACTIVE:
        return "continuing"
    return outcome if outcome in FIT_GROUPS else "unknown"


def fit_by_outcome() -> FitReport:
    """Today's fit, with today's weights, of every accepted pair, grouped by how it went.

    Ending "not a good fit" changes no weight by itself: this shows the admins whether the
    pairs that did not work would still be recommended, so that they tune the weights.
    Only the real pairs are scored (`matching.pairs_factors`: two queries per side, whatever
    the number of pairs, and no mentee scored against every mentor), each from its factors
    with today's weights: every group alike, open pairs included.
    A continuing pair's mentor counts her mentee's place as free, as it was when they
    were matched: otherwise being together would lower their own fit.
    Members who left are not scored: their pairs count but have no fit.
    """
    rows = list(Mentorship.objects.filter(status__in=ACCEPTED).values_list(
        "mentee_id", "mentor_id", "status", "outcome"))
    pairs = matching.pairs_factors([(r[0], r[1]) for r in rows])
    weights = MatchWeights.current()
    counts: Counter[str] = Counter()
    fits: dict[str, list[float]] = {key: [] for key in FIT_GROUPS}
    sums: dict[str, Counter[str]] = {key: Counter() for key in FIT_GROUPS}
    for mentee_id, mentor_id, status, outcome in rows:
        key = _group_key(status, outcome)
        counts[key] += 1
        if (mentee_id, mentor_id) not in pairs:
            continue
        mentee, mentor, words = pairs[mentee_id, mentor_id]
        if status == Mentorship.Status.ACTIVE:
            mentor = dataclasses.replace(mentor, active=max(0, mentor.active - 1))
        values = matching.factors(mentee, mentor, words)
        fits[key].append(matching.score(values, weights))
        sums[key].update(values)
    groups = []
    for key in FIT_GROUPS:
        if key == "unknown" and not counts[key]:
            continue  # every ending has had an outcome since outcomes exist
        scored = fits[key]
        groups.append(FitGroup(
            key=key, pairs=counts[key], scored=len(scored),
            median=statistics.median(scored) if scored else None,
            average=statistics.fmean(scored) if scored else None,
            factors={name: value / len(scored) for name, value in sums[key].items()}
            if scored else {}))
    by_key = {g.key: g for g in groups}
    misfits, continuing = by_key[Mentorship.Outcome.NOT_A_FIT], by_key["continuing"]
    compare = None
    if misfits.median is not None and continuing.median is not None:
        compare = misfits.median >= continuing.median
    return FitReport(groups=groups, weights=weights, misfits_score_as_high=compare)
