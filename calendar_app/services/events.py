"""Proposing, changing and cancelling events and their occurrences.

Each write takes the room's row lock and next `rev` (rooms.services), checks the rights
again under the lock, stamps the event and publishes `calendar.changed` after commit.
A change of time, place, title or rule raises the event's iCalendar SEQUENCE and sends
an updated invitation; cancelling sends a cancellation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar.prop import vRecur

from calendar_app import fields, hooks, permissions, recurrence, zones
from calendar_app.changes import publish_change
from calendar_app.models import Booking, Event, Occurrence, Rsvp
from community.models import User
from community.ratelimit import ratelimit_hit
from rooms import services as room_services
from rooms.models import Room

MAX_MOVE = timedelta(days=31)  # how far one occurrence moves from its place in the series

# Fields whose change calendars must hear about (a new SEQUENCE and invitation).
SCHEDULING = ("title", "location", "video_call", "all_day", "time_zone", "start_date",
              "start_time", "duration", "rrule", "description")


def new_uid() -> str:
    host = settings.BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "cohort"
    return f"{uuid.uuid4()}@{host}"


def apply_fields(event: Event, cleaned: fields.EventFields) -> list[str]:
    """Copy the cleaned fields onto the event; the names of those that changed."""
    changed = []
    for name in ("title", "description", "location", "video_call", "all_day", "time_zone",
                 "start_date", "start_time", "duration", "rrule", "starts_at",
                 "series_ends_at"):
        value = getattr(cleaned, name)
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    if "description" in changed or not event.description_html and event.description:
        event.description_html = hooks.render_markdown(event.description)
        changed.append("description_html")
    return changed


def _locked_room(user: User, room_id: int) -> Room:
    room = room_services.room_lock(room_id=room_id)
    if not permissions.can_view(user, room):
        raise Http404("No such room.")
    return room


def _locked_event(user: User, event_id: int) -> Event:
    """The event and its room under the room's lock, if she may still change it."""
    event = permissions.access_event(user, event_id)
    room = room_services.room_lock(room_id=event.room_id)
    event = (Event.objects.select_for_update(of=("self",)).select_related("created_by")
             .get(pk=event.pk))
    event.room = room
    if event.is_cancelled or not permissions.can_view(user, room):
        raise Http404("No such event.")
    if not permissions.can_edit(user, event):
        raise PermissionDenied(_("You cannot change this event."))
    return event


def limited(user: User) -> None:
    """Every calendar write counts against her rate, before any work is done for it."""
    ratelimit_hit(f"calendar.write:{user.pk}", limit=settings.CALENDAR_WRITE_LIMIT,
                  per_seconds=60)


def event_create(*, user: User, room_id: int, data: Mapping[str, Any]) -> Event:
    """Propose an event in a room. ValidationError says what is wrong and stores nothing;
    Http404 if she may not see the room; PermissionDenied if she may not post in it."""
    room = permissions.access_room(user, room_id)
    if not permissions.can_propose(user, room):
        raise PermissionDenied(_("You cannot add events to this room's calendar."))
    limited(user)
    cleaned = fields.clean(data)
    with transaction.atomic():
        room = _locked_room(user, room.pk)
        if not permissions.can_propose(user, room):
            raise PermissionDenied(_("You cannot add events to this room's calendar."))
        now = timezone.now()
        event = Event(room=room, created_by=user, uid=new_uid(), created_at=now, updated_at=now,
                      rev=0)
        apply_fields(event, cleaned)
        event.rev = room_services.rev_take(room=room)
        event.save()
        going(event, [user])
        publish_change(event, invite="request", by=user)
    return event


def going(event: Event, people: list[User]) -> None:
    """Who proposed (or booked) a meeting comes to it, as calendars count an organiser."""
    Rsvp.objects.bulk_create([Rsvp(event=event, user=person, answer=Rsvp.Answer.GOING)
                              for person in people])


def event_update(*, user: User, event_id: int, data: Mapping[str, Any]) -> Event:
    """Change a whole event (every occurrence of a series). Occurrences moved or cancelled
    one by one keep their change; those the new rule no longer has are dropped."""
    limited(user)
    cleaned = fields.clean(data)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        changed = apply_fields(event, cleaned)
        if not changed:
            return event
        scheduling = bool(set(changed) & set(SCHEDULING))
        if {"rrule", "start_date", "start_time", "time_zone", "all_day"} & set(changed):
            event.occurrences.all().delete()  # their series is not the same any more
        if scheduling:
            event.sequence += 1
        _booking_follows(event)
        event.updated_at = timezone.now()
        event.rev = room_services.rev_take(room=event.room)
        event.save()
        publish_change(event, invite="request" if scheduling else "", by=user)
    return event


