"""A mentor's hours (settings, weekly windows, exceptions) and booking them.

`book` is the one write that two members may race for. It checks the slot is free, then,
in one transaction: locks the mentor's BookingSettings row (`select_for_update`; SQLite
serialises writing transactions instead), checks again that no active booking overlaps,
and writes the Booking and the Event in their room (the room's lock and next rev, as any
event). The database has the last word: a unique (mentor, start) for active bookings
everywhere, and on PostgreSQL an exclusion constraint on overlapping times (migration
0002). Whoever loses the race gets ValidationError "just taken" and nothing is stored.

The event is the mentor's (she is its organiser), a video call in their room, in her zone;
the room hears `calendar.changed` and both get the invitation after commit. Cancelling a
booking cancels its event (a CANCEL invitation). Once the time has come, either says
whether it took place; "held" tells mentoring (calendar_app.hooks.booking_held), which
logs it in the mentorship's sessions once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_app import availability, fields, hooks, permissions, zones
from calendar_app.changes import publish_change
from calendar_app.models import (
    AvailabilityException,
    AvailabilityWindow,
    Booking,
    BookingSettings,
    Event,
)
from calendar_app.services.events import apply_fields, cancel_locked, going, new_uid
from community.models import User
from rooms import services as room_services

SLOT_MINUTES = (15, 240)
WINDOW_DAYS = (1, 90)
NOTICE_HOURS = (0, 168)
MAX_WINDOWS = 30
MAX_EXCEPTIONS = 200


def _just_taken() -> ValidationError:
    return availability.just_taken()


def _require_mentor(user: User) -> None:
    if not permissions.can_open_hours(user):
        raise PermissionDenied(_("Only mentors open hours for booking."))


def _number(value: object, low: int, high: int, what: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("%(what)s is a whole number.") % {"what": what}) from None
    if not low <= number <= high:
        raise ValidationError(_("%(what)s is between %(low)d and %(high)d.")
                              % {"what": what, "low": low, "high": high})
    return number


def _flag(value: object) -> bool:
    return value in (True, "true", "on", "1", 1, "yes")


def _clock(value: object) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        return time.fromisoformat(str(value).strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise ValidationError(_("Give a time as HH:MM.")) from None


def booking_settings_get(mentor: User) -> BookingSettings:
    """Her settings, or unsaved defaults in her profile's zone."""
    found = availability.settings_of(mentor)
    return found or BookingSettings(mentor=mentor, time_zone=zones.zone_name_of(mentor))


def booking_settings_update(*, user: User, data: Mapping[str, Any]) -> BookingSettings:
    """Her booking settings from a form's fields; ValidationError changes nothing."""
    _require_mentor(user)
    where = zones.zone(str(data.get("time_zone") or "").strip())
    slot = _number(data.get("slot_minutes"), *SLOT_MINUTES, _("The length of a session"))
    window = _number(data.get("window_days"), *WINDOW_DAYS, _("How many days ahead"))
    notice = _number(data.get("notice_hours"), *NOTICE_HOURS, _("The notice in hours"))
    with transaction.atomic():
        settings, _created = BookingSettings.objects.select_for_update().get_or_create(
            mentor=user, defaults={"time_zone": where.key})
        settings.time_zone = where.key
        settings.slot_minutes = slot
        settings.window_days = window
        settings.notice_hours = notice
        settings.enabled = _flag(data.get("enabled"))
        settings.first_conversations = _flag(data.get("first_conversations"))
        settings.save()
    return settings


def windows_set(*, user: User, windows: Sequence[Mapping[str, Any]]
                ) -> list[AvailabilityWindow]:
    """Replace her weekly hours. Each window is a weekday (0 Monday) and a start before
    its end on the same day; windows of one day may not overlap; at most MAX_WINDOWS."""
    _require_mentor(user)
    if len(windows) > MAX_WINDOWS:
        raise ValidationError(_("At most %(max)d periods a week.") % {"max": MAX_WINDOWS})
    cleaned: list[tuple[int, time, time]] = []
    for window in windows:
        if str(window.get("weekday", "")).strip() == "":
            raise ValidationError(_("Choose the day of each period."))
        weekday = _number(window.get("weekday"), 0, 6, _("The day"))
        start, end = _clock(window.get("start")), _clock(window.get("end"))
        if start >= end:
            raise ValidationError(_("Hours end after they start (%(start)s to %(end)s).")
                                  % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"})
        cleaned.append((weekday, start, end))
    cleaned.sort()
    for before, after in zip(cleaned, cleaned[1:], strict=False):
        if before[0] == after[0] and after[1] < before[2]:
            raise ValidationError(_("Two periods on the same day overlap (%(a)s and %(b)s).")
                                  % {"a": f"{before[1]:%H:%M}-{before[2]:%H:%M}",
                                     "b": f"{after[1]:%H:%M}-{after[2]:%H:%M}"})
    with transaction.atomic():
        AvailabilityWindow.objects.filter(mentor=user).delete()
        return AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(mentor=user, weekday=w, start=s, end=e) for w, s, e in cleaned)


def exception_add(*, user: User, day: object, start: object = None, end: object = None
                  ) -> AvailabilityException:
    """A day off (no times) or that day's hours replaced by start-end."""
    _require_mentor(user)
    day = fields.parse_date(day)
    if day < timezone.localdate() - timedelta(days=1):
        raise ValidationError(_("This date has passed."))
    opens = None if start in (None, "") else _clock(start)
    closes = None if end in (None, "") else _clock(end)
    if (opens is None) != (closes is None):
        raise ValidationError(_("Give both times, or none for a day off."))
    if opens is not None and closes is not None and opens >= closes:
        raise ValidationError(_("Hours end after they start."))
    if AvailabilityException.objects.filter(mentor=user).count() >= MAX_EXCEPTIONS:
        raise ValidationError(_("At most %(max)d exceptions.") % {"max": MAX_EXCEPTIONS})
    return AvailabilityException.objects.create(mentor=user, date=day, start=opens, end=closes)


