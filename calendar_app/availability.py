"""A mentor's free slots: her weekly hours, on her own clock, less what she already has.

Her hours (AvailabilityWindow) are wall-clock times in her BookingSettings.time_zone. They
are expanded day by day on that clock, cut into slots of `slot_minutes`, and only then
made exact (calendar_app.zones), so "Tuesdays 18:00-20:00 in Paris" is 18:00 in Paris on
both sides of a daylight-saving change. A slot whose start the clock skips (the spring
gap) is left out; a start the clock shows twice (the autumn overlap) is the first of the
two, as everywhere in calendars. A slot lasts `slot_minutes` of real time.

An exception replaces one date's hours: with no times the day is off, with times those
hours replace the week's for that date (several exceptions on one date add up).

Taken time: her active bookings, and her own calendar: events she created, and events of
her rooms she answered "going" or "maybe" to (she is in those rooms now). A slot that
overlaps any of these is not free. Only slots starting within [now + notice_hours,
now + window_days] are offered.

The functions down to `free` are pure (no database); `free_slots` and `slot_check` read.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_app import recurrence, zones
from calendar_app.models import (
    AvailabilityException,
    AvailabilityWindow,
    Booking,
    BookingSettings,
    Rsvp,
)

JUST_TAKEN = "just_taken"


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    local_start: datetime  # naive, on the mentor's clock


def hours_on(day: date, windows: Sequence[Any], exceptions: Sequence[Any]
             ) -> list[tuple[time, time]]:
    """Her hours on `day` (local): the exceptions of that date if there are any (none
    with times: the day is off), else the week's windows of that weekday; in order."""
    todays = [e for e in exceptions if e.date == day]
    if todays:
        found = [(e.start, e.end) for e in todays if e.start is not None and e.end is not None]
    else:
        found = [(w.start, w.end) for w in windows if w.weekday == day.weekday()]
    return sorted(found)


def slots_between(*, where: ZoneInfo, windows: Sequence[Any], exceptions: Sequence[Any],
                  slot_minutes: int, start: datetime, end: datetime) -> list[Slot]:
    """Every slot of her hours that starts in [start, end) (UTC), in order."""
    length = timedelta(minutes=slot_minutes)
    first_day = start.astimezone(where).date() - timedelta(days=1)
    last_day = end.astimezone(where).date() + timedelta(days=1)
    by_date: dict[date, list[Any]] = {}
    for exception in exceptions:
        if first_day <= exception.date <= last_day:
            by_date.setdefault(exception.date, []).append(exception)
    found: list[Slot] = []
    day = first_day
    while day <= last_day:
        for opens, closes in hours_on(day, windows, by_date.get(day, ())):
            local = datetime.combine(day, opens)
            closing = datetime.combine(day, closes)
            while local + length <= closing:
                if zones.exists(local, where):
                    starts_at = zones.exact(local, where)
                    if start <= starts_at < end:
                        found.append(Slot(starts_at, starts_at + length, local))
                local += length
        day += timedelta(days=1)
    found.sort(key=lambda slot: slot.starts_at)
    return found


def free(slots: Iterable[Slot], busy: Iterable[tuple[datetime, datetime]]) -> list[Slot]:
    """The slots that overlap none of the `busy` intervals (UTC, [start, end))."""
    taken = sorted(busy)
    starts = [interval[0] for interval in taken]
    # The longest busy interval bounds how far back an overlapping one may start.
    longest = max((b - a for a, b in taken), default=timedelta(0))
    kept = []
    for slot in slots:
        low = bisect.bisect_left(starts, slot.starts_at - longest)
        high = bisect.bisect_left(starts, slot.ends_at)
        if not any(taken[i][1] > slot.starts_at for i in range(low, high)):
            kept.append(slot)
    return kept


def bookable_range(settings: BookingSettings, now: datetime) -> tuple[datetime, datetime]:
    """The first and last start she takes bookings for (UTC)."""
    return (now + timedelta(hours=settings.notice_hours),
            now + timedelta(days=settings.window_days))


# --- Reading ---------------------------------------------------------------------------
def settings_of(mentor: Any) -> BookingSettings | None:
    return BookingSettings.objects.filter(mentor=mentor).first()


