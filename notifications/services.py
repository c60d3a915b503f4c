"""Telling members what happened: the centre, live over her sockets, and e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import User
from community.tasks import email_send
from notifications import kinds, permissions, selectors
from notifications.models import Notification, Preference, Settings
from rooms import protocol

MISSED_DELAYS = (2, 10, 30, 60, 240)  # minutes a member may choose for missed-message e-mails


def notify(*, user: User, kind: str, params: dict[str, Any], url: str = "",
           email: bool = True, room_id: int | None = None, seq: int | None = None,
           subject: str = "", actor: User | None = None) -> Notification | None:
    """Record and deliver one notification as `user` prefers; call inside the writer's transaction.

    The live event and the e-mail leave only after commit, so a rolled-back change tells
    nobody. Returns the centre's row, or None when she turned this kind off in the app.
    `email=False`: no e-mail from here, whatever her preference for the kind: the caller
    sends its own (a calendar invitation carries an .ics), or a switch of hers elsewhere
    says no (her calendar's "reminders by e-mail"). A chat kind's e-mail is never sent
    from here: the missed-message e-mail (notifications.missed) gathers it later, if
    she has not read it by then. `room_id`/`seq`/`subject`: what it is about, so that
    acting on it reads it (`room_read`, `subject_done`). `actor`: who did what it tells
    of; across a block between her and `user`, either way, nothing is told at all.
    """
    entry = kinds.KINDS.get(kind)
    if entry is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.is_active or not permissions.may_be_told(user, actor):
        return None
    wants_in_app, wants_email = selectors.preference_for(user, kind)
    # A bot has no mailbox (rooms.bots): it reads its notifications through the API.
    wants_email = wants_email and email and not entry.missed_email and not user.is_bot
    notification = None
    if wants_in_app or (entry.missed_email and wants_email):
        # A chat kind wanted by e-mail only is recorded unshown: the missed-message
        # e-mail finds it, unless she reads the room first.
        notification = Notification.objects.create(
            user=user, kind=kind, params=params, url=url, room_id=room_id, seq=seq,
            subject=subject, shown=wants_in_app)
        if not wants_in_app:
            return None
        protocol.publish_to_user(user.pk, protocol.NotificationCreated(
            type="notification.created",
            notification=selectors.notification_payload(notification),
            unread=selectors.unread_count(user)))
    if wants_email and email:
        language = settings.LANGUAGE_CODE  # members have no language of their own yet
        with translation.override(language):
            text = kinds.render(kind, params)
        context = {"text": text, "url": settings.BASE_URL + url if url else "",
                   "preferences_url": settings.BASE_URL + "/notifications/preferences/"}
        transaction.on_commit(lambda: email_send.enqueue(
            to=user.email, template="notifications/email/notification", context=context,
            language=language))
    return notification


def notifications_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark her notifications read (all of them when `ids` is None); returns her unread count."""
    with transaction.atomic():
        unread = permissions.notifications_visible_to(user).filter(read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        changed = unread.update(read_at=timezone.now())
        count = selectors.unread_count(user)
        if changed:
            protocol.publish_to_user(user.pk, protocol.NotificationsRead(
                type="notifications.read", ids=ids, unread=count))
    return count


def _read_these(user_id: int, unread: QuerySet[Notification]) -> None:
    """Mark `unread` (hers, unread) read and tell her tabs which; inside a transaction."""
    ids = list(unread.values_list("pk", flat=True)[:500])
    if not ids:
        return
    Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
    count = selectors.unread_count(User.objects.get(pk=user_id))
    protocol.publish_to_user(user_id, protocol.NotificationsRead(
        type="notifications.read", ids=ids, unread=count))


def room_read(*, user_id: int, room_id: int, seq: int) -> None:
    """She read her room up to `seq`: what told her of its messages up to there is read."""
    with transaction.atomic():
        _read_these(user_id, Notification.objects.filter(
            user_id=user_id, room_id=room_id, read_at__isnull=True, seq__lte=seq))


def call_joined(*, user_id: int, room_id: int) -> None:
    """She joined the room's call: the ring that told her of it is read."""
    with transaction.atomic():
        _read_these(user_id, Notification.objects.filter(
            user_id=user_id, room_id=room_id, kind="call_started", read_at__isnull=True))


def subject_done(*, subject: str, user_id: int | None = None) -> None:
    """What `subject` names was acted on (a request answered, an application decided):
    its notifications are read, for `user_id` or for everyone told of it."""
    with transaction.atomic():
        unread = Notification.objects.filter(subject=subject, read_at__isnull=True)
        if user_id is not None:
            unread = unread.filter(user_id=user_id)
        for owner in sorted(set(unread.values_list("user_id", flat=True))):
            _read_these(owner, unread.filter(user_id=owner))


def settings_update(*, viewer: User, member: User, missed_after_minutes: int) -> None:
    if not permissions.can_change_preferences(viewer, member):
        raise PermissionDenied
    if missed_after_minutes not in MISSED_DELAYS:
        raise ValidationError(_("Choose one of the delays offered."))
    Settings.objects.update_or_create(
        user=member, defaults={"missed_after_minutes": missed_after_minutes})


def preferences_update(*, viewer: User, member: User, values: dict[str, tuple[bool, bool]]) -> None:
    """Save (in_app, email) per kind; unknown kinds are refused and nothing is saved."""
    if not permissions.can_change_preferences(viewer, member):
        raise PermissionDenied
    unknown = set(values) - set(kinds.KINDS)
    if unknown:
        raise ValidationError(_("Unknown notification kinds: %(kinds)s")
                              % {"kinds": ", ".join(sorted(unknown))})
    with transaction.atomic():
        for kind, (in_app, email) in values.items():
            Preference.objects.update_or_create(
                user=member, kind=kind, defaults={"in_app": in_app, "email": email})
