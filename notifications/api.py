"""The open API's notifications (docs/api.md): her notification centre, newest first,
marking them read, and her notification preferences, through the same selectors and
services as the pages (each change tells her open tabs, as the pages' changes do)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

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
from notifications import permissions, selectors, services

ID_MAX = 2**53 - 1
MAX_IDS = 500  # notifications marked read at once (without any: all of hers)


class NotificationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="docs/protocol.md lists the kinds.")
    text = serializers.CharField(help_text="In her language when it was sent.")
    url = serializers.CharField(allow_blank=True, help_text="A path on this site, or empty.")
    created_at = serializers.DateTimeField()
    room_id = serializers.IntegerField(allow_null=True)


class NotificationsUnreadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unread = serializers.IntegerField()
    unread_outside_rooms = serializers.IntegerField(
        help_text="The unread ones about no room (a tab title adds rooms' messages).")


class NotificationsReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=WholeNumber(min_value=1, max_value=ID_MAX), max_length=MAX_IDS,
        required=False, help_text=f"At most {MAX_IDS}; without it, all of hers are read.")


class ReadAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unread = serializers.IntegerField()


class KindPreferenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    label = serializers.CharField()
    email_possible = serializers.BooleanField()
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kinds = KindPreferenceSerializer(many=True)
    missed_after_minutes = serializers.IntegerField(
        help_text="Minutes before an unread message is e-mailed to her.")
    missed_after_choices = serializers.ListField(child=serializers.IntegerField())


class KindChoiceSerializer(StrictSerializer):
    code = Text(max_length=64)
    in_app = Flag(required=False)
    email = Flag(required=False)


class PreferencesChangeSerializer(StrictSerializer):
    kinds = KindChoiceSerializer(many=True, required=False, max_length=100)
    missed_after_minutes = serializers.ChoiceField(choices=services.MISSED_DELAYS,
                                                   required=False)


def _preferences(user: Any) -> dict[str, Any]:
    return {
        "kinds": [{"code": row["code"], "label": str(row["label"]),
                   "email_possible": row["email_possible"], "in_app": row["in_app"],
                   "email": row["email"]} for row in selectors.preference_table(user)],
        "missed_after_minutes": selectors.missed_after_minutes(user),
        "missed_after_choices": list(services.MISSED_DELAYS),
    }


class NotificationListView(MemberAPIView):
    pagination_class = pagination("-id")

    @extend_schema(operation_id="notifications_list",
                   responses=NotificationSerializer(many=True), tags=["notifications"],
                   summary="Her notifications, newest first")
    def get(self, request: Request) -> Response:
        user = caller(request)
        page = self.page(permissions.notifications_visible_to(user))
        return self.paged([selectors.notification_payload(n) for n in page])


class NotificationUnreadView(MemberAPIView):
    @extend_schema(operation_id="notifications_unread", responses=NotificationsUnreadSerializer,
                   tags=["notifications"], summary="How many are unread")
    def get(self, request: Request) -> Response:
        user = caller(request)
        return Response({"unread": selectors.unread_count(user),
                         "unread_outside_rooms": selectors.unread_count(user,
                                                                        outside_rooms=True)})


class NotificationReadView(MemberAPIView):
    @extend_schema(operation_id="notifications_read", request=NotificationsReadSerializer,
                   responses=ReadAnswerSerializer, tags=["notifications"],
                   summary="Mark some of hers read, or all of them")
    def post(self, request: Request) -> Response:
        user = caller(request)
        data = validated(NotificationsReadSerializer, request.data)
        ids = data.get("ids")
        return Response({"unread": services.notifications_read(
            user=user, ids=list(ids) if ids is not None else None)})


class PreferencesView(MemberAPIView):
    @extend_schema(operation_id="notification_preferences_get",
                   responses=PreferencesSerializer, tags=["notifications"],
                   summary="Her notification preferences")
    def get(self, request: Request) -> Response:
        return Response(_preferences(caller(request)))

    @extend_schema(operation_id="notification_preferences_change",
                   request=PreferencesChangeSerializer, responses=PreferencesSerializer,
                   tags=["notifications"],
                   summary="Change some of her preferences (those not named stay)")
    def patch(self, request: Request) -> Response:
        user = caller(request)
        data = validated(PreferencesChangeSerializer, request.data)
        table = {str(row["code"]): row for row in selectors.preference_table(user)}
        values: dict[str, tuple[bool, bool]] = {}
        problems: dict[str, list[serializers.ErrorDetail]] = {}
        for index, choice in enumerate(data.get("kinds", [])):
            row = table.get(choice["code"])
            if row is None:
                problems[f"kinds.{index}.code"] = [serializers.ErrorDetail(
                    _("No such kind of notification for you."), "invalid_choice")]
                continue
            email = choice.get("email", row["email"])
            if email and not row["email_possible"]:
                problems[f"kinds.{index}.email"] = [serializers.ErrorDetail(
                    _("This kind is never e-mailed."), "invalid")]
                continue
            values[choice["code"]] = (bool(choice.get("in_app", row["in_app"])), bool(email))
        if problems:
            raise serializers.ValidationError(problems)
        with transaction.atomic():
            services.preferences_update(viewer=user, member=user, values=values)
            if "missed_after_minutes" in data:
                services.settings_update(viewer=user, member=user,
                                         missed_after_minutes=data["missed_after_minutes"])
        return Response(_preferences(user))
