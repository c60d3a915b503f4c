"""Many idle members on one server process: memory per connection, and does it still serve.

    .venv/bin/python benchmarks/idle.py                          # 5,000 members, both configs
    .venv/bin/python benchmarks/idle.py --config embedded --members 1000

Members sit in rooms of --room-size. Each connects as the web page does (`hello`,
`sync`), then stays open and sends the page's heartbeat (`ping`, every
`heartbeat_seconds`, spread over the period) for --hold seconds (at least one beat). It prints, per
configuration: the time to connect everyone, the server's resident memory before and
after, memory per connection, the server's CPU while they idle, and a check that it still
serves: one message in each of ten rooms must reach every member of those rooms. All
traffic goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import websockets
from harness import (
    config_env,
    cpu_seconds,
    fresh_database,
    redis_pid,
    rss_kib,
    serve,
    server_choice,
)

CONNECT_AT_ONCE = 100  # connections opening at the same time


class Member:
    def __init__(self, room_id: int, cookie: str) -> None:
        self.room_id, self.cookie = room_id, cookie
        self.socket: websockets.ClientConnection | None = None
        self.got: dict[str, float] = {}  # message text -> arrival time
        self.pongs = 0
        self.reader: asyncio.Task[None] | None = None

    async def connect(self, url: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            self.socket = await websockets.connect(
                url, additional_headers={"Cookie": self.cookie,
                                     "Origin": "http" + url[2:].split("/ws")[0]},
                max_size=2**22, open_timeout=60, ping_interval=None)
            hello = json.loads(await self.socket.recv())
            assert hello["type"] == "hello", hello
            await self.socket.send(json.dumps({"type": "sync", "rooms": {}}))
            async with asyncio.timeout(60):
                while True:
                    frames = json.loads(await self.socket.recv())
                    if any(f["type"] == "sync.done"
                           for f in (frames if isinstance(frames, list) else [frames])):
                        break
        # Read from now on, as the page does: a socket nobody reads stops reading its TCP
        # stream once a few events wait, and then answers no WebSocket ping either.
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        assert self.socket is not None
        try:
            async for raw in self.socket:
                parsed = json.loads(raw)
                for frame in parsed if isinstance(parsed, list) else [parsed]:
                    if frame["type"] == "chat.message.created":
                        self.got[frame["message"]["text"]] = time.time()
                    elif frame["type"] == "pong":
                        self.pongs += 1
        except websockets.ConnectionClosed:
            pass

    async def heartbeat(self, period: float, until: float) -> None:
        """The page's heartbeat: a ping every `period`, the first at a random moment."""
        assert self.socket is not None
        await asyncio.sleep(random.uniform(0, period))
        while time.monotonic() < until:
            await self.socket.send(json.dumps({"type": "ping"}))
            await asyncio.sleep(min(period, max(0.0, until - time.monotonic())))


async def run(port: int, rooms: list[dict], server_pid: int, extra: list[int],
              hold: float) -> dict[str, float]:
    url = f"ws://127.0.0.1:{port}/ws/"
    members = [Member(room["room_id"], cookie) for room in rooms for cookie in room["cookies"]]
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    await members[0].connect(url, gate)  # the first connection loads what every one uses
    await asyncio.sleep(1)
    rss_before = rss_kib(server_pid)
    started = time.monotonic()
    await asyncio.gather(*(m.connect(url, gate) for m in members[1:]))
    connect_seconds = time.monotonic() - started
    readers = [m.reader for m in members if m.reader is not None]
    await asyncio.sleep(2)  # presence announcements settle
    rss_after = rss_kib(server_pid)
    cpu_before = sum(cpu_seconds(p) for p in [server_pid, *extra])
    idle_started = time.monotonic()
    await asyncio.gather(*(m.heartbeat(25.0, idle_started + hold) for m in members))
    idle_cpu = (sum(cpu_seconds(p) for p in [server_pid, *extra]) - cpu_before) \
        / (time.monotonic() - idle_started)
    # Still serving: a message in each of ten rooms reaches every member of those rooms.
    checked = rooms[:: max(1, len(rooms) // 10)][:10]
    sent_at = {}
    for index, room in enumerate(checked):
        sender = next(m for m in members if m.room_id == room["room_id"])
        text = f"still here {index}"
        sent_at[text] = time.time()
        assert sender.socket is not None
        await sender.socket.send(json.dumps({"type": "chat.send", "room_id": room["room_id"],
                                             "client_id": f"idle{index}", "text": text}))
    audience = [m for m in members if any(m.room_id == r["room_id"] for r in checked)]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
            f"still here {i}" not in m.got for i, r in enumerate(checked) for m in audience
            if m.room_id == r["room_id"]):
        await asyncio.sleep(0.05)
    latencies = sorted(m.got[t] - sent_at[t] for m in audience for t in m.got if t in sent_at)
    for m in members:
        assert m.socket is not None
        await m.socket.close()
    for task in readers:
        task.cancel()
    return {
        "members": len(members), "connect_s": connect_seconds,
        "rss_before_mib": rss_before / 1024, "rss_after_mib": rss_after / 1024,
        "kib_per_conn": (rss_after - rss_before) / (len(members) - 1),
        "idle_cpu_pct": 100 * idle_cpu,
        "pongs": sum(m.pongs for m in members),
        "reached": len(latencies), "expected": len(audience),
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
    }


HEADER = ("| server, config | members | connect s | RSS before MiB | RSS after MiB | KiB/conn "
          "| idle CPU % | pongs | reached | p50 ms | p99 ms |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["embedded", "services", "both"], default="both")
    parser.add_argument("--servers", type=server_choice, default=["uvicorn"],
                        help="what serves Cohort, in turn: uvicorn, daphne or both")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--room-size", type=int, default=20)
    parser.add_argument("--hold", type=float, default=30.0)
    args = parser.parse_args()
    members = min(args.members, 10_000)
    hold = max(25.0, min(args.hold, 300.0))  # at least one heartbeat each
    print(HEADER, flush=True)
    for config in ["embedded", "services"] if args.config == "both" else [args.config]:
        for name in args.servers:
            with tempfile.TemporaryDirectory() as tmp:
                env = config_env(config, Path(tmp))
                rooms = fresh_database(config, env,
                                       [args.room_size] * max(1, members // args.room_size))
                with serve(env, name) as (port, server):
                    extra = [p for p in [redis_pid()] if p and config == "services"]
                    r = asyncio.run(run(port, rooms, server.pid, extra, hold))
            print(f"| {name}, {config} | {r['members']} | {r['connect_s']:.1f} | "
                  f"{r['rss_before_mib']:.0f} | {r['rss_after_mib']:.0f} | "
                  f"{r['kib_per_conn']:.1f} | {r['idle_cpu_pct']:.1f} | {r['pongs']} | "
                  f"{r['reached']}/{r['expected']} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
