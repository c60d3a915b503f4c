"""The open API's documents (docs/api.md): a room's documents with their versions, one
document, a version's file, uploads (a new document or a new version: multipart, as the
page sends them), renaming, deleting, and comments. Every rule is asked of
documents.permissions and every change goes through documents.services, as the pages'
do: the same kinds, sizes, quotas and rates, and the room's sockets hear the same
`documents.changed`."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import (
    MemberAPIView,
    StrictSerializer,
    Text,
    caller,
    pagination,
    validated,
)
from community.models import User
from documents import files, permissions, selectors, services, views
from documents.models import Comment, Document, Version
from documents.services import MAX_NOTE_CHARS
from rooms import permissions as room_permissions

log = logging.getLogger(__name__)

ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH,
                           description="One of her rooms (404 for any other).")
DOCUMENT_ID = OpenApiParameter("document_id", int, OpenApiParameter.PATH,
                               description="A document of one of her rooms (404 otherwise).")
NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH,
                          description="The version's number (1 for the first upload).")
COMMENT_ID = OpenApiParameter("comment_id", int, OpenApiParameter.PATH,
                              description="A comment on that document.")
KIND = OpenApiParameter("kind", str, OpenApiParameter.QUERY, required=False,
                        enum=sorted(selectors.KIND_FILTERS),
                        description="Only documents whose latest version is of this kind.")
SAVE = OpenApiParameter("download", str, OpenApiParameter.QUERY, required=False,
                        enum=["1"], description="1: an image or a PDF comes as an attachment "
                                                "too (else shown in the browser).")


class NotStored(exceptions.APIException):
    status_code = 507
    default_code = "not_stored"


# --- Answers ------------------------------------------------------------------------------
class DocumentPersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Who shared, uploaded or commented: her id and name (the schema's `DocumentPerson`)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = serializers.IntegerField()
    name = serializers.CharField(help_text="The file's name as uploaded.")
    note = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(help_text="Its MIME type, judged from its bytes.")
    size = serializers.IntegerField(help_text="In bytes.")
    sha256 = serializers.CharField()
    uploaded_by = DocumentPersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    download_url = serializers.CharField(help_text="The file, through the API (`GET`).")


class DocumentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The socket's DOCUMENT (docs/protocol.md), with every version, newest first."""

    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    rev = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The latest version's number.")
    comments = serializers.IntegerField()
    shared_by = DocumentPersonSerializer(allow_null=True)
    uploaded_by = DocumentPersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.CharField(allow_blank=True, help_text="Its page on the site.")
    download_url = serializers.CharField(allow_blank=True,
                                         help_text="The latest version, on the site.")
    preview = serializers.ChoiceField(choices=["pending", "ready", "none", "failed", ""])
    preview_url = serializers.CharField(allow_blank=True)
    pages = serializers.IntegerField(allow_null=True)
    deleted = serializers.BooleanField()
    versions = VersionSerializer(many=True)


class DocumentDetailSerializer(DocumentSerializer):
    can_add_version = serializers.BooleanField()
    can_rename = serializers.BooleanField()
    can_delete = serializers.BooleanField()
    can_comment = serializers.BooleanField()


class CommentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    document_id = serializers.IntegerField()
    author = DocumentPersonSerializer(allow_null=True)
    text = serializers.CharField(help_text="Markdown as typed.")
    html = serializers.CharField(help_text="Sanitised.")
    created_at = serializers.DateTimeField()
    can_delete = serializers.BooleanField()


# --- Requests -----------------------------------------------------------------------------
class UploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="One file. Its kind is judged from its bytes.")
    note = Text(max_length=MAX_NOTE_CHARS, required=False, allow_blank=True,
                help_text="What this version is.")


class RenameSerializer(StrictSerializer):
    name = Text(max_length=files.MAX_NAME_CHARS, trim_whitespace=False)


class CommentAddSerializer(StrictSerializer):
    text = Text(max_length=services.MAX_COMMENT_CHARS, trim_whitespace=False,
                help_text="Markdown; `@**Name**` mentions a member of the room.")


