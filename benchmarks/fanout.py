"""Chat fan-out under load: real WebSocket clients against Cohort and the plain yardstick.

    .venv/bin/python benchmarks/fanout.py                    # the whole matrix
    .venv/bin/python benchmarks/fanout.py --config embedded  # SQLite + in-memory layer
    .venv/bin/python benchmarks/fanout.py --config services --sizes 200 --rates 5,10
    .venv/bin/python benchmarks/fanout.py --config services --processes 1,2  # one, then two
    .venv/bin/python benchmarks/fanout.py --servers uvicorn,daphne --sizes 200 --rates 100

Without --rates, each room size climbs a ladder of send rates and stops after the first
that saturates (p99 over 250 ms, or a loss). For each room size and send rate it connects
one client per member, sends for a bounded time, and prints: fan-out latency p50/p99
(send to receipt, every member including the sender), the p99 of the time to the sender's
ack (the send path alone, before any fan-out; --timeline shows when each was worst),
deliveries per second, loss and
duplicates (each acknowledged message must reach every member exactly once), server CPU
per delivery (Redis and PostgreSQL included) and memory per idle connection. Cohort is
served as `cohort.py start` serves it, by each of --servers in turn (uvicorn, Daphne).
The same load then runs against benchmarks/plain_server.py (on uvloop, or the asyncio
loop with --yardstick-loop asyncio), and a last table sets each Cohort row's CPU per
delivery beside the yardstick's at the same size and rate. The members are lean clients
(benchmarks/lightws.py, no compression offered: neither server compresses) that share
the machine with the server. All traffic goes to 127.0.0.1; every loop is bounded in
count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import lightws
from harness import (
    ROOT,
    config_env,
    cpu_by_pid,
    free_port,
    fresh_database,
    postgres_pids,
    redis_pid,
    rss_kib,
    serve,
    server_choice,
    wait_port,
)

LADDERS = {2: [20, 50, 100, 200, 400], 50: [10, 25, 50, 100, 200],
           200: [10, 25, 50, 100, 150, 200, 320]}
SATURATED_P99_MS = 250.0


def saturated(result: dict[str, float]) -> bool:
    return result["p99_ms"] > SATURATED_P99_MS or result["lost"] > 0 \
        or result["duplicates"] > 0


# --- The load ---------------------------------------------------------------------------
@dataclass
class Member:
    socket: lightws.LightSocket
    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0
    latencies: list[float] = field(default_factory=list)
    # (sent at, latency): when the delays came, for --timeline.
    timeline: list[tuple[float, float]] = field(default_factory=list)
    acked: int = 0
    frames: int = 0  # frames that carried at least one message (a batch is one frame)
    acks: list[tuple[float, float]] = field(default_factory=list)


def reader(member: Member, sent_at: dict[str, float]) -> Callable[[str], None]:
    """What a member does with each text frame she receives. `sent_at`: each client_id's
    sending time, for the time to the ack (the send path alone, before any fan-out)."""
    def take(raw: str) -> None:
        parsed = json.loads(raw)
        now = time.time()
        if '"chat.message.created"' in raw:
            member.frames += 1
        for frame in parsed if isinstance(parsed, list) else [parsed]:  # a batch: array
            kind = frame["type"]
            if kind == "chat.message.created":
                seq = frame["message"]["seq"]
                if seq in member.seqs:
                    member.duplicates += 1
                member.seqs.add(seq)
                at = float(frame["message"]["text"])
                member.latencies.append(now - at)
                member.timeline.append((at, now - at))
            elif kind == "ack":
                member.acked += 1
                at = sent_at.get(frame["result"].get("client_id", ""), 0.0)
                if at:
                    member.acks.append((at, now - at))
    return take


async def run_load(urls: list[str], room_id: int, cookies: list[str], rate: float,
                   seconds: float, server_pids: list[int],
                   services: Callable[[], list[int]],
                   timeline: bool = False) -> dict[str, float]:
    """Members connect to the `urls` (the server processes) in turn. `timeline`: print the
    worst delivery and ack latency of each quarter second of sending (where a backlog
    built up, and whether the send path or the fan-out held it). `services`: the
    PostgreSQL and Redis processes whose CPU counts too, asked once the members are
    connected (the server opens its database connections as they sync)."""
    rss_before = sum(rss_kib(pid) for pid in server_pids)
    members = []
    for index, cookie in enumerate(cookies):
        socket = await lightws.connect(
            f"{urls[index % len(urls)]}?room={room_id}",
            {"Cookie": cookie, "Origin": "http" + urls[index % len(urls)][2:].split("/ws")[0]})
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        await socket.send(json.dumps({"type": "sync", "rooms": {str(room_id): 0}}))
        while json.loads(await socket.recv())["type"] != "sync.done":
            pass
        members.append(Member(socket))
        if index % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    rss_after = sum(rss_kib(pid) for pid in server_pids)
    sent_at: dict[str, float] = {}
    for member in members:
        member.socket.read_with(reader(member, sent_at))
    extra_pids = services()
    cpu_before = cpu_by_pid([*server_pids, *extra_pids])
    client_before = time.process_time()
    started = time.monotonic()
    sent = 0
    interval = 1 / rate
    while time.monotonic() - started < seconds:
        sender = members[sent % len(members)]
        sent_at[f"m{sent}"] = now = time.time()
        await sender.socket.send(json.dumps({
            "type": "chat.send", "room_id": room_id, "client_id": f"m{sent}",
            "text": repr(now)}))
        sent += 1
        next_at = started + sent * interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    expected_each = sent
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
            sum(m.acked for m in members) < sent
            or any(len(m.seqs) < expected_each for m in members)):
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    cpu_after = cpu_by_pid([*server_pids, *extra_pids])
    cpu = sum(used - cpu_before[pid] for pid, used in cpu_after.items() if pid in cpu_before)
    services_cpu = sum(cpu_after[pid] - cpu_before[pid] for pid in extra_pids
                       if pid in cpu_after and pid in cpu_before)
    client_cpu = time.process_time() - client_before
    await asyncio.gather(*(m.socket.close() for m in members))
    acked = sum(m.acked for m in members)
    deliveries = sum(len(m.seqs) for m in members)
    latencies = sorted(x for m in members for x in m.latencies)
    acks = sorted(latency for m in members for _, latency in m.acks)
    if timeline:
        print_timeline(min(sent_at.values(), default=0.0), members)
    return {
        "sent": sent, "acked": acked, "deliveries": deliveries,
        "expected": acked * len(members),
        "lost": acked * len(members) - deliveries,
        "duplicates": sum(m.duplicates for m in members),
        "per_second": deliveries / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        "ack_p99_ms": 1000 * acks[int(len(acks) * 0.99) - 1] if acks else float("nan"),
        "cpu_us": 1e6 * cpu / deliveries if deliveries else float("nan"),
        "per_frame": deliveries / max(1, sum(m.frames for m in members)),
        "kib_per_conn": (rss_after - rss_before) / len(members),
        # The clients share the machine: past a core of their own they slow every server.
        "client_cpu_pct": 100 * client_cpu / elapsed,
        "server_cpu_pct": 100 * cpu / elapsed,
        # Of which PostgreSQL's and Redis' processes.
        "services_cpu_pct": 100 * services_cpu / elapsed,
    }


def print_timeline(start: float, members: list[Member]) -> None:
    worst: dict[int, list[float]] = {}
    for member in members:
        for index, pairs in enumerate((member.timeline, member.acks)):
            for at, latency in pairs:
                slot = worst.setdefault(int((at - start) * 4), [0.0, 0.0])
                slot[index] = max(slot[index], latency)
    print("  worst delivery / ack ms per quarter second: " + " ".join(
        f"{slot / 4:g}s {1000 * d:.0f}/{1000 * a:.0f}" for slot, (d, a) in sorted(worst.items())),
        flush=True)


def row(label: str, size: int, rate: float, result: dict[str, float]) -> str:
    return (f"| {label:<22} | {size:>4} | {rate:>5g} | {result['sent']:>5} | "
            f"{result['per_second']:>8.0f} | {result['p50_ms']:>7.1f} | {result['p99_ms']:>7.1f} | "
            f"{result['ack_p99_ms']:>10.1f} | {result['lost']:>4} | {result['duplicates']:>4} | "
            f"{result['cpu_us']:>7.0f} | {result['per_frame']:>4.2f} | "
            f"{result['kib_per_conn']:>6.1f} | {result['server_cpu_pct']:>4.0f} | "
            f"{result['services_cpu_pct']:>4.0f} | "
            f"{result['client_cpu_pct']:>4.0f} |")


HEADER = ("| server                 | size |  rate |  sent | deliv./s |  p50 ms |  p99 ms "
          "| ack p99 ms | lost | dups | CPU us/deliv. | msgs/frame | KiB/conn | server CPU % "
          "| of which PG+Redis % | clients CPU % |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


Measured = tuple[str, int, float, dict[str, float]]


def bench_cohort(config: str, sizes: list[int], rates: dict[int, list[float]],
                 seconds: float, processes: int = 1, server: str = "uvicorn",
                 timeline: bool = False) -> list[Measured]:
    rows = []
    label = f"{server}, {config}" if processes == 1 else \
        f"{server}, {config}, {processes} proc."
    with tempfile.TemporaryDirectory() as tmp:
        env = config_env(config, Path(tmp))
        for size in sizes:
            for rate in rates[size]:
                # A fresh server and database per scenario: nothing carries over.
                room = fresh_database(config, env, [size])[0]
                with ExitStack() as stack:
                    servers = [stack.enter_context(serve(env, server))
                               for _ in range(processes)]
                    def extra() -> list[int]:
                        return ([p for p in [redis_pid()] if p] + postgres_pids()
                                if config == "services" else [])
                    result = asyncio.run(run_load(
                        [f"ws://127.0.0.1:{port}/ws/" for port, _ in servers],
                        room["room_id"], room["cookies"], rate, seconds,
                        [server.pid for _, server in servers], extra, timeline))
                rows.append((label, size, rate, result))
                print(row(*rows[-1]), flush=True)
                if saturated(result):
                    break
    return rows


def bench_plain(sizes: list[int], rates: dict[int, list[float]],
                seconds: float, loop: str = "uvloop") -> list[Measured]:
    rows = []
    for size in sizes:
        for rate in rates[size]:
            port = free_port()
            server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks/plain_server.py"),
                                       str(port), loop], stdout=subprocess.DEVNULL)
            try:
                wait_port(port, server)
                result = asyncio.run(run_load([f"ws://127.0.0.1:{port}/"], 1, [""] * size,
                                              rate, seconds, [server.pid], lambda: []))
            finally:
                server.terminate()
                server.wait(timeout=20)
            rows.append((f"plain websockets, {loop}", size, rate, result))
            print(row(*rows[-1]), flush=True)
            if saturated(result):
                break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["embedded", "services", "both"], default="both")
    parser.add_argument("--sizes", default="2,50,200")
    parser.add_argument("--rates", default="", help="messages/s per room, e.g. 5,10")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--processes", default="1",
                        help="server processes for PostgreSQL + Redis, e.g. 1,2 (members "
                             "connect to them in turn; the embedded layer needs one)")
    parser.add_argument("--servers", type=server_choice, default=["uvicorn"],
                        help="what serves Cohort, in turn: uvicorn, daphne or both "
                             "(uvicorn,daphne)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run everything this many times (at most 5), the servers' "
                             "order reversed every other run; ratios per run")
    parser.add_argument("--yardstick-loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--timeline", action="store_true",
                        help="after each Cohort row, the worst delivery and ack latency of "
                             "each quarter second")
    parser.add_argument("--no-yardstick", action="store_true",
                        help="skip the plain websockets server (while tuning Cohort alone)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    seconds = min(args.seconds, 60.0)
    chosen = [float(r) for r in args.rates.split(",") if r]
    rates = {s: chosen or LADDERS.get(s, [10, 20, 50]) for s in sizes}
    print(HEADER, flush=True)
    configs = ["embedded", "services"] if args.config == "both" else [args.config]
    runs: list[tuple[list[Measured], list[Measured]]] = []
    for repeat in range(max(1, min(args.repeat, 5))):
        cohort: list[Measured] = []
        # Every other run the other way round: neither server always runs first.
        servers = args.servers if repeat % 2 == 0 else args.servers[::-1]
        for config in configs:
            counts = [int(n) for n in args.processes.split(",")] \
                if config == "services" else [1]
            for processes in counts:
                for server in servers:
                    cohort += bench_cohort(config, sizes, rates, seconds, processes, server,
                                           args.timeline)
        plain = [] if args.no_yardstick else \
            bench_plain(sizes, rates, seconds, args.yardstick_loop)
        runs.append((cohort, plain))
    for number, (cohort, plain) in enumerate(runs, 1):
        if plain:
            print(f"\nRun {number}:", end="")
            print_ratios(cohort, plain)


def print_ratios(cohort: list[Measured], plain: list[Measured]) -> None:
    """Cohort's server CPU per delivery over the yardstick's, where both ran the same load
    in the same run."""
    yardstick = {(size, rate): result["cpu_us"] for _, size, rate, result in plain}
    print("\n| server                 | size |  rate | CPU us/deliv. | yardstick | ratio |\n"
          "|---|---:|---:|---:|---:|---:|")
    for label, size, rate, result in cohort:
        if (size, rate) in yardstick:
            plain_us = yardstick[size, rate]
            print(f"| {label:<22} | {size:>4} | {rate:>5g} | {result['cpu_us']:>7.0f} | "
                  f"{plain_us:>7.0f} | {result['cpu_us'] / plain_us:>5.1f} |")


if __name__ == "__main__":
    main()
