"""Two server processes on one Redis and one PostgreSQL; one is killed mid-stream.

Clients on both processes keep sending; those on the killed one reconnect to the
survivor and resend what was not acknowledged. Afterwards every acknowledged message is
stored exactly once, and every client has seen every message once, in sequence order.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets
from django.test import Client

from chat.models import Message
from tests.community.factories import UserFactory
from tests.frames import events_in
from tests.rooms.factories import make_room
from tests.servers import ServerProcess, start_all

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CLIENTS = 6
MESSAGES_EACH = 20


@dataclass
class ChatClient:
    """A real WebSocket client that follows docs/protocol.md to the letter."""

    name: str
    cookie: str
    room_id: int
    servers: list[str]
    server_index: int
    rev: int = 0  # the room is new: the client holds it entirely, up to rev 0
    seen: list[int] = field(default_factory=list)  # message seqs, in arrival order
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> seq
    reconnects: int = 0
    socket: object = None

    async def connect(self) -> None:
        """Connect to the current server, or the next one if it is gone; then sync."""
        for attempt in range(40):
            url = self.servers[self.server_index].replace("http", "ws") + "/ws/"
            try:
                # No bound on what waits unread: a client done sending stops reading
                # until `drain`, and a paused reader would not see the server's answer
                # to its close, which would then wait its whole close timeout (10 s).
                self.socket = await websockets.connect(
                    url, additional_headers={"Cookie": f"sessionid={self.cookie}",
                                             "Origin": self.servers[self.server_index]},
                    open_timeout=3, max_queue=None)
            except (OSError, websockets.InvalidHandshake, TimeoutError):
                self.server_index = (self.server_index + 1) % len(self.servers)
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            hello = json.loads(await self.socket.recv())
            assert hello["type"] == "hello"
            await self.socket.send(json.dumps({"type": "sync",
                                               "rooms": {str(self.room_id): self.rev}}))
            return
        raise RuntimeError(f"{self.name} could not reconnect")

    def take(self, frame: dict) -> None:
        if frame["type"] in ("chat.message.created", "chat.message.updated"):
            assert frame["rev"] > self.rev, f"{self.name} got rev {frame['rev']} twice"
            self.rev = frame["rev"]
            if frame["type"] == "chat.message.created":
                self.seen.append(frame["message"]["seq"])

    async def send_all(self, count: int) -> None:
        """Send `count` messages; each is retried (same client_id) until acknowledged."""
        await self.connect()
        for index in range(count):
            client_id = f"{self.name}-{index}"
            while client_id not in self.acked:
                try:
                    await self.socket.send(json.dumps({
                        "type": "chat.send", "request_id": client_id, "room_id": self.room_id,
                        "client_id": client_id, "text": f"{self.name} says {index}"}))
                    while client_id not in self.acked:
                        text = await asyncio.wait_for(self.socket.recv(), 5)
                        for frame in events_in(text):
                            self.take(frame)
                            if frame.get("request_id") == client_id:
                                assert frame["type"] == "ack", frame
                                self.acked[client_id] = frame["result"]["seq"]
                except (websockets.ConnectionClosed, TimeoutError, OSError):
                    self.reconnects += 1
                    await self.connect()
            await asyncio.sleep(random.uniform(0.01, 0.05))

    async def drain(self, last_rev: int) -> None:
        """Read until this client holds the room up to `last_rev` (a final catch-up)."""
        await self.socket.close()
        await self.connect()
        while self.rev < last_rev:
            for frame in events_in(await asyncio.wait_for(self.socket.recv(), 10)):
                self.take(frame)
        await self.socket.close()


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_kill_one_of_two_processes_mid_stream(transactional_db, tmp_path: Path):
    users = [UserFactory(name=f"Member {i}") for i in range(CLIENTS)]
    room = make_room(*users, name="Busy cohort")
    servers = start_all(ServerProcess(tmp_path), ServerProcess(tmp_path))
    urls = [server.url for server in servers]
    clients = [ChatClient(name=f"c{i}", cookie=_session(user), room_id=room.pk,
                          servers=urls, server_index=i % 2)
               for i, user in enumerate(users)]

    async def scenario() -> None:
        senders = [asyncio.create_task(c.send_all(MESSAGES_EACH)) for c in clients]
        total = CLIENTS * MESSAGES_EACH
        waited = 0.0
        while sum(len(c.acked) for c in clients) < total * 0.4:
            await asyncio.sleep(0.05)
            waited += 0.05
            if waited > 60 or any(t.done() for t in senders):
                for t in senders:
                    if t.done() and t.exception():
                        raise t.exception()
                raise AssertionError(f"stuck: {[len(c.acked) for c in clients]}")
        servers[0].kill()
        await asyncio.wait_for(asyncio.gather(*senders), timeout=120)
        last_rev = max(max(c.acked.values()) for c in clients)
        await asyncio.gather(*(c.drain(last_rev) for c in clients))

    try:
        asyncio.run(scenario())
    finally:
        for server in servers:
            server.stop()

    acked = {cid: seq for c in clients for cid, seq in c.acked.items()}
    assert len(acked) == CLIENTS * MESSAGES_EACH
    stored = list(Message.objects.filter(room=room).values_list("client_id", "seq"))
    assert len(stored) == len(acked)  # nothing lost, nothing stored twice
    assert dict(stored) == acked
    assert sorted(seq for _cid, seq in stored) == list(range(1, len(acked) + 1))
    assert sum(c.reconnects for c in clients) >= CLIENTS // 2  # the kill was felt
    for client in clients:
        assert client.seen == list(range(1, len(acked) + 1)), client.name
