"""One WebSocket text frame, as a server sends it (RFC 6455 5.2).

`rooms.hub` frames each pass's texts once (`hub.Frames`) for sockets that would write
bytes themselves. None does: every frame goes through the server's ASGI `send`
(rooms.outgoing), which frames it. Kept only while the hub still offers frames.
"""

from __future__ import annotations

import struct


def frame(text: str) -> bytes:
    """One unmasked, uncompressed WebSocket text frame holding `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
