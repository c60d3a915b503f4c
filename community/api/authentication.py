"""How the API knows who is asking (settings.REST_FRAMEWORK). Kept apart from the
framework's views: DRF imports these classes while its own views module loads."""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class MemberSessionAuthentication(SessionAuthentication):
    """The browser's session cookie, with Django's CSRF check on every unsafe method.

    Signed out is 401 (not DRF's 403 for sessions): `WWW-Authenticate: Session` tells a
    client it must sign in, and the 403 stays for what a signed-in member may not do."""

    def authenticate_header(self, request: Request) -> str:
        return "Session"
