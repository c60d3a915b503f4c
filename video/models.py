"""A room's call and who is in it: the record every server process reads.

A participant is one socket (one tab): signalling addresses her by `peer_id`. She is in
the call while `left_at` is empty and her socket's `rooms.Connection` is fresh; a socket
of a process that died is pruned like presence is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.models import Room


class Call(models.Model):
    class Mode(models.TextChoices):
        P2P = "p2p", _("Peer to peer")
        RELAY = "relay", _("Server relay")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="calls")
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Relay calls: the channel of the server process that hosts the relay, and when
    # that host last said it was alive.
    relay_channel = models.CharField(max_length=200, blank=True)
    relay_seen_at = models.DateTimeField(null=True, blank=True)
    # Raised by every change the room is told of: `call.changed` events and signalling
    # travel separate ways and may arrive out of order; a client keeps the newest
    # (id, version) it has seen and drops older descriptions.
    version = models.PositiveIntegerField(default=0)
    # The room's `rev` of its latest announcement (rooms.services.rev_take): a socket that
    # holds the room up to an older rev is sent the call's current state (catch-up).
    rev = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(
            "room", condition=Q(ended_at__isnull=True), name="one_open_call_per_room")]

    def __str__(self) -> str:
        return f"Call in {self.room} ({self.mode})"


class Participant(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_participations")
    peer_id = models.CharField(max_length=32, unique=True)
    channel_name = models.CharField(max_length=200, db_index=True)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    audio = models.BooleanField(default=True)
    video = models.BooleanField(default=True)
    screen = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [models.UniqueConstraint(
            "call", "user", condition=Q(left_at__isnull=True), name="one_seat_per_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.call}"