def busy_times(mentor: Any, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Her taken time overlapping [start, end): active bookings and her own calendar."""
    from calendar_app import permissions, selectors

    taken = [(b.starts_at, b.ends_at) for b in Booking.objects.filter(
        mentor=mentor, status=Booking.Status.BOOKED, starts_at__lt=end, ends_at__gt=start)]
    hers = permissions.events_on_her_calendar(mentor).filter(
        Q(created_by=mentor)
        | Q(rsvps__user=mentor, rsvps__answer__in=[Rsvp.Answer.GOING, Rsvp.Answer.MAYBE]))
    for instance in recurrence.instances(selectors.in_range(hers, start, end), start, end):
        taken.append((instance.starts_at, instance.ends_at))
    return taken


def _her_slots(mentor: Any, settings: BookingSettings, start: datetime, end: datetime
               ) -> list[Slot]:
    windows = list(AvailabilityWindow.objects.filter(mentor=mentor))
    exceptions = list(AvailabilityException.objects.filter(
        mentor=mentor, date__gte=(start - timedelta(days=2)).date(),
        date__lte=(end + timedelta(days=2)).date()))
    return slots_between(where=zones.zone(settings.time_zone), windows=windows,
                         exceptions=exceptions, slot_minutes=settings.slot_minutes,
                         start=start, end=end)


def free_slots(mentor: Any, *, start: datetime | None = None, end: datetime | None = None,
               now: datetime | None = None,
               settings: BookingSettings | None = None) -> list[Slot]:
    """Her free slots starting in [start, end) and within her booking window; none if
    she has not opened her hours or has closed them."""
    now = now or timezone.now()
    settings = settings or settings_of(mentor)
    if settings is None or not settings.enabled:
        return []
    earliest, latest = bookable_range(settings, now)
    start = max(start or earliest, earliest)
    end = min(end or latest + timedelta(microseconds=1), latest + timedelta(microseconds=1))
    if end <= start:
        return []
    slots = _her_slots(mentor, settings, start, end)
    if not slots:
        return []
    return free(slots, busy_times(mentor, slots[0].starts_at, slots[-1].ends_at))


def just_taken() -> ValidationError:
    return ValidationError(_("Sorry, this time was just taken. Choose another one."),
                           code=JUST_TAKEN)


def slot_check(mentor: Any, starts_at: datetime, *, now: datetime | None = None,
               settings: BookingSettings | None = None) -> Slot:
    """The free slot that starts at `starts_at`; ValidationError saying why it is not
    one: in the past, outside her booking window, not one of her free times, or (one of
    her slots, but booked since the page showed it) just taken."""
    now = now or timezone.now()
    settings = settings or settings_of(mentor)
    if settings is None or not settings.enabled:
        raise ValidationError(_("She is not taking bookings at the moment."))
    starts_at = starts_at.astimezone(UTC)
    if starts_at <= now:
        raise ValidationError(_("This time is in the past."))
    earliest, latest = bookable_range(settings, now)
    if not earliest <= starts_at <= latest:
        raise ValidationError(_("This time is outside her booking window: she takes bookings "
                                "from %(notice)d hours to %(days)d days ahead.")
                              % {"notice": settings.notice_hours, "days": settings.window_days})
    found = [slot for slot in _her_slots(mentor, settings, starts_at,
                                         starts_at + timedelta(seconds=1))
             if slot.starts_at == starts_at]
    if not found:
        raise ValidationError(_("This is not one of her free times."))
    slot = found[0]
    booked = Booking.objects.filter(mentor=mentor, status=Booking.Status.BOOKED,
                                    starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at)
    if booked.exists():
        raise just_taken()
    if not free([slot], busy_times(mentor, slot.starts_at, slot.ends_at)):
        # A booking committed between the two reads makes its event busy too: that is
        # "just taken", not a time she never offered.
        if booked.exists():
            raise just_taken()
        raise ValidationError(_("This is not one of her free times."))
    return slot


def by_day(slots: Iterable[Slot], where: ZoneInfo) -> Mapping[date, list[datetime]]:
    """Slots grouped by the viewer's local date, as local aware times in `where`."""
    grouped: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(where)
        grouped.setdefault(local.date(), []).append(local)
    return grouped
