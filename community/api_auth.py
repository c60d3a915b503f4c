"""How the open API (`/api/v1/`) knows who calls: a personal access token or her session.

Plugged in through settings.REST_FRAMEWORK, before the session
(`community.api.authentication.MemberSessionAuthentication`):

- `AccessTokenAuthentication`: `Authorization: Bearer cohort_pat_…` → `request.user` is
  her account, `request.auth` the `AccessToken` (its scopes). A malformed, unknown,
  revoked or expired token, or one of an inactive member, is a 401 with
  `WWW-Authenticate: Bearer realm="api", error="invalid_token"` and the same detail for
  all. An address that showed too many bad tokens gets a 429 (`token.failed`).
  A token request carries no cookie it could be tricked into sending: no CSRF check.
- The session: DRF's, which checks CSRF on unsafe methods; a bot has no session.
  Sessions pass `TokenScopes` as they pass the pages (the view's own rules apply).
- `TokenScopes`: a token needs `read` for safe methods, `write` for the others, and
  `admin` (with an admin account) on views that set `admin_scope = True`. A bot is
  refused (403) on views that set `bots_refused` (the directory, profiles, mentoring).
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from community import ratelimit, tokens
from community.models import AccessToken

REALM = "api"
INVALID = "Invalid or expired token."


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = INVALID
    default_code = "invalid_token"


def client_ip(request: Request) -> str:
    """`community.ratelimit.client_ip` of the request under DRF's."""
    return ratelimit.real_ip(str(request.META.get("REMOTE_ADDR") or ""),
                             str(request.META.get("HTTP_X_FORWARDED_FOR") or ""))


class AccessTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, AccessToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            token = tokens.token_check(raw.strip(), ip=client_ip(request))
        except tokens.BadToken:
            raise InvalidToken from None
        except ratelimit.RateLimited as error:
            raise exceptions.Throttled(wait=error.retry_after) from None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        """The challenge of a 401: `error="invalid_token"` when a token was shown."""
        if request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer"):
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'


class TokenScopes(permissions.BasePermission):
    """Signed in, and a token's scopes cover the method (and `admin_scope` views)."""

    message = "This token's scopes do not allow this request."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.is_bot and getattr(view, "bots_refused", False):
            return False  # a bot acts in its rooms only (PersonAPIView)
        admin_view = bool(getattr(view, "admin_scope", False))
        if admin_view and not user.is_admin:
            return False
        token = request.auth
        if not isinstance(token, AccessToken):
            return True  # her session: as on the pages
        if admin_view and not token.has_scope("admin"):
            return False
        needed = "read" if request.method in permissions.SAFE_METHODS else "write"
        return token.has_scope(needed)
