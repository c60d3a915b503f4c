// The room's call: join, leave, mute, camera, screen, devices, and the video grid.
//
// Signalling rides on the page's LiveConnection (docs/protocol.md, "Calls"). Peer to peer,
// the newcomer offers to everyone already in the call (those in the answer to her join)
// and the others answer; later offers (an ICE restart) follow the perfect-negotiation
// pattern: either side may offer, the "polite" one (the smaller peer_id) yields on a
// collision. Chromium loses the candidates of an offer it rolls back, so a join never
// makes both sides offer at once. With the relay there is one connection and
// this page always offers: its own audio and video first, then one receive-only audio and
// video transceiver per other participant, named in the offer's `streams`.

import {
  drawFace, fillDeviceLists, loadPrefs, openCamera, openMedia, openMic, savePrefs, useSpeaker,
} from "./call_devices.js";
import { setupPrejoin } from "./call_prejoin.js";

const SPEAKING_LEVEL = 0.03;

// "Start a call" / "Join the call" first open the pre-join panel (call_prejoin.js), and so
// does `autoJoin`: the page was opened to join the call (the room's URL with `#call`, as
// the calendar's "Join call" and an incoming call's "Join" link it). `photo`: the URL of
// her profile photo, if she has one.
export function setupCall({ live, roomId, me, t, initialCall, canJoin, autoJoin = false, photo = null }) {
  const $ = (id) => document.getElementById(id);
  const panel = $("call-panel");
  const grid = $("call-grid");
  const button = $("call-button");
  const status = $("call-status");
  const controls = {
    mic: $("call-mic"), camera: $("call-camera"), screen: $("call-screen"),
    leave: $("call-leave"), cameraSelect: $("call-camera-select"), micSelect: $("call-mic-select"),
    speakerSelect: $("call-speaker-select"), devices: $("call-devices"), deviceLists: $("call-device-lists"),
  };

  let call = initialCall; // the room's call as the server last described it
  // Descriptions arrive by roads that may cross (room events, signalling, answers to
  // requests): keep the newest (call id, version) and drop anything older.
  let callKey = initialCall ? [initialCall.id, initialCall.version] : [0, 0];
  function newer(id, version) {
    if (id > callKey[0] || (id === callKey[0] && version > callKey[1])) {
      callKey = [id, version];
      return true;
    }
    return false;
  }
  let joined = false;
  let joining = false;
  let ready = false; // the socket is synced: requests can go
  let joinWhenReady = false;
  let prefs = loadPrefs(); // her devices, as the pre-join panel left them
  let peerId = null;
  let mode = null;
  let iceServers = [];
  // "relay" when she hides her address (her profile or the community): TURN only. The
  // server drops any other candidate to or from her as well (video/privacy.py).
  /** @type {RTCIceTransportPolicy} */
  let iceTransportPolicy = "all";
  let stream = null; // microphone + camera (or screen) of this page
  let cameraTrack = null;
  let screenTrack = null;
  const links = new Map(); // peer_id -> PeerLink (peer to peer)
  let relay = null; // RelayLink
  const tiles = new Map(); // peer_id -> tile element
  // peer_id -> what arrives from her. Kept apart from the tiles: her media may arrive
  // before the description that names her, and a tile drawn again must still show it.
  const remoteMedia = new Map();

  const prejoin = setupPrejoin({
    t, me, photo,
    onJoin: ({ stream: chosen, prefs: chosenPrefs }) => {
      prefs = chosenPrefs;
      stream = chosen;
      cameraTrack = stream.getVideoTracks()[0] || null;
      join();
    },
    onCancel: () => {
      render();
      if (button && !button.hidden) button.focus();
    },
  });

  const send = (to, body) => live.request({ type: "call.signal", room_id: roomId, to, ...body })
    .catch(() => {}); // a peer who just left: nothing to do

  // --- Rendering -----------------------------------------------------------------------
  function participants() {
    return call ? call.participants : [];
  }

  function render() {
    const people = participants();
    document.querySelectorAll(`[data-call-room]`).forEach((badge) => {
      if (Number(badge.dataset.callRoom) === roomId) badge.hidden = people.length === 0;
    });
    if (status) {
      status.hidden = people.length === 0;
      status.textContent = people.length
        ? t("call-in-progress", { names: people.map((p) => p.name).join(", ") }) : "";
    }
    if (button) {
      button.hidden = joined || !canJoin || Boolean(prejoin && prejoin.isOpen);
      button.textContent = people.length ? t("call-join", { count: people.length }) : t("call-start");
      button.disabled = joining || joinWhenReady;
    }
    const who = $("prejoin-who");
    if (who) {
      who.textContent = people.length
        ? t("call-in-progress", { names: people.map((p) => p.name).join(", ") }) : t("prejoin-nobody");
    }
    panel.hidden = !joined;
    if (!joined) return;
    const present = new Set(people.map((p) => p.peer_id));
    for (const [id, tile] of tiles) {
      if (!present.has(id)) {
        tile.remove();
        tiles.delete(id);
      }
    }
    for (const person of people) {
      const local = person.peer_id === peerId;
      const tile = tileFor(person.peer_id, person.name, local);
      const label = tile.querySelector(".tile-name");
      label.textContent = local ? t("you", { name: person.name }) : person.name;
      if (person.badge === "mentor" || person.badge === "admin" || person.badge === "bot") { // her role, not her name
        const badge = document.createElement("span");
        badge.className = `badge role-badge role-${person.badge}`;
        badge.textContent = t(`badge-${person.badge}`);
        label.append(" ", badge);
      }
      drawFace(tile.querySelector(".tile-face"), local ? { ...person, photo: person.photo || photo } : person);
      tile.classList.toggle("muted", !person.audio);
      tile.classList.toggle("camera-off", !showsPicture(person, local));
      tile.classList.toggle("screen", person.screen);
      // Her own camera shows as in a mirror; her shared screen reads the right way round.
      if (local) tile.classList.toggle("mirror", !screenTrack);
      tile.querySelector(".tile-state").textContent = [
        person.audio ? "" : t("muted"), person.screen ? t("sharing") : "",
      ].filter(Boolean).join(" · ");
      if (!local && person.user_id !== me.id && !tile.querySelector(".tile-report")) {
        // Reported as the member in this room; a new tab, so the call goes on.
        const report = document.createElement("a");
        report.className = "tile-report";
        report.href = `/report/member/${person.user_id}/?room=${roomId}`;
        report.target = "_blank";
        report.rel = "noopener";
        report.textContent = t("report");
        report.setAttribute("aria-label", t("report-member", { name: person.name }));
        tile.querySelector("figcaption").append(report);
      }
    }
    grid.dataset.count = String(tiles.size);
    const mine = people.find((p) => p.peer_id === peerId);
    if (mine) {
      controls.mic.setAttribute("aria-pressed", String(!mine.audio));
      controls.mic.textContent = mine.audio ? t("mute") : t("unmute");
      const cameraOn = Boolean(cameraTrack);
      controls.camera.setAttribute("aria-pressed", String(!cameraOn));
      controls.camera.textContent = cameraOn ? t("camera-off") : t("camera-on");
      controls.screen.setAttribute("aria-pressed", String(mine.screen));
      controls.screen.textContent = mine.screen ? t("stop-sharing") : t("share-screen");
    }
  }

  // A picture to show: the server says her camera (or screen) is on and frames come in.
  // Otherwise the tile shows her face (photo or initials), never a black box.
  function showsPicture(person, local) {
    if (!person.video) return false;
    if (local) return Boolean(screenTrack || (cameraTrack && cameraTrack.readyState === "live"));
    const media = remoteMedia.get(person.peer_id);
    return Boolean(media && media.getVideoTracks().some((tr) => tr.readyState === "live" && !tr.muted));
  }

  function tileFor(id, name, local) {
    let tile = tiles.get(id);
    if (tile) return tile;
    tile = document.createElement("figure");
    tile.className = `call-tile${local ? " local" : ""}`;
    tile.dataset.peer = id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.muted = local; // never play her own voice back
    video.srcObject = local ? stream : mediaOf(id);
    if (!local) useSpeaker(video, prefs.speakerId);
    const face = document.createElement("div");
    face.className = "tile-face";
    face.setAttribute("aria-hidden", "true");
    const caption = document.createElement("figcaption");
    const label = document.createElement("span");
    label.className = "tile-name";
    label.textContent = local ? t("you", { name }) : name;
    const state = document.createElement("span");
    state.className = "tile-state";
    caption.append(label, state);
    tile.append(face, video, caption);
    grid.append(tile);
    tiles.set(id, tile);
    return tile;
  }

  function mediaOf(id) {
    if (!remoteMedia.has(id)) remoteMedia.set(id, new MediaStream());
    return remoteMedia.get(id);
  }

  function showTrack(id, track) {
    const media = mediaOf(id);
    for (const old of media.getTracks()) if (old.kind === track.kind) media.removeTrack(old);
    media.addTrack(track);
    if (track.kind === "video") { // frames start or stop: picture or face
      track.addEventListener("mute", render);
      track.addEventListener("unmute", render);
    }
    const person = participants().find((p) => p.peer_id === id);
    const video = tileFor(id, person ? person.name : "", false).querySelector("video");
    if (video.srcObject !== media) video.srcObject = media;
    video.play().catch(() => {});
  }

  // --- Local media ---------------------------------------------------------------------
  function listDevices() {
    const mic = stream && stream.getAudioTracks()[0];
    fillDeviceLists(
      { camera: controls.cameraSelect, mic: controls.micSelect, speaker: controls.speakerSelect },
      { camera: cameraTrack ? cameraTrack.getSettings().deviceId : prefs.cameraId,
        mic: mic ? mic.getSettings().deviceId : prefs.micId, speaker: prefs.speakerId });
  }

  function remember(changes) {
    prefs = { ...loadPrefs(), ...changes };
    savePrefs(prefs);
  }

  function outgoing(kind) {
    if (kind === "audio") return stream.getAudioTracks()[0] || null;
    return screenTrack || cameraTrack;
  }

  async function replaceOutgoing(kind) {
    const track = outgoing(kind);
    for (const link of links.values()) await link.replace(kind, track);
    if (relay) await relay.replace(kind, track);
  }

  async function switchDevice(kind, deviceId) {
    remember(kind === "audio" ? { micId: deviceId } : { cameraId: deviceId });
    if (kind === "video" && !cameraTrack) return; // used when she turns the camera on
    const track = kind === "audio" ? await openMic(deviceId, true) : await openCamera(deviceId, true);
    if (!track || !stream) return;
    const old = kind === "audio" ? stream.getAudioTracks()[0] : cameraTrack;
    if (old) {
      track.enabled = old.enabled;
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(track);
    if (kind === "video") cameraTrack = track;
    await replaceOutgoing(kind);
  }

  function switchSpeaker(deviceId) {
    remember({ speakerId: deviceId });
    for (const [id, tile] of tiles) if (id !== peerId) useSpeaker(tile.querySelector("video"), deviceId);
  }

  // --- Peer to peer: perfect negotiation --------------------------------------------------
  class PeerLink {
    constructor(id) {
      this.id = id;
      this.polite = peerId < id;
      this.makingOffer = false;
      this.ignoreOffer = false;
      this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy });
      this.senders = {};
      for (const kind of ["audio", "video"]) {
        const track = outgoing(kind);
        this.senders[kind] = track
          ? this.pc.addTrack(track, stream)
          : this.pc.addTransceiver(kind, { direction: "sendrecv" }).sender;
      }
      this.pc.ontrack = ({ track }) => showTrack(id, track);
      this.pc.onicecandidate = ({ candidate }) => send(id, { candidate: candidate ? candidate.toJSON() : null });
      this.pc.onnegotiationneeded = async () => {
        try {
          this.makingOffer = true;
          await this.pc.setLocalDescription();
          await send(id, { description: { type: this.pc.localDescription.type, sdp: this.pc.localDescription.sdp } });
        } finally {
          this.makingOffer = false;
        }
      };
      this.pc.oniceconnectionstatechange = () => {
        if (this.pc.iceConnectionState === "failed") this.restart();
      };
    }

    async receive({ description, candidate }) {
      if (description) {
        const collision = description.type === "offer"
          && (this.makingOffer || this.pc.signalingState !== "stable");
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        await this.pc.setRemoteDescription(description);
        if (description.type === "offer") {
          await this.pc.setLocalDescription();
          await send(this.id, { description: { type: "answer", sdp: this.pc.localDescription.sdp } });
        }
      } else if (candidate !== undefined) {
        try {
          await this.pc.addIceCandidate(candidate || undefined);
        } catch (error) {
          if (!this.ignoreOffer) console.warn("candidate refused", error);
        }
      }
    }

    async replace(kind, track) {
      await this.senders[kind].replaceTrack(track);
    }

    async restart() {
      await refreshIceServers();
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers, iceTransportPolicy });
      this.pc.restartIce();
    }

    close() {
      this.pc.close();
    }
  }

  // --- Relay: this page always offers ---------------------------------------------------------
  class RelayLink {
    constructor() {
      this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy, bundlePolicy: "max-bundle" });
      this.own = {};
      for (const kind of ["audio", "video"]) {
        const transceiver = this.pc.addTransceiver(outgoing(kind) || kind, { direction: "sendonly", streams: [stream] });
        preferVp8(transceiver);
        this.own[kind] = transceiver;
      }
      this.carries = new Map(); // transceiver -> peer_id
      this.answer = null;
      this.queue = Promise.resolve();
      this.pc.ontrack = ({ transceiver, track }) => {
        const id = this.carries.get(transceiver);
        if (id) showTrack(id, track);
      };
      this.pc.onicecandidate = ({ candidate }) => send("relay", { candidate: candidate ? candidate.toJSON() : null });
      this.pc.oniceconnectionstatechange = () => {
        if (this.pc.iceConnectionState === "failed") restartRelay();
      };
    }

    update() {
      this.queue = this.queue.then(() => this.negotiate()).catch((error) => console.warn("relay", error));
      return this.queue;
    }

    async negotiate() {
      const wanted = new Set(participants().map((p) => p.peer_id).filter((id) => id !== peerId));
      const receiving = this.pc.getTransceivers().filter((tr) => tr !== this.own.audio && tr !== this.own.video);
      const free = receiving.filter((tr) => !wanted.has(this.carries.get(tr)));
      const carried = new Set(receiving.map((tr) => this.carries.get(tr)).filter((id) => wanted.has(id)));
      for (const id of wanted) {
        if (carried.has(id)) continue;
        for (const kind of ["audio", "video"]) {
          let transceiver = free.find((tr) => tr.receiver.track.kind === kind);
          if (transceiver) {
            free.splice(free.indexOf(transceiver), 1);
            transceiver.direction = "recvonly";
          } else {
            transceiver = this.pc.addTransceiver(kind, { direction: "recvonly" });
            preferVp8(transceiver);
          }
          this.carries.set(transceiver, id);
          if (transceiver.receiver.track) showTrack(id, transceiver.receiver.track);
        }
      }
      for (const transceiver of free) {
        transceiver.direction = "inactive";
        const id = this.carries.get(transceiver);
        if (id && !wanted.has(id)) remoteMedia.delete(id);
        this.carries.delete(transceiver);
      }
      await this.pc.setLocalDescription(await this.pc.createOffer());
      const streams = {};
      for (const transceiver of this.pc.getTransceivers()) {
        if (!transceiver.mid) continue;
        if (transceiver === this.own.audio || transceiver === this.own.video) streams[transceiver.mid] = "self";
        else if (this.carries.has(transceiver)) streams[transceiver.mid] = this.carries.get(transceiver);
      }
      const answered = new Promise((resolve) => { this.answer = resolve; });
      await send("relay", { streams, description: { type: "offer", sdp: this.pc.localDescription.sdp } });
      await this.pc.setRemoteDescription(await answered);
    }

    receive({ description, candidate }) {
      if (description && description.type === "answer" && this.answer) {
        this.answer(description);
        this.answer = null;
      }
    }

    async replace(kind, track) {
      await this.own[kind].sender.replaceTrack(track);
    }

    close() {
      this.pc.close();
    }
  }

  function preferVp8(transceiver) {
    if (transceiver.receiver.track.kind !== "video" || !transceiver.setCodecPreferences) return;
    const codecs = RTCRtpReceiver.getCapabilities("video").codecs;
    const vp8 = codecs.filter((c) => /vp8|rtx/i.test(c.mimeType));
    if (vp8.length) transceiver.setCodecPreferences(vp8);
  }

  function restartRelay() {
    if (!relay) return;
    relay.close();
    relay = new RelayLink(); // a new connection (new fingerprint): the relay replaces the old one
    relay.update();
  }

  async function refreshIceServers() {
    try {
      const fresh = await live.request({ type: "call.ice", room_id: roomId });
      iceServers = fresh.ice_servers;
      iceTransportPolicy = fresh.ice_transport_policy || "all";
    } catch {
      // keep the ones we have
    }
  }

  // --- Joining and leaving -------------------------------------------------------------------
  async function join() {
    if (joined || joining) return;
    if (!ready) { // the socket is (re)connecting: join once it is back
      joinWhenReady = true;
      render();
      return;
    }
    joining = true;
    render();
    try {
      if (!stream) {
        prefs = loadPrefs();
        stream = (await openMedia({ micId: prefs.micId, cameraId: prefs.cameraId, video: prefs.video })).stream;
        cameraTrack = stream.getVideoTracks()[0] || null;
        const mic = stream.getAudioTracks()[0];
        if (mic) mic.enabled = prefs.audio;
      }
      const result = await live.request({
        type: "call.join", room_id: roomId,
        audio: stream.getAudioTracks().some((tr) => tr.enabled),
        video: Boolean(cameraTrack && cameraTrack.enabled),
      });
      peerId = result.peer_id;
      mode = result.call.mode;
      iceServers = result.ice_servers;
      iceTransportPolicy = result.ice_transport_policy || "all";
      if (newer(result.call.id, result.call.version)) call = result.call;
      joined = true;
      render();
      listDevices();
      connectPeers({ offer: true });
    } catch (error) {
      stopMedia(); // not in the call: her camera and microphone go off
      status.hidden = false;
      status.textContent = error.detail || t("call-failed");
    } finally {
      joining = false;
      render();
    }
  }

  // Peer to peer, `offer` is for her own join: she connects to (offers to) everyone
  // already there. Afterwards newcomers offer to her, and a link opens with their offer.
  function connectPeers({ offer = false } = {}) {
    if (mode === "relay") {
      if (!relay) relay = new RelayLink();
      relay.update();
      return;
    }
    const present = new Set(participants().map((p) => p.peer_id));
    if (offer) for (const id of present) if (id !== peerId && !links.has(id)) links.set(id, new PeerLink(id));
    for (const [id, link] of links) {
      if (!present.has(id)) {
        link.close();
        links.delete(id);
        remoteMedia.delete(id);
      }
    }
  }

  function teardown() {
    for (const link of links.values()) link.close();
    links.clear();
    if (relay) relay.close();
    relay = null;
    for (const tile of tiles.values()) tile.remove();
    tiles.clear();
    remoteMedia.clear();
    joined = false;
    peerId = null;
  }

  function stopMedia() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    if (screenTrack) screenTrack.stop();
    stream = cameraTrack = screenTrack = null;
  }

  async function leave() {
    if (!joined) return;
    teardown();
    stopMedia();
    render();
    try {
      await live.request({ type: "call.leave", room_id: roomId });
    } catch {
      // the socket is gone: the server already took her out
    }
  }

  async function setState(changes) {
    try {
      await live.request({ type: "call.update", room_id: roomId, ...changes });
    } catch {
      // shown state follows the next call.changed
    }
  }

  async function toggleScreen() {
    if (screenTrack) {
      screenTrack.stop();
      screenTrack = null;
      await replaceOutgoing("video");
      const tile = tiles.get(peerId);
      if (tile) tile.querySelector("video").srcObject = stream;
      render();
      await setState({ screen: false, video: Boolean(cameraTrack && cameraTrack.enabled) });
      return;
    }
    let display;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch {
      return; // she cancelled the picker
    }
    screenTrack = display.getVideoTracks()[0];
    screenTrack.addEventListener("ended", () => { if (screenTrack) toggleScreen(); });
    await replaceOutgoing("video");
    const tile = tiles.get(peerId);
    if (tile) tile.querySelector("video").srcObject = new MediaStream([screenTrack]);
    render();
    await setState({ screen: true, video: true });
  }

  // --- Active speaker ---------------------------------------------------------------------------
  async function levels() {
    const heard = new Map();
    const read = async (id, receiver) => {
      const stats = await receiver.getStats();
      stats.forEach((report) => {
        if (report.type === "inbound-rtp" && report.kind === "audio" && report.audioLevel !== undefined) {
          heard.set(id, Math.max(heard.get(id) || 0, report.audioLevel));
        }
      });
    };
    const jobs = [];
    for (const [id, link] of links) {
      for (const receiver of link.pc.getReceivers()) if (receiver.track.kind === "audio") jobs.push(read(id, receiver));
    }
    if (relay) {
      for (const [transceiver, id] of relay.carries) {
        if (transceiver.receiver.track.kind === "audio") jobs.push(read(id, transceiver.receiver));
      }
    }
    await Promise.allSettled(jobs);
    let loudest = null;
    for (const [id, level] of heard) if (level > SPEAKING_LEVEL && (!loudest || level > heard.get(loudest))) loudest = id;
    for (const [id, tile] of tiles) tile.classList.toggle("speaking", id === loudest);
  }
  setInterval(() => { if (joined) levels(); }, 500);

  // --- Controls -------------------------------------------------------------------------------
  function say(text) {
    status.hidden = false;
    status.textContent = text;
  }

  function openPrejoin() {
    if (joined || joining || !canJoin || !prejoin) return;
    prejoin.open();
    render();
  }

  button && button.addEventListener("click", openPrejoin);
  controls.leave.addEventListener("click", leave);
  controls.mic.addEventListener("click", async () => {
    if (!stream) return;
    let track = stream.getAudioTracks()[0];
    if (!track) { // she joined without a microphone: ask for it now
      track = await openMic(prefs.micId, false);
      if (!track) say(t("mic-unavailable"));
      if (!track || !stream) return;
      stream.addTrack(track);
      await replaceOutgoing("audio");
      listDevices();
    } else {
      track.enabled = !track.enabled;
    }
    setState({ audio: track.enabled });
  });
  controls.camera.addEventListener("click", async () => {
    if (!stream) return;
    if (cameraTrack) { // off means off: the camera's light goes out
      stream.removeTrack(cameraTrack);
      cameraTrack.stop();
      cameraTrack = null;
      if (!screenTrack) await replaceOutgoing("video");
      render();
      setState({ video: Boolean(screenTrack) });
      return;
    }
    const track = await openCamera(prefs.cameraId, false);
    if (!track) say(t("camera-unavailable"));
    if (!track || !stream || !joined) {
      if (track) track.stop();
      return;
    }
    cameraTrack = track;
    stream.addTrack(track);
    if (!screenTrack) {
      await replaceOutgoing("video");
      const tile = tiles.get(peerId);
      if (tile) { // the same stream with a new track: show it again
        const video = tile.querySelector("video");
        video.srcObject = null;
        video.srcObject = stream;
      }
    }
    render();
    listDevices();
    setState({ video: true });
  });
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) controls.screen.hidden = true; // phones
  controls.screen.addEventListener("click", toggleScreen);
  controls.devices.addEventListener("click", () => {
    const open = controls.devices.getAttribute("aria-expanded") !== "true";
    controls.devices.setAttribute("aria-expanded", String(open));
    controls.deviceLists.hidden = !open;
    if (open) listDevices();
  });
  controls.cameraSelect.addEventListener("change", () => switchDevice("video", controls.cameraSelect.value));
  controls.micSelect.addEventListener("change", () => switchDevice("audio", controls.micSelect.value));
  controls.speakerSelect.addEventListener("change", () => switchSpeaker(controls.speakerSelect.value));
  // An incoming call's "Join" on this very page only changes the hash.
  window.addEventListener("hashchange", () => {
    if (location.hash !== "#call") return;
    history.replaceState(null, "", location.pathname + location.search);
    openPrejoin();
  });
  // The network changed (new Wi-Fi, a VPN, back online): find a new path.
  const networkChanged = () => {
    for (const link of links.values()) link.restart();
    if (relay) restartRelay();
  };
  window.addEventListener("online", networkChanged);
  if (navigator.connection) navigator.connection.addEventListener("change", networkChanged);
  window.addEventListener("pagehide", () => {
    if (joined) leave();
    else if (prejoin) prejoin.release();
  });

  if (autoJoin) {
    history.replaceState(null, "", location.pathname + location.search);
    openPrejoin();
  }
  render();

  // --- Events from the socket -------------------------------------------------------------------
  let wasJoined = false;
  return {
    handleEvent(event) {
      if (event.type === "call.changed" && event.room_id !== roomId) {
        document.querySelectorAll(`[data-call-room="${event.room_id}"]`)
          .forEach((badge) => { badge.hidden = !event.call; });
        return;
      }
      if (event.room_id !== roomId && event.type !== "sync.done") return;
      switch (event.type) {
        case "call.changed":
          if (!newer(event.call_id, event.version)) break;
          call = event.call;
          if (joined && !participants().some((p) => p.peer_id === peerId)) {
            teardown(); // the server no longer counts her in (removed, or her socket dropped)
          }
          if (joined) connectPeers();
          render();
          break;
        case "call.signal":
          if (event.from === "relay") relay && relay.receive(event);
          else {
            if (mode === "p2p" && joined && !links.has(event.from)) links.set(event.from, new PeerLink(event.from));
            const link = links.get(event.from);
            if (link) link.receive(event).catch((error) => console.warn("signal", error));
          }
          break;
        case "call.left":
          teardown();
          stopMedia();
          render();
          status.hidden = false;
          status.textContent = t(event.reason === "joined_elsewhere" ? "joined-elsewhere" : "call-ended");
          break;
        case "sync.done":
          ready = true;
          // After a reconnect the server has taken her out of the call: join again.
          if (wasJoined || joined || joinWhenReady) {
            wasJoined = false;
            joinWhenReady = false;
            teardown();
            join();
          } else {
            live.request({ type: "call.get", room_id: roomId })
              .then((result) => {
                if (newer(result.call_id, result.version)) call = result.call;
                render();
              }).catch(() => {});
          }
          break;
        default:
          break;
      }
    },
    disconnected() {
      ready = false;
      wasJoined = joined;
    },
    get joined() {
      return joined;
    },
  };
}
