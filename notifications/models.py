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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True),
                         name="notification_user_unread"),
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
