"""What documents keeps of a member, for "Download my data" and the account's erasure
(registered in `server/features.py`)."""

from __future__ import annotations

from typing import Any

from community.models import User
from documents import services
from documents.models import Comment, Version


def _versions(user: User) -> list[Version]:
    return list(Version.objects.filter(uploaded_by=user, document__deleted_at__isnull=True)
                .select_related("document__room").order_by("document_id", "number"))


def version_rows(user: User) -> list[dict[str, Any]]:
    """Every version she uploaded of a document still shared, with its room's name."""
    return [{"document": version.document.name, "document_id": version.document_id,
             "room": version.document.room.name or version.document.room.get_kind_display(),
             "version": version.number, "file_name": version.name, "note": version.note,
             "kind": version.kind, "size": version.size, "sha256": version.sha256,
             "uploaded_at": version.created_at}
            for version in _versions(user)]


def version_files(user: User) -> list[tuple[str, str]]:
    return [(f"{version.document_id}-v{version.number}-{version.name}", str(version.file.name))
            for version in _versions(user) if version.file]


def comment_rows(user: User) -> list[dict[str, Any]]:
    """Her comments, with their room's name; the document, another member's maybe, by id."""
    comments = (Comment.objects.filter(author=user, deleted_at__isnull=True,
                                       document__deleted_at__isnull=True)
                .select_related("document__room").order_by("created_at", "pk"))
    return [{"document_id": comment.document_id,
             "room": comment.document.room.name or comment.document.room.get_kind_display(),
             "written_at": comment.created_at, "text": comment.text}
            for comment in comments]


def documents_erase(user: User, keep: bool) -> int:
    """Her files always go; her comments follow the community's policy for her words."""
    return services.member_documents_erase(user_id=user.pk, erase_comments=not keep)
