"""The group-call relay under load: N participants all publishing 640x480 VP8 at 30 fps,
each receiving the other N-1 through the relay (N x (N-1) forwarded streams).

Publishers send a pre-encoded clip and subscribers count encoded frames without decoding,
so the clients stay light and the figures are the relay's: the frame rate each
subscriber receives per stream, and the server process's CPU per forwarded stream. The
participants are spread over --processes client processes (one Python process and its
one GIL could not receive 90 video and 90 audio streams at full rate), each started as
`relay.py --worker` and driven over its standard input and output.

    .venv/bin/python benchmarks/relay.py                 # 10 participants, 15 s
    .venv/bin/python benchmarks/relay.py --people 4,10 --seconds 20 --audio --processes 3

Traffic stays on 127.0.0.1; every run is bounded by --seconds and a 60 s start deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from benchmarks.harness import (  # noqa: E402
    config_env,
    cpu_seconds,
    fresh_database,
    rss_kib,
    serve,
)

START_DEADLINE = 60.0  # every stream must be flowing by then
SETTLE = 2.0


def loopback_only() -> None:
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


# --- A worker: some of the call's participants, in a process of their own ----------------
def say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def worker(job: dict[str, Any]) -> None:
    """Join `job["cookies"]`' participants, wait until each receives every other of the
    call's `job["people"]`, then count frames between the parent's `start` and `stop`."""
    from tests.video.peers import CallPeer, ClipTrack, encoded_clip

    loop = asyncio.get_running_loop()

    async def line() -> str:
        return (await loop.run_in_executor(None, sys.stdin.readline)).strip()

    clip = encoded_clip()
    peers = [CallPeer(job["base"], cookie, job["room_id"], video=ClipTrack(clip),
                      audio=job["audio"], count_only=True) for cookie in job["cookies"]]
    others = job["people"] - 1

    def counts() -> list[int]:
        """Encoded video frames received, one figure per (subscriber, publisher)."""
        return [received.video_frames() for peer in peers
                for who, received in sorted(peer.received.items())
                if who != "?" and received.counter is not None]

    try:
        for peer in peers:
            await peer.join()
        say({"joined": [peer.peer_id for peer in peers]})
        deadline = time.monotonic() + START_DEADLINE
        while not (len(frames := counts()) == len(peers) * others
                   and all(n > 30 for n in frames)):
            if time.monotonic() > deadline:
                started = sum(1 for n in frames if n > 30)
                say({"error": f"{len(peers) * others - started} of {len(peers) * others} "
                              "streams never started"})
                return
            await asyncio.sleep(0.2)
        say({"ready": True})
        if await line() != "start":
            return
        before, cpu, started_at = counts(), cpu_seconds(os.getpid()), time.monotonic()
        if await line() != "stop":
            return
        elapsed = time.monotonic() - started_at
        rates = [(after - was) / elapsed for after, was in zip(counts(), before, strict=True)]
        say({"rates": rates, "cores": (cpu_seconds(os.getpid()) - cpu) / elapsed})
    finally:
        for peer in peers:
            await peer.close()


# --- The parent: the server, the workers, the figures ---------------------------------------
def expect(process: subprocess.Popen[str], key: str) -> dict[str, Any]:
    """The worker's next message, which must carry `key`."""
    assert process.stdout is not None
    text = process.stdout.readline()
    if not text:
        raise RuntimeError(f"a client process ended early (exit {process.wait()})")
    message: dict[str, Any] = json.loads(text)
    if "error" in message or key not in message:
        raise RuntimeError(message.get("error", f"unexpected {message}"))
    return message


def tell(process: subprocess.Popen[str], word: str) -> None:
    stdin: IO[str] | None = process.stdin
    assert stdin is not None
    stdin.write(word + "\n")
    stdin.flush()


def run_call(base: str, room: dict[str, Any], processes: int, seconds: float,
             server_pid: int, audio: bool) -> dict[str, float]:
    cookies = room["cookies"]
    people = len(cookies)
    shares = [cookies[index::processes] for index in range(min(processes, people))]
    workers: list[subprocess.Popen[str]] = []
    try:
        for share in shares:  # one after another: each joins a call the last one is in
            process = subprocess.Popen(
                [sys.executable, __file__, "--worker"], cwd=ROOT, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            workers.append(process)
            tell(process, json.dumps({"base": base, "room_id": room["room_id"],
                                      "cookies": share, "people": people, "audio": audio}))
            expect(process, "joined")
        for process in workers:
            expect(process, "ready")
        time.sleep(SETTLE)
        cpu_server = cpu_seconds(server_pid)
        started = time.monotonic()
        for process in workers:
            tell(process, "start")
        time.sleep(seconds)
        for process in workers:
            tell(process, "stop")
        elapsed = time.monotonic() - started
        server_cores = (cpu_seconds(server_pid) - cpu_server) / elapsed
        results = [expect(process, "rates") for process in workers]
    finally:
        for process in workers:
            if process.stdin is not None:
                process.stdin.close()
        for process in workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    rates = [rate for result in results for rate in result["rates"]]
    client_cores = [result["cores"] for result in results]
    return {"people": people, "streams": len(rates), "processes": len(workers),
            "fps_min": min(rates), "fps_median": statistics.median(rates),
            "server_cores": server_cores, "client_cores": sum(client_cores),
            "client_max": max(client_cores), "per_stream": server_cores / len(rates),
            "server_rss_mib": rss_kib(server_pid) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="10", help="comma-separated call sizes")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--audio", action="store_true", help="also publish Opus audio")
    parser.add_argument("--processes", type=int, default=3,
                        help="client processes the participants are spread over")
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn",
                        help="what serves Cohort (and hosts the relay)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    loopback_only()
    if args.worker:
        asyncio.run(worker(json.loads(sys.stdin.readline())))
        return
    sizes = [int(s) for s in args.people.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        env = config_env("embedded", Path(workdir))
        rooms = fresh_database("embedded", env, sizes)
        env.update({"COHORT_RELAY_ADDRESSES": "127.0.0.1", "COHORT_CALL_P2P_MAX": "1",
                    "COHORT_CALL_RELAY_MAX": str(max(sizes))})
        log_path = Path(workdir) / "server.log"
        try:
            with serve(env, args.server, log_path) as (port, server):
                report(port, server.pid, rooms, args)
        except BaseException:
            print(log_path.read_text()[-3000:], file=sys.stderr)
            raise


def report(port: int, server_pid: int, rooms: list[dict], args: argparse.Namespace) -> None:
    """One call per room (per size asked, in that order), one line each."""
    print(f"{'people':>6} {'streams':>7} {'fps min':>8} {'fps med':>8} "
          f"{'relay cores':>11} {'per stream':>10} {'clients':>12} {'relay RSS':>9}")
    for room in rooms:
        r = run_call(f"http://127.0.0.1:{port}", room, max(1, args.processes),
                     args.seconds, server_pid, args.audio)
        clients = f"{r['client_cores']:.2f} ({r['processes']}x<={r['client_max']:.2f})"
        print(f"{r['people']:>6} {r['streams']:>7} {r['fps_min']:>8.1f} "
              f"{r['fps_median']:>8.1f} {r['server_cores']:>11.2f} "
              f"{r['per_stream'] * 100:>9.2f}% {clients:>12} "
              f"{r['server_rss_mib']:>7.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
