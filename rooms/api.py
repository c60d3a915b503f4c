"""The open API's memberships (docs/api.md): who is in a room, and, for those who manage
a group room's members as its page lets them, adding and removing them through the rooms
services (which check again, and record an admin's changes in the audit log)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community import permissions as community_permissions
from community.api.framework import (
    Flag,
    MemberAPIView,
    StrictSerializer,
    WholeNumber,
    caller,
    pagination,
    validated,
)
from community.models import User
from rooms import permissions, selectors, services
from rooms.models import Membership, Room

ID_MAX = 2**53 - 1
ROOM_ID = OpenApiParameter("room_id", int, OpenApiParameter.PATH,
                           description="A room whose members she may see (404 for any other).")
USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH,
                           description="A member of that room (404 for anyone else).")


def _members_room(viewer: User, room_id: int) -> Room:
    """An admin acts as one here (rooms she is not in, owners) through her session or a
    token with the `admin` scope; her `read` or `write` token acts as a plain member
    (community.permissions.acts_as_admin)."""
    room = permissions.access_room_members(viewer, room_id)
    if not community_permissions.acts_as_admin(viewer) \
            and permissions.membership_of(viewer, room) is None:
        raise Http404
    return room


def _may_manage(viewer: User, room: Room) -> bool:
    if community_permissions.acts_as_admin(viewer):
        return permissions.can_manage_members(viewer, room)
    return permissions.can_manage_members(viewer, room) and permissions.can_moderate(viewer, room)


class MemberSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.values)
    status = serializers.ChoiceField(choices=["online", "away", "offline"],
                                     help_text="offline for anyone across a block")


class MemberAddSerializer(StrictSerializer):
    user_id = WholeNumber(min_value=1, max_value=ID_MAX)


class MemberListView(MemberAPIView):
    pagination_class = pagination("id")

    @extend_schema(operation_id="members_list", parameters=[ROOM_ID],
                   responses=MemberSerializer(many=True), tags=["members"],
                   summary="The room's members, in the order they joined")
    def get(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = _members_room(viewer, room_id)
        page = self.page(room.memberships.select_related("user"))
        return self.paged(selectors.member_rows(viewer, page))

    @extend_schema(operation_id="members_add", parameters=[ROOM_ID],
                   request=MemberAddSerializer, responses={201: MemberSerializer},
                   tags=["members"], summary="Add a member to a group room she manages")
    def post(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = _members_room(viewer, room_id)
        data = validated(MemberAddSerializer, request.data)
        if not _may_manage(viewer, room):
            raise PermissionDenied
        # The people she may see, as on the room's page: anyone else reads as unknown.
        user = (community_permissions.profiles_visible_to(viewer).filter(
            pk=data["user_id"], is_active=True).first())
        if not isinstance(user, User):
            raise serializers.ValidationError({"user_id": [serializers.ErrorDetail(
                _("No such member."), "not_found")]})
        membership = services.member_add(actor=viewer, room=room, user=user)
        return Response(selectors.member_rows(viewer, [membership])[0], status=201)


class MemberDetailView(MemberAPIView):
    @extend_schema(operation_id="members_remove", parameters=[ROOM_ID, USER_ID],
                   request=None, responses={204: None}, tags=["members"],
                   summary="Remove a member from a group room she manages")
    def delete(self, request: Request, room_id: int, user_id: int) -> Response:
        viewer = caller(request)
        room = _members_room(viewer, room_id)
        membership = (Membership.objects.filter(room=room, user_id=user_id)
                      .select_related("user").first())
        if membership is None:
            raise Http404
        if viewer.is_admin and not community_permissions.acts_as_admin(viewer) and (
                not _may_manage(viewer, room)
                or (membership.role == Membership.Role.OWNER and membership.user_id != viewer.pk)):
            raise PermissionDenied
        services.member_remove(actor=viewer, room=room, user=membership.user)
        return Response(status=204)


class MuteSerializer(StrictSerializer):
    muted = Flag(help_text="true: her unread counts and alerts leave this room out.")


class MuteAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    room_id = serializers.IntegerField()
    muted = serializers.BooleanField()


class RoomMuteView(MemberAPIView):
    @extend_schema(operation_id="rooms_mute", parameters=[ROOM_ID], request=MuteSerializer,
                   responses=MuteAnswerSerializer, tags=["rooms"],
                   summary="Mute or unmute one of her rooms, for her alone")
    def put(self, request: Request, room_id: int) -> Response:
        viewer = caller(request)
        room = permissions.access_room(viewer, room_id)
        data = validated(MuteSerializer, request.data)
        services.room_mute(user=viewer, room=room, muted=data["muted"])
        return Response({"room_id": room.pk, "muted": data["muted"]})
