"""The event form: what it shows (an event's values, or a new one's on her clock) and
what it sends to the services (fields.clean's data, with the repeat rule built here).

Start and end come from datetime-local inputs for a timed event and from date inputs
for an all-day one; the page shows the pair that fits the "all day" box.
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError

from calendar_app import fields, recurrence, repeat, zones


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def data_from_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """fields.clean's data from the form. ValidationError (a sentence) for a repeat the
    form cannot turn into a rule; the rest is checked by fields.clean."""
    all_day = post.get("all_day") in ("on", "true", "1")
    if all_day:
        start, end = post.get("start_day", ""), post.get("end_day", "")
    else:
        start, end = post.get("start", ""), post.get("end", "")
    data: dict[str, Any] = {
        "title": post.get("title", ""), "description": post.get("description", ""),
        "location": post.get("location", ""), "video_call": post.get("video_call", ""),
        "all_day": all_day, "time_zone": post.get("time_zone", ""), "start": start,
        "end": end}
    first = _day(start)
    if first is not None and post.get("repeat", "none") != "none":
        try:
            where: tzinfo | None = zones.zone(str(post.get("time_zone", "")))
        except ValidationError:  # an unknown zone: fields.clean says so
            where = None
        data["rrule"] = repeat.rule_from_form(post, first, where, all_day)
    return data


def values_new(where_name: str, now: datetime) -> dict[str, Any]:
    """A new event: the next whole hour on her clock, for an hour."""
    where = zoneinfo.ZoneInfo(where_name)
    local = now.astimezone(where).replace(minute=0, second=0, microsecond=0,
                                          tzinfo=None) + timedelta(hours=1)
    return {"title": "", "description": "", "location": "", "video_call": False,
            "all_day": False, "time_zone": where_name,
            "start": f"{local:%Y-%m-%dT%H:%M}",
            "end": f"{local + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "start_day": local.date().isoformat(), "end_day": local.date().isoformat(),
            "repeat": "none", "ends": "never", "until": "", "count": "", "rrule": ""}


def values_of(event: Any, instance: recurrence.Instance | None = None) -> dict[str, Any]:
    """An event's values on its own clock; those of one occurrence if given."""
    day = instance.start_date if instance is not None else event.start_date
    at = instance.start_time if instance is not None else event.start_time
    duration = instance.duration if instance is not None else event.duration
    title = instance.title if instance is not None else event.title
    start = datetime.combine(day, at or time(0))
    end = start + duration
    rule = repeat.form_of(event.rrule, day, zones.zone(event.time_zone))
    return {"title": title, "description": event.description, "location": event.location,
            "video_call": event.video_call, "all_day": event.all_day,
            "time_zone": event.time_zone,
            "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}",
            "start_day": day.isoformat(),
            "end_day": (day + max(timedelta(0), duration - timedelta(days=1))).isoformat(),
            "repeat": rule.repeat, "ends": rule.ends, "until": rule.until,
            "count": rule.count, "rrule": rule.rrule}


def remaining_count(event: Any, instance: recurrence.Instance) -> int:
    """How many occurrences a counted series has from `instance` on (its rule caps it at
    recurrence.MAX_COUNT)."""
    where = zones.zone(event.time_zone)
    starts = itertools.islice(recurrence.series_starts(event), recurrence.MAX_COUNT + 1)
    return sum(1 for start in starts if zones.exact(start, where) >= instance.recurrence_id)


def values_posted(post: Mapping[str, Any]) -> dict[str, Any]:
    """What she typed, shown again beside the error."""
    names = ("title", "description", "location", "time_zone", "start", "end", "start_day",
             "end_day", "repeat", "ends", "until", "count", "rrule")
    values: dict[str, Any] = {name: str(post.get(name, ""))[:fields.MAX_DESCRIPTION]
                              for name in names}
    values["all_day"] = post.get("all_day") in ("on", "true", "1")
    values["video_call"] = post.get("video_call") in ("on", "true", "1")
    return values
