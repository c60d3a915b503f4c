"""Reading documents for a viewer who may see their room (callers ask documents.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.urls import reverse

from community.models import User
from documents.models import Document, Version
from rooms import permissions as room_permissions
from rooms.protocol import DocumentPayload

SORTS = {
    "newest": ("-updated_at", "-pk"),
    "oldest": ("updated_at", "pk"),
    "name": ("name", "pk"),
    "size": ("-latest_size", "-pk"),
}
KIND_FILTERS: dict[str, Q] = {
    "pdf": Q(latest_kind="application/pdf"),
    "image": Q(latest_kind__startswith="image/"),
    "text": Q(latest_kind__startswith="text/"),
    "office": Q(latest_kind__startswith="application/vnd.")
    | Q(latest_kind__in=["application/msword", "application/rtf", "application/epub+zip"]),
    "archive": Q(latest_kind="application/zip"),
}


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def latest_version(document: Document) -> Version | None:
    versions = getattr(document, "latest", None)
    if versions is not None:
        return versions[0] if versions else None
    return document.versions.select_related("uploaded_by").order_by("-number").first()


def document_payload(document: Document, latest: Version | None = None) -> DocumentPayload:
    if document.is_deleted:
        return {"id": document.pk, "room_id": document.room_id, "rev": document.rev,
                "name": "", "kind": "", "size": 0, "version": 0, "comments": 0, "shared_by": None,
                "uploaded_by": None,
                "created_at": _iso(document.created_at), "updated_at": _iso(document.updated_at),
                "url": "", "download_url": "", "preview": "", "preview_url": "",
                "pages": None, "deleted": True}
    latest = latest or latest_version(document)
    assert latest is not None  # nosec B101  # a live document has a version (narrows the type)
    author, sharer = latest.uploaded_by, document.uploaded_by
    return {
        "id": document.pk, "room_id": document.room_id, "rev": document.rev,
        "name": document.name, "kind": latest.kind, "size": latest.size,
        "version": latest.number, "comments": document.comment_count,
        "shared_by": {"id": sharer.pk, "name": sharer.name} if sharer else None,
        "uploaded_by": {"id": author.pk, "name": author.name} if author else None,
        "created_at": _iso(document.created_at), "updated_at": _iso(document.updated_at),
        "url": reverse("document", args=[document.pk]),
        "download_url": reverse("document_download", args=[document.pk, latest.number]),
        "preview": latest.preview_state,  # type: ignore[typeddict-item]
        "preview_url": reverse("document_preview", args=[document.pk, latest.number])
        if latest.preview else "",
        "pages": latest.pages,
        "deleted": False,
    }


def _with_latest(documents: QuerySet[Document]) -> QuerySet[Document]:
    latest = Version.objects.filter(document=OuterRef("pk")).order_by("-number")
    return documents.annotate(
        latest_kind=Subquery(latest.values("kind")[:1]),
        latest_size=Subquery(latest.values("size")[:1]),
    ).prefetch_related(Prefetch(
        "versions", to_attr="all_versions",
        queryset=Version.objects.select_related("uploaded_by").order_by("-number")))


def _listed(documents: QuerySet[Document], *, sort: str, kind: str,
            query: str) -> list[Document]:
    """Not deleted, filtered, sorted, at most 500, each with `all_versions` newest first
    and `latest` (a list of one)."""
    documents = _with_latest(documents.filter(deleted_at__isnull=True))
    if kind in KIND_FILTERS:
        documents = documents.filter(KIND_FILTERS[kind])
    if query.strip():
        documents = documents.filter(name__icontains=query.strip()[:200])
    found = list(documents.order_by(*SORTS.get(sort, SORTS["newest"]))[:500])
    for document in found:
        document.latest = document.all_versions[:1]  # type: ignore[attr-defined]
    return found


def room_documents(room_id: int, *, sort: str = "newest", kind: str = "",
                   query: str = "") -> list[Document]:
    """The room's documents (callers ask documents.permissions first)."""
    return _listed(Document.objects.filter(room_id=room_id).select_related("uploaded_by"),
                   sort=sort, kind=kind, query=query)


def room_documents_paged(room_id: int, *, kind: str = "") -> QuerySet[Document]:
    """The room's documents not deleted, for a page of the API (ordered by its caller),
    each with `all_versions` newest first: one query for the page and one for all its
    versions, however many (callers ask documents.permissions first)."""
    documents = _with_latest(Document.objects.filter(room_id=room_id, deleted_at__isnull=True)
                             .select_related("uploaded_by"))
    if kind in KIND_FILTERS:
        documents = documents.filter(KIND_FILTERS[kind])
    return documents


def with_versions(document: Document) -> Document:
    """The document again, with `all_versions` (newest first) and `latest`."""
    found = _with_latest(Document.objects.filter(pk=document.pk).select_related(
        "uploaded_by")).get()
    found.room = document.room
    found.latest = found.all_versions[:1]  # type: ignore[attr-defined]
    return found


def library(viewer: User, *, sort: str = "newest", kind: str = "", query: str = "",
            whose: str = "") -> list[Document]:
    """"My documents": every document of every room she is in now; `whose`: "mine" (she
    shared them) or "shared" (others did), else both."""
    room_ids = room_permissions.rooms_visible_to(viewer).values("pk")
    documents = Document.objects.filter(room_id__in=room_ids)
    if whose == "mine":
        documents = documents.filter(uploaded_by=viewer)
    elif whose == "shared":
        documents = documents.exclude(uploaded_by=viewer)
    return _listed(documents.select_related("uploaded_by", "room"), sort=sort, kind=kind,
                   query=query)


def ids_in_room(room_id: int, ids: set[int]) -> set[int]:
    """Those of `ids` that are documents of the room, not deleted (chat.attachments)."""
    return set(Document.objects.filter(room_id=room_id, pk__in=ids, deleted_at__isnull=True)
               .values_list("pk", flat=True))


def bytes_used_by(user_id: int) -> int:
    return Version.objects.filter(uploaded_by_id=user_id, document__deleted_at__isnull=True
                                  ).aggregate(total=Sum("size"))["total"] or 0


def bytes_used_in(room_id: int) -> int:
    return Version.objects.filter(document__room_id=room_id, document__deleted_at__isnull=True
                                  ).aggregate(total=Sum("size"))["total"] or 0


def catch_up_events(viewer: User, room_id: int, after_rev: int, room_rev: int | None
                    ) -> tuple[list[dict[str, Any]], bool]:
    """`documents.changed` for every document changed after `after_rev` (rooms.catchup,
    which has asked whether `viewer` may see the room)."""
    from rooms.catchup import CATCH_UP_MAX

    if room_rev is not None and room_rev <= after_rev:
        return [], False
    changed = list(_with_latest(Document.objects.filter(room_id=room_id, rev__gt=after_rev)
                                .select_related("uploaded_by")).order_by("rev")
                   [:CATCH_UP_MAX + 1])
    if len(changed) > CATCH_UP_MAX:
        return [], True
    for document in changed:
        document.latest = document.all_versions[:1]  # type: ignore[attr-defined]
    return [{"type": "documents.changed", "room_id": room_id, "rev": document.rev,
             "document": document_payload(document)} for document in changed], False
