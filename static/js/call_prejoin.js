// @ts-check
// The pre-join panel: before she joins a call she sees her camera, hears that her
// microphone works (the level meter), picks her devices and whether to join muted or with
// the camera off. "Join now" hands the open stream to the call; "Cancel" releases it.
// Her choices are kept for next time (call_devices.js).

import {
  canChooseSpeaker, drawFace, fillDeviceLists, loadPrefs, openCamera, openMedia, openMic, savePrefs,
  useSpeaker, watchLevel,
} from "./call_devices.js";

/**
 * @param {{t: (key: string, values?: object) => string, me: {id: number, name: string},
 *   photo?: string | null,
 *   onJoin: (choice: {stream: MediaStream, prefs: import("./call_devices.js").Prefs}) => void,
 *   onCancel: () => void}} options
 */
export function setupPrejoin({ t, me, photo = null, onJoin, onCancel }) {
  const $ = (id) => document.getElementById(id);
  const panel = $("call-prejoin");
  const preview = /** @type {HTMLElement} */ ($("prejoin-preview"));
  const video = /** @type {HTMLVideoElement} */ ($("prejoin-video"));
  const face = /** @type {HTMLElement} */ ($("prejoin-face"));
  const level = /** @type {HTMLMeterElement} */ ($("prejoin-level"));
  const notice = /** @type {HTMLElement} */ ($("prejoin-notice"));
  const micSwitch = /** @type {HTMLInputElement} */ ($("prejoin-mic-on"));
  const cameraSwitch = /** @type {HTMLInputElement} */ ($("prejoin-camera-on"));
  const selects = {
    camera: /** @type {HTMLSelectElement} */ ($("prejoin-camera")),
    mic: /** @type {HTMLSelectElement} */ ($("prejoin-mic")),
    speaker: /** @type {HTMLSelectElement} */ ($("prejoin-speaker")),
  };
  const joinButton = /** @type {HTMLButtonElement} */ ($("prejoin-join"));
  const cancelButton = /** @type {HTMLButtonElement} */ ($("prejoin-cancel"));
  if (!panel) return null;

  let isOpen = false;
  let prefs = loadPrefs();
  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {import("./call_devices.js").Problem} */
  let cameraProblem = null;
  /** @type {import("./call_devices.js").Problem} */
  let micProblem = null;
  let stopLevel = () => {};
  let opening = 0; // each open() counts: a slow answer from an older one is dropped

  drawFace(face, { user_id: me.id, name: me.name, photo });

  const micTrack = () => (stream ? stream.getAudioTracks()[0] || null : null);
  const cameraTrack = () => (stream ? stream.getVideoTracks()[0] || null : null);

  function meter() {
    stopLevel();
    level.value = 0;
    const track = micTrack();
    stopLevel = track ? watchLevel(track, (value) => { level.value = value; }) : () => {};
  }

  function show() {
    const camera = cameraTrack();
    preview.classList.toggle("camera-off", !camera);
    if (video.srcObject !== stream) video.srcObject = stream;
    if (camera) video.play().catch(() => {});
    micSwitch.checked = Boolean(micTrack() && prefs.audio);
    micSwitch.disabled = !micTrack();
    cameraSwitch.checked = Boolean(camera);
    cameraSwitch.disabled = cameraProblem !== null;
    const lines = [];
    if (cameraProblem === "refused") lines.push(t("prejoin-camera-refused"));
    else if (cameraProblem === "absent") lines.push(t("prejoin-no-camera"));
    if (micProblem === "refused") lines.push(t("prejoin-mic-refused"));
    else if (micProblem === "absent") lines.push(t("prejoin-no-mic"));
    notice.textContent = lines.join(" ");
    notice.hidden = lines.length === 0;
    if (micProblem && !camera) joinButton.textContent = t("prejoin-listen-only");
    else if (cameraProblem && !micProblem) joinButton.textContent = t("prejoin-audio-only");
    else joinButton.textContent = t("prejoin-join");
  }

  function lists() {
    const camera = cameraTrack();
    const mic = micTrack();
    fillDeviceLists(selects, {
      camera: camera ? camera.getSettings().deviceId : prefs.cameraId,
      mic: mic ? mic.getSettings().deviceId : prefs.micId,
      speaker: prefs.speakerId,
    });
  }

  function release() {
    stopLevel();
    stopLevel = () => {};
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
  }

  async function open() {
    if (isOpen) return;
    isOpen = true;
    const ticket = ++opening;
    prefs = loadPrefs();
    panel.hidden = false;
    joinButton.disabled = true;
    notice.hidden = true;
    preview.classList.toggle("camera-off", !prefs.video);
    const opened = await openMedia({ micId: prefs.micId, cameraId: prefs.cameraId, video: prefs.video });
    if (ticket !== opening || !isOpen) { // cancelled meanwhile
      for (const track of opened.stream.getTracks()) track.stop();
      return;
    }
    stream = opened.stream;
    cameraProblem = opened.camera;
    micProblem = opened.mic;
    const mic = micTrack();
    if (mic) mic.enabled = prefs.audio;
    show();
    meter();
    lists();
    useSpeaker(video, prefs.speakerId);
    joinButton.disabled = false;
    joinButton.focus();
  }

  function close() {
    isOpen = false;
    opening += 1;
    panel.hidden = true;
  }

  function remember(changes) {
    prefs = { ...prefs, ...changes };
    savePrefs(prefs);
  }

  micSwitch.addEventListener("change", () => {
    const mic = micTrack();
    if (mic) mic.enabled = micSwitch.checked;
    remember({ audio: micSwitch.checked });
  });

  cameraSwitch.addEventListener("change", async () => {
    remember({ video: cameraSwitch.checked });
    const old = cameraTrack();
    if (!cameraSwitch.checked) { // off means off: the camera's light goes out
      if (old && stream) {
        stream.removeTrack(old);
        old.stop();
      }
      show();
      return;
    }
    if (old) return;
    const fresh = await openCamera(prefs.cameraId, false);
    if (!isOpen || !stream) {
      if (fresh) fresh.stop();
      return;
    }
    if (fresh) stream.addTrack(fresh);
    else cameraProblem = "absent";
    show();
    lists();
  });

  selects.camera.addEventListener("change", async () => {
    remember({ cameraId: selects.camera.value });
    if (!cameraSwitch.checked || !stream) return;
    const fresh = await openCamera(selects.camera.value, true);
    if (!fresh || !isOpen || !stream) {
      if (fresh) fresh.stop();
      return;
    }
    const old = cameraTrack();
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(fresh);
    video.srcObject = null; // a new track in the same stream: show it again
    show();
  });

  selects.mic.addEventListener("change", async () => {
    remember({ micId: selects.mic.value });
    if (!stream) return;
    const fresh = await openMic(selects.mic.value, true);
    if (!fresh || !isOpen || !stream) {
      if (fresh) fresh.stop();
      return;
    }
    const old = micTrack();
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    fresh.enabled = prefs.audio;
    stream.addTrack(fresh);
    micProblem = null;
    show();
    meter();
  });

  selects.speaker.addEventListener("change", () => {
    remember({ speakerId: selects.speaker.value });
    useSpeaker(video, prefs.speakerId);
  });
  if (!canChooseSpeaker) /** @type {HTMLElement} */ (selects.speaker.closest("label")).hidden = true;

  joinButton.addEventListener("click", () => {
    if (!stream) return;
    const joining = stream;
    stopLevel();
    stopLevel = () => {};
    stream = null; // the call owns it now
    video.srcObject = null;
    close();
    onJoin({ stream: joining, prefs });
  });

  cancelButton.addEventListener("click", () => {
    release();
    close();
    onCancel();
  });

  panel.addEventListener("keydown", (event) => {
    // (Escape in a device list closes the list, not the panel.)
    if (event.key === "Escape" && !(event.target instanceof HTMLSelectElement)) cancelButton.click();
  });

  return {
    open,
    get isOpen() {
      return isOpen;
    },
    /** She left the page or the room: let go of everything. */
    release() {
      release();
      close();
    },
  };
}
