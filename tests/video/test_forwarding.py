"""The relay's forwarding adapter around aiortc, on loopback without the server.

It pins the two private details of aiortc it relies on (video.relay.forwarding): if an
aiortc release changes them, these tests fail before any call does.
"""

from __future__ import annotations

import asyncio

import aioice.ice
import pytest
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection

from tests.video.peers import GreyVideo
from video.relay.forwarding import ForwardTrack, Source, is_vp8_keyframe, tap_receiver

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch):
    monkeypatch.setattr(aioice.ice, "get_host_addresses",
                        lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


def pc() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[],
                                              bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


async def connect(offerer: RTCPeerConnection, answerer: RTCPeerConnection, on_remote=None):
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    if on_remote:
        on_remote()
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


async def test_late_subscriber_gets_the_publishers_exact_bytes_from_a_keyframe():
    publisher, relay_in, subscriber, relay_out = pc(), pc(), pc(), pc()
    source = Source("video")
    published: list[bytes] = []
    push = source.push
    source.push = lambda data, ts: (published.append(data), push(data, ts))  # type: ignore[method-assign]
    publisher.addTransceiver(GreyVideo(90), direction="sendonly")
    await connect(publisher, relay_in, lambda: tap_receiver(
        relay_in.getTransceivers()[0].receiver, source))
    await asyncio.sleep(1.5)  # the publisher is well past its first keyframe
    assert published and not is_vp8_keyframe(published[-1])

    received = Source("video")  # the subscriber counts encoded frames, without decoding
    delivered: list[bytes] = []
    received.push = lambda data, ts: delivered.append(data)  # type: ignore[method-assign]
    subscriber.addTransceiver("video", direction="recvonly")
    track = ForwardTrack("video")

    def subscribe() -> None:
        transceiver = relay_out.getTransceivers()[0]
        transceiver.sender.replaceTrack(track)
        track.attach(transceiver.sender)
        track.follow(source)
        transceiver.direction = "sendonly"
        tap_receiver(subscriber.getTransceivers()[0].receiver, received)
    await connect(subscriber, relay_out, subscribe)
    await asyncio.sleep(2)
    try:
        assert len(delivered) > 30
        assert is_vp8_keyframe(delivered[0])  # she started at a keyframe the relay asked for
        start = published.index(delivered[0])
        assert delivered[:30] == published[start:start + 30]  # the same bytes: no re-encoding
        # The relay never decoded: its receiver's decoder queue is the tap.
        queue = relay_in.getTransceivers()[0].receiver._RTCRtpReceiver__decoder_queue
        assert type(queue).__name__ == "_TapQueue"
    finally:
        for connection in (publisher, relay_in, subscriber, relay_out):
            await connection.close()


def test_tapping_a_started_receiver_is_refused():
    async def run() -> None:
        a, b = pc(), pc()
        a.addTransceiver(GreyVideo(1), direction="sendonly")
        await connect(a, b)
        await asyncio.sleep(1)
        with pytest.raises(RuntimeError):
            tap_receiver(b.getTransceivers()[0].receiver, Source("video"))
        await a.close()
        await b.close()
    asyncio.run(run())


def test_vp8_keyframe_bit():
    assert is_vp8_keyframe(b"\x10\x02\x00")
    assert not is_vp8_keyframe(b"\x11\x02\x00")
    assert not is_vp8_keyframe(b"")
