"""Recurring events: RFC 5545 rules checked and expanded into occurrences.

Expansion runs on the organiser's wall clock (dateutil's rrule over naive local times)
and only then is each occurrence made exact in the event's zone (calendar_app.zones), so
a weekly 18:00 Europe/Paris is 18:00 in Paris on both sides of a daylight-saving change,
and moves for a viewer in a zone that changed on another date. Every expansion is cut to
a window and capped (MAX_EXPANDED): a rule with no end is fine, an answer of millions is not.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar.prop import vRecur

from calendar_app import zones

MAX_COUNT = 1000  # occurrences a rule with an end may have
MAX_EXPANDED = 2000  # occurrences one expansion returns, over all events
HORIZON_YEARS = 10  # a series with an end ends within this (calendar_app.fields.YEARS_AHEAD)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS",
         "WKST"}


def _recur(text: str) -> vRecur:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not re.fullmatch(r"[A-Za-z]+=[^;=]+(;[A-Za-z]+=[^;=]+)*", text):
        raise ValidationError(_("This repeat rule cannot be read."))
    try:
        return vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError):
        raise ValidationError(_("This repeat rule cannot be read.")) from None


def _rule(text: str, start: datetime, where: Any) -> dateutil_rrule.rrule:
    """dateutil's rule over naive local times from `start` (naive, the zone's wall clock);
    an UNTIL in UTC is turned into the zone's wall clock first."""
    recur = _recur(text)
    until = recur.get("UNTIL")
    if until:
        last = until[0]
        if isinstance(last, datetime):
            if last.tzinfo is not None:
                last = last.astimezone(where).replace(tzinfo=None)
        else:
            last = datetime.combine(last, time(23, 59, 59))
        recur["UNTIL"] = [last]
    body = recur.to_ical().decode()
    try:
        rule = dateutil_rrule.rrulestr(f"RRULE:{body}", dtstart=start)
    except (ValueError, TypeError):
        raise ValidationError(_("This repeat rule cannot be read.")) from None
    assert isinstance(rule, dateutil_rrule.rrule)  # nosec B101  # an RRULE line always parses to an rrule (narrows the type)
    return rule


