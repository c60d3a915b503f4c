"""Documents shared in a room, each with every version ever uploaded.

A document is a room item on the room's event log: every change (created, a new
version, renamed, deleted) takes the room's next `rev` (rooms.services) and stamps the
document with it, so a socket catches up on documents the way it does on messages. A
deleted document stays as a tombstone row (no file, no name shown) so that catch-up can
tell clients it is gone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Document(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=200)  # the latest version's name
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    rev = models.PositiveBigIntegerField()  # the room rev of its latest change
    version_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)  # not deleted
    # What search reads: its name and the latest version's text (documents.search); the
    # database indexes it (migration 0005).
    search_text = models.TextField(blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator after a report: deleted as above (files removed), and its
    # page says so to the room's members.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["room", "rev"], name="document_room_rev")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def stored_name(room_id: int, token: str) -> str:
    """Stored under a name of the server's choosing: the member's file name is data only."""
    return f"documents/{room_id}/{token}"


def version_path(version: Version, filename: str) -> str:
    return stored_name(version.document.room_id, version.token)


# pending: the task worker has not made it yet; ready: made; none: this kind has no
# preview (shown as a card); failed: the file could not be read for one.
PREVIEW_STATES = ("pending", "ready", "none", "failed")


class Version(models.Model):
    """One upload of a document. `kind` is what the bytes are (documents.files), never
    what the name or the browser claimed."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=200)
    note = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=100)  # a MIME type from the allow-list
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=version_path, max_length=300)
    preview_state = models.CharField(max_length=8, choices=[(s, s) for s in PREVIEW_STATES],
                                     default="pending")
    # An image (a thumbnail, a PDF's first page) or, for text and Markdown, sanitised HTML.
    preview = models.FileField(upload_to=version_path, max_length=300, blank=True)
    preview_html = models.TextField(blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)  # a PDF's
    text = models.TextField(blank=True)  # extracted for search (PDFs and text files)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint("document", "number", name="version_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class Comment(models.Model):
    """A comment on a document. Adding or deleting one is a change of its document (its
    `rev` and `comment_count`), so the room hears it in order."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.document_id}"
