"""A member who reads slower than her room: she catches up, or, past her socket's cap,
she is let go and the room goes on without her.

A real uvicorn process serves the room: its `send` waits while a client's TCP window is
full, so what she does not read waits in her socket's bounded queue (rooms.outgoing),
and past its cap the server closes her socket with 4408 (`protocol.CLOSE_TOO_SLOW`).
She comes back through `sync`, as after any close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websockets
from django.test import Client
from websockets.client import ClientProtocol
from websockets.frames import Close, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from rooms import protocol
from rooms.catchup import CATCH_UP_MAX
from tests.community.factories import UserFactory
from tests.frames import events_in
from tests.rooms.factories import make_room
from tests.servers import ServerProcess

WARMUP = 300  # messages everyone reads first
MESSAGES = 2000  # then she stops reading
TOTAL = WARMUP + MESSAGES
TEXT_CHARS = 8000  # each event carries the text and its HTML: about 16 KB
READERS = 3
# What she does not read, were it all kept for her (as under Daphne, whose Twisted
# buffers without a bound: its RSS grew by 33 MB in this test), is about 30 MB. Her
# queue is capped at 4 MiB of text (rooms.outgoing.MAX_CHARS); uvicorn's write buffer
# and the kernel's hold a little more, outside the process. Measured: 2.7 MB.
RSS_GROWTH_MAX_KIB = 10 * 1024
# uvicorn pings every 20 s and drops a socket whose pong is 20 s late (1011): she would
# be dropped that way too had she stayed away longer. This test is about her queue's
# cap, so the pings come after it.
KEEPALIVE_AFTER_THE_TEST = ("--ws-ping-interval", "600")


# Served as in production: with DEBUG on, Django would keep every query's SQL (the
# messages' texts among them) in memory.
PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false"}


def _session(user, prefix: str = "__Host-") -> str:
    """Her session cookie (`prefix`: as the production server names it)."""
    client = Client()
    client.force_login(user)
    return f"{prefix}sessionid={client.cookies['sessionid'].value}"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Laggard:
    """A member on a raw TCP socket with a small receive buffer, which stops calling
    `recv` whenever the test says so; frames are parsed with websockets' sans-I/O
    client."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.setblocking(False)
        self.protocol = ClientProtocol(parse_uri(url))
        self.events: list[dict[str, Any]] = []
        self.close: Close | None = None
        self.eof = False

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        for data in self.protocol.data_to_send():
            if data:
                await loop.sock_sendall(self.socket, data)

    async def open(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        await loop.sock_connect(self.socket, ("127.0.0.1", port))
        request = self.protocol.connect()
        request.headers["Cookie"] = self.cookie
        request.headers["Origin"] = f"http://127.0.0.1:{port}"
        self.protocol.send_request(request)
        await self._flush()

    async def read(self, until: Callable[[], bool], timeout: float = 30) -> None:
        """Read (and answer pings and the close) until `until()` holds or the stream ends."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while not until() and not self.eof:
                data = await loop.sock_recv(self.socket, 65536)
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                    self.eof = True
                for event in self.protocol.events_received():
                    if isinstance(event, Response):
                        assert event.status_code == 101, event
                    elif event.opcode is Opcode.TEXT:
                        self.events.extend(events_in(bytes(event.data)))
                    elif event.opcode is Opcode.CLOSE:
                        self.close = Close.parse(bytes(event.data))
                await self._flush()  # pongs, and the close echoed

    async def send(self, frame: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(frame).encode())
        await self._flush()

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]


async def _connect(url: str, cookie: str) -> websockets.ClientConnection:
    return await websockets.connect(
        url, open_timeout=10, max_size=None, compression=None,
        additional_headers={"Cookie": cookie, "Origin": "http" + url[2:].split("/ws")[0]})


async def _synced(sock: websockets.ClientConnection, rooms: dict[str, int]) -> list[dict]:
    """`hello`, then `sync`: the events up to `sync.done`."""
    assert json.loads(await sock.recv())["type"] == "hello"
    await sock.send(json.dumps({"type": "sync", "request_id": "s", "rooms": rooms}))
    got: list[dict] = []
    async with asyncio.timeout(30):
        while not got or got[-1]["type"] != "sync.done":
            got.extend(events_in(await sock.recv()))
    return got


async def _read_messages(sock: websockets.ClientConnection, until_seq: int,
                         into: list[dict]) -> None:
    while not into or into[-1]["seq"] < until_seq:
        for event in events_in(await sock.recv()):
            if event["type"] == "chat.message.created":
                into.append(event["message"])


def test_a_member_who_stops_reading_is_let_go_and_the_room_goes_on(transactional_db,
                                                                    tmp_path: Path):
    author, laggard_user = UserFactory(name="Author"), UserFactory(name="Laggard")
    readers = [UserFactory(name=f"Reader {n}") for n in range(READERS)]
    room = make_room(author, laggard_user, *readers)
    server = ServerProcess(tmp_path, server="uvicorn", server_args=KEEPALIVE_AFTER_THE_TEST,
                           COHORT_CHAT_SEND_LIMIT=str(TOTAL * 2), **PRODUCTION).start()
    url = server.url.replace("http", "ws") + "/ws/"
    cookies = {user.pk: _session(user) for user in [author, laggard_user, *readers]}
    room_key = str(room.pk)
    texts = [f"{n:04d} " + "x" * (TEXT_CHARS - 5) for n in range(TOTAL + 1)]

    async def scenario() -> dict[str, Any]:
        laggard = Laggard(url, cookies[laggard_user.pk])
        await laggard.open(server.port)
        await laggard.read(lambda: "hello" in laggard.types())
        await laggard.send({"type": "sync", "request_id": "s", "rooms": {room_key: 0}})
        await laggard.read(lambda: "sync.done" in laggard.types())

        writing = await _connect(url, cookies[author.pk])
        await _synced(writing, {room_key: 0})
        reading = [await _connect(url, cookies[reader.pk]) for reader in readers]
        for sock in reading:
            await _synced(sock, {room_key: 0})
        got: list[list[dict]] = [[] for _ in reading]
        readers_done = [asyncio.create_task(_read_messages(sock, TOTAL, into))
                        for sock, into in zip(reading, got, strict=True)]
        acks: list[dict] = []

        async def read_acks() -> None:  # the author reads all along too
            while len(acks) < TOTAL:
                for event in events_in(await writing.recv()):
                    if event["type"] == "ack":
                        acks.append(event["result"])
        author_done = asyncio.create_task(read_acks())

        async def send(numbers: range) -> None:
            for number in numbers:
                await writing.send(json.dumps({
                    "type": "chat.send", "request_id": number, "room_id": room.pk,
                    "client_id": f"m{number}", "text": texts[number]}))

        # A warm-up everyone reads, she too: the server's own caches and heap settle.
        await send(range(1, WARMUP + 1))
        await laggard.read(lambda: sum(
            e["type"] == "chat.message.created" for e in laggard.events) >= WARMUP)
        async with asyncio.timeout(60):
            while any(len(into) < WARMUP for into in got):
                await asyncio.sleep(0.05)
        # From here on she calls `recv` no more, and the room gets busy.
        rss_before = peak = rss_kib(server.pid)
        for first in range(WARMUP + 1, TOTAL + 1, 20):
            await send(range(first, min(first + 20, TOTAL + 1)))
            peak = max(peak, rss_kib(server.pid))
        async with asyncio.timeout(180):
            while not all(task.done() for task in [author_done, *readers_done]):
                await asyncio.sleep(0.1)
                peak = max(peak, rss_kib(server.pid))
        for task in [author_done, *readers_done]:
            task.result()  # raises what went wrong

        # She reads again: what was on its way, then the server's close.
        with contextlib.suppress(TimeoutError):  # no close: the assertions below say so
            await laggard.read(lambda: laggard.close is not None)
        held = [e["message"] for e in laggard.events if e["type"] == "chat.message.created"]
        last_rev = max(ack["rev"] for ack in acks)

        # Back with `sync` from the last rev she holds: more than CATCH_UP_MAX changes
        # are missing, so the room starts afresh at its latest rev, and its latest page
        # ends with the last message; then the room goes on, live.
        back = await _connect(url, cookies[laggard_user.pk])
        resynced = await _synced(back, {room_key: held[-1]["rev"]})
        await back.send(json.dumps({"type": "chat.history", "request_id": "h",
                                    "room_id": room.pk, "limit": 10}))
        async with asyncio.timeout(30):
            while (page := events_in(await back.recv())[0])["type"] != "ack":
                pass
        await writing.send(json.dumps({"type": "chat.send", "request_id": "after",
                                       "room_id": room.pk, "client_id": "after",
                                       "text": texts[0]}))
        live: list[dict] = []
        async with asyncio.timeout(30):
            await _read_messages(back, TOTAL + 1, live)
        for sock in [*reading, writing, back]:
            await sock.close()
        laggard.socket.close()
        return {"rss_growth": peak - rss_before, "close": laggard.close, "held": held,
                "got": got, "last_rev": last_rev, "resynced": resynced,
                "page": page["result"]["messages"], "live": live}

    try:
        result = asyncio.run(scenario())
    finally:
        server.stop()

    # Every other member got every message, once, in order.
    for messages in result["got"]:
        assert [m["seq"] for m in messages] == list(range(1, TOTAL + 1))
        assert [m["text"] for m in messages] == texts[1:]
    # She was let go, with the documented code, after an unbroken first part of the room.
    held = result["held"]
    assert result["close"] is not None, f"not closed; she read {len(held)} of {TOTAL}"
    assert result["close"].code == protocol.CLOSE_TOO_SLOW
    assert [m["seq"] for m in held] == list(range(1, len(held) + 1))
    assert WARMUP <= len(held) < TOTAL - CATCH_UP_MAX
    # What she did not read was not kept for her beyond her queue's cap.
    assert result["rss_growth"] < RSS_GROWTH_MAX_KIB, result["rss_growth"]
    # Back with `sync`: the room afresh at its latest rev, the latest page, then live.
    resets = [e for e in result["resynced"] if e["type"] == "chat.reset"]
    assert resets == [{"type": "chat.reset", "room_id": room.pk, "rev": result["last_rev"]}]
    assert [m["seq"] for m in result["page"]] == list(range(TOTAL - 9, TOTAL + 1))
    assert [m["seq"] for m in result["live"]] == [TOTAL + 1]


def test_a_reader_slower_than_the_room_gets_every_message_in_order(transactional_db,
                                                                   tmp_path: Path):
    """She stops reading while the room gets busy, more than the kernel's buffers hold,
    and less than her queue's cap: when she reads again she gets every message, once, in
    order, and her socket stays open."""
    author, reader = UserFactory(), UserFactory()
    room = make_room(author, reader)
    server = ServerProcess(tmp_path, COHORT_CHAT_SEND_LIMIT="1000").start()
    url = server.url.replace("http", "ws") + "/ws/"
    count, size = 200, 3_000  # 4-byte characters: about 24 KB per event, 4.8 MB in all
    smile = "\N{SLIGHTLY SMILING FACE}"
    cookies = _session(reader, prefix=""), _session(author, prefix="")

    async def scenario() -> tuple[list[dict], Laggard]:
        slow = Laggard(url, cookies[0])
        await slow.open(server.port)
        await slow.read(lambda: "hello" in slow.types())
        await slow.send({"type": "sync", "request_id": "s", "rooms": {}})
        await slow.read(lambda: "sync.done" in slow.types())
        writing = await _connect(url, cookies[1])
        await _synced(writing, {})
        for number in range(count):
            await writing.send(json.dumps({
                "type": "chat.send", "request_id": number, "room_id": room.pk,
                "client_id": f"m{number}", "text": f"{number:04d}" + smile * size},
                ensure_ascii=False))
        mine: list[dict] = []
        async with asyncio.timeout(60):
            await _read_messages(writing, count, mine)
        await writing.close()

        def messages() -> list[dict]:
            return [e["message"] for e in slow.events if e["type"] == "chat.message.created"]
        await slow.read(lambda: len(messages()) >= count)
        slow.socket.close()
        return messages(), slow

    try:
        got, slow = asyncio.run(scenario())
    finally:
        server.stop()
    assert [m["seq"] for m in got] == list(range(1, count + 1))
    assert [m["text"][:4] for m in got] == [f"{n:04d}" for n in range(count)]
    assert all(len(m["text"]) == size + 4 for m in got)
    assert slow.close is None and not slow.eof
