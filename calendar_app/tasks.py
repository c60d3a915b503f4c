"""Background work of calendars, run by the task worker."""

from __future__ import annotations

import logging
from email.message import MIMEPart
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Prefetch
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from calendar_app import hooks, ics, permissions, zones
from calendar_app.models import Event, Occurrence
from community.models import User
from rooms import permissions as room_permissions

logger = logging.getLogger(__name__)
KIND = "event_invitation"


def when_text(event: Event, member: User) -> str:
    """The event's first start in her zone, with the organiser's when it differs
    (in the active language)."""
    if event.all_day:
        return formats.date_format(event.start_date, "DATE_FORMAT")
    mine = zones.zone_of(member)
    start = event.starts_at.astimezone(mine)
    text = (f"{formats.date_format(start, 'DATE_FORMAT')}, "
            f"{formats.time_format(start, 'TIME_FORMAT')} {mine.key}")
    if mine.key != event.time_zone:
        theirs = event.starts_at.astimezone(zones.zone(event.time_zone))
        text += f" ({formats.time_format(theirs, 'TIME_FORMAT')} {event.time_zone})"
    return text


def _event(event_id: int) -> Event | None:
    return (Event.objects.select_related("room", "created_by")
            .prefetch_related(Prefetch("occurrences",
                                       queryset=Occurrence.objects.order_by("recurrence_id")))
            .filter(pk=event_id).first())


@task()
def invitations_send(*, event_id: int, method: str, sequence: int,
                     by_id: int | None = None) -> int:
    """E-mail the invitation of one event to the members of its room; returns how many.

    Each active member who may see the room now gets, if her preferences for
    `event_invitation` allow e-mail, a message with the event as an .ics attachment
    (`text/calendar; method=REQUEST` or `CANCEL`, `invite.ics`) written for her (her
    answer as PARTSTAT, times in her zone in the text). The members other than `by_id`
    (who made the change) are also told in the app, through the notification centre
    (calendar_app.hooks.tell), which sends no e-mail of its own for this kind: the
    invitation is the e-mail, so she gets one, not two.

    No e-mail goes across a block with the organiser (`permissions.invitation_withheld_from`;
    in the app, the notification centre applies the same rule to who made the change).

    A request whose event has moved past `sequence` (or was cancelled since) sends
    nothing: the later change sends its own. A cancellation always goes.

    Who may see the room is read in one query for all (with their profiles, for their
    zones), and who made the change once: the calendar's reads do not grow with the room.
    """
    method = method.upper()
    if method not in (ics.REQUEST, ics.CANCEL):
        raise ValueError(f"unknown invitation method {method!r}")
    event = _event(event_id)
    if event is None:
        return 0
    if method == ics.REQUEST and (event.sequence > sequence or event.is_cancelled):
        return 0
    members = [membership.user for membership in
               room_permissions.memberships_viewing([event.room_id])
               .select_related("user__profile").order_by("user_id")]
    answers = dict(event.rsvps.values_list("user_id", "answer"))
    by = User.objects.filter(pk=by_id).first() if by_id else event.created_by
    by_name = by.name if by else settings.SITE_NAME
    across_a_block = permissions.invitation_withheld_from(event)
    sent = 0
    for member in members:
        with translation.override(settings.LANGUAGE_CODE):
            when = when_text(event, member)
            if member.pk != by_id:
                _tell(event, member, method, when, by_name, by)
            if member.pk not in across_a_block and hooks.email_wanted(member, KIND):
                sent += _email(event, member, method, when, answers.get(member.pk, ""))
    return sent


def _url(event: Event, method: str) -> str:
    if method == ics.CANCEL:
        return reverse("room", args=[event.room_id])
    return reverse("calendar_event", args=[event.pk])


def _tell(event: Event, member: User, method: str, when: str, by_name: str,
          by: User | None) -> None:
    if method == ics.CANCEL:
        what = _("cancelled")
    elif event.sequence == 0:
        what = _("proposed for %(when)s") % {"when": when}
    else:
        what = _("changed: %(when)s") % {"when": when}
    hooks.tell(member, KIND, {"name": by_name, "title": event.title, "when": what},
               _url(event, method), actor=by)


def _email(event: Event, member: User, method: str, when: str, answer: str) -> int:
    cal = ics.calendar([event], method=method, reader=member,
                       answers={event.pk: answer})
    context: dict[str, Any] = {
        "event": event, "when": when, "method": method, "site_name": settings.SITE_NAME,
        "updated": event.sequence > 0, "cancelled": method == ics.CANCEL,
        "organiser": event.created_by.name if event.created_by else "",
        "url": settings.BASE_URL + _url(event, method),
        "room_url": ics.room_url(event), "room_name": event.room.name,
        "preferences_url": settings.BASE_URL + "/notifications/preferences/",
    }
    subject = render_to_string("calendar_app/email/invitation_subject.txt", context)
    body = render_to_string("calendar_app/email/invitation_body.txt", context)
    message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[member.email])
    part = MIMEPart()
    part.set_content(ics.to_bytes(cal).decode(), subtype="calendar", charset="utf-8",
                     params={"method": method}, disposition="attachment",
                     filename="invite.ics")
    message.attach(part)
    try:
        message.send()
    except OSError:  # smtplib's errors are OSErrors: one bad address stops no one else
        logger.exception("invitation to member %s for event %s not sent", member.pk, event.pk)
        return 0
    return 1
