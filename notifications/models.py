"""A member's notification centre and how she wants to be told, per kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # What it is about, so it is marked read when she acts on that: the room (and, for a
    # message, its `seq`: reading the room up to it reads the notification), or another
    # thing named "request:12", "application:3".
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=60, blank=True)
    # False: kept only for the missed-message e-mail of a chat kind she wants by e-mail
    # and not in the app; never shown in her centre.
    shown = models.BooleanField(default=True)
    # When the missed-message sweep settled it (chat kinds only): e-mailed, or found never
    # to be (e-mail off for its kind, a muted room); so no e-mail carries it twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True),
                         name="notification_user_unread"),
            models.Index(fields=["user", "room"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_room"),
            models.Index(fields=["created_at"],
                         condition=models.Q(read_at__isnull=True, emailed_at__isnull=True,
                                            room__isnull=False),
                         name="notification_missed_due"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Preference(models.Model):
    """How one member wants one kind: in the centre, by e-mail, both, or neither (off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint("user", "kind", name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Settings(models.Model):
    """Her choices that are not per kind."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A mention or direct message still unread this long, with no page of hers open,
    # is e-mailed (one e-mail gathers them).
    missed_after_minutes = models.PositiveSmallIntegerField(default=10)

    def __str__(self) -> str:
        return f"{self.user_id} settings"


class RoomEmail(models.Model):
    """The last missed-message e-mail about one room: at most one per room per hour."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint("user", "room", name="room_email_once")]

    def __str__(self) -> str:
        return f"{self.user_id} room {self.room_id} {self.sent_at}"
