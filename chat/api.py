"""The open API's rooms and messages (docs/api.md): her rooms with their unread counts, a
room's history paged by cursor, and sending, editing, deleting, reacting and reading
through chat's services, so that live sockets hear the same numbered events as when the
page does it (`chat.message.created` with the room's next `rev`, ...)."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from chat import selectors, services
from chat.models import Message
from chat.services import CLIENT_ID, MAX_MESSAGE_CHARS
from community.api.framework import (
    Flag,
    MemberAPIView,
    StrictSerializer,
    Text,
    WholeNumber,
    caller,
    pagination,
    validated,
)
from community.ratelimit import limit_member
from rooms import permissions as room_permissions
from rooms import selectors as room_selectors
from rooms.models import Room

ID_MAX = 2**53 - 1  # what every JSON client reads exactly


def path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=what)


ROOM_ID = path_id("room_id", "A room she may see (404 for any other).")
MESSAGE_ID = path_id("message_id", "A message of a room she may see (404 for any other).")


# --- Shapes ---------------------------------------------------------------------------------
class RoomSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Room.Kind.values)
    title = serializers.CharField(help_text="A direct room is named after the others in it.")
    topic = serializers.CharField(allow_blank=True)
    archived = serializers.BooleanField()
    last_seq = serializers.IntegerField(help_text="The number of its latest message.")
    last_rev = serializers.IntegerField(help_text="The number of its latest change.")
    last_read_seq = serializers.IntegerField(help_text="Her read position.")
    unread = serializers.IntegerField(help_text="Others' messages after her read position.")
    mentions = serializers.IntegerField(help_text="Those of them that mention her.")
    can_post = serializers.BooleanField()
    can_moderate = serializers.BooleanField()
    can_manage = serializers.BooleanField(help_text="She adds and removes members.")
    can_delete_others = serializers.BooleanField()
    muted = serializers.BooleanField()


class RoomsUnreadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    total = serializers.IntegerField()
    rooms = serializers.DictField(child=serializers.IntegerField(),
                                  help_text="Room id (as text) -> unread, rooms not muted.")


class AuthorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(help_text="0: her account is gone.")
    name = serializers.CharField(allow_blank=True)
    badge = serializers.ChoiceField(choices=["mentor", "admin"], required=False)


class ReplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    author_name = serializers.CharField(allow_blank=True)
    excerpt = serializers.CharField(allow_blank=True)


class ReactionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    user_ids = serializers.ListField(child=serializers.IntegerField())


class MessageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The one shape of a message: the socket's `MESSAGE` (docs/protocol.md)."""

    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    seq = serializers.IntegerField()
    rev = serializers.IntegerField()
    client_id = serializers.CharField()
    author = AuthorSerializer()
    text = serializers.CharField(allow_blank=True)
    html = serializers.CharField(allow_blank=True)
    reply_to = ReplySerializer(allow_null=True)
    reactions = ReactionSerializer(many=True)
    mentions = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    deleted_by = serializers.ChoiceField(choices=["author", "moderator", "hidden"],
                                         allow_null=True)
    notice = serializers.BooleanField()


class SendSerializer(StrictSerializer):
    text = Text(max_length=MAX_MESSAGE_CHARS, trim_whitespace=True,
                help_text="Markdown; `@**Name**` mentions a member.")
    client_id = Text(
        max_length=64, validators=[RegexValidator(CLIENT_ID, _(
            "client_id is 1 to 64 letters, digits or - _ . :"))],
        help_text="Her own id for this message: sending it again with the same client_id "
                  "returns the stored message (200) instead of a second one.")
    reply_to = WholeNumber(min_value=1, max_value=ID_MAX, required=False, allow_null=True)


class EditSerializer(StrictSerializer):
    text = Text(max_length=MAX_MESSAGE_CHARS, trim_whitespace=True)


class ReactSerializer(StrictSerializer):
    emoji = Text(max_length=16, trim_whitespace=False)
    on = Flag(default=True, help_text="false takes hers back.")


class ReadPositionChangeSerializer(StrictSerializer):
    seq = WholeNumber(min_value=0, max_value=ID_MAX)


class ReadPositionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    room_id = serializers.IntegerField()
    last_read_seq = serializers.IntegerField()


# --- Rooms ----------------------------------------------------------------------------------
class RoomListView(MemberAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="rooms_list", responses=RoomSerializer(many=True),
                   tags=["rooms"], summary="Her rooms, with her unread counts")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        rooms = self.page(room_selectors.room_list(viewer))
        return self.paged(selectors.room_summaries(viewer, rooms))


