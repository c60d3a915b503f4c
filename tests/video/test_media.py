"""Real media through the real server: aiortc participants signal over the server's socket.

Peer to peer, two members see and hear each other. Through the relay, three members
each receive the other two's video, from the right person (each publishes its own grey
level), at full size and rate, and the relay never decodes or re-encodes it.
"""

from __future__ import annotations

import asyncio
import time

import aioice.ice
import pytest
from django.test import Client

from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from tests.server.test_health import http_get
from tests.server.test_metrics import scraped
from tests.servers import ServerProcess
from tests.video.peers import CallPeer, GreyVideo

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch):
    """aioice leaves loopback out of its candidates; these tests have nothing else."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses",
                        lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def server(tmp_path):
    process = ServerProcess(tmp_path, COHORT_RELAY_ADDRESSES="127.0.0.1",
                            COHORT_CALL_P2P_MAX="2").start()
    yield process
    process.stop()


async def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def relay_metrics(server) -> tuple[float | None, float | None, float | None]:
    """(relayed calls, relayed streams, open relay calls) as the server's /metrics says."""
    _status, _headers, body = await asyncio.to_thread(http_get, f"{server.url}/metrics")
    text = body.decode()
    return (scraped(text, "cohort_relay_calls"), scraped(text, "cohort_relay_streams"),
            scraped(text, "cohort_calls_open", mode="relay"))


def test_pair_sees_and_hears_each_other_peer_to_peer(server):
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    room = make_room(ana, bea)
    keys = session_cookie(ana), session_cookie(bea)

    async def run() -> None:
        a = CallPeer(server.url, keys[0], room.pk, video=GreyVideo(60))
        b = CallPeer(server.url, keys[1], room.pk, video=GreyVideo(200))
        try:
            await a.join()
            await b.join()
            assert (a.mode, b.mode) == ("p2p", "p2p")
            started = time.monotonic()
            await wait_for(lambda: a.received[b.peer_id].video_times
                           and b.received[a.peer_id].video_times, 10, "first frames")
            first_frame = time.monotonic() - started
            await asyncio.sleep(2)
            since = time.monotonic() - 1.5
            for me, other, level in ((a, b, 200), (b, a, 60)):
                got = me.received[other.peer_id]
                assert got.sizes == {(640, 480)}
                assert got.fps(since) >= 15, got.fps(since)
                assert got.audio_frames > 20  # 20 ms audio frames: her microphone arrives
                assert abs(got.brightness[-1] - level) < 12
            assert first_frame < 10
        finally:
            await a.close()
            await b.close()

    asyncio.run(run())


def test_relay_forwards_each_publisher_to_every_subscriber(server):
    users = [UserFactory(name=name) for name in ("Ana", "Bea", "Cleo")]
    room = make_room(*users)  # three members > COHORT_CALL_P2P_MAX=2: a relay call
    keys = [session_cookie(user) for user in users]
    levels = (40, 130, 220)

    async def run() -> None:
        peers = [CallPeer(server.url, key, room.pk, video=GreyVideo(level))
                 for key, level in zip(keys, levels, strict=True)]
        try:
            for peer in peers:
                await peer.join()
            assert {peer.mode for peer in peers} == {"relay"}

            def everyone_sees_everyone() -> bool:
                return all(len(me.received[other.peer_id].video_times) > 10
                           for me in peers for other in peers if other is not me)
            await wait_for(everyone_sees_everyone, 45, "six forwarded streams")
            await asyncio.sleep(2)
            since = time.monotonic() - 1.5
            for me in peers:
                for other, level in zip(peers, levels, strict=True):
                    if other is me:
                        continue
                    got = me.received[other.peer_id]
                    assert got.sizes == {(640, 480)}
                    assert got.fps(since) >= 15, (got.fps(since), me.peer_id, other.peer_id)
                    assert abs(got.brightness[-1] - level) < 12  # from the right person
                    assert got.audio_frames > 20
            assert not any(peer.errors for peer in peers)
            # The server's metrics: one relayed call, 3 people x 2 others x audio and video.
            assert await relay_metrics(server) == (1, 12, 1)

            # Cleo leaves: the others renegotiate and keep receiving each other.
            await peers[2].close()
            await asyncio.sleep(1.5)
            counts = [len(peers[0].received[peers[1].peer_id].video_times),
                      len(peers[1].received[peers[0].peer_id].video_times)]
            await asyncio.sleep(1)
            assert len(peers[0].received[peers[1].peer_id].video_times) > counts[0] + 10
            assert len(peers[1].received[peers[0].peer_id].video_times) > counts[1] + 10
            assert await relay_metrics(server) == (1, 4, 1)  # 2 people x 1 other x 2
        finally:
            for peer in peers:
                await peer.close()

    asyncio.run(run())
