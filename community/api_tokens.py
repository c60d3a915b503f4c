"""`/api/v1/tokens/`: her access tokens over the API (list, revoke), to try a token with;
`/api/v1/admin/tokens/`: every member's live tokens, for an admin with the `admin` scope.

GET lists the caller's tokens (never a secret, only its first characters); DELETE
`/api/v1/tokens/<id>` revokes one of hers. A token may revoke itself (with `write`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community import tokens
from community.api_auth import AccessTokenAuthentication, SessionAuthentication, TokenScopes
from community.models import AccessToken


class AccessTokenSerializer(serializers.ModelSerializer[AccessToken]):
    class Meta:
        model = AccessToken
        fields = ("id", "name", "hint", "scopes", "created_at", "expires_at", "revoked_at",
                  "last_used_at", "last_used_ip")
        read_only_fields = fields


class TokenApi(APIView):
    authentication_classes: ClassVar[list[Any]] = [AccessTokenAuthentication,
                                                   SessionAuthentication]
    permission_classes: ClassVar[list[Any]] = [TokenScopes]
    renderer_classes: ClassVar[list[Any]] = [JSONRenderer]


class TokenList(TokenApi):
    def get(self, request: Request) -> Response:
        rows = tokens.tokens_of(request.user, request.user)  # type: ignore[arg-type]
        return Response({"results": AccessTokenSerializer(rows, many=True).data})


class TokenDetail(TokenApi):
    def delete(self, request: Request, token_id: int) -> Response:
        token = AccessToken.objects.filter(pk=token_id, user_id=request.user.pk).first()
        if token is None:
            return Response({"detail": "Not found."}, status=404)
        tokens.token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
        return Response(status=204)


class AllTokens(TokenApi):
    """Admins: every member's live tokens (a view marked `admin_scope`)."""

    admin_scope = True

    def get(self, request: Request) -> Response:
        rows = AccessToken.objects.live().order_by("-created_at")[:500]
        return Response({"results": AccessTokenSerializer(rows, many=True).data})


# The API authenticates each request itself (a token has no session to sign in with).
urlpatterns = [
    path("api/v1/tokens/", login_not_required(TokenList.as_view()), name="api_tokens"),
    path("api/v1/tokens/<int:token_id>", login_not_required(TokenDetail.as_view()),
         name="api_token"),
    path("api/v1/admin/tokens/", login_not_required(AllTokens.as_view()),
         name="api_admin_tokens"),
]
