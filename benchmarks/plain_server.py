"""The yardstick: a minimal fan-out server on the plain `websockets` library.

It speaks just enough of docs/protocol.md for the load generator: `sync` (answered with
`sync.done`) and `chat.send` (numbered in memory, acknowledged, and sent to every socket of
the room as `chat.message.created`, serialised once). No database, no auth, no layer.

    python benchmarks/plain_server.py PORT [uvloop|asyncio]   # uvloop by default
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from urllib.parse import parse_qs, urlparse

import websockets

rooms: dict[int, set[websockets.ServerConnection]] = defaultdict(set)
seqs: dict[int, int] = defaultdict(int)


async def handle(socket: websockets.ServerConnection) -> None:
    query = parse_qs(urlparse(socket.request.path).query)
    room_id = int(query["room"][0])
    rooms[room_id].add(socket)
    try:
        await socket.send(json.dumps({"type": "hello", "user_id": 0, "heartbeat_seconds": 25}))
        async for raw in socket:
            frame = json.loads(raw)
            if frame["type"] == "sync":
                await socket.send(json.dumps({"type": "sync.done", "rooms": [
                    {"room_id": room_id, "last_rev": seqs[room_id]}]}))
            elif frame["type"] == "chat.send":
                seqs[room_id] += 1
                seq = seqs[room_id]
                event = json.dumps({"type": "chat.message.created", "room_id": room_id,
                                    "rev": seq, "message": {"seq": seq, "text": frame["text"],
                                                            "client_id": frame["client_id"]}})
                await socket.send(json.dumps({"type": "ack", "request_id": frame.get(
                    "request_id"), "result": {"seq": seq, "client_id": frame["client_id"]}}))
                websockets.broadcast(rooms[room_id], event)
    finally:
        rooms[room_id].discard(socket)


async def main(port: int) -> None:
    async with websockets.serve(handle, "127.0.0.1", port, max_queue=None):
        await asyncio.Future()


if __name__ == "__main__":
    if (sys.argv[2] if len(sys.argv) > 2 else "uvloop") == "uvloop":
        import uvloop

        uvloop.run(main(int(sys.argv[1])))
    else:
        asyncio.run(main(int(sys.argv[1])))
