"""Reading calendars for a viewer who may see the rooms (callers ask calendar_app.permissions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from calendar_app import recurrence
from calendar_app.models import Booking, Event, Occurrence, Rsvp
from calendar_app.permissions import events_on_her_calendar, events_visible_to
from community.models import User
from rooms.protocol import EventPayload, OccurrencePayload


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local(day: Any, at: Any) -> str:
    return day.isoformat() if at is None else f"{day.isoformat()}T{at:%H:%M}"


def _minutes(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds() // 60)


def occurrence_payload(occurrence: Occurrence, all_day: bool) -> OccurrencePayload:
    moved = occurrence.starts_at is not None and occurrence.start_date is not None
    return {
        "recurrence_id": iso_utc(occurrence.recurrence_id),
        "cancelled": occurrence.cancelled,
        "start": _local(occurrence.start_date, None if all_day else occurrence.start_time)
        if moved else None,
        "starts_at": iso_utc(occurrence.starts_at) if moved and occurrence.starts_at else None,
        "duration_minutes": _minutes(occurrence.duration),
        "title": occurrence.title,
    }


def rsvp_counts(event: Event) -> dict[str, int]:
    counted = getattr(event, "rsvp_counted", None)
    if counted is None:
        counted = dict(event.rsvps.values_list("answer").annotate(n=Count("pk")))
    return {answer: int(counted.get(answer, 0)) for answer in Rsvp.Answer.values}


def event_payload(event: Event) -> EventPayload:
    author = event.created_by
    base: EventPayload = {
        "id": event.pk, "room_id": event.room_id, "rev": event.rev, "uid": event.uid,
        "sequence": event.sequence, "title": event.title, "description": event.description,
        "description_html": event.description_html, "location": event.location,
        "video_call": event.video_call, "all_day": event.all_day,
        "time_zone": event.time_zone,
        "start": _local(event.start_date, event.start_time),
        "duration_minutes": _minutes(event.duration) or 0,
        "rrule": event.rrule, "starts_at": iso_utc(event.starts_at),
        "series_ends_at": iso_utc(event.series_ends_at) if event.series_ends_at else None,
        "occurrences": [occurrence_payload(o, event.all_day) for o in event.occurrences.all()],
        "created_by": {"id": author.pk, "name": author.name} if author else None,
        "rsvp": rsvp_counts(event),  # type: ignore[typeddict-item]
        "url": reverse("calendar_event", args=[event.pk]),
        "cancelled": event.is_cancelled,
    }
    return base


def _with_details(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("created_by", "room").prefetch_related(
        Prefetch("occurrences", queryset=Occurrence.objects.order_by("recurrence_id")))


def in_range(events: QuerySet[Event], start: datetime, end: datetime) -> QuerySet[Event]:
    """Events that may have an occurrence overlapping [start, end): their series spans it,
    or one of their occurrences was moved into it."""
    spans = Q(starts_at__lt=end) & (Q(series_ends_at__isnull=True) | Q(series_ends_at__gt=start))
    moved = Q(occurrences__starts_at__lt=end,
              occurrences__starts_at__gte=start - timedelta(days=32))
    ids = events.filter(spans | moved, cancelled_at__isnull=True).values("pk")
    return _with_details(Event.objects.filter(pk__in=ids))


def agenda(viewer: User, start: datetime, end: datetime,
           room_id: int | None = None) -> list[recurrence.Instance]:
    """Her occurrences in [start, end) across every room she is a member of now, or in
    one room she may read (its calendar page: an admin's break-glass room included)."""
    if room_id is None:
        events = events_on_her_calendar(viewer)
    else:
        events = events_visible_to(viewer).filter(room_id=room_id)
    return recurrence.instances(in_range(events, start, end), start, end)


def room_events(room_id: int) -> QuerySet[Event]:
    """The room's events that are not cancelled, with their details."""
    return _with_details(Event.objects.filter(room_id=room_id, cancelled_at__isnull=True))


def answers(event: Event) -> dict[str, list[User]]:
    """Who answered what, by answer, names in order."""
    found: dict[str, list[User]] = {answer: [] for answer in Rsvp.Answer.values}
    for rsvp in event.rsvps.select_related("user").order_by("user__name"):
        found[rsvp.answer].append(rsvp.user)
    return found


def not_answered(event: Event) -> list[User]:
    """The room's active members who have not answered (the organiser sees them)."""
    answered = event.rsvps.values("user_id")
    return list(User.objects.filter(memberships__room_id=event.room_id, is_active=True)
                .exclude(pk__in=answered).order_by("name"))


def answer_of(event: Event, user: User) -> str:
    return event.rsvps.filter(user=user).values_list("answer", flat=True).first() or ""


def catch_up_events(viewer: User, room_id: int, after_rev: int, room_rev: int | None
                    ) -> tuple[list[dict[str, Any]], bool]:
    """`calendar.changed` for every event changed after `after_rev` (rooms.catchup, which
    has asked whether `viewer` may see the room)."""
    from rooms.catchup import CATCH_UP_MAX

    if room_rev is not None and room_rev <= after_rev:
        return [], False
    changed = list(_with_details(Event.objects.filter(room_id=room_id, rev__gt=after_rev))
                   .order_by("rev")[:CATCH_UP_MAX + 1])
    if len(changed) > CATCH_UP_MAX:
        return [], True
    return [{"type": "calendar.changed", "room_id": room_id, "rev": event.rev,
             "event": event_payload(event)} for event in changed], False


FEED_DAYS_BACK = 365
FEED_MAX_EVENTS = 5000  # the oldest are left out past this


def _feed(viewer: User, now: datetime | None) -> QuerySet[Event]:
    since = (now or datetime.now(UTC)) - timedelta(days=FEED_DAYS_BACK)
    return events_on_her_calendar(viewer).filter(
        Q(series_ends_at__isnull=True) | Q(series_ends_at__gte=since),
        cancelled_at__isnull=True).order_by("-starts_at", "-pk")


def feed_events(viewer: User, *, now: datetime | None = None) -> list[Event]:
    """Her private feed: every event not cancelled of every room she is a member of now
    (`permissions.events_on_her_calendar`: no break-glass room), whose
    series ends a year ago or later (or never), with their occurrences; at most
    FEED_MAX_EVENTS, the latest starts kept."""
    found = list(_with_details(_feed(viewer, now))[:FEED_MAX_EVENTS])
    found.reverse()
    return found


FeedRow = tuple[int, str, int, int, datetime, str | None]


def feed_rows(viewer: User, *, now: datetime | None = None) -> list[FeedRow]:
    """`feed_events` as (id, uid, rev, sequence, updated_at, author's name) rows, in the
    same order: what names each event's written form in the cache
    (calendar_app.ics_feed.feed_bytes)."""
    found: list[FeedRow] = list(_feed(viewer, now).values_list(
        "pk", "uid", "rev", "sequence", "updated_at", "created_by__name")[:FEED_MAX_EVENTS])
    found.reverse()
    return found


FEED_FIELDS = ("uid", "sequence", "rev", "created_at", "updated_at", "created_by__name",
               "room_id", "title", "description", "location", "video_call", "all_day",
               "time_zone", "start_date", "start_time", "duration", "rrule", "cancelled_at")


def events_for_feed(ids: list[int]) -> list[Event]:
    """The events `ids` with what a feed writes of them (calendar_app.ics_feed): their
    authors' names and their occurrences (in recurrence order)."""
    return list(Event.objects.filter(pk__in=ids).select_related("created_by")
                .only(*FEED_FIELDS).prefetch_related(
                    Prefetch("occurrences", queryset=Occurrence.objects.order_by("recurrence_id"))))


def answers_of(viewer: User, events: list[Event] | list[FeedRow]
               ) -> dict[int, str]:
    """Her answer by event id, for `events` (or `feed_rows`)."""
    wanted = {item[0] if isinstance(item, tuple) else item.pk for item in events}
    return {event_id: answer for event_id, answer in
            Rsvp.objects.filter(user=viewer).values_list("event_id", "answer")
            if event_id in wanted}


def booked_by(event: Event) -> User | None:
    """Who booked the session this event is, if it is one still booked."""
    booking = (Booking.objects.filter(event=event, status=Booking.Status.BOOKED)
               .select_related("booker").first())
    return booking.booker if booking is not None else None
