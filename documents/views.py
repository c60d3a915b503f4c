"""Documents pages, uploads and downloads. Every view asks documents.permissions now.

Uploads answer JSON to the page's script (`Accept: application/json`) and redirect with
a message otherwise, so the forms also work without script. Downloads go through
`download`: nothing under MEDIA_ROOT has a public URL.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community.permissions import member_of
from community.ratelimit import RateLimited, limit_member
from documents import files, permissions, selectors, services, tasks
from documents.models import Comment, Document, Version
from rooms import permissions as room_permissions
from rooms import selectors as room_selectors

log = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _failed(request: HttpRequest, status: int, detail: str, back: str,
            code: str = "invalid", retry_after: float | None = None) -> HttpResponse:
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"error": code, "detail": detail}, status=status)
    else:
        messages.error(request, detail)
        response = redirect(back)
    if retry_after is not None:
        response["Retry-After"] = str(max(1, round(retry_after)))
    return response


def _write(request: HttpRequest, back: str, action: Any) -> tuple[Any, HttpResponse | None]:
    """Run a service; turn its refusal into a clear answer that changed nothing."""
    try:
        return action(), None
    except ValidationError as error:
        return None, _failed(request, 400, " ".join(error.messages), back)
    except PermissionDenied as error:
        return None, _failed(request, 403, str(error) or _("You cannot do this."), back,
                             code="forbidden")
    except RateLimited as error:
        return None, _failed(request, 429, str(error), back, code="rate_limited",
                             retry_after=error.retry_after)
    except files.NotStored as error:
        log.error("an upload could not be stored: %s", error.error)
        return None, _failed(request, 507, str(error), back, code="not_stored")


def _one_file(request: HttpRequest) -> Any:
    uploads = request.FILES.getlist("file")
    if len(uploads) != 1:
        raise ValidationError(_("Choose one file to upload."))
    return uploads[0]


def _usage(viewer: Any, room_id: int) -> dict[str, Any]:
    mine, room = selectors.bytes_used_by(viewer.pk), selectors.bytes_used_in(room_id)
    return {
        "max_file": files.human_size(settings.DOCUMENTS_MAX_BYTES),
        "max_file_bytes": settings.DOCUMENTS_MAX_BYTES,
        "mine": files.human_size(mine), "mine_quota": files.human_size(
            settings.DOCUMENTS_MEMBER_QUOTA),
        "mine_left_bytes": max(0, settings.DOCUMENTS_MEMBER_QUOTA - mine),
        "room": files.human_size(room), "room_quota": files.human_size(
            settings.DOCUMENTS_ROOM_QUOTA),
        "room_left_bytes": max(0, settings.DOCUMENTS_ROOM_QUOTA - room),
        "mine_percent": min(100, round(100 * mine / max(1, settings.DOCUMENTS_MEMBER_QUOTA))),
        "room_percent": min(100, round(100 * room / max(1, settings.DOCUMENTS_ROOM_QUOTA))),
    }


def _rows(documents: list[Document]) -> list[dict[str, Any]]:
    rows = []
    for document in documents:
        latest = document.latest[0]  # type: ignore[attr-defined]
        rows.append({"document": document, "latest": latest,
                     "size": files.human_size(latest.size), "label": kind_label(latest.kind)})
    return rows


def kind_label(kind: str) -> str:
    if kind == "application/pdf":
        return "PDF"
    if kind.startswith("image/"):
        return _("Image")
    if kind == "text/markdown":
        return "Markdown"
    if kind.startswith("text/"):
        return _("Text")
    if kind == "application/zip":
        return "ZIP"
    return _("Document")


@require_GET
def room_documents(request: HttpRequest, room_id: int) -> HttpResponse:
    """The room's Documents tab: list, sort, filter, upload (drag and drop, picker, paste)."""
    viewer = member_of(request)
    room = room_permissions.access_room(viewer, room_id)
    sort, kind, query = (request.GET.get("sort", "newest"), request.GET.get("kind", ""),
                         request.GET.get("q", ""))
    if query.strip():
        limit_member("search", viewer)  # RateLimited: 429 (community.middleware)
    documents = selectors.room_documents(room.pk, sort=sort, kind=kind, query=query)
    return render(request, "documents/room_documents.html", {
        "room": room, "room_title": room_selectors.room_title(room, viewer),
        "rows": _rows(documents), "sort": sort, "kind": kind, "query": query,
        "sorts": selectors.SORTS, "kinds": selectors.KIND_FILTERS,
        "can_upload": permissions.can_upload(viewer, room), "usage": _usage(viewer, room.pk),
        # The room's rev read before its documents: what changes after reaches the page live.
        "boot": {"room_id": room.pk, "user_id": viewer.pk, "last_rev": room.last_rev,
                 "max_file_bytes": settings.DOCUMENTS_MAX_BYTES},
    })