# --- Payloads -----------------------------------------------------------------------------
def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.name} if user is not None else None


def _version(document: Document, version: Version) -> dict[str, Any]:
    return {"number": version.number, "name": version.name, "note": version.note,
            "kind": version.kind, "size": version.size, "sha256": version.sha256,
            "uploaded_by": _person(version.uploaded_by), "created_at": version.created_at,
            "download_url": f"/api/v1/documents/{document.pk}/versions/{version.number}/file"}


def document_row(document: Document) -> dict[str, Any]:
    """A document read with `all_versions` (selectors): no query of its own."""
    versions = document.all_versions  # type: ignore[attr-defined]
    return {**selectors.document_payload(document, versions[0] if versions else None),
            "versions": [_version(document, v) for v in versions]}


def document_detail(viewer: User, document: Document) -> dict[str, Any]:
    document = selectors.with_versions(document)
    return {**document_row(document),
            "can_add_version": permissions.can_add_version(viewer, document),
            "can_rename": permissions.can_rename(viewer, document),
            "can_delete": permissions.can_delete(viewer, document),
            "can_comment": permissions.can_comment(viewer, document)}


def comment_row(viewer: User, comment: Comment) -> dict[str, Any]:
    return {"id": comment.pk, "document_id": comment.document_id,
            "author": _person(comment.author), "text": comment.text, "html": comment.html,
            "created_at": comment.created_at,
            "can_delete": permissions.can_delete_comment(viewer, comment)}


def _one_file(request: Request) -> Any:
    """The one file of a multipart upload (the page refuses two the same way)."""
    data = validated(UploadSerializer, request.data)
    if len(request.FILES.getlist("file")) != 1:
        raise exceptions.ValidationError({"file": [exceptions.ErrorDetail(
            _("Choose one file to upload."), "invalid")]})
    return data


def _stored(action: Any) -> Any:
    """Run an upload; a server that could not write the file answers 507, as the page."""
    try:
        return action()
    except files.NotStored as error:
        log.error("an upload could not be stored: %s", error.error)
        raise NotStored(str(error)) from None


