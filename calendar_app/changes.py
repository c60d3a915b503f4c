"""What every change of an event does beside its rows: the room hears it, and the members'
calendar programs get it by e-mail (calendar_app.invitations), after commit."""

from __future__ import annotations

from calendar_app import invitations, selectors
from calendar_app.models import Event
from community.models import User
from rooms import protocol


def publish_change(event: Event, *, invite: str = "", by: User | None = None) -> None:
    """Ring the room with the event as it is now; `invite` "request" (new or changed time,
    place or title) or "cancel" sends the members an updated invitation (and tells the
    members other than `by`, who made the change, in the app)."""
    protocol.publish(event.room_id, {
        "type": "calendar.changed", "room_id": event.room_id, "rev": event.rev,
        "event": selectors.event_payload(event)})
    if invite:
        invitations.send_soon(event, method=invite, by=by)
