"""`/api/v1/tokens`: her access tokens over the API (list, revoke), to try a token with;
`/api/v1/admin/tokens`: every member's live tokens, for an admin with the `admin` scope.

GET lists the caller's tokens (never a secret, only its first characters); DELETE
`/api/v1/tokens/<id>` revokes one of hers. A token may revoke itself (with `write`).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community import tokens
from community.api.framework import MemberAPIView, caller
from community.models import AccessToken


class AccessTokenSerializer(serializers.ModelSerializer[AccessToken]):
    class Meta:
        model = AccessToken
        fields = ("id", "name", "hint", "scopes", "created_at", "expires_at", "revoked_at",
                  "last_used_at", "last_used_ip")
        read_only_fields = fields


class TokenListAnswer(serializers.Serializer):  # type: ignore[type-arg]
    results = AccessTokenSerializer(many=True)


class TokenList(MemberAPIView):
    @extend_schema(operation_id="tokens_list", responses=TokenListAnswer, tags=["tokens"],
                   summary="Her access tokens (never a secret: only its first characters)")
    def get(self, request: Request) -> Response:
        viewer = caller(request)
        rows = tokens.tokens_of(viewer, viewer)
        return Response({"results": AccessTokenSerializer(rows, many=True).data})


class TokenDetail(MemberAPIView):
    @extend_schema(operation_id="tokens_revoke", responses={204: None}, tags=["tokens"],
                   parameters=[OpenApiParameter("token_id", int, OpenApiParameter.PATH)],
                   summary="Revoke one of her tokens (a token may revoke itself)")
    def delete(self, request: Request, token_id: int) -> Response:
        viewer = caller(request)
        token = AccessToken.objects.filter(pk=token_id, user_id=viewer.pk).first()
        if token is None:
            raise exceptions.NotFound
        tokens.token_revoke(actor=viewer, token=token)
        return Response(status=204)


class AllTokens(MemberAPIView):
    """Admins: every member's live tokens (a view marked `admin_scope`)."""

    admin_scope = True

    @extend_schema(operation_id="admin_tokens_list", responses=TokenListAnswer,
                   tags=["tokens"], summary="Admins: every member's live tokens (500 newest)")
    def get(self, request: Request) -> Response:
        rows = AccessToken.objects.live().order_by("-created_at")[:500]
        return Response({"results": AccessTokenSerializer(rows, many=True).data})
