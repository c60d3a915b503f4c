"""The group-call relay under load: N participants all publishing 640x480 VP8 at 30 fps,
each receiving the other N-1 through the relay (N x (N-1) forwarded streams).

Publishers send a pre-encoded clip and subscribers count encoded frames without decoding,
so the client process stays light and the figures are the relay's: the frame rate each
subscriber receives per stream, and the server process's CPU per forwarded stream.

    .venv/bin/python benchmarks/relay.py                 # 10 participants, 15 s
    .venv/bin/python benchmarks/relay.py --people 4,10 --seconds 20 --audio

Traffic stays on 127.0.0.1; every run is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from benchmarks.harness import (  # noqa: E402
    config_env,
    cpu_seconds,
    free_port,
    fresh_database,
    rss_kib,
    wait_port,
)


def loopback_only() -> None:
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


async def run_call(base: str, room_id: int, cookies: list[str], seconds: float,
                   server_pid: int, audio: bool) -> dict[str, float]:
    from tests.video.peers import CallPeer, ClipTrack, encoded_clip

    clip = encoded_clip()
    peers = [CallPeer(base, cookie, room_id, video=ClipTrack(clip),
                      audio=audio, count_only=True) for cookie in cookies]
    try:
        for peer in peers:
            await peer.join()
        streams = [(me, other) for me in peers for other in peers if other is not me]

        def frames(me, other) -> int:
            return me.received[other.peer_id].video_frames()
        deadline = time.monotonic() + 60
        while not all(frames(me, other) > 30 for me, other in streams):
            if time.monotonic() > deadline:
                missing = sum(1 for me, other in streams if frames(me, other) <= 30)
                raise RuntimeError(f"{missing} of {len(streams)} streams never started")
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # settle
        before = {stream: frames(*stream) for stream in streams}
        cpu_server, cpu_client = cpu_seconds(server_pid), cpu_seconds(os.getpid())
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        server_cores = (cpu_seconds(server_pid) - cpu_server) / elapsed
        client_cores = (cpu_seconds(os.getpid()) - cpu_client) / elapsed
        rates = [(frames(*stream) - before[stream]) / elapsed for stream in streams]
        return {"people": len(peers), "streams": len(streams),
                "fps_min": min(rates), "fps_median": statistics.median(rates),
                "server_cores": server_cores, "client_cores": client_cores,
                "per_stream": server_cores / len(streams),
                "server_rss_mib": rss_kib(server_pid) / 1024}
    finally:
        for peer in peers:
            await peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="10", help="comma-separated call sizes")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--audio", action="store_true", help="also publish Opus audio")
    args = parser.parse_args()
    sizes = [int(s) for s in args.people.split(",")]
    loopback_only()
    with tempfile.TemporaryDirectory() as workdir:
        env = config_env("embedded", Path(workdir))
        rooms = fresh_database("embedded", env, sizes)
        port = free_port()
        env.update({"COHORT_RELAY_ADDRESSES": "127.0.0.1", "COHORT_CALL_P2P_MAX": "1",
                    "COHORT_CALL_RELAY_MAX": str(max(sizes))})
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "server.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open(Path(workdir) / "daphne.log", "wb"))  # noqa: SIM115
        try:
            wait_port(port, server)
            print(f"{'people':>6} {'streams':>7} {'fps min':>8} {'fps med':>8} "
                  f"{'relay cores':>11} {'per stream':>10} {'clients':>8} {'relay RSS':>9}")
            for room in rooms:  # one per size, in the order asked
                result = asyncio.run(run_call(f"http://127.0.0.1:{port}", room["room_id"],
                                              room["cookies"], args.seconds, server.pid,
                                              args.audio))
                print(f"{result['people']:>6} {result['streams']:>7} "
                      f"{result['fps_min']:>8.1f} {result['fps_median']:>8.1f} "
                      f"{result['server_cores']:>11.2f} {result['per_stream'] * 100:>9.2f}% "
                      f"{result['client_cores']:>8.2f} {result['server_rss_mib']:>7.0f} MiB")
        except BaseException:
            print((Path(workdir) / "daphne.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.kill()  # its relay connections need no goodbye
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
