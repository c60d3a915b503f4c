"""Room calendars: events (single or recurring), changes to one occurrence, answers
(RSVP), each member's calendar settings and reminders sent, and mentors' bookable hours.

An event is stored as its organiser wrote it: a local wall-clock start (`start_date` and
`start_time`), an IANA `time_zone` and, for a series, an RFC 5545 `rrule`. Occurrences are
expanded per viewer (calendar_app.recurrence), so a weekly 18:00 in Europe/Paris stays
18:00 in Paris across daylight-saving changes. `starts_at` and `series_ends_at` (UTC) are
kept beside it only to find the events that may fall in a range.

An event is a room item on the room's event log: each change takes the room's next `rev`
(rooms.services) and stamps the event with it; a cancelled event stays as a row
(`cancelled_at`) so that catch-up and calendar programs hear it is gone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE,
                             related_name="calendar_events")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uid = models.CharField(max_length=120, unique=True)  # iCalendar UID, never changes
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)  # Markdown as typed
    description_html = models.TextField(blank=True)  # sanitised
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_call = models.BooleanField(_("video call in this room"), default=False)
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64)
    start_date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)  # None for all-day events
    duration = models.DurationField()  # whole days for all-day events
    rrule = models.CharField(max_length=500, blank=True)  # RFC 5545 RRULE value, no prefix
    # UTC: the first occurrence's start, and the last occurrence's end (None: no end).
    starts_at = models.DateTimeField()
    series_ends_at = models.DateTimeField(null=True, blank=True)
    # A series split by "this and following" points at the series it came from.
    split_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    rev = models.PositiveBigIntegerField()  # the room rev of its latest change
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["room", "rev"], name="event_room_rev"),
            models.Index(fields=["room", "starts_at"], name="event_room_starts"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class Occurrence(models.Model):
    """One occurrence of a series changed: moved (new local start and duration) or
    cancelled. `recurrence_id` is the UTC start it had in the series (iCalendar
    RECURRENCE-ID), which names it for ever."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    recurrence_id = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    title = models.CharField(max_length=200, blank=True)  # "" keeps the series'
    start_date = models.DateField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)  # UTC, when moved
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["event", "recurrence_id"]
        constraints = [models.UniqueConstraint("event", "recurrence_id",
                                               name="occurrence_once")]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.recurrence_id:%Y-%m-%d %H:%M}"


class Rsvp(models.Model):
    class Answer(models.TextChoices):
        GOING = "going", _("Going")
        MAYBE = "maybe", _("Maybe")
        NOT_GOING = "not_going", _("Not going")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_rsvps")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("event", "user", name="rsvp_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.answer} {self.event_id}"


def default_reminders() -> list[int]:
    return [1440, 15]


class MemberCalendar(models.Model):
    """Her calendar settings: reminders (minutes before) and her private feed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_settings")
    reminders = models.JSONField(default=default_reminders)
    reminder_email = models.BooleanField(default=True)
    # sha256 of the secret in her feed's URL; "" when she has none (revoked or never made).
    feed_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    feed_created_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"


class ReminderSent(models.Model):
    """Claimed before a reminder leaves: the unique row means never twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    occurrence_start = models.DateTimeField()  # UTC
    minutes_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(
            "event", "user", "occurrence_start", "minutes_before", name="reminder_once")]

    def __str__(self) -> str:
        return f"reminder {self.event_id} {self.user_id} {self.occurrence_start}"


class BookingSettings(models.Model):
    """A mentor's bookable time: weekly hours (AvailabilityWindow) in her zone, with
    exceptions (AvailabilityException), the length of a slot and how far ahead."""

    mentor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="booking_settings")
    enabled = models.BooleanField(_("open for booking"), default=True)
    time_zone = models.CharField(_("time zone"), max_length=64)
    slot_minutes = models.PositiveIntegerField(_("length of a session (minutes)"), default=45)
    window_days = models.PositiveIntegerField(_("bookable up to (days ahead)"), default=28)
    notice_hours = models.PositiveIntegerField(_("minimum notice (hours)"), default=12)
    first_conversations = models.BooleanField(
        _("members without a mentorship may book a first conversation"), default=False)

    def __str__(self) -> str:
        return f"booking settings of {self.mentor_id}"


class AvailabilityWindow(models.Model):
    """Weekly hours: every `weekday` (0 Monday) from `start` to `end`, her local time."""

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="availability_windows")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["mentor", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start}-{self.end}"


class AvailabilityException(models.Model):
    """A date off (no start/end), or that date's hours replaced by `start`-`end`."""

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="availability_exceptions")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["mentor", "date", "start"]

    def __str__(self) -> str:
        return f"{self.date} {self.start}-{self.end}"


class Booking(models.Model):
    """A slot of a mentor's time taken by a member, with the event it made in their room.
    Two bookings of one mentor never overlap while active (the database says so:
    migration 0002 on PostgreSQL; a unique start and the mentor's row lock elsewhere)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        UNKNOWN = "", _("Not said yet")
        HELD = "held", _("It happened")
        NOT_HELD = "not_held", _("It did not happen")

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="bookings_taken")
    booker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="bookings_made")
    event = models.OneToOneField(Event, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="booking")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.UniqueConstraint(
            "mentor", "starts_at", condition=models.Q(status="booked"),
            name="booking_slot_once")]

    def __str__(self) -> str:
        return f"{self.mentor_id} {self.starts_at:%Y-%m-%d %H:%M}"
