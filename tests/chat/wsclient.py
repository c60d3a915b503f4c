"""A signed-in socket on the full ASGI application, for consumer tests."""

from __future__ import annotations

from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from community.models import User
from server.asgi import application
from tests.frames import events_in


class EventSocket(WebsocketCommunicator):  # type: ignore[misc]
    """Reads one event at a time, opening the server's batches."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: deque[dict[str, Any]] = deque()

    async def receive_json_from(self, timeout: float = 1) -> dict[str, Any]:
        if not self.waiting:
            self.waiting.extend(events_in(await self.receive_from(timeout)))
        return self.waiting.popleft()

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        return not self.waiting and await super().receive_nothing(timeout, interval)


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(user: User | None, *, sync: dict[str, int] | None = None,
                      origin: bytes = b"http://127.0.0.1:8000",
                      path: str = "/ws/",
                      session_key: str | None = None) -> WebsocketCommunicator:
    """Connect as `user` (None: signed out), read `hello`, and `sync` if asked.
    `socket.session_key` is the session it signed in with (`session_key`: that one)."""
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    cookie = None
    if user is not None:
        cookie = session_key or await database_sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    socket = EventSocket(application, path, headers=headers)
    # Generous: on a loaded machine a handshake (session, account, rooms) can take a while.
    connected, code = await socket.connect(timeout=5)
    socket.accepted = connected  # type: ignore[attr-defined]
    socket.close_code = code  # type: ignore[attr-defined]
    socket.session_key = cookie  # type: ignore[attr-defined]
    if connected:
        hello = await socket.receive_json_from(timeout=5)
        assert hello["type"] == "hello"
        if sync is not None:
            await socket.send_json_to({"type": "sync", "rooms": sync})
    return socket


async def receive_until(socket: WebsocketCommunicator, kind: str,
                        timeout: float = 2) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read frames until one of type `kind`; return it and those read before it."""
    before = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame, before
        before.append(frame)


async def request(socket: WebsocketCommunicator, frame: dict[str, Any],
                  timeout: float = 2) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Send a request and read until its ack or error; return it and the other frames."""
    request_id = frame.setdefault("request_id", f"r{id(frame)}")
    await socket.send_json_to(frame)
    others = []
    while True:
        reply = await socket.receive_json_from(timeout=timeout)
        if reply["type"] in ("ack", "error") and reply.get("request_id") == request_id:
            return reply, others
        others.append(reply)
