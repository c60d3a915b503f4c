"""Builders of calendar data for tests."""

from __future__ import annotations

from typing import Any

from calendar_app.models import Event
from calendar_app.services import events as event_services
from community.models import User


def event_data(**fields: Any) -> dict[str, Any]:
    """An event's form fields: a one-hour meeting at 18:00 in Paris unless told."""
    data: dict[str, Any] = {"title": "Mentoring circle", "time_zone": "Europe/Paris",
                            "start": "2027-03-02T18:00", "end": "2027-03-02T19:00"}
    data.update(fields)
    return data


def make_event(user: User, room: Any, **fields: Any) -> Event:
    return event_services.event_create(user=user, room_id=room.pk, data=event_data(**fields))
