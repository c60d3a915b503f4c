"""Reminders of events: the sweep that sends every reminder that is due, once.

A member is reminded of each occurrence of the events of the rooms she may see now, at
the offsets she chose (MemberCalendar.reminders, minutes before; 1 day and 15 minutes
when she chose nothing), unless she answered "not going". A reminder is due at the
occurrence's start (a moved occurrence's new start) minus the offset, and is sent by the
first sweep that runs after that moment:

- at most once: each reminder is claimed by inserting its ReminderSent row in the same
  transaction as the notification; the unique constraint decides between two sweepers
  (the loser's insert fails and it sends nothing);
- never late: a reminder whose moment passed CALENDAR_REMINDER_GRACE seconds ago or more
  (the sweeper was down), or whose occurrence has started, is dropped; a reminder "at the
  start" (0 minutes) may still go within AT_START of the start (one sweeper's pace);
- never for a cancelled event or occurrence (recurrence.instances leaves them out).

Delivery is notifications' `notify` (through calendar_app.hooks): in the app and by
e-mail (through the task worker) as her preferences for `event_reminder` say; her
calendar's "reminders by e-mail" switch (MemberCalendar.reminder_email) can only take
the e-mail away.

One sweep reads a fixed number of queries whatever the number of rooms and members: the
horizon (the largest offset anyone chose), the candidate events and their changed
occurrences, the memberships, the settings, the "not going" answers and the claims; it
expands at most MAX_OCCURRENCES occurrences and says so in the log when it hits the cap.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from calendar_app import hooks, permissions, recurrence, selectors, zones
from calendar_app.models import Event, MemberCalendar, ReminderSent, Rsvp, default_reminders
from community.models import User

log = logging.getLogger(__name__)

MAX_MINUTES = 28 * 24 * 60  # the earliest reminder honoured: 4 weeks before
AT_START = timedelta(minutes=1)  # how long after its start "at the start" may still go
MAX_PER_MEMBER = 5  # offsets honoured per member
MAX_OCCURRENCES = 5000  # occurrences one sweep expands
MAX_HORIZON_ROWS = 1000  # distinct reminder choices read to find the horizon
CLAIMS_KEPT = timedelta(days=1)  # claims of occurrences that started longer ago are pruned

Claim = tuple[int, int, datetime, int]  # event, member, occurrence start (UTC), minutes


def offsets_of(value: object) -> tuple[int, ...]:
    """The offsets (minutes before) the sweep honours from a stored choice: whole
    minutes from 0 (at the start) to MAX_MINUTES, at most MAX_PER_MEMBER, anything else
    left out."""
    if not isinstance(value, list):
        return ()
    taken = sorted({minutes for minutes in value if isinstance(minutes, int)
                    and not isinstance(minutes, bool) and 0 <= minutes <= MAX_MINUTES})
    return tuple(taken[:MAX_PER_MEMBER])


def when_for(instance: recurrence.Instance, user: User) -> str:
    """The occurrence's start as she reads it: her zone, a form every language reads
    ("2027-03-02 12:00 (America/Toronto)"); an all-day event's date alone."""
    if instance.start_time is None:
        return instance.start_date.isoformat()
    name = zones.zone_name_of(user)
    local = instance.starts_at.astimezone(zones.zone_of(user))
    return f"{local:%Y-%m-%d %H:%M} ({name})"


def _horizon() -> int:
    """The largest offset anyone chose (minutes): how far ahead the sweep looks."""
    chosen = MemberCalendar.objects.values_list("reminders", flat=True).distinct()
    rows = list(chosen[:MAX_HORIZON_ROWS + 1])
    if len(rows) > MAX_HORIZON_ROWS:
        return MAX_MINUTES
    return max([*default_reminders(), *(m for row in rows for m in offsets_of(row))])


def _send(instance: recurrence.Instance, user: User, minutes: int, by_email: bool,
          now: datetime) -> bool:
    """Claim and send one reminder; False when another sweep claimed it first."""
    event = instance.event
    url = f"{reverse('calendar_event', args=[event.pk])}?occurrence={instance.key}"
    try:
        with transaction.atomic():
            ReminderSent.objects.create(event=event, user=user,
                                        occurrence_start=instance.starts_at,
                                        minutes_before=minutes, sent_at=now)
            hooks.tell(user, "event_reminder",
                       {"title": instance.title, "when": when_for(instance, user)}, url,
                       email=by_email)
    except IntegrityError:
        return False
    return True


def reminders_sweep(now: datetime | None = None) -> int:
    """Send every reminder due at `now` (default: the clock); returns how many were sent.
    Safe to run as often as wanted and from several processes at once."""
    now = (now or timezone.now()).astimezone(UTC)
    grace = timedelta(seconds=settings.CALENDAR_REMINDER_GRACE)
    ReminderSent.objects.filter(occurrence_start__lt=now - CLAIMS_KEPT).delete()
    end = now + timedelta(minutes=_horizon(), seconds=1)
    events = selectors.in_range(Event.objects.all(), now - AT_START, end)
    found = recurrence.instances(events, now - AT_START, end, limit=MAX_OCCURRENCES + 1)
    if len(found) > MAX_OCCURRENCES:
        log.warning("calendar reminders: more than %d occurrences ahead; only the first "
                    "%d were looked at", MAX_OCCURRENCES, MAX_OCCURRENCES)
        found = found[:MAX_OCCURRENCES]
    found = [instance for instance in found if instance.starts_at > now - AT_START]
    if not found:
        return 0
    event_ids = {instance.event.pk for instance in found}
    room_ids = {instance.event.room_id for instance in found}

    members: dict[int, list[User]] = defaultdict(list)
    for membership in permissions.reminded_in(room_ids).select_related("user__profile"):
        members[membership.room_id].append(membership.user)
    user_ids = {user.pk for people in members.values() for user in people}
    chosen = {user_id: (offsets_of(reminders), by_email) for user_id, reminders, by_email
              in MemberCalendar.objects.filter(user_id__in=user_ids)
              .values_list("user_id", "reminders", "reminder_email")}
    absent = set(Rsvp.objects.filter(event_id__in=event_ids, answer=Rsvp.Answer.NOT_GOING)
                 .values_list("event_id", "user_id"))
    claimed: set[Claim] = set(ReminderSent.objects.filter(
        event_id__in=event_ids, occurrence_start__gt=now - AT_START,
        occurrence_start__lte=end)
        .values_list("event_id", "user_id", "occurrence_start", "minutes_before"))

    default = (tuple(default_reminders()), True)
    sent = 0
    for instance in found:
        event = instance.event
        for user in members.get(event.room_id, ()):
            if (event.pk, user.pk) in absent:
                continue
            offsets, by_email = chosen.get(user.pk, default)
            for minutes in offsets:
                due = instance.starts_at - timedelta(minutes=minutes)
                if not now - grace < due <= now:
                    continue
                if now > instance.starts_at and minutes:
                    continue  # it has started: too late to say it is coming
                if (event.pk, user.pk, instance.starts_at, minutes) in claimed:
                    continue
                if _send(instance, user, minutes, by_email, now):
                    sent += 1
    return sent
