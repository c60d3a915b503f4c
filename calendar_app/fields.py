"""An event's fields as a member types them, checked before anything is written: every
refusal is a ValidationError with a sentence, and nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_app import recurrence, zones

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_LOCATION = 300
MAX_DURATION = timedelta(days=31)
YEARS_BACK, YEARS_AHEAD = 5, 10


@dataclass(frozen=True)
class EventFields:
    title: str
    description: str
    location: str
    video_call: bool
    all_day: bool
    time_zone: str
    start_date: date
    start_time: time | None
    duration: timedelta
    rrule: str
    starts_at: datetime  # UTC, the first occurrence
    series_ends_at: datetime | None  # UTC, None: never ends


def _text(value: object, limit: int, what: str, *, required: bool = False,
          lines: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("%(what)s is text.") % {"what": what})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("%(what)s cannot be empty.") % {"what": what})
    if len(value) > limit:
        raise ValidationError(_("%(what)s has at most %(max)d characters.")
                              % {"what": what, "max": limit})
    allowed = "\n\t\r" if lines else ""
    if any(ord(c) < 32 and c not in allowed for c in value):
        raise ValidationError(_("%(what)s cannot contain control characters.") % {"what": what})
    return value


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(_("Give a date as YYYY-MM-DD.")) from None


def parse_local(value: object) -> tuple[date, time]:
    """A wall-clock date and time, "2027-03-02T18:00" (or with a space)."""
    if isinstance(value, datetime):
        return value.date(), value.time().replace(second=0, microsecond=0)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Give a date and time as YYYY-MM-DD HH:MM.")) from None
    if parsed.tzinfo is not None:
        raise ValidationError(_("Give the time on the event's clock, without an offset."))
    return parsed.date(), parsed.time().replace(second=0, microsecond=0)


def check_range(moment: datetime, now: datetime | None = None) -> datetime:
    """`moment` if it lies within YEARS_BACK before and YEARS_AHEAD after now; else
    ValidationError (dates far away are refused before any arithmetic on them)."""
    now = now or timezone.now()
    if not (now - timedelta(days=365 * YEARS_BACK) <= moment
            <= now + timedelta(days=365 * YEARS_AHEAD)):
        raise ValidationError(_("An event starts within %(back)d years before and %(ahead)d "
                                "years after today.") % {"back": YEARS_BACK,
                                                         "ahead": YEARS_AHEAD})
    return moment


def clamp_day(day: date, today: date) -> date:
    """A day to show, kept within the years events may take place in."""
    return min(max(day, today - timedelta(days=365 * YEARS_BACK)),
               today + timedelta(days=365 * YEARS_AHEAD))


def _flag(value: object) -> bool:
    return value in (True, "true", "on", "1", 1, "yes")


def clean(data: Mapping[str, Any], *, now: datetime | None = None) -> EventFields:
    """The fields of an event from `data` (start and end as typed, in `time_zone`; for
    an all-day event `start` and `end` are dates, `end` the last day)."""
    now = now or timezone.now()
    title = _text(data.get("title"), MAX_TITLE, _("A title"), required=True)
    description = _text(data.get("description"), MAX_DESCRIPTION, _("A description"),
                        lines=True)
    location = _text(data.get("location"), MAX_LOCATION, _("A location"))
    video_call = _flag(data.get("video_call"))
    all_day = _flag(data.get("all_day"))
    where = zones.zone(data.get("time_zone") or "")
    if data.get("start") in (None, ""):
        raise ValidationError(_("An event needs a start."))
    if data.get("end") in (None, ""):
        raise ValidationError(_("An event needs an end."))
    if all_day:
        start_date, start_time = parse_date(data["start"]), None
        last_day = parse_date(data["end"])
        if last_day < start_date:
            raise ValidationError(_("An event cannot end before it starts."))
        duration = timedelta(days=(last_day - start_date).days + 1)
        starts_at = zones.exact(datetime.combine(start_date, time(0, 0)), where)
    else:
        start_date, start_clock = parse_local(data["start"])
        end_date, end_clock = parse_local(data["end"])
        starts_at = zones.must_exist(start_date, start_clock, where)
        ends_at = zones.must_exist(end_date, end_clock, where)
        if ends_at <= starts_at:
            raise ValidationError(_("An event must end after it starts."))
        duration, start_time = ends_at - starts_at, start_clock
    if duration > MAX_DURATION:
        raise ValidationError(_("An event lasts at most %(days)d days.")
                              % {"days": MAX_DURATION.days})
    check_range(starts_at, now)
    rrule = recurrence.clean_rule(data.get("rrule"))
    series_ends_at: datetime | None = starts_at + duration
    if rrule:
        local = datetime.combine(start_date, start_time or time(0, 0))
        latest = (now + timedelta(days=365 * YEARS_AHEAD)).astimezone(where).replace(
            tzinfo=None)
        first = recurrence.first_local(rrule, local, where, latest)
        if first is None:
            raise ValidationError(_("This repeat rule gives no date in the next %(years)d "
                                    "years.") % {"years": YEARS_AHEAD})
        if first != local:  # the series starts on its first date, as calendars show it
            start_date = first.date()
            starts_at = zones.exact(first, where)
            local = first
        count, last = recurrence.bounded_span(rrule, local, where, latest)
        if count > recurrence.MAX_COUNT:
            raise ValidationError(_("An event repeats at most %(max)d times.")
                                  % {"max": recurrence.MAX_COUNT})
        series_ends_at = None if last is None else zones.exact(last, where) + duration
    return EventFields(title=title, description=description, location=location,
                       video_call=video_call, all_day=all_day, time_zone=where.key,
                       start_date=start_date, start_time=start_time, duration=duration,
                       rrule=rrule, starts_at=starts_at.astimezone(UTC),
                       series_ends_at=series_ends_at)
