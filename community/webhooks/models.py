"""A receiver the admins registered, and each event's delivery to it (the log)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Webhook(models.Model):
    """A URL told of the events it chose, each POST signed with its own secret.

    The secret is kept as is (each request is signed with it) and shown to the admin only
    when it is made. `paused_at`: its deliveries failed for 24 hours without a success;
    nothing is sent until an admin resumes it. `failing_since`: the first failure since
    its last success.
    """

    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80)
    enabled = models.BooleanField(_("enabled"), default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    dropped = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        verbose_name = _("webhook")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def active(self) -> bool:
        return self.enabled and self.paused_at is None


class WebhookDelivery(models.Model):
    """One event for one hook. `queued`: its task is on the worker's queue; `sending`: an
    attempt is under way; `retrying`: waits for `next_attempt_at` (the sweep queues it);
    `delivered` and `failed` are final (a replay makes a new row); `dropped`: the hook had
    too many waiting already, never sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Dropped")

    WAITING = (Status.QUEUED, Status.SENDING, Status.RETRYING)
    DONE = (Status.DELIVERED, Status.FAILED, Status.DROPPED)

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=40)
    body = models.TextField()  # the exact bytes sent (UTF-8), signed at each attempt
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)  # put on the worker's queue
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        app_label = "community"
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> {self.webhook_id}"
