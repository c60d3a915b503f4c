"""Messages of a room, their reactions and mentions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    """One message. `seq` numbers the room's messages; `rev` is the room revision of its
    latest change (creation, edit, deletion or reactions), so changes can be replayed.

    A deleted message keeps its row and place, with its text emptied, `deleted_at` and
    `deleted_by` set."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="messages")
    seq = models.PositiveBigIntegerField()
    rev = models.PositiveBigIntegerField()
    created_rev = models.PositiveBigIntegerField()  # the room rev at which it was created
    client_id = models.CharField(max_length=64)
    text = models.TextField()
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Who deleted it: its author, or a room's owner or moderator (chat.permissions).
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")
    # Hidden by a moderator after a report (community.moderation): deleted as above, and
    # shown as "hidden by a moderator" to everyone.
    hidden_at = models.DateTimeField(null=True, blank=True)
    # A notice the server posts in the room (break-glass access opened or ended): no
    # author; no member edits or deletes it. The send path's INSERT leaves it to its
    # database default.
    notice = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint("room", "seq", name="message_seq_unique"),
            models.UniqueConstraint("room", "author", "client_id", name="message_client_id_once"),
        ]
        indexes = [models.Index(fields=["room", "rev"], name="message_room_rev")]

    def __str__(self) -> str:
        return f"#{self.seq} in room {self.room_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("message", "user", "emoji", name="reaction_once"),
        ]

    def __str__(self) -> str:
        return self.emoji


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="mentions")

    class Meta:
        constraints = [models.UniqueConstraint("message", "user", name="mention_once")]
        indexes = [models.Index(fields=["user", "message"])]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"
