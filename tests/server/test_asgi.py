"""The ASGI application: pages over HTTP; sockets behind the origin check and the session."""

from __future__ import annotations

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from server.asgi import application


@pytest.mark.django_db(transaction=True)
async def test_http_goes_through_django_and_is_members_only():
    communicator = HttpCommunicator(
        application, "GET", "/api/v1/me", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response()
    assert response["status"] == 401


@pytest.mark.django_db(transaction=True)
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[(b"origin", b"https://evil.example"),
                                      (b"host", b"127.0.0.1")])
    connected, _ = await communicator.connect()
    assert not connected