def _booking_follows(event: Event) -> None:
    """A booked session moved on the calendar moves its booking: the mentor's time it
    takes is the event's. It stays one meeting, clear of her other bookings."""
    booking = (Booking.objects.select_for_update()
               .filter(event=event, status=Booking.Status.BOOKED).first())
    if booking is None:
        return
    if event.rrule:
        raise ValidationError(_("A booked session happens once: it cannot repeat."))
    ends_at = event.starts_at + event.duration
    if (booking.starts_at, booking.ends_at) == (event.starts_at, ends_at):
        return
    if event.starts_at < timezone.now():
        raise ValidationError(_("A booked session cannot move into the past."))
    taken = ValidationError(_("The mentor has another session booked at that time."))
    if Booking.objects.filter(mentor_id=booking.mentor_id, status=Booking.Status.BOOKED,
                              starts_at__lt=ends_at, ends_at__gt=event.starts_at
                              ).exclude(pk=booking.pk).exists():
        raise taken
    booking.starts_at, booking.ends_at = event.starts_at, ends_at
    try:
        with transaction.atomic():  # the database's own refusal (PostgreSQL) says the same
            booking.save(update_fields=["starts_at", "ends_at"])
    except IntegrityError:
        raise taken from None


def event_cancel(*, user: User, event_id: int) -> Event:
    """Cancel an event (every occurrence of a series): calendars are told to remove it."""
    limited(user)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        cancel_locked(event, user)
    return event


def cancel_locked(event: Event, user: User) -> None:
    """Cancel the event, read under its room's lock (the caller's transaction), and the
    booking it may be."""
    now = timezone.now()
    event.cancelled_at = now
    event.updated_at = now
    event.sequence += 1
    event.rev = room_services.rev_take(room=event.room)
    event.save(update_fields=["cancelled_at", "updated_at", "sequence", "rev"])
    # A booked session cancelled from the calendar frees the mentor's time too.
    Booking.objects.filter(event=event, status=Booking.Status.BOOKED).update(
        status=Booking.Status.CANCELLED)
    publish_change(event, invite="cancel", by=user)


def _occurrence_of(event: Event, recurrence_id: datetime) -> datetime:
    """`recurrence_id` (UTC) if it is an occurrence of the series; else ValidationError."""
    recurrence_id = recurrence_id.astimezone(UTC)
    where = zones.zone(event.time_zone)
    local = recurrence_id.astimezone(where).replace(tzinfo=None)
    # A day either side: an occurrence in a spring gap has another wall-clock time.
    for start in recurrence.series_starts(event, local - timedelta(days=1)):
        if start > local + timedelta(days=1):
            break
        if zones.exact(start, where) == recurrence_id:
            return recurrence_id
    # A moved occurrence keeps its original id, which the rule still gives.
    if event.occurrences.filter(recurrence_id=recurrence_id).exists():
        return recurrence_id
    raise ValidationError(_("This event has no occurrence at that time."))


def parse_recurrence_id(value: object) -> datetime:
    """"20270302T170000Z" (as in an occurrence's key) or ISO 8601 with an offset, within
    the years events take place in; else ValidationError."""
    missing = ValidationError(_("This event has no occurrence at that time."))
    text = str(value or "").strip()[:40]
    try:
        try:
            parsed = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise missing
        return fields.check_range(parsed.astimezone(UTC))
    except (ValueError, OverflowError, ValidationError):
        raise missing from None


def occurrence_change(*, user: User, event_id: int, recurrence_id: datetime,
                      data: Mapping[str, Any]) -> Occurrence:
    """Move (and rename) one occurrence of a series: only its start, end and title are
    taken from `data`; the rest stays the series'. It moves at most MAX_MOVE from where
    the series has it (farther is a change of the series)."""
    limited(user)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        if not event.is_recurring:
            raise ValidationError(_("A single event is changed as a whole."))
        recurrence_id = _occurrence_of(event, recurrence_id)
        cleaned = fields.clean({
            "title": data.get("title") or event.title, "time_zone": event.time_zone,
            "all_day": event.all_day, "start": data.get("start"), "end": data.get("end")})
        if abs(cleaned.starts_at - recurrence_id) > MAX_MOVE:
            raise ValidationError(_("One occurrence moves at most %(days)d days; to move it "
                                    "farther, change the series.")
                                  % {"days": MAX_MOVE.days})
        occurrence, _created = Occurrence.objects.get_or_create(
            event=event, recurrence_id=recurrence_id)
        occurrence.cancelled = False
        occurrence.title = cleaned.title if cleaned.title != event.title else ""
        occurrence.start_date = cleaned.start_date
        occurrence.start_time = cleaned.start_time
        occurrence.duration = cleaned.duration
        occurrence.starts_at = cleaned.starts_at
        occurrence.sequence += 1
        occurrence.save()
        _series_changed(event, user)
    return occurrence