def clean_rule(text: object) -> str:
    """The rule as stored (RFC 5545 text, upper case, no "RRULE:"), or "" for none.
    ValidationError for what we do not take: a frequency under a day, more than
    MAX_COUNT occurrences, COUNT with UNTIL, parts we do not expand."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return ""
    if not isinstance(text, str) or len(text) > 500:
        raise ValidationError(_("This repeat rule cannot be read."))
    recur = _recur(text)
    unknown = set(recur) - PARTS
    if unknown:
        raise ValidationError(_("Repeat rules cannot use %(parts)s.")
                              % {"parts": ", ".join(sorted(unknown))})
    frequency = (recur.get("FREQ") or [""])[0]
    if frequency not in FREQUENCIES:
        raise ValidationError(_("An event repeats daily, weekly, monthly or yearly."))
    if "COUNT" in recur and "UNTIL" in recur:
        raise ValidationError(_("A repeat rule ends after a number of times or on a date, "
                                "not both."))
    count = (recur.get("COUNT") or [None])[0]
    if count is not None and not 1 <= int(count) <= MAX_COUNT:
        raise ValidationError(_("An event repeats at most %(max)d times.") % {"max": MAX_COUNT})
    interval = (recur.get("INTERVAL") or [1])[0]
    if not 1 <= int(interval) <= 366:
        raise ValidationError(_("Repeat every 1 to 366 periods."))
    _check_parts(recur, frequency)
    until = (recur.get("UNTIL") or [None])[0]
    if until is not None:
        if not isinstance(until, datetime):
            until = datetime.combine(until, time(0), tzinfo=UTC)
        elif until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        if until > timezone.now() + timedelta(days=366 * HORIZON_YEARS):
            raise ValidationError(_("A repeating event with an end ends within %(years)d "
                                    "years from today.") % {"years": HORIZON_YEARS})
    return recur.to_ical().decode().upper()


_WEEKDAY = re.compile(r"([+-]?)(\d{0,2})(MO|TU|WE|TH|FR|SA|SU)")


def _check_parts(recur: vRecur, frequency: str) -> None:
    """What RFC 5545 forbids and calendar programs would expand differently: a numbered
    weekday ("2TU") outside a monthly or yearly rule or past its range, a day of the
    month 0 or past 31, a position (BYSETPOS) without a monthly or yearly weekday rule."""
    unreadable = ValidationError(_("This repeat rule cannot be read."))
    days = [str(day).upper() for day in recur.get("BYDAY", [])]
    for day in days:
        found = _WEEKDAY.fullmatch(day)
        if found is None:
            raise unreadable
        if found.group(2):
            limit = 5 if frequency == "MONTHLY" else 53
            if frequency not in ("MONTHLY", "YEARLY") or not 1 <= int(found.group(2)) <= limit:
                raise ValidationError(_("A numbered weekday (such as the 2nd Tuesday) is for "
                                        "monthly or yearly repeats."))
    for month_day in recur.get("BYMONTHDAY", []):
        if not 1 <= abs(int(month_day)) <= 31:
            raise ValidationError(_("A day of the month is between 1 and 31."))
    for month in recur.get("BYMONTH", []):
        if not 1 <= int(month) <= 12:
            raise ValidationError(_("A month is between 1 and 12."))
    positions = recur.get("BYSETPOS", [])
    if positions and (frequency not in ("MONTHLY", "YEARLY") or not days
                      or any(not 1 <= abs(int(p)) <= 366 for p in positions)):
        raise ValidationError(_("A position (such as the last weekday) is for monthly or "
                                "yearly repeats on weekdays."))


@dataclass(frozen=True)
class Instance:
    """One occurrence of an event as a viewer sees it."""

    event: Any  # calendar_app.models.Event
    recurrence_id: datetime  # UTC: its start in the series (the event's start if single)
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    start_date: date  # the organiser's wall clock
    start_time: time | None  # None: all day
    duration: timedelta
    title: str
    moved: bool = False

    @property
    def key(self) -> str:
        """Names the occurrence in URLs and forms: the event's id and its recurrence id."""
        return f"{self.event.pk}-{self.recurrence_id:%Y%m%dT%H%M%SZ}"


def local_start(event: Any) -> datetime:
    """The event's first start on the organiser's wall clock (naive)."""
    return datetime.combine(event.start_date, event.start_time or time(0, 0))


def series_starts(event: Any, after_local: datetime | None = None) -> Iterator[datetime]:
    """Naive local starts of a series (or the one start of a single event), in order."""
    start = local_start(event)
    where = zones.zone(event.time_zone)
    if not event.rrule:
        if after_local is None or start >= after_local:
            yield start
        return
    rule = _rule(event.rrule, start, where)
    yield from rule.xafter(after_local or start, inc=True) if after_local else iter(rule)


def expand_local(text: str, start: datetime, where: Any) -> dateutil_rrule.rrule:
    """The rule's naive local starts from `start` (iterable, possibly without end)."""
    return _rule(text, start, where)


def first_local(text: str, start: datetime, where: Any, latest: datetime) -> datetime | None:
    """The rule's first naive local start from `start`, if there is one by `latest`: the
    search stops there (a rule that matches no date would otherwise be searched to the
    year 9999)."""
    rule = _rule(text, start, where).replace(count=None, until=latest)
    return next(iter(rule), None)


def is_bounded(text: str) -> bool:
    recur = _recur(text)
    return "COUNT" in recur or "UNTIL" in recur