@require_POST
def upload(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = member_of(request)
    room = room_permissions.access_room(viewer, room_id)
    back = f"/rooms/{room.pk}/documents/"

    def action() -> Document:
        upload = _one_file(request)
        return services.document_upload(user=viewer, room_id=room.pk, stream=upload,
                                        name=upload.name, note=request.POST.get("note", ""))

    document, failed = _write(request, back, action)
    if failed is not None:
        return failed
    if _wants_json(request):
        return JsonResponse({"document": selectors.document_payload(document)}, status=201)
    messages.success(request, _("“%(name)s” is shared with the room.") % {"name": document.name})
    return redirect(back)


@require_GET
def document_page(request: HttpRequest, document_id: int) -> HttpResponse:
    viewer = member_of(request)
    hidden = permissions.hidden_document(viewer, document_id)
    if hidden is not None:
        return render(request, "documents/hidden.html", {
            "room": hidden.room, "room_title": room_selectors.room_title(hidden.room, viewer)},
            status=410)
    document = permissions.access_document(viewer, document_id)
    versions = list(document.versions.select_related("uploaded_by").order_by("-number"))
    return render(request, "documents/document.html", {
        "document": document, "room": document.room,
        "room_title": room_selectors.room_title(document.room, viewer),
        "versions": [{"version": v, "size": files.human_size(v.size),
                      "label": kind_label(v.kind), "inline": v.kind in files.INLINE_KINDS}
                     for v in versions],
        "latest": versions[0],
        "can_add_version": permissions.can_add_version(viewer, document),
        "can_delete": permissions.can_delete(viewer, document),
        "can_report": permissions.can_report(viewer, document),
        "usage": _usage(viewer, document.room_id),
        "comments": [{"comment": comment,
                      "can_delete": permissions.can_delete_comment(viewer, comment)}
                     for comment in _comments_of(document)],
        "can_comment": permissions.can_comment(viewer, document),
        # The room's rev read with the document: what changes after reaches the page live.
        "boot": {"room_id": document.room_id, "user_id": viewer.pk,
                 "last_rev": document.room.last_rev, "document_id": document.pk,
                 "max_file_bytes": settings.DOCUMENTS_MAX_BYTES},
    })


def _comments_of(document: Document) -> list[Comment]:
    comments = list(document.comments.filter(deleted_at__isnull=True)
                    .select_related("author").order_by("created_at", "pk")[:1000])
    for comment in comments:
        comment.document = document
    return comments


@require_POST
def version_upload(request: HttpRequest, document_id: int) -> HttpResponse:
    viewer = member_of(request)
    document = permissions.access_document(viewer, document_id)
    back = f"/documents/{document.pk}/"

    def action() -> Version:
        upload = _one_file(request)
        return services.version_add(user=viewer, document_id=document.pk, stream=upload,
                                    name=upload.name, note=request.POST.get("note", ""))

    version, failed = _write(request, back, action)
    if failed is not None:
        return failed
    if _wants_json(request):
        version.document.refresh_from_db()
        return JsonResponse({"document": selectors.document_payload(version.document)},
                            status=201)
    messages.success(request, _("Version %(number)d is uploaded.") % {"number": version.number})
    return redirect(back)


@require_POST
def delete(request: HttpRequest, document_id: int) -> HttpResponse:
    viewer = member_of(request)
    document = permissions.access_document(viewer, document_id)
    back = f"/documents/{document.pk}/"
    deleted, failed = _write(request, back, lambda: services.document_delete(
        user=viewer, document_id=document.pk))
    if failed is not None:
        return failed
    if _wants_json(request):
        return JsonResponse({"document": selectors.document_payload(deleted)})
    messages.success(request, _("“%(name)s” is deleted.") % {"name": document.name})
    return redirect(f"/rooms/{document.room_id}/documents/")


@require_GET
def download(request: HttpRequest, document_id: int, number: int) -> HttpResponseBase:
    """One version's file, for a member of its room now (`version_file`)."""
    viewer = member_of(request)
    version = permissions.access_version(viewer, document_id, number)
    return version_file(version, save=request.GET.get("download") == "1")


def version_file(version: Version, *, save: bool = False) -> HttpResponseBase:
    """A version's file, for a caller who was let through `permissions.access_version`
    (the page's download and the API's). Images and PDFs are shown in the browser
    (`save` makes them a download); everything else is an attachment. Never sniffed,
    never rendered as a page of this site (a sandbox without scripts)."""
    inline = version.kind in files.INLINE_KINDS and not save
    disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(version.name)}"
    if settings.DOCUMENTS_SENDFILE_HEADER:
        response: HttpResponseBase = HttpResponse()
        if settings.DOCUMENTS_SENDFILE_HEADER.lower() == "x-accel-redirect":
            target = settings.DOCUMENTS_SENDFILE_PREFIX.rstrip("/") + "/" + quote(
                version.file.name or "")
        else:
            target = version.file.path
        response[settings.DOCUMENTS_SENDFILE_HEADER] = target
    else:
        try:
            handle = version.file.open("rb")
        except OSError:
            raise Http404("The file is missing.") from None
        response = FileResponse(handle)
        response["Content-Length"] = str(version.size)
    response["Content-Type"] = version.kind + ("; charset=utf-8" if version.kind.startswith(
        "text/") else "")
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; " \
        "style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_POST
