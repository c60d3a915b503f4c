"""Invitations any calendar program accepts: an e-mail to each member of the event's room
with an iCalendar attachment (METHOD:REQUEST for a new or changed event, METHOD:CANCEL
for a cancelled one), the same UID each time and a growing SEQUENCE, so that a later one
replaces the earlier in her calendar. Sent by the task worker after commit."""

from __future__ import annotations

from django.db import transaction

from calendar_app.models import Event
from community.models import User


def send_soon(event: Event, *, method: str, by: User | None = None) -> None:
    """Queue the invitations of `event` as it is at commit ("request" or "cancel");
    `by`: the member who changed it (not told of her own change in the app)."""
    from calendar_app import tasks

    event_id, sequence = event.pk, event.sequence
    by_id = by.pk if by is not None else None
    transaction.on_commit(lambda: tasks.invitations_send.enqueue(
        event_id=event_id, method=method, sequence=sequence, by_id=by_id), robust=True)
