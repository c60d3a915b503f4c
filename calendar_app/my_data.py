"""What the calendar keeps of a member, for "Download my data" (registered in
`server/features.py`). Her answers, calendar settings and bookings go with her account
(their rows cascade); the events she proposed stay in their rooms' calendars."""

from __future__ import annotations

from typing import Any

from calendar_app.models import Event, Rsvp
from community.models import User


def event_rows(user: User) -> list[dict[str, Any]]:
    events = Event.objects.filter(created_by=user).select_related("room").order_by(
        "starts_at", "pk")
    return [{"title": e.title, "room": e.room.name or e.room.get_kind_display(),
             "description": e.description, "location": e.location,
             "starts_at": e.starts_at, "time_zone": e.time_zone, "all_day": e.all_day,
             "duration_minutes": int(e.duration.total_seconds() // 60), "repeat": e.rrule,
             "cancelled_at": e.cancelled_at, "created_at": e.created_at}
            for e in events]


def answer_rows(user: User) -> list[dict[str, Any]]:
    answers = Rsvp.objects.filter(user=user).select_related("event").order_by("answered_at")
    return [{"event": a.event.title, "answer": a.answer, "answered_at": a.answered_at}
            for a in answers]
