"""Clients of the open API v1: a member's session (with her CSRF token, as a browser or an
integration sends it), and what every error must look like."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from community.models import User


class ApiClient:
    """A signed-in member calling /api/v1/ with JSON, the CSRF check on."""

    def __init__(self, user: User | None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        if user is not None:
            self.client.force_login(user)
        # A page with a form sets the CSRF cookie, as the site's pages do for the browser.
        self.client.get("/accounts/login/" if user is None else "/notifications/preferences/")
        cookie = self.client.cookies.get("csrftoken")
        self.csrf = cookie.value if cookie else ""

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1/{path}", params or {})

    def send(self, method: str, path: str, body: Any = None, *, csrf: bool = True) -> Any:
        headers = {"X-CSRFToken": self.csrf} if csrf else {}
        return getattr(self.client, method)(
            f"/api/v1/{path}", data=body, content_type="application/json", headers=headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("patch", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("put", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.send("delete", path, **kwargs)


@pytest.fixture
def api():
    """api(user) -> an ApiClient signed in as `user` (None: signed out)."""
    return ApiClient


def errors(response: Any) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of an error answer, which must be in the API's envelope."""
    body = response.json()
    assert set(body) == {"errors"}, body
    for entry in body["errors"]:
        assert set(entry) == {"field", "code", "message"} and entry["message"], entry
    return [(entry["field"], entry["code"]) for entry in body["errors"]]


def shape(value: Any) -> Any:
    """A live event's keys, nested, with the type of each value: two events of one kind
    compared without their ids and times."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


async def heard(socket: Any, kind: str) -> list[dict[str, Any]]:
    """Every `kind` event the socket received before the sentinel (a ping's pong): what a
    change sent, and nothing that comes later."""
    from tests.chat.wsclient import receive_until

    await socket.send_json_to({"type": "ping"})
    _pong, before = await receive_until(socket, "pong")
    return [frame for frame in before if frame["type"] == kind]

