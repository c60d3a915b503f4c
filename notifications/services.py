"""Telling members what happened: the centre, live over her sockets, and e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import User
from community.tasks import email_send
from notifications import kinds, permissions, selectors
from notifications.models import Notification, Preference
from rooms import protocol


def notify(*, user: User, kind: str, params: dict[str, Any], url: str = "",
           email: bool = True) -> Notification | None:
    """Record and deliver one notification as `user` prefers; call inside the writer's transaction.

    The live event and the e-mail leave only after commit, so a rolled-back change tells
    nobody. Returns the centre's row, or None when she turned this kind off in the app.
    `email=False`: no e-mail from here, whatever her preference for the kind: the caller
    sends its own (a calendar invitation carries an .ics), or a switch of hers elsewhere
    says no (her calendar's "reminders by e-mail").
    """
    if kind not in kinds.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.is_active:
        return None
    wants_in_app, wants_email = selectors.preference_for(user, kind)
    wants_email = wants_email and email
    notification = None
    if wants_in_app:
        notification = Notification.objects.create(user=user, kind=kind, params=params, url=url)
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
                type="notifications.read", unread=count))
    return count


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
