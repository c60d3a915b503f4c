"""Events as iCalendar (RFC 5545), for invitations (METHOD:REQUEST / CANCEL) and feeds.

An event is written as its organiser stored it: DTSTART/DTEND on her wall clock with the
event's TZID (or VALUE=DATE all day), the RRULE, an EXDATE per cancelled occurrence and
one more VEVENT with the same UID and a RECURRENCE-ID per moved occurrence, and the
VTIMEZONE of each zone used, so that every calendar program expands the series the way
calendar_app.recurrence does. The UID never changes and SEQUENCE only grows, so a later
invitation replaces the earlier one in her calendar.

Members' e-mail addresses are private: ORGANIZER carries the author's name with the
site's own address, and the only ATTENDEE is the reader herself (her answer as PARTSTAT).

The feed is written by calendar_app.ics_feed from the same parts, kept between requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar.prop import vRecur

from calendar_app import zones
from calendar_app.models import Event, Occurrence, Rsvp
from community.models import User

REQUEST, CANCEL = "REQUEST", "CANCEL"
PARTSTAT: dict[str, str] = {Rsvp.Answer.GOING: "ACCEPTED", Rsvp.Answer.MAYBE: "TENTATIVE",
            Rsvp.Answer.NOT_GOING: "DECLINED"}


def room_url(event: Event) -> str:
    return settings.BASE_URL + reverse("room", args=[event.room_id])


def event_url(event: Event) -> str:
    return settings.BASE_URL + reverse("calendar_event", args=[event.pk])


def _site_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "cohort@localhost"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _local(event: Event, recurrence_id: datetime) -> datetime | date:
    """An occurrence's original start (UTC) as DTSTART's kind of value: a date all day,
    else the organiser's wall clock in the event's zone."""
    where = zones.zone(event.time_zone)
    local = recurrence_id.astimezone(where)
    return local.date() if event.all_day else local


def _start_end(event: Event, day: date, at: time | None,
               duration: timedelta) -> tuple[datetime | date, datetime | date]:
    if event.all_day:
        return day, day + timedelta(days=duration.days)
    where = zones.zone(event.time_zone)
    start = zones.exact(datetime.combine(day, at or time(0, 0)), where).astimezone(where)
    return start, (start + duration).astimezone(where)


def _rule(event: Event) -> vRecur:
    """The stored rule with UNTIL as RFC 5545 wants it beside DTSTART: a date for an
    all-day event, else UTC (a date or a wall-clock UNTIL ends that day or at that time
    in the event's zone, as calendar_app.recurrence reads it)."""
    recur = vRecur.from_ical(event.rrule)
    until = recur.get("UNTIL")
    if until:
        last = until[0]
        where = zones.zone(event.time_zone)
        if event.all_day:
            if isinstance(last, datetime):
                last = (last.astimezone(where) if last.tzinfo else last).date()
        else:
            if not isinstance(last, datetime):
                last = datetime.combine(last, time(23, 59, 59))
            last = _utc(last) if last.tzinfo else zones.exact(last, where)
        recur["UNTIL"] = [last]
    return recur


def _description(event: Event, url: str = "") -> str:
    parts = [event.description] if event.description else []
    if event.video_call:
        parts.append(_("Video call in the room: %(url)s") % {"url": room_url(event)})
    parts.append(url or event_url(event))
    return "\n\n".join(parts)


def _location(event: Event) -> str:
    parts = [event.location] if event.location else []
    if event.video_call:
        parts.append(room_url(event))
    return " · ".join(parts)


def _common(component: icalendar.Event, event: Event, *, method: str,
            reader: User | None, answer: str) -> None:
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", _utc(timezone.now() if method else event.updated_at))
    component.add("created", _utc(event.created_at))
    component.add("last-modified", _utc(event.updated_at))
    component.add("description", _description(event))
    location = _location(event)
    if location:
        component.add("location", location)
    component.add("url", event_url(event))
    if event.created_by is not None:
        component.add("organizer", icalendar.vCalAddress(f"mailto:{_site_address()}"),
                      parameters={"CN": event.created_by.name})
    if reader is not None and reader.email:
        component.add("attendee", icalendar.vCalAddress(f"mailto:{reader.email}"),
                      parameters={"CN": reader.name, "ROLE": "REQ-PARTICIPANT",
                                  "PARTSTAT": PARTSTAT.get(answer, "NEEDS-ACTION"),
                                  "RSVP": "FALSE"})
    if method == CANCEL or event.is_cancelled:
        component.add("status", "CANCELLED")
    else:
        component.add("status", "CONFIRMED")


def _moved(event: Event, occurrence: Occurrence, *, method: str, reader: User | None,
           answer: str) -> icalendar.Event:
    component = icalendar.Event()
    _common(component, event, method=method, reader=reader, answer=answer)
    component.add("recurrence-id", _local(event, occurrence.recurrence_id))
    assert occurrence.start_date is not None  # nosec B101  # an occurrence always has its date (narrows the type)
    start, end = _start_end(event, occurrence.start_date, occurrence.start_time,
                            occurrence.duration or event.duration)
    component.add("summary", occurrence.title or event.title)
    component.add("dtstart", start)
    component.add("dtend", end)
    return component


def components(event: Event, *, method: str = "", reader: User | None = None,
               answer: str = "") -> list[icalendar.Event]:
    """The VEVENTs of one event: the series (or single event), then one per moved
    occurrence. `reader`: the member it is written for (her ATTENDEE line), with her
    `answer` (an Rsvp.Answer value or "")."""
    series = icalendar.Event()
    _common(series, event, method=method, reader=reader, answer=answer)
    series.add("summary", event.title)
    start, end = _start_end(event, event.start_date, event.start_time, event.duration)
    series.add("dtstart", start)
    series.add("dtend", end)
    found = [series]
    if not event.rrule:
        return found
    series.add("rrule", _rule(event))
    occurrences = list(event.occurrences.all())
    cancelled = [_local(event, o.recurrence_id) for o in occurrences if o.cancelled]
    if cancelled:
        series.add("exdate", cancelled)
    if method != CANCEL:
        found += [_moved(event, o, method=method, reader=reader, answer=answer)
                  for o in occurrences if not o.cancelled and o.starts_at is not None]
    return found


def calendar(events: Iterable[Event], *, method: str = "", reader: User | None = None,
             answers: dict[int, str] | None = None, name: str = "") -> icalendar.Calendar:
    """A VCALENDAR of `events` with the VTIMEZONE of each zone they use. `answers`:
    the reader's answer by event id."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//Cohort calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    answers = answers or {}
    for event in events:
        for component in components(event, method=method, reader=reader,
                                    answer=answers.get(event.pk, "")):
            cal.add_component(component)
    cal.add_missing_timezones()
    return cal


def to_bytes(cal: icalendar.Calendar) -> bytes:
    """`cal.to_ical()`, with the content lines folded by `fold`."""
    return serialise(cal)


FOLD_LIMIT = 75


def fold(line: str) -> bytes:
    """One content line folded as icalendar folds it (RFC 5545: lines under 75 octets,
    a fold never splitting a character or a backslash or ^ escape), with the short line
    (most of them) returned as it is: icalendar reads it character by character."""
    data = line.encode()
    if len(data) < FOLD_LIMIT:
        return data
    folded: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = len(char.encode())
        if current and count + size >= FOLD_LIMIT:
            if len(current) > 1 and current[-1] in "\\^":
                escape = current.pop()
                folded.append("".join(current))
                current, count = [escape], len(escape.encode())
            else:
                folded.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        folded.append("".join(current))
    return "\r\n ".join(folded).encode()


def serialise(component: icalendar.cal.component.Component) -> bytes:
    return b"".join(fold(line) + b"\r\n" for line in component.content_lines() if line)
