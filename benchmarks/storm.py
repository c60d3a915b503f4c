"""A reconnect storm: many members drop at once, miss messages, and come back at once.

    .venv/bin/python benchmarks/storm.py                       # 1,000 members, both configs
    .venv/bin/python benchmarks/storm.py --config services --clients 500

Rooms of --room-size members plus one writer each. Everyone connects and syncs; the
writers post; the members all close their sockets at once; the writers post --missed
more messages each; then every member reconnects at the same moment and sends `sync`
with the last rev she holds, as the web page does, while the writers go on posting (one
message per room and second). It prints how long until each member holds every message
posted before the storm (median and slowest; the target is 10 s), and checks at the end
that every member holds every message of her room exactly once, with no gap, how long
the members were away, and how many presence events each writer received from the drop
to the end (a member away for less than `COHORT_PRESENCE_GRACE` is not announced). All
traffic goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import websockets
from harness import config_env, cpu_seconds, fresh_database, redis_pid, serve, server_choice

DEADLINE = 60.0  # a member not caught up by then counts as failed


class Client:
    def __init__(self, room_id: int, cookie: str) -> None:
        self.room_id, self.cookie = room_id, cookie
        self.socket: websockets.ClientConnection | None = None
        self.rev = 0
        self.seqs: list[int] = []
        self.presence = 0
        self.caught_up_at: float | None = None
        self.target = 0  # every seq up to this one: caught up

    async def connect(self, url: str, after: int | None) -> None:
        self.socket = await websockets.connect(
            url, additional_headers={"Cookie": self.cookie,
                                     "Origin": "http" + url[2:].split("/ws")[0]},
            max_size=2**22, open_timeout=DEADLINE, ping_interval=None)
        rooms = {} if after is None else {str(self.room_id): after}
        await self.socket.send(json.dumps({"type": "sync", "rooms": rooms}))
        if after is None:  # the first time: live from the end of `sync` on
            async with asyncio.timeout(DEADLINE):
                while True:
                    parsed = json.loads(await self.socket.recv())
                    frames = parsed if isinstance(parsed, list) else [parsed]
                    for frame in frames:
                        self.take(frame)
                    if any(frame["type"] == "sync.done" for frame in frames):
                        return

    async def read(self) -> None:
        assert self.socket is not None
        try:
            async for raw in self.socket:
                parsed = json.loads(raw)
                for frame in parsed if isinstance(parsed, list) else [parsed]:
                    self.take(frame)
        except websockets.ConnectionClosed:
            pass

    def take(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "chat.message.created":
            self.seqs.append(frame["message"]["seq"])
            self.rev = max(self.rev, frame["rev"])
            if self.caught_up_at is None and self.target and \
                    set(range(1, self.target + 1)) <= set(self.seqs):
                self.caught_up_at = time.monotonic()
        elif kind == "sync.done":
            for room in frame["rooms"]:
                if room["room_id"] == self.room_id and not self.rev:
                    self.rev = room["last_rev"]
        elif kind == "presence.changed":
            self.presence += 1


async def post(writer: Client, prefix: str, count: int, every: float = 0.0) -> None:
    assert writer.socket is not None
    for index in range(count):
        await writer.socket.send(json.dumps({
            "type": "chat.send", "room_id": writer.room_id, "client_id": f"{prefix}{index}",
            "text": f"{prefix} {index}"}))
        if every:
            await asyncio.sleep(every)


async def settle(clients: list[Client], seqs_each: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(len(set(c.seqs)) < seqs_each for c in clients):
        await asyncio.sleep(0.05)


async def run(port: int, rooms: list[dict], missed: int, server_pid: int,
              extra: list[int]) -> dict[str, float]:
    url = f"ws://127.0.0.1:{port}/ws/"
    writers = [Client(r["room_id"], r["cookies"][0]) for r in rooms]
    members = [Client(r["room_id"], c) for r in rooms for c in r["cookies"][1:]]
    everyone = writers + members
    gate = asyncio.Semaphore(100)

    async def first_connect(client: Client) -> None:
        async with gate:
            await client.connect(url, None)

    await asyncio.gather(*(first_connect(c) for c in everyone))
    readers = {id(c): asyncio.create_task(c.read()) for c in everyone}
    await asyncio.gather(*(post(w, "before", 3) for w in writers))
    await settle(everyone, 3, 30)
    # The storm: every member drops at once; the writers post what they will miss.
    presence_before = sum(w.presence for w in writers)
    dropped = time.monotonic()
    for member in members:
        assert member.socket is not None
        await member.socket.close()
    await asyncio.gather(*(readers.pop(id(m)) for m in members))
    await asyncio.gather(*(post(w, "missed", missed) for w in writers))
    await settle(writers, 3 + missed, 30)
    for member in members:
        member.target = 3 + missed
    cpu_before = sum(cpu_seconds(p) for p in [server_pid, *extra])
    started = time.monotonic()
    away = started - dropped
    live = [asyncio.create_task(post(w, "during", 5, every=1.0)) for w in writers]
    await asyncio.gather(*(m.connect(url, m.rev) for m in members))
    connected = time.monotonic() - started
    for member in members:
        readers[id(member)] = asyncio.create_task(member.read())
    deadline = started + DEADLINE
    while time.monotonic() < deadline and any(m.caught_up_at is None for m in members):
        await asyncio.sleep(0.05)
    await asyncio.gather(*live)
    await settle(everyone, 3 + missed + 5, 20)
    cpu = sum(cpu_seconds(p) for p in [server_pid, *extra]) - cpu_before
    for client in everyone:
        assert client.socket is not None
        await client.socket.close()
    for task in readers.values():
        task.cancel()
    total = 3 + missed + 5
    times = sorted(m.caught_up_at - started for m in members if m.caught_up_at is not None)
    return {
        "members": len(members), "rooms": len(rooms), "missed": missed,
        "away_s": away, "connect_s": connected,
        "caught_up": len(times),
        "p50_s": statistics.median(times) if times else float("nan"),
        "max_s": times[-1] if times else float("nan"),
        "gaps": sum(1 for m in members if set(m.seqs) != set(range(1, total + 1))),
        "dups": sum(len(m.seqs) - len(set(m.seqs)) for m in members),
        "presence_per_writer": (sum(w.presence for w in writers) - presence_before)
        / len(writers),
        "cpu_s": cpu,
    }


HEADER = ("| server, config | members | rooms | missed each | away s | all reconnected s "
          "| caught up | p50 s | slowest s | with a gap | duplicates | presence events per writer "
          "| server CPU s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["embedded", "services", "both"], default="both")
    parser.add_argument("--servers", type=server_choice, default=["uvicorn"],
                        help="what serves Cohort, in turn: uvicorn, daphne or both")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--room-size", type=int, default=20)
    parser.add_argument("--missed", type=int, default=10)
    args = parser.parse_args()
    clients = min(args.clients, 5000)
    print(HEADER, flush=True)
    for config in ["embedded", "services"] if args.config == "both" else [args.config]:
        for name in args.servers:
            with tempfile.TemporaryDirectory() as tmp:
                env = config_env(config, Path(tmp))
                rooms = fresh_database(config, env, [args.room_size + 1]
                                       * max(1, clients // args.room_size))
                with serve(env, name) as (port, server):
                    extra = [p for p in [redis_pid()] if p and config == "services"]
                    r = asyncio.run(run(port, rooms, min(args.missed, 100), server.pid, extra))
            print(f"| {name}, {config} | {r['members']} | {r['rooms']} | {r['missed']} | "
                  f"{r['away_s']:.1f} | {r['connect_s']:.1f} | {r['caught_up']}/{r['members']} | "
                  f"{r['p50_s']:.1f} | {r['max_s']:.1f} | {r['gaps']} | {r['dups']} | "
                  f"{r['presence_per_writer']:.0f} | {r['cpu_s']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
