"""A lean WebSocket client for the load generators: text frames, pings, close; no more.

The benchmarks run their clients on the machine they measure. The `websockets` client
spends about 55 us of CPU per message received on the 2-core benchmark machine, so 200
members reading 100 messages/s took a whole core from the server under test. This one
parses server frames (never masked) straight from the transport's buffer and hands each
text to a callback: about a quarter of that. Clients send few frames; those are masked
as RFC 6455 requires.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from urllib.parse import urlsplit

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class Closed(Exception):
    """The connection is closed."""


class LightSocket(asyncio.Protocol):
    """Until `on_text` is set, texts wait in a queue for `recv()`; after, each goes to it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.on_text: Callable[[str], None] | None = None
        self.fragments: list[bytes] = []
        self.closing = False  # our close frame is sent

    # --- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.opened.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:self.buffer.find(b"\r\n")])
            del self.buffer[:end + 4]
            if b" 101 " not in status:
                self.opened.set_exception(Closed(status.decode(errors="replace")))
                self.transport.close()  # type: ignore[union-attr]
                return
            self.opened.set_result(None)
        self._parse()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(Closed("connection lost during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)
        self.queue.put_nowait(None)

    # --- Frames -------------------------------------------------------------------------
    def _parse(self) -> None:
        buffer, start, size = self.buffer, 0, len(self.buffer)
        while size - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            length, header = second & 0x7F, 2
            if length == 126:
                if size - start < 4:
                    break
                length, header = int.from_bytes(buffer[start + 2:start + 4]), 4
            elif length == 127:
                if size - start < 10:
                    break
                length, header = int.from_bytes(buffer[start + 2:start + 10]), 10
            if size - start < header + length:
                break
            payload = bytes(buffer[start + header:start + header + length])
            start += header + length
            self._frame(first & 0x80, first & 0x0F, payload)
        del buffer[:start]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (TEXT, 0x0):
            self.fragments.append(payload)
            if fin:
                text = b"".join(self.fragments).decode()
                self.fragments = []
                if self.on_text is not None:
                    self.on_text(text)
                else:
                    self.queue.put_nowait(text)
        elif opcode == PING:
            self._write(PONG, payload)
        elif opcode == CLOSE and self.transport is not None:
            if not self.closing and not self.transport.is_closing():
                self._write(CLOSE, payload[:2])  # the server closes first: echo its code
            self.transport.close()

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise Closed("the connection is closed")
        n = len(payload)
        if n < 126:
            header = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2)
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8)
        mask = os.urandom(4)
        masked = (int.from_bytes(payload) ^ int.from_bytes((mask * (n // 4 + 1))[:n])
                  ).to_bytes(n) if n else b""
        self.transport.write(header + mask + masked)

    # --- The client's side --------------------------------------------------------------
    async def send(self, text: str) -> None:
        self._write(TEXT, text.encode())

    async def recv(self) -> str:
        text = await self.queue.get()
        if text is None:
            self.queue.put_nowait(None)
            raise Closed("the connection is closed")
        return text

    def read_with(self, on_text: Callable[[str], None]) -> None:
        """From now on every text goes to `on_text`, those waiting in the queue first."""
        while not self.queue.empty():
            text = self.queue.get_nowait()
            if text is not None:
                on_text(text)
        self.on_text = on_text

    async def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing() \
                and not self.closing:
            self._write(CLOSE, (1000).to_bytes(2))
            self.closing = True
            try:
                async with asyncio.timeout(5):
                    await self.closed
            except TimeoutError:
                self.transport.close()


async def connect(url: str, headers: dict[str, str], timeout: float = 20) -> LightSocket:
    """Open a WebSocket to `url` (ws://host:port/path?query) with extra `headers`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        _, socket = await loop.create_connection(LightSocket, parts.hostname, parts.port)
        lines = [f"GET {path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13", *(f"{k}: {v}" for k, v in headers.items())]
        socket.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())  # type: ignore[union-attr]
        await socket.opened
    return socket
