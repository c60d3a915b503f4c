"""What the calendar pages show: the days of a day, week, month or list view, and each
occurrence on the viewer's clock (with the event's own clock beside it when it differs).

A timed occurrence sits on the days of her zone it covers; an all-day event sits on its
own dates whatever her zone (a holiday on 1 May is on 1 May for everyone). "Join call"
opens JOIN_EARLY before an occurrence with a video call starts, until it ends.

A day of the month view shows at most MONTH_DAY_ITEMS occurrences; a busier one shows
the first MONTH_DAY_ITEMS - 1 and "+N more", a link to that day (as calendar programs
do: a month cell of thirty meetings is read neither on a phone nor on a desktop). Every
string an occurrence shows is made here, its links once per event, so the templates only
print them.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calendar_app import recurrence, zones

VIEWS = ("month", "week", "day", "list")
LIST_DAYS = 30
JOIN_EARLY = timedelta(minutes=10)
MONTH_DAY_ITEMS = 4


@dataclass(frozen=True)
class Period:
    view: str
    first: date  # the first day shown
    last: date  # the last day shown
    anchor: date  # the day the view was asked for
    previous: date
    next: date
    title: str


def _first_weekday() -> int:
    """Monday 0 ... Sunday 6, as the language's calendars start their weeks."""
    sunday_first = int(formats.get_format("FIRST_DAY_OF_WEEK"))  # 0 Sunday, 1 Monday
    return (sunday_first - 1) % 7


def period_of(view: str, anchor: date) -> Period:
    """The days `view` shows around `anchor`; a month view shows whole weeks."""
    if view not in VIEWS:
        view = "month"
    if view == "day":
        return Period(view, anchor, anchor, anchor, anchor - timedelta(days=1),
                      anchor + timedelta(days=1), formats.date_format(anchor, "DATE_FORMAT"))
    if view == "week":
        first = anchor - timedelta(days=(anchor.weekday() - _first_weekday()) % 7)
        last = first + timedelta(days=6)
        return Period(view, first, last, anchor, first - timedelta(days=7),
                      first + timedelta(days=7),
                      _("%(first)s to %(last)s") % {
                          "first": formats.date_format(first, "MONTH_DAY_FORMAT"),
                          "last": formats.date_format(last, "DATE_FORMAT")})
    if view == "list":
        last = anchor + timedelta(days=LIST_DAYS - 1)
        return Period(view, anchor, last, anchor, anchor - timedelta(days=LIST_DAYS),
                      anchor + timedelta(days=LIST_DAYS),
                      _("%(first)s to %(last)s") % {
                          "first": formats.date_format(anchor, "MONTH_DAY_FORMAT"),
                          "last": formats.date_format(last, "DATE_FORMAT")})
    start = anchor.replace(day=1)
    days_in = pycalendar.monthrange(start.year, start.month)[1]
    end = start.replace(day=days_in)
    first = start - timedelta(days=(start.weekday() - _first_weekday()) % 7)
    last = end + timedelta(days=(_first_weekday() + 6 - end.weekday()) % 7)
    previous = (start - timedelta(days=1)).replace(day=1)
    following = end + timedelta(days=1)
    return Period(view, first, last, start, previous, following,
                  formats.date_format(start, "YEAR_MONTH_FORMAT"))


def bounds(period: Period, where: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the period's days on her clock, a day wider each side
    for all-day events, which keep their dates whatever her zone."""
    start = zones.exact(datetime.combine(period.first, time(0)), where)
    end = zones.exact(datetime.combine(period.last + timedelta(days=1), time(0)), where)
    return start - timedelta(days=1), end + timedelta(days=1)


def zone_city(name: str) -> str:
    """"Europe/Paris" -> "Paris"; "America/Argentina/Buenos_Aires" -> "Buenos Aires"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def clock(value: datetime) -> str:
    """"18:05": Django's "H:i", which no language changes."""
    return f"{value.hour:02d}:{value.minute:02d}"


@dataclass
class Shown:
    """One occurrence as she sees it."""

    instance: recurrence.Instance
    starts: datetime  # her clock
    ends: datetime  # her clock
    when: str  # "18:00 – 19:00", "All day"
    elsewhere: str  # "18:00 Paris time" when the event's clock says something else
    join_opens: datetime  # UTC
    days: list[date] = field(default_factory=list)
    open_now: bool = False  # "Join call" shows (set by `shown` when given the time)
    href: str = ""  # its page, at this occurrence (set by `days_of`)
    room_name: str = ""
    join_url: str = ""

    @property
    def event(self) -> Any:
        return self.instance.event

    @property
    def title(self) -> str:
        return self.instance.title

    @property
    def key(self) -> str:
        return self.instance.key

    @property
    def video_call(self) -> bool:
        return bool(self.instance.event.video_call)

    @property
    def date_text(self) -> str:
        """"Tuesday, March 2, 2027" on her clock."""
        return _("%(weekday)s, %(date)s") % {
            "weekday": formats.date_format(self.starts, "l"),
            "date": formats.date_format(self.starts, "DATE_FORMAT")}

    @property
    def short_date(self) -> str:
        return _("%(weekday)s, %(date)s") % {
            "weekday": formats.date_format(self.starts, "D"),
            "date": formats.date_format(self.starts, "MONTH_DAY_FORMAT")}

    def join_open(self, now: datetime) -> bool:
        return self.video_call and self.join_opens <= now < self.instance.ends_at


def shown(instance: recurrence.Instance, where: tzinfo, now: datetime | None = None
          ) -> Shown:
    item = _placed(instance, where)
    _texts(item, where)
    item.open_now = now is not None and item.join_open(now)
    return item


def _placed(instance: recurrence.Instance, where: tzinfo) -> Shown:
    """The occurrence on her clock and days, its texts not yet written (`_texts`)."""
    if instance.start_time is None:  # all day: its own dates
        count = max(1, instance.duration.days)
        days = [instance.start_date + timedelta(days=n) for n in range(count)]
        starts = datetime.combine(days[0], time(0), tzinfo=where)
        ends = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=where)
        return Shown(instance, starts, ends, _("All day"), "",
                     instance.starts_at - JOIN_EARLY, days)
    starts = instance.starts_at.astimezone(where)
    ends = instance.ends_at.astimezone(where)
    last_day = (ends - timedelta(microseconds=1)).date()
    days = [starts.date() + timedelta(days=n)
            for n in range((last_day - starts.date()).days + 1)]
    return Shown(instance, starts, ends, "", "", instance.starts_at - JOIN_EARLY, days)


