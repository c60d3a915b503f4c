"""Who may see or do what with documents: the only place these rules live.

Documents belong to their room and follow its rules (rooms.permissions), asked now, at
every read: whoever may not see the room gets the same 404 as for a document that does
not exist, and a removed member loses every document of the room at once. Writing
(upload, new version, delete) needs the right to post in the room: nothing changes in an
archived room or, in a pair room, across a block. Search never brings her the documents
or comments of a member a block stands between her and (`hidden_authors`).
"""

from __future__ import annotations

from django.http import Http404

from community.permissions import Viewer, blocked_either_way
from documents.models import Comment, Document, Version
from rooms import permissions as room_permissions
from rooms.models import Room


def can_view(user: Viewer, room: Room) -> bool:
    return room_permissions.can_view_room(user, room)


def can_upload(user: Viewer, room: Room) -> bool:
    return room_permissions.can_post(user, room)


def can_add_version(user: Viewer, document: Document) -> bool:
    """Any member who may post adds a version: documents are shared work."""
    return not document.is_deleted and room_permissions.can_post(user, document.room)


def can_rename(user: Viewer, document: Document) -> bool:
    """Whoever may add a version renames it (a new version names the document anyway)."""
    return can_add_version(user, document)


def can_delete(user: Viewer, document: Document) -> bool:
    """The uploader deletes hers; owners and moderators delete any in their room."""
    if document.is_deleted or not room_permissions.can_post(user, document.room):
        return False
    return (document.uploaded_by_id == getattr(user, "pk", None)
            or room_permissions.can_moderate(user, document.room))


def can_report(user: Viewer, document: Document) -> bool:
    """Any member who sees it reports a document someone else shared (the report itself
    is checked again by community.moderation)."""
    return (not document.is_deleted and document.uploaded_by_id != getattr(user, "pk", None)
            and can_view(user, document.room))


def can_comment(user: Viewer, document: Document) -> bool:
    return not document.is_deleted and room_permissions.can_post(user, document.room)


def can_delete_comment(user: Viewer, comment: Comment) -> bool:
    """The author, or the room's owners and moderators; nothing changes in an archived room."""
    document = comment.document
    if comment.deleted_at is not None or document.is_deleted or document.room.is_archived:
        return False
    if not room_permissions.can_view_room(user, document.room):
        return False
    return (comment.author_id == getattr(user, "pk", None)
            or room_permissions.can_moderate(user, document.room))


def hidden_authors(viewer: Viewer) -> set[int]:
    """The members whose documents (shared by them) and comments (written by them) her
    search never shows: those she blocked or who blocked her, in any room kind, as for
    chat's message search. The room's Documents tab and each document's page still show
    them, as a room's history shows their messages."""
    if not getattr(viewer, "is_authenticated", False):
        return set()
    return blocked_either_way(int(viewer.pk or 0))


def access_document(user: Viewer, document_id: int) -> Document:
    """The document, if she may see it now; else the one 404 of a missing document."""
    document = (Document.objects.select_related("room", "uploaded_by")
                .filter(pk=document_id, deleted_at__isnull=True).first())
    if document is None or not can_view(user, document.room):
        raise Http404("No such document.")
    return document


def hidden_document(user: Viewer, document_id: int) -> Document | None:
    """A document a moderator hid, if she may see its room now (its page says it was
    hidden, to the room's members only); else None."""
    document = (Document.objects.select_related("room")
                .filter(pk=document_id, hidden_at__isnull=False).first())
    if document is None or not can_view(user, document.room):
        return None
    return document


def access_version(user: Viewer, document_id: int, number: int) -> Version:
    document = access_document(user, document_id)
    version = document.versions.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    version.document = document
    return version