def exception_remove(*, user: User, exception_id: int) -> None:
    deleted, _rows = AvailabilityException.objects.filter(pk=exception_id, mentor=user).delete()
    if not deleted:
        raise Http404("No such exception.")


def parse_start(value: object) -> datetime:
    """An instant with its offset, ISO 8601 ("2027-03-02T17:00:00Z" or "+01:00")."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(_("This is not one of her free times.")) from None
    if parsed.tzinfo is None:
        raise ValidationError(_("This is not one of her free times."))
    try:
        fields.check_range(parsed)
    except ValidationError:
        raise ValidationError(_("This is not one of her free times.")) from None
    return parsed


def _title(mentor: User, booker: User) -> str:
    return (_("Mentoring session: %(a)s & %(b)s")
            % {"a": mentor.get_short_name(), "b": booker.get_short_name()})[:fields.MAX_TITLE]


def _event_fields(settings: BookingSettings, slot: availability.Slot,
                  title: str) -> fields.EventFields:
    duration = slot.ends_at - slot.starts_at
    return fields.EventFields(
        title=title, description="", location="", video_call=True, all_day=False,
        time_zone=settings.time_zone, start_date=slot.local_start.date(),
        start_time=slot.local_start.time(), duration=duration, rrule="",
        starts_at=slot.starts_at, series_ends_at=slot.ends_at)


def book(*, booker: User, mentor_id: int, starts_at: object,
         now: datetime | None = None) -> Booking:
    """Book the mentor's free slot that starts at `starts_at`. Http404 if she may not
    book this mentor; ValidationError (nothing stored) for a time that is not free, and
    "just taken" when another booking won the same time a moment before."""
    mentor = User.objects.filter(pk=mentor_id, is_active=True).first()
    if mentor is None:
        raise Http404("No such mentor.")
    way, room = permissions.booking_way(booker, mentor)
    if not way:
        raise Http404("No such mentor.")
    settings = availability.settings_of(mentor)
    slot = availability.slot_check(mentor, parse_start(starts_at), now=now, settings=settings)
    assert settings is not None  # nosec B101  # slot_check refused a mentor without settings (narrows the type)
    try:
        with transaction.atomic():
            settings = BookingSettings.objects.select_for_update().get(pk=settings.pk)
            if not settings.enabled:
                raise ValidationError(_("She is not taking bookings at the moment."))
            if Booking.objects.filter(mentor=mentor, status=Booking.Status.BOOKED,
                                      starts_at__lt=slot.ends_at,
                                      ends_at__gt=slot.starts_at).exists():
                raise _just_taken()
            if room is None:  # a first conversation: their direct room, opened once
                room = room_services.room_open_direct(user=booker, other=mentor)
            room = room_services.room_lock(room_id=room.pk)
            if not permissions.can_propose(booker, room):
                raise Http404("No such mentor.")
            moment = timezone.now()
            event = Event(room=room, created_by=mentor, uid=new_uid(), created_at=moment,
                          updated_at=moment, rev=0)
            apply_fields(event, _event_fields(settings, slot, _title(mentor, booker)))
            event.rev = room_services.rev_take(room=room)
            event.save()
            booking = Booking.objects.create(mentor=mentor, booker=booker, event=event,
                                             starts_at=slot.starts_at, ends_at=slot.ends_at)
            going(event, [mentor, booker])
            publish_change(event, invite="request", by=booker)
    except IntegrityError:
        raise _just_taken() from None
    return booking


def _locked_booking(user: User, booking_id: int) -> Booking:
    """The booking under its row lock, taken after its room's (the order every calendar
    write locks in: room, event, booking), if it is hers."""
    booking = Booking.objects.select_related("event").filter(pk=booking_id).first()
    if booking is None or user.pk not in (booking.mentor_id, booking.booker_id):
        raise Http404("No such booking.")
    if booking.event is not None:
        room_services.room_lock(room_id=booking.event.room_id)
    return Booking.objects.select_for_update().get(pk=booking.pk)


def booking_cancel(*, user: User, booking_id: int) -> Booking:
    """Either of the two cancels: the slot is free again, and the event is cancelled in
    their room (its members' calendars get a CANCEL)."""
    with transaction.atomic():
        booking = _locked_booking(user, booking_id)
        if not permissions.can_cancel_booking(user, booking):
            raise ValidationError(_("This booking is already cancelled."))
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status"])
        if booking.event_id is not None:
            event = Event.objects.select_related("room").get(pk=booking.event_id)
            if not event.is_cancelled:
                cancel_locked(event, user)
    return booking


def outcome_set(*, user: User, booking_id: int, outcome: str,
                now: datetime | None = None) -> Booking:
    """"held" or "not_held", by either of the two once the session's time has come.
    "held" is told to mentoring, which logs the session once however often it is said."""
    if outcome not in (Booking.Outcome.HELD, Booking.Outcome.NOT_HELD):
        raise ValidationError(_("Say whether it happened or not."))
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(user, booking_id)
        if not permissions.can_say_outcome(user, booking):
            raise PermissionDenied
        if booking.status != Booking.Status.BOOKED:
            raise ValidationError(_("This booking was cancelled."))
        if booking.starts_at > now:
            raise ValidationError(_("Say whether it happened once its time has come."))
        booking.outcome = outcome
        booking.save(update_fields=["outcome"])
        if outcome == Booking.Outcome.HELD:
            hooks.booking_held(booking)
    return booking
