"""Her private feed as bytes: what `ics.to_bytes(ics.calendar(events, reader=...))` writes,
byte for byte, at a fraction of its cost.

A feed holds thousands of events and every member's calendar program reads it again
every few hours, so it is written from parts kept between requests:

- each event's VEVENTs (the series and its moved occurrences), written without the reader,
  are kept in Django's cache under the event's UID, rev, SEQUENCE, last change and
  author's name (every write of an event takes a new rev, so a changed event is written
  afresh and the old entry is left to expire). Entries live FEED_CACHE_SECONDS at most;
  how many are kept is the cache backend's own bound (LocMemCache's MAX_ENTRIES, Redis's
  maxmemory and eviction policy: docs/deployment.md);
- the VTIMEZONE of each zone is built once per process (icalendar's
  `Timezone.from_tzid`, as `add_missing_timezones` does, without its walk over every
  property of the calendar);
- the reader's ATTENDEE line (her answer as PARTSTAT) is written once per answer and put
  where icalendar's property order puts it, just before CREATED.

An event missing from the cache is written by `_vevents`: the properties `ics.components`
gives, in icalendar's order, each value written by icalendar's public value types (vText,
vRecur) or, for dates and times, in the form icalendar gives for that zone (asked once per
zone). tests/calendar_app/test_ics.py checks that the result equals icalendar's own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from calendar_app import ics, zones
from calendar_app.models import Event
from community.models import User

FEED_CACHE_SECONDS = 7 * 24 * 3600  # an event nobody reads for a week is written again
_END = b"END:VCALENDAR\r\n"
_SAMPLE = datetime(2020, 1, 15, 12, 0)


@functools.lru_cache(maxsize=1024)  # at most one per zone of the tz database
def vtimezone(tzid: str) -> bytes:
    """The VTIMEZONE icalendar's add_missing_timezones writes for `tzid`, built once."""
    return ics.serialise(icalendar.Timezone.from_tzid(tzid))


@functools.lru_cache(maxsize=1024)
def _zone_form(name: str) -> tuple[str, bool, str]:
    """How icalendar writes a date-time of zone `name`: (";TZID=..." or "", whether it
    ends with Z, the TZID it uses or "")."""
    holder = icalendar.Event()
    holder.add("dtstart", _SAMPLE.replace(tzinfo=zones.zone(name)))
    line = next(line for line in holder.content_lines() if line.startswith("DTSTART"))
    head, value = line.split(":", 1)
    params = head[len("DTSTART"):]
    tzid = params.split("TZID=", 1)[1] if "TZID=" in params else ""
    return params, value.endswith("Z"), tzid


@functools.lru_cache(maxsize=4096)
def _organizer(name: str, address: str) -> str:
    holder = icalendar.Event()
    holder.add("organizer", icalendar.vCalAddress(f"mailto:{address}"),
               parameters={"CN": name})
    return next(line for line in holder.content_lines() if line.startswith("ORGANIZER"))


def _text(name: str, value: str) -> str:
    return f"{name}:{icalendar.vText(value).to_ical().decode()}"


def _stamp(name: str, value: datetime) -> str:
    return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _when(name: str, values: list[datetime | date], zone_name: str,
          tzids: set[str]) -> str:
    if not isinstance(values[0], datetime):
        return f"{name};VALUE=DATE:" + ",".join(f"{v:%Y%m%d}" for v in values)
    params, utc, tzid = _zone_form(zone_name)
    if tzid:
        tzids.add(tzid)
    form = "%Y%m%dT%H%M%SZ" if utc else "%Y%m%dT%H%M%S"
    return f"{name}{params}:" + ",".join(f"{v:{form}}" for v in values)


def _vevent(event: Event, lines: list[str], *, summary: str, start: datetime | date,
            end: datetime | date, tzids: set[str], recurrence_id: datetime | date | None = None,
            rule: str = "", exdates: list[datetime | date] | None = None,
            rest: list[str]) -> None:
    zone = event.time_zone
    lines += ["BEGIN:VEVENT", _text("SUMMARY", summary), _when("DTSTART", [start], zone, tzids),
              _when("DTEND", [end], zone, tzids), _stamp("DTSTAMP", event.updated_at),
              _text("UID", event.uid)]
    if recurrence_id is not None:
        lines.append(_when("RECURRENCE-ID", [recurrence_id], zone, tzids))
    lines.append(f"SEQUENCE:{event.sequence}")
    if rule:
        lines.append(f"RRULE:{rule}")
    if exdates:
        lines.append(_when("EXDATE", exdates, zone, tzids))
    lines += rest
    lines.append("END:VEVENT")


