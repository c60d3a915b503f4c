"""A real WebSocket client of a real server process (tests/servers.py), for tests that
start servers: one event at a time, batches opened."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import websockets
from django.test import Client

from tests.frames import events_in
from tests.servers import ServerProcess


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Member:
    """One member's socket on one server."""

    def __init__(self, server: ServerProcess, cookie: str) -> None:
        self.server, self.cookie = server, cookie
        self.waiting: list[dict[str, Any]] = []
        self.sock: websockets.ClientConnection | None = None

    async def connect(self, path: str = "/ws/", **sync: int) -> None:
        """Open the socket and read `hello`; on `/ws/`, `sync` from the revs given."""
        self.sock = await websockets.connect(
            self.server.url.replace("http", "ws") + path, open_timeout=10,
            additional_headers={"Cookie": f"sessionid={self.cookie}",
                                "Origin": self.server.url})
        assert (await self.next())["type"] == "hello"
        if path == "/ws/":
            await self.send({"type": "sync", "rooms": sync})
            await self.until("sync.done")

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.sock is not None
        await self.sock.send(json.dumps(frame))

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        assert self.sock is not None
        if not self.waiting:
            self.waiting.extend(events_in(await asyncio.wait_for(self.sock.recv(), timeout)))
        return self.waiting.pop(0)

    async def until(self, kind: str, timeout: float = 10) -> tuple[dict[str, Any],
                                                                   list[dict[str, Any]]]:
        """The next event of type `kind`, and those that came before it."""
        before = []
        while (frame := await self.next(timeout))["type"] != kind:
            before.append(frame)
        return frame, before

    async def say(self, room_id: int, text: str) -> None:
        """Send a message and read until its ack (what comes meanwhile is kept)."""
        await self.send({"type": "chat.send", "request_id": text, "room_id": room_id,
                         "client_id": re.sub(r"[^A-Za-z0-9]+", "-", text)[:60],
                         "text": text})
        kept = []
        while (frame := await self.next())["type"] not in ("ack", "error") \
                or frame.get("request_id") != text:
            kept.append(frame)
        assert frame["type"] == "ack", frame
        self.waiting[:0] = kept

    async def close(self) -> None:
        if self.sock is not None:
            await self.sock.close()
