"""Already serialised room events written straight to Daphne's sockets.

The fan-out hands one event (or one batch) to every local member of a room. Through ASGI,
each copy would travel `send` -> Daphne -> autobahn, which encodes and frames the text
again for every member, and Twisted, which queues the bytes and registers the socket
with the event loop for writing, then unregisters it once written: about three quarters
of the cost of a delivery. Here a hub pass frames the text once (`frame`), and each
socket's `Wire` writes those bytes to its TCP socket at once when nothing is queued
before them; what the kernel does not take, and anything while bytes are queued, goes
through Twisted's own buffered write, so order is kept.

A socket not served by Daphne over plain TCP (TLS inside Daphne, the test
communicator, another server) gets no `Wire` and keeps the ASGI `send`.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

try:  # Daphne's protocol classes, when Daphne serves us
    from daphne.server import Server as DaphneServer
    from daphne.ws_protocol import WebSocketProtocol as DaphneWebSocket
except ImportError:  # pragma: no cover - Daphne is a dependency
    DaphneServer = DaphneWebSocket = None


def frame(text: str) -> bytes:
    """One unmasked, uncompressed WebSocket text frame (RFC 6455 5.2), as a server sends."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class Wire:
    """Writes framed bytes to one Daphne WebSocket connection."""

    __slots__ = ("protocol", "connections")

    def __init__(self, protocol: Any, connections: dict[Any, dict[str, Any]]) -> None:
        self.protocol = protocol
        self.connections = connections  # Daphne's: a closed socket is marked there

    def write(self, data: bytes) -> bool:
        """Write one frame; False if the socket is closing or closed (nothing written)."""
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return False
        state = self.connections.get(protocol)
        if state is None or "disconnected" in state:
            return False
        transport = protocol.transport
        if transport is None or not transport.connected or transport.disconnecting \
                or transport._writeDisconnected:
            return False
        if protocol.send_queue:  # autobahn holds frames back: behind them
            protocol.sendData(data)
            return True
        if len(transport.dataBuffer) - transport.offset or transport._tempDataBuffer:
            transport.write(data)  # behind what Twisted has queued: it keeps the order
            return True
        try:
            sent = transport.socket.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:  # the connection is lost; Twisted notices and closes it
            return False
        if sent < len(data):
            transport.write(data[sent:])
        return True


def wire_for(send: Any) -> Wire | None:
    """The direct writer behind an ASGI `send`, if Daphne serves it over plain TCP."""
    if DaphneServer is None or not isinstance(send, functools.partial) or not send.args:
        return None
    server = getattr(send.func, "__self__", None)
    protocol = send.args[0]
    if not isinstance(server, DaphneServer) or not isinstance(protocol, DaphneWebSocket):
        return None
    transport = protocol.transport
    if getattr(transport, "TLS", True) or not hasattr(transport, "socket") \
            or getattr(protocol, "_perMessageCompress", None) is not None:
        return None
    return Wire(protocol, server.connections)