def bounded_span(text: str, start: datetime, where: Any, latest: datetime
                 ) -> tuple[int, datetime | None]:
    """For a rule with an end: how many occurrences (counted up to MAX_COUNT + 1) and the
    last one's naive local start. (0, None) for a rule without end. ValidationError if
    the series would go on past `latest` (naive local): a series with an end ends within
    the years events may take place in, and is never searched beyond them."""
    recur = _recur(text)
    if "COUNT" not in recur and "UNTIL" not in recur:
        return 0, None
    wanted = int(recur["COUNT"][0]) if "COUNT" in recur else MAX_COUNT + 1
    rule = _rule(text, start, where)
    starts = list(itertools.islice(rule.replace(count=None, until=latest), wanted + 1))
    if (len(starts) < wanted) if "COUNT" in recur else rule.after(latest) is not None:
        raise ValidationError(_("A repeating event with an end ends within %(years)d years "
                                "from today.") % {"years": HORIZON_YEARS})
    starts = starts[:wanted]
    return len(starts), (starts[-1] if starts else None)


def _exact(event: Any, local: datetime) -> datetime:
    return zones.exact(local, zones.zone(event.time_zone))


def _instance(event: Any, local: datetime, override: Any = None) -> Instance:
    recurrence_id = _exact(event, local)
    if override is not None and override.starts_at is not None:
        day = override.start_date
        at = override.start_time if not event.all_day else None
        duration = override.duration or event.duration
        starts_at = override.starts_at
        moved = True
    else:
        day, at, duration = local.date(), event.start_time, event.duration
        starts_at, moved = recurrence_id, False
    ends_at = (zones.exact(datetime.combine(day, time(0, 0)) + duration,
                           zones.zone(event.time_zone)) if event.all_day
               else starts_at + duration)
    title = (override.title if override is not None and override.title else event.title)
    return Instance(event=event, recurrence_id=recurrence_id, starts_at=starts_at,
                    ends_at=ends_at, start_date=day, start_time=at, duration=duration,
                    title=title, moved=moved)


def _event_instances(event: Any, start: datetime, end: datetime) -> Iterator[Instance]:
    """One event's occurrences that overlap [start, end), in start order, read lazily."""
    overrides = {o.recurrence_id: o for o in event.occurrences.all()}
    where = zones.zone(event.time_zone)
    # Local bounds one day wider than the window: zones are at most ±14 h from UTC.
    earliest = (start - event.duration).astimezone(where).replace(tzinfo=None) \
        - timedelta(days=1)
    latest = end.astimezone(where).replace(tzinfo=None) + timedelta(days=1)

    def in_series() -> Iterator[Instance]:
        for local in series_starts(event, earliest):
            if local >= latest:
                return
            instance = _instance(event, local)
            if instance.recurrence_id in overrides:
                continue  # cancelled, or moved: among `moved` where it is now
            if instance.starts_at < end and instance.ends_at > start:
                yield instance

    moved = sorted((_instance(event, o.recurrence_id.astimezone(where).replace(tzinfo=None), o)
                    for o in overrides.values() if not o.cancelled and o.starts_at is not None),
                   key=lambda i: i.starts_at)
    moved = [i for i in moved if i.starts_at < end and i.ends_at > start]
    yield from heapq.merge(in_series(), moved, key=lambda i: i.starts_at)


def instances(events: Iterable[Any], start: datetime, end: datetime,
              limit: int = MAX_EXPANDED) -> list[Instance]:
    """Every occurrence of `events` that overlaps [start, end) (UTC), in start order, the
    first `limit` of them: each event is read only as far as the answer needs, so a
    busy series cuts the answer short at its end, never drops another event's earlier
    occurrences. Events come with their `occurrences` (prefetched, or read here);
    cancelled events and occurrences are left out."""
    streams = [_event_instances(event, start, end) for event in events
               if event.cancelled_at is None]
    merged = heapq.merge(*streams, key=lambda i: (i.starts_at, i.event.pk))
    return list(itertools.islice(merged, limit))


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def instance_at(event: Any, recurrence_id: datetime) -> Instance | None:
    """The occurrence that had `recurrence_id` in the series, where it is now (an
    occurrence moves at most a month away: 40 days either side are read); None if the
    series has none there (or it is cancelled)."""
    window = timedelta(days=40)
    for instance in instances([event], recurrence_id - window, recurrence_id + window):
        if instance.recurrence_id == recurrence_id:
            return instance
    return None