def comment_add(request: HttpRequest, document_id: int) -> HttpResponse:
    viewer = member_of(request)
    document = permissions.access_document(viewer, document_id)
    back = f"/documents/{document.pk}/#comments"
    comment, failed = _write(request, back, lambda: services.comment_add(
        user=viewer, document_id=document.pk, text=request.POST.get("text", "")))
    if failed is not None:
        return failed
    if _wants_json(request):
        return JsonResponse({"comment": {"id": comment.pk, "html": comment.html}}, status=201)
    return redirect(f"/documents/{document.pk}/#comment-{comment.pk}")


@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    viewer = member_of(request)
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    back = f"/documents/{comment.document_id}/#comments"  # services ask who may delete
    _deleted, failed = _write(request, back, lambda: services.comment_delete(
        user=viewer, comment_id=comment_id))
    if failed is not None:
        return failed
    if _wants_json(request):
        return JsonResponse({"comment": {"id": comment_id, "deleted": True}})
    return redirect(back)


@require_GET
def preview(request: HttpRequest, document_id: int, number: int) -> HttpResponseBase:
    """A version's preview image (a thumbnail, a PDF's first page), for a member of its
    room now; 404 while there is none."""
    viewer = member_of(request)
    version = permissions.access_version(viewer, document_id, number)
    if not version.preview and version.preview_state == "pending" \
            and version.kind in files.IMAGE_KINDS:
        # A thumbnail in a message asked for before the task worker got to it: made now
        # (what the worker would do; it finds it done).
        tasks.preview_make.call(version_id=version.pk)
        version = permissions.access_version(viewer, document_id, number)
    if not version.preview:
        raise Http404("No preview.")
    try:
        handle = version.preview.open("rb")
    except OSError:
        raise Http404("No preview.") from None
    response = FileResponse(handle, content_type="image/webp")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """My documents: everything in every room she is in now, hers or shared with her."""
    viewer = member_of(request)
    sort, kind, query, whose = (request.GET.get("sort", "newest"), request.GET.get("kind", ""),
                                request.GET.get("q", ""), request.GET.get("whose", ""))
    if query.strip():
        limit_member("search", viewer)  # RateLimited: 429 (community.middleware)
    documents = selectors.library(viewer, sort=sort, kind=kind, query=query, whose=whose)
    rows = _rows(documents)
    for row in rows:
        row["room_title"] = room_selectors.room_title(row["document"].room, viewer)
    return render(request, "documents/library.html", {
        "rows": rows, "sort": sort, "kind": kind, "query": query, "whose": whose,
        "sorts": selectors.SORTS, "kinds": selectors.KIND_FILTERS,
    })