# --- Views --------------------------------------------------------------------------------
class RoomDocumentsView(MemberAPIView):
    pagination_class = pagination("-id")
    query_parameters = (KIND,)
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="documents_list", parameters=[ROOM_ID, KIND],
                   responses=DocumentSerializer(many=True), tags=["documents"],
                   summary="The room's documents, newest first, each with every version")
    def get(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = room_permissions.access_room(viewer, room_id)
        kind = request.query_params.get("kind", "")
        if kind and kind not in selectors.KIND_FILTERS:
            raise exceptions.ValidationError({"kind": [exceptions.ErrorDetail(
                _("Not a kind of document."), "invalid_choice")]})
        page = self.page(selectors.room_documents_paged(room.pk, kind=kind))
        return self.paged([document_row(document) for document in page])

    @extend_schema(operation_id="documents_upload", parameters=[ROOM_ID],
                   request={"multipart/form-data": UploadSerializer},
                   responses={201: DocumentDetailSerializer,
                              507: OpenApiResponse(description="The server could not store "
                                                   "the file (its disk full): nothing kept.")},
                   tags=["documents"], summary="Share a new document in the room")
    def post(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = room_permissions.access_room(viewer, room_id)
        data = _one_file(request)
        upload = data["file"]
        document = _stored(lambda: services.document_upload(
            user=viewer, room_id=room.pk, stream=upload, name=upload.name,
            note=data.get("note", "")))
        return Response(document_detail(viewer, document), status=201)


class DocumentDetailView(MemberAPIView):
    @extend_schema(operation_id="documents_get", parameters=[DOCUMENT_ID],
                   responses=DocumentDetailSerializer, tags=["documents"],
                   summary="One document, every version, and what she may do with it")
    def get(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        return Response(document_detail(viewer, permissions.access_document(viewer,
                                                                            document_id)))

    @extend_schema(operation_id="documents_rename", parameters=[DOCUMENT_ID],
                   request=RenameSerializer, responses=DocumentDetailSerializer,
                   tags=["documents"], summary="Rename a document")
    def patch(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        permissions.access_document(viewer, document_id)
        data = validated(RenameSerializer, request.data)
        document = services.document_rename(user=viewer, document_id=document_id,
                                            name=data["name"])
        return Response(document_detail(viewer, document))

    @extend_schema(operation_id="documents_delete", parameters=[DOCUMENT_ID], request=None,
                   responses={204: None}, tags=["documents"],
                   summary="Delete a document and every version's file")
    def delete(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        services.document_delete(user=viewer, document_id=document_id)
        return Response(status=204)


class VersionsView(MemberAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="documents_version_upload", parameters=[DOCUMENT_ID],
                   request={"multipart/form-data": UploadSerializer},
                   responses={201: DocumentDetailSerializer,
                              507: OpenApiResponse(description="The server could not store "
                                                   "the file (its disk full): nothing kept.")},
                   tags=["documents"], summary="Upload a new version of a document")
    def post(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        permissions.access_document(viewer, document_id)
        data = _one_file(request)
        upload = data["file"]
        version = _stored(lambda: services.version_add(
            user=viewer, document_id=document_id, stream=upload, name=upload.name,
            note=data.get("note", "")))
        return Response(document_detail(viewer, version.document), status=201)


class VersionFileView(MemberAPIView):
    query_parameters = (SAVE,)

    def perform_content_negotiation(self, request: Request, force: bool = False
                                    ) -> tuple[BaseRenderer, str]:
        # The file is whatever it is, whatever `Accept` says; an error is JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(operation_id="documents_version_file", parameters=[DOCUMENT_ID, NUMBER, SAVE],
                   responses={(200, "*/*"): OpenApiResponse(
                       OpenApiTypes.BINARY,
                       description="The file, as the site's download sends it: its kind "
                                   "in Content-Type, never to be run as a page.")},
                   tags=["documents"], summary="A version's file")
    def get(self, request: Request, document_id: int, number: int) -> HttpResponseBase:
        viewer = caller(request)
        version = permissions.access_version(viewer, document_id, number)
        save = request.query_params.get("download", "")
        if save not in ("", "1"):
            raise exceptions.ValidationError({"download": [exceptions.ErrorDetail(
                _("Give 1, or leave it out."), "invalid_choice")]})
        return views.version_file(version, save=save == "1")


class CommentsView(MemberAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="documents_comments_list", parameters=[DOCUMENT_ID],
                   responses=CommentSerializer(many=True), tags=["documents"],
                   summary="The document's comments, oldest first")
    def get(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        document = permissions.access_document(viewer, document_id)
        page = self.page(document.comments.filter(deleted_at__isnull=True)
                         .select_related("author"))
        for comment in page:
            comment.document = document
        return self.paged([comment_row(viewer, comment) for comment in page])

    @extend_schema(operation_id="documents_comments_add", parameters=[DOCUMENT_ID],
                   request=CommentAddSerializer, responses={201: CommentSerializer},
                   tags=["documents"], summary="Comment on a document")
    def post(self, request: Request, document_id: int) -> Response:
        viewer = caller(request)
        document = permissions.access_document(viewer, document_id)
        data = validated(CommentAddSerializer, request.data)
        comment = services.comment_add(user=viewer, document_id=document.pk, text=data["text"])
        comment.document = permissions.access_document(viewer, document.pk)
        return Response(comment_row(viewer, comment), status=201)


class CommentDetailView(MemberAPIView):
    @extend_schema(operation_id="documents_comments_delete",
                   parameters=[DOCUMENT_ID, COMMENT_ID], request=None, responses={204: None},
                   tags=["documents"], summary="Delete a comment (hers, or as a moderator)")
    def delete(self, request: Request, document_id: int, comment_id: int) -> Response:
        viewer = caller(request)
        document = permissions.access_document(viewer, document_id)
        if not document.comments.filter(pk=comment_id, deleted_at__isnull=True).exists():
            raise Http404
        services.comment_delete(user=viewer, comment_id=comment_id)
        return Response(status=204)
