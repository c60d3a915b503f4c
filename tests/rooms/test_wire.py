"""Room events written straight to Daphne's sockets (rooms.wire)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
import websockets
from django.test import Client
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from rooms.wire import frame
from tests.community.factories import UserFactory
from tests.daphne import DaphneProcess
from tests.frames import events_in
from tests.rooms.factories import make_room


def _parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        parsed: Frame = done.value
        return parsed
    raise AssertionError("the frame is incomplete")


@pytest.mark.parametrize("text", ["{}", "é" * 100, "a" * 125, "ü" * 70_000])
def test_a_framed_text_is_one_whole_text_frame(text):
    data = frame(text)
    parsed = _parse(data)
    assert parsed.opcode is Opcode.TEXT and parsed.fin
    assert parsed.data.decode() == text
    assert len(data) == len(parsed.data) + (2 if len(parsed.data) < 126 else
                                            4 if len(parsed.data) < 65536 else 10)


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _connect(server: DaphneProcess, cookie: str, **options) -> websockets.ClientConnection:
    return await websockets.connect(
        server.url.replace("http", "ws") + "/ws/", open_timeout=10, max_size=None,
        additional_headers={"Cookie": f"sessionid={cookie}", "Origin": "http://127.0.0.1"},
        **options)


async def _events(sock: websockets.ClientConnection, until: int, timeout: float = 30):
    """Message events read until `until` messages arrived (others are skipped)."""
    messages = []
    async with asyncio.timeout(timeout):
        while len(messages) < until:
            for event in events_in(await sock.recv()):
                if event["type"] == "chat.message.created":
                    messages.append(event["message"])
    return messages


def test_a_reader_slower_than_the_room_gets_every_message_in_order(transactional_db,
                                                                   tmp_path: Path):
    """Her socket's buffers fill while she does not read: what the kernel does not take is
    queued in order, and she gets all of it, once, when she reads again."""
    author, reader = UserFactory(), UserFactory()
    room = make_room(author, reader)
    server = DaphneProcess(tmp_path, COHORT_CHAT_SEND_LIMIT="1000").start()
    count, size = 150, 9_000  # 4-byte characters: 5.4 MB, more than the buffers hold
    smile = "\N{SLIGHTLY SMILING FACE}"
    cookies = _session(reader), _session(author)

    async def scenario() -> list[dict]:
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(("127.0.0.1", server.port))
        reading = await _connect(server, cookies[0], sock=slow, max_queue=2)
        writing = await _connect(server, cookies[1])
        for sock in (reading, writing):
            json.loads(await sock.recv())  # hello
            await sock.send(json.dumps({"type": "sync", "rooms": {}}))
        await _events(writing, 0)
        for number in range(count):
            await writing.send(json.dumps({
                "type": "chat.send", "request_id": number, "room_id": room.pk,
                "client_id": f"m{number}", "text": f"{number:04d}" + smile * size},
                ensure_ascii=False))
        assert [m["seq"] for m in await _events(writing, count)] == list(range(1, count + 1))
        got = await _events(reading, count)
        await reading.close()
        await writing.close()
        return got

    try:
        got = asyncio.run(scenario())
    finally:
        server.stop()
    assert [m["seq"] for m in got] == list(range(1, count + 1))
    assert [m["text"][:4] for m in got] == [f"{n:04d}" for n in range(count)]
    assert all(len(m["text"]) == size + 4 for m in got)
