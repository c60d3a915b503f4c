"""A call participant made of aiortc, speaking docs/protocol.md and docs/video.md over a
real WebSocket: the client the video tests and benchmarks/relay.py run against the server.

Peer to peer, the newcomer offers to everyone already in the call and the others answer
(aiortc cannot roll an offer back, so it never offers to someone who may offer to it).
With the relay it always offers, one connection, its own audio and video first and one
receive-only transceiver per kind and other participant, renegotiating when people come
and go. Received video is decoded (frame sizes, rates, brightness), or in `count_only`
mode counted as encoded frames, so a benchmark measures the relay and not the clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import av
import websockets
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from tests.frames import events_in
from video.relay.forwarding import Source, tap_receiver


class GreyVideo(VideoStreamTrack):
    """640x480 at 30 fps in one grey level: a subscriber can tell who it is watching."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(640, 480, "yuv420p")
        frame.planes[0].update(bytes([self.level]) * frame.planes[0].buffer_size)
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def encoded_clip(frames: int = 60, level: int = 90, bitrate: int = 600_000) -> list[bytes]:
    """A VP8 clip of `frames` 640x480 frames, a keyframe every 30 (encoded once)."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = 640, 480, "yuv420p"
    codec.time_base = fractions.Fraction(1, 30)
    codec.bit_rate = bitrate
    codec.gop_size = 30
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    clip: list[bytes] = []
    for index in range(frames):
        frame = av.VideoFrame(640, 480, "yuv420p")
        # Moving stripes: enough detail for realistic frame sizes.
        row = bytes((x + index * 4) % 256 for x in range(640))
        frame.planes[0].update(row * 480)
        for plane in frame.planes[1:]:
            plane.update(bytes([level]) * plane.buffer_size)
        frame.pts = index
        clip.extend(bytes(p) for p in codec.encode(frame))
    clip.extend(bytes(p) for p in codec.encode(None))
    return clip


class ClipTrack(MediaStreamTrack):
    """Pre-encoded VP8 at 30 fps, looped: publishing without encoding."""

    kind = "video"

    def __init__(self, clip: list[bytes]) -> None:
        super().__init__()
        self.clip = clip
        self.index = 0
        self.start: float | None = None

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.start is None:
            self.start = time.monotonic()
        due = self.start + self.index / 30
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        packet = av.Packet(self.clip[self.index % len(self.clip)])
        packet.pts = self.index * 3000
        packet.time_base = fractions.Fraction(1, 90000)
        self.index += 1
        return packet


@dataclass
class Received:
    """What arrived from one other participant."""

    video_times: list[float] = field(default_factory=list)
    sizes: set[tuple[int, int]] = field(default_factory=set)
    brightness: list[float] = field(default_factory=list)
    audio_frames: int = 0
    counter: Source | None = None  # count_only mode: encoded video frames
    audio_counter: Source | None = None

    def video_frames(self) -> int:
        return self.counter.frames if self.counter else len(self.video_times)

    def fps(self, since: float) -> float:
        times = [t for t in self.video_times if t >= since]
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])


class CallPeer:
    def __init__(self, base_url: str, cookie: str, room_id: int, *,
                 video: MediaStreamTrack | None = None, audio: bool = True,
                 count_only: bool = False) -> None:
        self.url = base_url.replace("http", "ws", 1) + "/ws/"
        self.origin = base_url
        self.cookie = cookie  # "<session cookie name>=<session key>" of a signed-in member
        self.room_id = room_id
        self.video = video
        self.audio = AudioStreamTrack() if audio else None
        self.count_only = count_only
        self.socket: Any = None
        self.peer_id = ""
        self.mode = ""
        self.participants: list[str] = []
        self.call_key = (0, 0)  # (call id, version) of the newest description held
        self.pcs: dict[str, RTCPeerConnection] = {}  # peer_id (or "relay") -> connection
        self.received: dict[str, Received] = defaultdict(Received)
        self.mids: dict[str, str] = {}  # relay: mid -> the peer_id it carries
        self.requests: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.counter = 0
        self.reader: asyncio.Task[None] | None = None
        self.negotiating = asyncio.Lock()
        self.wanted: set[str] = set()
        self.errors: list[dict[str, Any]] = []
        self.closing = False
        self.tasks: set[asyncio.Future[Any]] = set()  # negotiations and signals under way

    # --- Socket ---------------------------------------------------------------------------
    async def connect(self) -> None:
        self.socket = await websockets.connect(
            self.url, additional_headers={"Cookie": self.cookie, "Origin": self.origin},
            max_size=2**22)
        hello = json.loads(await self.socket.recv())
        assert hello["type"] == "hello", hello
        self.reader = asyncio.ensure_future(self._read())
        await self.request({"type": "sync", "rooms": {}}, until="sync.done")

    async def request(self, frame: dict[str, Any], until: str = "ack") -> dict[str, Any]:
        self.counter += 1
        request_id = f"q{self.counter}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.requests[request_id] = future
        await self.socket.send(json.dumps({**frame, "request_id": request_id}))
        reply = await asyncio.wait_for(future, 15)
        if reply["type"] == "error":
            raise RuntimeError(f"{frame['type']}: {reply['code']} {reply['detail']}")
        return reply

    async def _read(self) -> None:
        async for text in self.socket:
            for frame in events_in(text):
                self._take(frame)

    def _take(self, frame: dict[str, Any]) -> None:
        future = self.requests.pop(frame.get("request_id") or "", None)
        if future is not None and not future.done():
            future.set_result(frame)
        elif frame["type"] == "call.signal":
            self._later(self._signal(frame))
        elif frame["type"] == "call.changed" and frame["room_id"] == self.room_id:
            key = (frame["call_id"], frame["version"])
            if key > self.call_key:  # an older description can arrive after a newer one
                self.call_key = key
                self._changed(frame["call"])
        elif frame["type"] == "error":
            self.errors.append(frame)

    # --- Joining -------------------------------------------------------------------------
    async def join(self) -> None:
        await self.connect()
        reply = await self.request({"type": "call.join", "room_id": self.room_id})
        result = reply["result"]
        self.peer_id, self.mode = result["peer_id"], result["call"]["mode"]
        self.call_key = max(self.call_key, (result["call"]["id"], result["call"]["version"]))
        others = [p["peer_id"] for p in result["call"]["participants"]
                  if p["peer_id"] != self.peer_id]
        if self.mode == "p2p":
            for peer_id in others:
                await self._offer_p2p(peer_id)
        else:
            self.wanted = set(others)
            await self._negotiate_relay()

    def _changed(self, call: dict[str, Any] | None) -> None:
        if self.closing:
            return
        present = {p["peer_id"] for p in call["participants"]} if call else set()
        self.participants = sorted(present)
        if self.mode == "relay" and self.peer_id in present:
            wanted = present - {self.peer_id}
            if wanted != self.wanted:
                self.wanted = wanted
                self._later(self._negotiate_relay())
        for peer_id in list(self.pcs):
            if self.mode == "p2p" and peer_id not in present:
                asyncio.ensure_future(self.pcs.pop(peer_id).close())

    def _later(self, job: Any) -> None:
        """Run `job` beside the reader; `close` cancels it if it is still going."""
        task = asyncio.ensure_future(job)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send_signal(self, to: str, **body: Any) -> None:
        await self.request({"type": "call.signal", "room_id": self.room_id, "to": to, **body})

    # --- Peer to peer ------------------------------------------------------------------------
    def _new_pc(self, key: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[],
                                                bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pcs[key] = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            transceiver = next(t for t in pc.getTransceivers() if t.receiver.track is track)
            asyncio.ensure_future(self._consume(key, transceiver, track))
        return pc

    def _add_local(self, pc: RTCPeerConnection) -> None:
        if self.audio is not None:
            pc.addTrack(self.audio)
        if self.video is not None:
            pc.addTrack(self.video)

    async def _offer_p2p(self, peer_id: str) -> None:
        pc = self._new_pc(peer_id)
        self._add_local(pc)
        await pc.setLocalDescription(await pc.createOffer())
        await self._send_signal(peer_id, description={"type": "offer",
                                                      "sdp": pc.localDescription.sdp})

    async def _signal(self, frame: dict[str, Any]) -> None:
        sender = frame["from"]
        if "error" in frame:
            self.errors.append(frame)
            return
        description = frame.get("description")
        if description is None:
            return  # aiortc peers put their candidates in the SDP
        if sender == "relay":
            await self.answers.put(description)
            return
        if description["type"] == "offer":
            pc = self.pcs.get(sender) or self._new_pc(sender)
            if not pc.getSenders():
                self._add_local(pc)
            await pc.setRemoteDescription(RTCSessionDescription(**description))
            await pc.setLocalDescription(await pc.createAnswer())
            await self._send_signal(sender, description={"type": "answer",
                                                         "sdp": pc.localDescription.sdp})
        elif sender in self.pcs:
            await self.pcs[sender].setRemoteDescription(RTCSessionDescription(**description))

    # --- Relay --------------------------------------------------------------------------------
    async def _negotiate_relay(self) -> None:
        async with self.negotiating:
            pc = self.pcs.get("relay")
            if pc is None:
                pc = self._new_pc("relay")
                if self.audio is not None:
                    pc.addTransceiver(self.audio, direction="sendonly")
                if self.video is not None:
                    pc.addTransceiver(self.video, direction="sendonly")
            own = [t for t in pc.getTransceivers() if t.sender.track is not None]
            receiving = [t for t in pc.getTransceivers() if t not in own]
            carried = {self.mids.get(t.mid or "") for t in receiving}
            free = [t for t in receiving if self.mids.get(t.mid or "") not in self.wanted]
            for peer_id in sorted(self.wanted - carried):
                for kind in ("audio", "video"):
                    transceiver = next((t for t in free if t.kind == kind), None)
                    if transceiver is None:
                        transceiver = pc.addTransceiver(kind, direction="recvonly")
                    else:
                        free.remove(transceiver)
                        transceiver.direction = "recvonly"
                    transceiver._cohort_peer = peer_id  # type: ignore[attr-defined]
            for transceiver in free:
                transceiver.direction = "inactive"
                transceiver._cohort_peer = None  # type: ignore[attr-defined]
            await pc.setLocalDescription(await pc.createOffer())
            streams = {t.mid: "self" for t in own if t.mid}
            for transceiver in pc.getTransceivers():
                peer = getattr(transceiver, "_cohort_peer", None)
                if transceiver.mid and transceiver not in own and peer:
                    streams[transceiver.mid] = peer
            self.mids = {mid: peer for mid, peer in streams.items() if peer != "self"}
            await self._send_signal("relay", streams=streams, description={
                "type": "offer", "sdp": pc.localDescription.sdp})
            answer = await asyncio.wait_for(self.answers.get(), 15)
            await pc.setRemoteDescription(RTCSessionDescription(**answer))

    # --- Receiving ------------------------------------------------------------------------------
    async def _consume(self, key: str, transceiver: RTCRtpTransceiver,
                       track: MediaStreamTrack) -> None:
        def who() -> str:
            return key if key != "relay" else self.mids.get(transceiver.mid or "", "?")
        if self.count_only:  # count encoded frames; decode nothing
            counter = Source(track.kind)
            if track.kind == "video":
                self.received[who()].counter = counter
            else:
                self.received[who()].audio_counter = counter
            with contextlib.suppress(RuntimeError):
                tap_receiver(transceiver.receiver, counter)
            return
        with contextlib.suppress(Exception):
            while True:
                frame = await track.recv()
                received = self.received[who()]
                if track.kind == "audio":
                    received.audio_frames += 1
                    continue
                received.video_times.append(time.monotonic())
                received.sizes.add((frame.width, frame.height))
                if len(received.brightness) < 300:
                    plane = bytes(frame.planes[0])
                    received.brightness.append(sum(plane[::997]) / len(plane[::997]))

    async def close(self) -> None:
        self.closing = True
        for task in list(self.tasks):
            task.cancel()
        for pc in list(self.pcs.values()):
            await pc.close()
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            self.reader.cancel()