def _vevents(event: Event, site_address: str) -> tuple[bytes, list[str]]:
    """One event's VEVENTs without a reader (ics.components(event) serialised), and the
    TZIDs they use."""
    location = ics._location(event)
    url = ics.event_url(event)
    rest = [_stamp("CREATED", event.created_at),
            _text("DESCRIPTION", ics._description(event, url)),
            _stamp("LAST-MODIFIED", event.updated_at)]
    if location:
        rest.append(_text("LOCATION", location))
    if event.created_by is not None:
        rest.append(_organizer(event.created_by.name, site_address))
    rest += ["STATUS:CANCELLED" if event.is_cancelled else "STATUS:CONFIRMED", f"URL:{url}"]
    lines: list[str] = []
    tzids: set[str] = set()
    start, end = ics._start_end(event, event.start_date, event.start_time, event.duration)
    if not event.rrule:
        _vevent(event, lines, summary=event.title, start=start, end=end, tzids=tzids,
                rest=rest)
    else:
        occurrences = list(event.occurrences.all())
        _vevent(event, lines, summary=event.title, start=start, end=end, tzids=tzids,
                rule=ics._rule(event).to_ical().decode(),
                exdates=[ics._local(event, o.recurrence_id) for o in occurrences
                         if o.cancelled], rest=rest)
        for moved in occurrences:
            if moved.cancelled or moved.starts_at is None or moved.start_date is None:
                continue
            begins, ends = ics._start_end(event, moved.start_date, moved.start_time,
                                          moved.duration or event.duration)
            _vevent(event, lines, summary=moved.title or event.title, start=begins, end=ends,
                    recurrence_id=ics._local(event, moved.recurrence_id), tzids=tzids,
                    rest=rest)
    body = b"".join(ics.fold(line) + b"\r\n" for line in lines)
    return body, sorted(tzids - {"UTC"})


def _attendee(reader: User, answer: str) -> bytes:
    """Her ATTENDEE content line as ics writes it, with its line break."""
    holder = icalendar.Event()
    holder.add("attendee", icalendar.vCalAddress(f"mailto:{reader.email}"),
               parameters={"CN": reader.name, "ROLE": "REQ-PARTICIPANT",
                           "PARTSTAT": ics.PARTSTAT.get(answer, "NEEDS-ACTION"),
                           "RSVP": "FALSE"})
    lines = [line for line in holder.content_lines() if line][1:-1]
    return b"".join(ics.fold(line) + b"\r\n" for line in lines)


def _context(site_address: str) -> str:
    """What a written VEVENT depends on besides its event: the language of its words and
    the site's addresses."""
    return f"{get_language()}|{settings.BASE_URL}|{site_address}"


def _key(row: Sequence[object], context: str) -> str:
    """A selectors.feed_rows row: every write of an event takes a new rev (and
    updated_at), the UID is never reused, and the ORGANIZER's name is the author's now."""
    _pk, uid, rev, sequence, updated_at, author = row
    named = hashlib.sha256(f"{updated_at}|{author}|{context}".encode()).hexdigest()[:20]
    return f"calendar:vevent:{uid}:{rev}:{sequence}:{named}"


def feed_bytes(rows: Sequence[Sequence[object]], load: Callable[[list[int]], list[Event]],
               *, reader: User, answers: dict[int, str], name: str = "") -> bytes:
    """`ics.to_bytes(ics.calendar(events, reader=reader, answers=answers, name=name))`
    (VTIMEZONEs in TZID order) for the events named by `rows` (selectors.feed_rows, in the
    feed's order), each event from the cache when it is there; `load(ids)` reads the
    others (with their occurrences and authors)."""
    header = icalendar.Calendar()
    header.add("prodid", f"-//{settings.SITE_NAME}//Cohort calendar//EN")
    header.add("version", "2.0")
    header.add("calscale", "GREGORIAN")
    if name:
        header.add("x-wr-calname", name)
    site_address = ics._site_address()
    context = _context(site_address)
    keys = [_key(row, context) for row in rows]
    found: dict[str, tuple[bytes, list[str]]] = cache.get_many(keys) if keys else {}
    missing = [int(row[0]) for row, key in zip(rows, keys, strict=True)  # type: ignore[call-overload]
               if key not in found]
    if missing:
        built = {}
        by_id = {event.pk: event for event in load(missing)}
        for row, key in zip(rows, keys, strict=True):
            event = by_id.get(row[0])  # type: ignore[call-overload]
            if event is not None and key not in found:
                built[key] = found[key] = _vevents(event, site_address)
        cache.set_many(built, timeout=FEED_CACHE_SECONDS)
    who: dict[str, bytes] = {}
    parts: list[bytes] = []
    tzids: set[str] = set()
    for row, key in zip(rows, keys, strict=True):
        if key not in found:  # gone between the two reads
            continue
        body, used = found[key]
        tzids.update(used)
        if reader.email:
            answer = answers.get(row[0], "")  # type: ignore[call-overload]
            if answer not in who:
                who[answer] = _attendee(reader, answer)
            # icalendar's order puts ATTENDEE just before CREATED, which every VEVENT has.
            body = body.replace(b"\r\nCREATED:", b"\r\n" + who[answer] + b"CREATED:")
        parts.append(body)
    head = ics.serialise(header)
    assert head.endswith(_END)  # nosec B101  # icalendar always ends a calendar so (a check of our own output)
    return b"".join([head[:-len(_END)], *(vtimezone(tzid) for tzid in sorted(tzids)),
                     *parts, _END])