def _texts(item: Shown, where: tzinfo) -> None:
    """`when` and `elsewhere` of a timed occurrence."""
    instance, starts, ends = item.instance, item.starts, item.ends
    if instance.start_time is None:
        return
    event = instance.event
    last_day = item.days[-1]
    when = f"{clock(starts)} – {clock(ends)}"
    if last_day != starts.date():
        when = f"{clock(starts)} – {formats.date_format(ends, 'MONTH_DAY_FORMAT')} {clock(ends)}"
    elsewhere = ""
    theirs = zones.zone(event.time_zone)
    there = instance.starts_at.astimezone(theirs)
    if event.time_zone != getattr(where, "key", "") and there.utcoffset() != starts.utcoffset():
        elsewhere = _("%(time)s %(city)s time") % {
            "time": clock(there), "city": zone_city(event.time_zone)}
        if there.date() != starts.date():
            elsewhere = _("%(date)s %(time)s %(city)s time") % {
                "date": formats.date_format(there, "MONTH_DAY_FORMAT"), "time": clock(there),
                "city": zone_city(event.time_zone)}
    item.when, item.elsewhere = when, elsewhere


@dataclass
class Day:
    day: date
    items: list[Shown]
    in_period: bool
    today: bool
    more: int = 0  # occurrences of the day not shown (month view)
    more_text: str = ""  # "+3 more"
    more_url: str = ""  # the day view of that day

    @property
    def label(self) -> str:
        return _("%(weekday)s, %(date)s") % {
            "weekday": formats.date_format(self.day, "l"),
            "date": formats.date_format(self.day, "MONTH_DAY_FORMAT")}


class _Links:
    """Each event's and room's links and names, made once however many occurrences."""

    def __init__(self) -> None:
        self.events: dict[int, tuple[str, str, str]] = {}

    def fill(self, item: Shown) -> None:
        event = item.event
        found = self.events.get(event.pk)
        if found is None:
            room = event.room
            found = (reverse("calendar_event", args=[event.pk]),
                     (room.name if room is not None else "") or _("Direct messages"),
                     reverse("room", args=[event.room_id]) + "#call")
            self.events[event.pk] = found
        href, item.room_name, item.join_url = found
        item.href = f"{href}?{urlencode({'occurrence': item.key})}" if event.rrule else href


def days_of(period: Period, instances: Iterable[recurrence.Instance], where: tzinfo,
            now: datetime) -> list[Day]:
    """Every day of the period with what happens on it, in order."""
    today = now.astimezone(where).date()
    by_day: dict[date, list[Shown]] = {}
    links = _Links()
    for instance in instances:
        item = _placed(instance, where)
        for day in item.days:
            if period.first <= day <= period.last:
                by_day.setdefault(day, []).append(item)
    in_period = (lambda d: d.month == period.anchor.month) if period.view == "month" \
        else (lambda d: True)
    found = []
    day = period.first
    while day <= period.last:
        items = sorted(by_day.get(day, []),
                       key=lambda s: (s.instance.start_time is not None, s.starts, s.title))
        shown_day = Day(day, items, in_period(day), day == today)
        if period.view == "month" and len(items) > MONTH_DAY_ITEMS:
            shown_day.items = items[:MONTH_DAY_ITEMS - 1]
            shown_day.more = len(items) - len(shown_day.items)
            shown_day.more_text = ngettext("+%(n)d more", "+%(n)d more",
                                           shown_day.more) % {"n": shown_day.more}
            shown_day.more_url = "?" + urlencode({"view": "day", "date": day.isoformat()})
        for item in shown_day.items:
            if not item.href:  # an occurrence over several days is on each
                _texts(item, where)
                links.fill(item)
                item.open_now = item.join_open(now)
        found.append(shown_day)
        day += timedelta(days=1)
    return found


def weekday_headers(period: Period) -> list[str]:
    return [formats.date_format(period.first + timedelta(days=n), "D") for n in range(7)]

