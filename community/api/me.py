"""`GET /api/v1/me`: who the caller is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api.framework import MemberAPIView, caller
from community.models import Role, User


class MeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.values)
    is_mentor = serializers.BooleanField()
    is_admin = serializers.BooleanField()


def me_payload(user: User) -> dict[str, object]:
    return {"id": user.pk, "name": user.name, "email": user.email, "role": user.role,
            "is_mentor": user.is_mentor, "is_admin": user.is_admin}


class MeView(MemberAPIView):
    @extend_schema(operation_id="me_get", responses=MeSerializer, tags=["me"],
                   summary="The signed-in member")
    def get(self, request: Request) -> Response:
        return Response(me_payload(caller(request)))
