"""A real WebSocket client of a real server process (tests/servers.py), for tests that
start servers: one event at a time, batches opened."""

from __future__ import annotations

import asyncio
import json
import re
from ssl import SSLContext
from typing import Any, Protocol

import websockets
from django.test import Client

from tests.frames import events_in


class Reachable(Protocol):
    """A server process (tests.servers.ServerProcess), or a proxy in front of some: its
    base URL, http:// or https:// (the socket then opens over wss://)."""

    @property
    def url(self) -> str: ...


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Member:
    """One member's socket on one server. Behind TLS (`server.url` https://), `ssl` is the
    context that trusts the server's certificate and `cookie_name` the session cookie's
    name there (`__Host-sessionid` when DEBUG is off)."""

    def __init__(self, server: Reachable, cookie: str, *, cookie_name: str = "sessionid",
                 ssl: SSLContext | None = None) -> None:
        self.server, self.cookie = server, cookie
        self.cookie_name, self.ssl = cookie_name, ssl
        self.waiting: list[dict[str, Any]] = []
        self.sock: websockets.ClientConnection | None = None

    async def connect(self, path: str = "/ws/", **sync: int) -> list[dict[str, Any]]:
        """Open the socket and read `hello`; on `/ws/`, `sync` from the revs given and
        return what came before `sync.done` (the catch-up)."""
        self.sock = await websockets.connect(
            self.server.url.replace("http", "ws", 1) + path, open_timeout=10, ssl=self.ssl,
            additional_headers={"Cookie": f"{self.cookie_name}={self.cookie}",
                                "Origin": self.server.url})
        assert (await self.next())["type"] == "hello"
        if path == "/ws/":
            await self.send({"type": "sync", "rooms": sync})
            return (await self.until("sync.done"))[1]
        return []

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