class RoomUnreadView(MemberAPIView):
    @extend_schema(operation_id="rooms_unread", responses=RoomsUnreadSerializer, tags=["rooms"],
                   summary="Others' unread messages per room she has not muted")
    def get(self, request: Request) -> Response:
        unread = selectors.unread_by_room(caller(request))
        return Response({"total": sum(unread.values()),
                         "rooms": {str(room_id): n for room_id, n in unread.items()}})


class RoomDetailView(MemberAPIView):
    @extend_schema(operation_id="rooms_get", parameters=[ROOM_ID], responses=RoomSerializer,
                   tags=["rooms"], summary="One of her rooms")
    def get(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = room_permissions.access_room(viewer, room_id)
        return Response(selectors.room_summaries(viewer, [room])[0])


# --- Messages -------------------------------------------------------------------------------
def _message(message_id: int) -> dict[str, Any]:
    return dict(selectors.message_payload(selectors.message_get(message_id)))


class MessageListView(MemberAPIView):
    pagination_class = pagination("-seq")

    @extend_schema(operation_id="messages_list", parameters=[ROOM_ID],
                   responses=MessageSerializer(many=True), tags=["messages"],
                   summary="The room's messages, newest first")
    def get(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = room_permissions.access_room(viewer, room_id)
        limit_member("chat.history", viewer)  # the socket's history counts the same
        page = self.page(selectors.message_history(viewer, room))
        return self.paged([selectors.message_payload(m) for m in page])

    @extend_schema(
        operation_id="messages_send", parameters=[ROOM_ID], request=SendSerializer,
        responses={201: MessageSerializer,
                   200: OpenApiResponse(MessageSerializer, description=(
                       "This client_id was sent already: the stored message, unchanged."))},
        tags=["messages"], summary="Send a message (as the socket's chat.send)")
    def post(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        data = validated(SendSerializer, request.data)
        try:
            message, created = services.message_send(
                author=viewer, room_id=room_id, text=data["text"],
                client_id=data["client_id"], reply_to=data.get("reply_to"))
        except services.NotFound:
            raise Http404 from None
        return Response(_message(message.pk), status=201 if created else 200)


class MessageDetailView(MemberAPIView):
    @extend_schema(operation_id="messages_edit", parameters=[MESSAGE_ID],
                   request=EditSerializer, responses=MessageSerializer, tags=["messages"],
                   summary="Edit her message")
    def patch(self, request: Request, message_id: int) -> Response:
        viewer = caller(request)
        data = validated(EditSerializer, request.data)
        try:
            message = services.message_edit(user=viewer, message_id=message_id,
                                            text=data["text"])
        except (services.NotFound, Message.DoesNotExist):
            raise Http404 from None
        return Response(_message(message.pk))

    @extend_schema(operation_id="messages_delete", parameters=[MESSAGE_ID], request=None,
                   responses={200: MessageSerializer}, tags=["messages"],
                   summary="Delete a message (it keeps its place, without its content)")
    def delete(self, request: Request, message_id: int) -> Response:
        viewer = caller(request)
        try:
            message = services.message_delete(user=viewer, message_id=message_id)
        except (services.NotFound, Message.DoesNotExist):
            raise Http404 from None
        return Response(_message(message.pk))


class ReactionView(MemberAPIView):
    @extend_schema(operation_id="messages_react", parameters=[MESSAGE_ID],
                   request=ReactSerializer, responses=MessageSerializer, tags=["messages"],
                   summary="Add her reaction, or take it back")
    def post(self, request: Request, message_id: int) -> Response:
        viewer = caller(request)
        data = validated(ReactSerializer, request.data)
        try:
            message = services.reaction_set(user=viewer, message_id=message_id,
                                            emoji=data["emoji"], on=data["on"])
        except (services.NotFound, Message.DoesNotExist):
            raise Http404 from None
        return Response(_message(message.pk))


class ReadPositionView(MemberAPIView):
    @extend_schema(operation_id="rooms_read", parameters=[ROOM_ID],
                   request=ReadPositionChangeSerializer, responses=ReadPositionSerializer,
                   tags=["rooms"],
                   summary="Move her read position forward (never back)")
    def put(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        data = validated(ReadPositionChangeSerializer, request.data)
        try:
            seq = services.read_mark(user=viewer, room_id=room_id, seq=data["seq"])
        except services.NotFound:
            raise Http404 from None
        return Response({"room_id": room_id, "last_read_seq": seq})