def occurrence_cancel(*, user: User, event_id: int, recurrence_id: datetime) -> Occurrence:
    """Cancel one occurrence of a series."""
    limited(user)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        if not event.is_recurring:
            raise ValidationError(_("A single event is cancelled as a whole."))
        recurrence_id = _occurrence_of(event, recurrence_id)
        occurrence, _created = Occurrence.objects.get_or_create(
            event=event, recurrence_id=recurrence_id)
        occurrence.cancelled = True
        occurrence.starts_at = None
        occurrence.start_date = None
        occurrence.start_time = None
        occurrence.duration = None
        occurrence.sequence += 1
        occurrence.save()
        _series_changed(event, user)
    return occurrence


def _series_changed(event: Event, user: User) -> None:
    event.sequence += 1
    event.updated_at = timezone.now()
    event.rev = room_services.rev_take(room=event.room)
    event.save(update_fields=["sequence", "updated_at", "rev"])
    publish_change(event, invite="request", by=user)


def _until_before(event: Event, recurrence_id: datetime) -> str:
    """The event's rule ended with the occurrence before the one at `recurrence_id`: UNTIL
    is that occurrence's start in UTC (RFC 5545's UNTIL is inclusive), so calendars and
    the rule in words say the last date that really happens."""
    where = zones.zone(event.time_zone)
    last = None
    for start in recurrence.series_starts(event):
        if zones.exact(start, where) >= recurrence_id:
            break
        last = start
    recur = vRecur.from_ical(event.rrule)
    recur.pop("COUNT", None)
    until = zones.exact(last, where) if last is not None else recurrence_id - timedelta(seconds=1)
    recur["UNTIL"] = [until.astimezone(UTC)]
    return recur.to_ical().decode().upper()


def _end_before(event: Event, recurrence_id: datetime, *, by: User) -> None:
    """End the series (locked, with its room) just before the occurrence at
    `recurrence_id`, which is not its first; calendars get the shorter series."""
    where = zones.zone(event.time_zone)
    event.rrule = _until_before(event, recurrence_id)
    _count, last = recurrence.bounded_span(
        event.rrule, datetime.combine(event.start_date, event.start_time or time(0)), where,
        recurrence_id.astimezone(where).replace(tzinfo=None))
    event.series_ends_at = (zones.exact(last, where) + event.duration) if last else \
        event.starts_at + event.duration
    event.occurrences.filter(recurrence_id__gte=recurrence_id).delete()
    event.sequence += 1
    event.updated_at = timezone.now()
    event.rev = room_services.rev_take(room=event.room)
    event.save()
    publish_change(event, invite="request", by=by)


def series_end(*, user: User, event_id: int, recurrence_id: datetime) -> Event | None:
    """Cancel "this and following": the series ends before the occurrence at
    `recurrence_id`. From its first occurrence, the whole event is cancelled (None)."""
    limited(user)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        if not event.is_recurring:
            raise ValidationError(_("Only a repeating event has following occurrences."))
        recurrence_id = _occurrence_of(event, recurrence_id)
        if recurrence_id > event.starts_at:
            _end_before(event, recurrence_id, by=user)
            return event
        cancel_locked(event, user)  # from its first occurrence: all of it
    return None


def series_split(*, user: User, event_id: int, recurrence_id: datetime,
                 data: Mapping[str, Any]) -> Event:
    """"This and following": the series ends before the occurrence at `recurrence_id`
    and a new series, with `data`, starts there. Returns the new series. Changes of the
    occurrences after the split stay with the old series' history and are not carried."""
    limited(user)
    cleaned = fields.clean(data)
    with transaction.atomic():
        event = _locked_event(user, event_id)
        if not event.is_recurring:
            raise ValidationError(_("Only a repeating event has following occurrences."))
        recurrence_id = _occurrence_of(event, recurrence_id)
        if recurrence_id <= event.starts_at:  # from the first: the whole series changes
            changed = apply_fields(event, cleaned)
            event.occurrences.all().delete()
            if changed:
                event.sequence += 1
                event.updated_at = timezone.now()
                event.rev = room_services.rev_take(room=event.room)
                event.save()
                publish_change(event, invite="request", by=user)
            return event
        now = timezone.now()
        _end_before(event, recurrence_id, by=user)
        following = Event(room=event.room, created_by=event.created_by, uid=new_uid(),
                          created_at=now, updated_at=now, split_from=event, rev=0)
        apply_fields(following, cleaned)
        following.rev = room_services.rev_take(room=event.room)
        following.save()
        publish_change(following, invite="request", by=user)
    return following
