"""Her calendar settings: the secret of her private feed, and her reminders.

The feed's secret is shown once, when it is made: only its sha256 is stored, so a copy
of the database opens no one's feed. Making a new one replaces the old (its URL stops
working at once); revoking leaves her with none.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_app import permissions
from calendar_app.models import MemberCalendar
from community.models import User

# Minutes before an event a reminder may be set at: the menu of the settings page.
REMINDER_CHOICES = (0, 5, 10, 15, 30, 60, 120, 1440, 2880, 10080)
MAX_REMINDERS = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def member_calendar_get(user: User) -> MemberCalendar:
    """Her settings row, made with the defaults the first time."""
    row, _created = MemberCalendar.objects.get_or_create(user=user)
    return row


def _own(user: User) -> MemberCalendar:
    if not permissions.can_have_feed(user):
        raise PermissionDenied(_("You cannot change calendar settings."))
    member_calendar_get(user)
    return MemberCalendar.objects.select_for_update().get(user=user)


def feed_token_make(*, user: User) -> str:
    """A new secret for her feed (returned once; only its hash is kept). The previous
    one stops working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = _own(user)
        row.feed_token_hash = token_hash(token)
        row.feed_created_at = timezone.now()
        row.save(update_fields=["feed_token_hash", "feed_created_at"])
    return token


def feed_token_revoke(*, user: User) -> None:
    """Her feed's URL stops working; she has none until she makes a new one."""
    with transaction.atomic():
        row = _own(user)
        row.feed_token_hash = ""  # nosec B105  # an empty token hash: no feed link, not a password
        row.feed_created_at = None
        row.save(update_fields=["feed_token_hash", "feed_created_at"])


def _minutes(values: Iterable[object]) -> list[int]:
    chosen: set[int] = set()
    for value in values:
        try:
            minutes = int(str(value).strip())
        except ValueError:
            raise ValidationError(_("Choose reminders from the list.")) from None
        if minutes not in REMINDER_CHOICES:
            raise ValidationError(_("Choose reminders from the list."))
        chosen.add(minutes)
    if len(chosen) > MAX_REMINDERS:
        raise ValidationError(_("Choose at most %(max)d reminders.") % {"max": MAX_REMINDERS})
    return sorted(chosen, reverse=True)


def reminders_set(*, user: User, minutes: Iterable[object], email: bool) -> MemberCalendar:
    """Her reminders (minutes before each event, from REMINDER_CHOICES, at most
    MAX_REMINDERS; none is allowed) and whether they also come by e-mail."""
    if isinstance(minutes, (str, bytes)):
        raise ValidationError(_("Choose reminders from the list."))
    chosen = _minutes(minutes)
    with transaction.atomic():
        row = _own(user)
        row.reminders = chosen
        row.reminder_email = bool(email)
        row.save(update_fields=["reminders", "reminder_email"])
    return row
