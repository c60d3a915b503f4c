"""Nothing is visible to anyone who is not signed in to the community."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse


class MembersOnlyMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware; API calls get a JSON 401 instead of a redirect.

    Views open to signed-out visitors (sign-in, password reset, invitations) carry
    `@login_not_required`. Uploaded files have no public URL: their views sit behind
    this middleware like every page.
    """

    def handle_no_permission(  # type: ignore[override]  # JSON for the API, not a redirect
        self, request: HttpRequest, view_func: Callable[..., Any]
    ) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": "not_authenticated", "detail": "Sign in first."}, status=401)
        return super().handle_no_permission(request, view_func)
