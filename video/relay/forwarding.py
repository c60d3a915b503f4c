"""Forwarding encoded media through aiortc without decoding or re-encoding it.

aiortc's receiver hands every complete encoded frame to a decoder thread through a queue;
its sender accepts already encoded `av.Packet`s from a track and only packetises them.
`tap_receiver` swaps the receiver's queue for one that hands each encoded frame to a
`Source` instead (the decoder thread then idles until the receiver stops), and each
subscriber's sender reads a `ForwardTrack` that follows one Source. Every subscriber gets
the same bytes: forwarding costs packetising and encryption, not coding.

Video subscribers start at a keyframe: a new or lagging subscriber drops frames until one
comes, and asks the publisher for it (a PLI, at most every KEYFRAME_INTERVAL seconds).
Subscribers' own keyframe requests (their PLIs to the relay's sender) go the same way.

This leans on two private details of aiortc 1.16 (pinned in pyproject): the receiver's
`_RTCRtpReceiver__decoder_queue` and the sender's `_send_keyframe`. tests/video/
test_forwarding.py fails if either changes.
"""

from __future__ import annotations

import asyncio
import fractions
import queue
import time
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError

CLOCK = {"audio": fractions.Fraction(1, 48000), "video": fractions.Fraction(1, 90000)}
KEYFRAME_INTERVAL = 0.5  # seconds between two keyframe requests to one publisher
MAX_QUEUED = 60  # frames a slow subscriber may lag before she skips to the next keyframe


def is_vp8_keyframe(data: bytes) -> bool:
    """RFC 6386 section 9.1: bit 0 of the first byte is 0 on a key frame."""
    return bool(data) and not data[0] & 0x01


class Source:
    """One publisher's audio or video: encoded frames in, fanned out to ForwardTracks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.receiver: RTCRtpReceiver | None = None
        self.tracks: set[ForwardTrack] = set()
        self.frames = 0
        self.last_keyframe_request = 0.0

    def push(self, data: bytes, timestamp: int) -> None:
        self.frames += 1
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = CLOCK[self.kind]
        keyframe = self.kind == "audio" or is_vp8_keyframe(data)
        for track in list(self.tracks):
            track.offer(packet, keyframe)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe (a PLI), at most every KEYFRAME_INTERVAL."""
        receiver = self.receiver
        now = time.monotonic()
        if self.kind != "video" or receiver is None:
            return
        if now - self.last_keyframe_request < KEYFRAME_INTERVAL:
            return
        sources = receiver.getSynchronizationSources()
        if not sources:
            return
        self.last_keyframe_request = now
        asyncio.ensure_future(receiver._send_rtcp_pli(sources[0].source))

    def close(self) -> None:
        for track in list(self.tracks):
            track.follow(None)


class _TapQueue(queue.Queue):  # type: ignore[type-arg]
    """Stands in for the receiver's decoder queue: frames go to the Source, on the loop."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:  # the receiver stops: let the idle decoder thread end
            super().put(None)
            return
        _codec, frame = item
        assert isinstance(frame, JitterFrame)  # nosec B101  # the jitter buffer holds only frames (narrows the type)
        self.source.push(frame.data, frame.timestamp)


def tap_receiver(receiver: RTCRtpReceiver, source: Source) -> None:
    """Send the receiver's encoded frames to `source` instead of its decoder.

    Call it before the receiver starts (right after setRemoteDescription).
    """
    if receiver._RTCRtpReceiver__decoder_thread is not None:  # type: ignore[attr-defined]
        raise RuntimeError("tap the receiver before it starts")
    receiver._RTCRtpReceiver__decoder_queue = _TapQueue(source)  # type: ignore[attr-defined]
    source.receiver = receiver


class ForwardTrack(MediaStreamTrack):
    """What one subscriber's sender reads: encoded frames of the Source it follows."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: Source | None = None
        self.queue: asyncio.Queue[av.Packet] = asyncio.Queue()
        self.waiting_keyframe = True
        self.forwarded = 0

    def attach(self, sender: RTCRtpSender) -> None:
        """Route the subscriber's keyframe requests to the publisher."""
        sender._send_keyframe = self.request_keyframe  # type: ignore[method-assign]

    def follow(self, source: Source | None) -> None:
        if source is self.source:
            return
        if self.source is not None:
            self.source.tracks.discard(self)
        self.source = source
        self._drain()
        if source is not None:
            source.tracks.add(self)
            source.request_keyframe()

    def request_keyframe(self) -> None:
        if self.source is not None:
            self.source.request_keyframe()

    def _drain(self) -> None:
        self.waiting_keyframe = self.kind == "video"
        while not self.queue.empty():
            self.queue.get_nowait()

    def offer(self, packet: av.Packet, keyframe: bool) -> None:
        if self.readyState != "live":
            return
        if self.queue.qsize() >= MAX_QUEUED:
            self._drain()  # she cannot keep up: skip ahead to the next keyframe
        if self.waiting_keyframe:
            if not keyframe:
                self.request_keyframe()
                return
            self.waiting_keyframe = False
        self.queue.put_nowait(packet)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self.queue.get()
        self.forwarded += 1
        return packet

    def stop(self) -> None:
        self.follow(None)
        super().stop()
