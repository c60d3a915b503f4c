"""A document as a report names it (community.moderation, wired in `server.features`):
who may report it, and what a moderator sees of it: its name, kind, size and preview,
never its comments or the room's other documents."""

from __future__ import annotations

from typing import Any

from django.utils.html import strip_tags

from community.hooks import ReportedItem
from community.models import User
from documents import files, permissions, selectors
from documents.models import Document

EXCERPT_CHARS = 600


def document_reported(viewer: User, document_id: int,
                      room_id: int | None) -> ReportedItem | None:
    """A live document of a room she may see now."""
    document = (Document.objects.select_related("room")
                .filter(pk=document_id, deleted_at__isnull=True).first())
    if document is None or not permissions.can_view(viewer, document.room):
        return None
    return ReportedItem(room_id=document.room_id, member_id=document.uploaded_by_id,
                        label=document.name, excerpt=document.name,
                        url=f"/documents/{document.pk}/")


def document_context(document_id: int, room_id: int | None) -> dict[str, Any]:
    document = Document.objects.select_related("room").filter(pk=document_id).first()
    if document is None:
        return {"gone": True}
    latest = None if document.is_deleted else selectors.latest_version(document)
    return {
        "name": document.name, "room": str(document.room),
        "state": "hidden" if document.hidden_at else "deleted" if document.is_deleted else "",
        "kind": latest.kind if latest else "",
        "size": files.human_size(latest.size) if latest else "",
        "text": strip_tags(latest.preview_html).strip()[:EXCERPT_CHARS] if latest else "",
        "has_preview_image": bool(latest and latest.preview),
    }


def document_preview_file(document_id: int) -> tuple[str, str] | None:
    """The stored name and type of the latest version's preview image (made by the task
    worker from the bytes, re-encoded as WebP without metadata), for the moderation page
    only."""
    document = Document.objects.filter(pk=document_id, deleted_at__isnull=True).first()
    latest = selectors.latest_version(document) if document is not None else None
    if latest is None or not latest.preview:
        return None
    return str(latest.preview.name), "image/webp"
